// CentralStore: the central's data directory.
//
//   DIR/central.json      identity: {central_id, name, created_at}. Written LAST
//                         by Init: a directory holds a central exactly when
//                         central.json exists.
//   DIR/central.db        SQLite (schema/sql/central/*.sql), WAL
//   DIR/keys/central.key  Ed25519 secret key, 64 raw bytes (0600): signs
//                         down-syncs and enrolment answers, opens sealed batches
//   DIR/data/             catalog.json, calendar.json, tariff.json published to
//                         the nodes (copied at init and recorded in data_versions)
//
// DIR and DIR/keys are created 0700.
//
// Checkpoints: a commit that leaves the WAL at 1,000 pages or more (SQLite's
// automatic checkpoint threshold) wakes a thread of the store that copies the
// WAL into central.db on its own connection (a PASSIVE checkpoint, as the
// automatic one), so that a node's batch is answered without waiting for it.
// Durability is unchanged: a commit is durable once the WAL is synced.
//
// Thread-safety: a CentralStore is safe for concurrent use once opened. Its
// identity and key are immutable; every thread that touches the database
// takes its own connection with Db() (connections are pooled and reused).
#ifndef HOSO_CENTRAL_CENTRAL_STORE_H_
#define HOSO_CENTRAL_CENTRAL_STORE_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "schema/env.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "sync/keys.h"

namespace hoso::central {

struct CentralIdentity {
  std::string central_id;  // "central-hcm"; names the central in every sync header
  std::string name;        // "Sở Công Thương TP.HCM"
  UnixMs created_at = 0;
};

struct CentralInitOptions {
  std::string central_id;       // generated ("central-" + 8 hex) when empty
  std::string name;             // "Hoso central" when empty
  std::string source_data_dir;  // where catalog.json, calendar.json, tariff.json come from
  FileSystem* fs = PosixFileSystem();
  Clock* clock = SystemClock();
};

// Published data kinds, in the order data_versions and down-syncs list them.
inline constexpr const char* kDataKinds[] = {"catalog", "calendar", "tariff"};

// Central ids (and node ids) are 1..64 printable ASCII characters without
// spaces: they appear in headers, file names and log lines.
// kInvalidArgument naming `field` otherwise.
Status ValidateId(const std::string& id, const std::string& field);

class CentralStore;

// A database connection borrowed from a CentralStore; returned to its pool
// when destroyed. Move-only. Use from one thread at a time.
class DbLease {
 public:
  DbLease(DbLease&& other) noexcept;
  DbLease& operator=(DbLease&&) = delete;
  DbLease(const DbLease&) = delete;
  ~DbLease();

  Database& operator*() const { return *db_; }
  Database* operator->() const { return db_.get(); }

 private:
  friend class CentralStore;
  DbLease(CentralStore* store, std::unique_ptr<Database> db) : store_(store), db_(std::move(db)) {}
  CentralStore* store_;
  std::unique_ptr<Database> db_;
};

class CentralStore {
 public:
  // Creates a new data directory. kConflict if it already holds a central;
  // kInvalidArgument (with the field) for a bad id or name; errors reading
  // or parsing the source data files name the file. A failed Init leaves no
  // central behind (central.json is written last) and may be retried.
  static Status Init(const std::string& dir, const CentralInitOptions& options);
  // Opens an existing data directory (runs pending migrations). kNotFound
  // when DIR holds no central; kPermissionDenied when the key file is
  // readable by group or others; kCorruption when central.json and
  // central.db disagree about the central id.
  static Result<std::unique_ptr<CentralStore>> Open(const std::string& dir,
                                                    FileSystem* fs = PosixFileSystem());

  CentralStore(const CentralStore&) = delete;
  CentralStore& operator=(const CentralStore&) = delete;
  ~CentralStore();

  const std::string& dir() const { return dir_; }
  const CentralIdentity& identity() const { return identity_; }
  const std::string& central_id() const { return identity_.central_id; }
  const sync::SigningKey& key() const { return *key_; }
  FileSystem* fs() const { return fs_; }

  // A connection to central.db: an idle pooled one, or a new one.
  Result<DbLease> Db();

 private:
  friend class DbLease;
  CentralStore() = default;
  void Return(std::unique_ptr<Database> db);

  std::string dir_;
  CentralIdentity identity_;
  std::unique_ptr<sync::SigningKey> key_;
  FileSystem* fs_ = nullptr;

  class Checkpointer;
  // Declared before the pool: outlives every connection whose commits wake it.
  std::unique_ptr<Checkpointer> checkpointer_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Database>> idle_;  // guarded by pool_mu_
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_CENTRAL_STORE_H_
