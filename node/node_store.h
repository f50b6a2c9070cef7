// NodeStore: one node's data directory.
//
//   DIR/node.db       SQLite (schema/sql/node/*.sql), WAL
//   DIR/node.json     identity and settings: node id, name, unit code, role,
//                     site province, created at. Written LAST by Init: a
//                     directory holds a node exactly when node.json exists.
//   DIR/keys/node.key Ed25519 secret key, 64 raw bytes (0600) — used by sync
//   DIR/keys/node.pub Ed25519 public key, 32 raw bytes
//   DIR/keys/pii.key  secretbox key for national ID numbers at rest, 32 raw
//                     bytes (0600); Open refuses it when group/other can read it
//   DIR/data/         catalog.json, calendar.json, tariff.json in force
//                     (copied at init; replaced by down-sync later)
//
// DIR, DIR/keys and DIR/data are created 0700.
//
// Thread-safety: not thread-safe; open one NodeStore per thread/process.
#ifndef HOSO_NODE_NODE_STORE_H_
#define HOSO_NODE_NODE_STORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "schema/calendar.h"
#include "schema/catalog.h"
#include "schema/env.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/tariff.h"

namespace hoso::node {

struct NodeIdentity {
  std::string node_id;    // "desk-h29-01"; generated from unit code when not given
  std::string name;       // "Bộ phận một cửa Sở Công Thương TP.HCM"
  std::string unit_code;  // "000.00.17.H29"
  std::string role;       // desk | courier
  std::string province;   // site province, for the postal tariff zone
  UnixMs created_at = 0;
};

struct InitOptions {
  NodeIdentity identity;
  std::string source_data_dir;  // where catalog.json etc. are copied from
  FileSystem* fs = PosixFileSystem();
  Clock* clock = SystemClock();
};

class NodeStore {
 public:
  // Creates a new data directory. kConflict if it already holds a node;
  // kInvalidArgument (with the field) for a bad identity; errors reading or
  // parsing the source data files name the file.
  // Failure (a full disk: kIoError) leaves no node behind: node.json is
  // written last, so Open still answers kNotFound, secret key files written so
  // far are removed, and Init may simply be retried on the same directory (it
  // replaces whatever a failed attempt left, including node.db). A node.db
  // that already holds events without node.json is refused (kConflict): that
  // is a node that lost its node.json, not a failed Init.
  static Status Init(const std::string& dir, const InitOptions& options);
  // Opens an existing data directory (runs pending migrations). kNotFound
  // when DIR holds no node; kPermissionDenied when pii.key is readable by
  // group or others; kCorruption for damaged key or settings files.
  static Result<std::unique_ptr<NodeStore>> Open(const std::string& dir,
                                                 FileSystem* fs = PosixFileSystem());

  const std::string& dir() const { return dir_; }
  const NodeIdentity& identity() const { return identity_; }
  Database& db() { return *db_; }
  const Catalog& catalog() const { return *catalog_; }
  const CalendarData& calendar_data() const { return *calendar_; }
  const Tariff& tariff() const { return *tariff_; }
  // The site's working calendar (site "default" of calendar_data()).
  const WorkingCalendar& working_calendar() const { return *working_calendar_; }
  FileSystem* fs() const { return fs_; }

  // The node's Ed25519 public key (32 raw bytes) and a detached signature
  // (64 raw bytes) of `message` with its secret key.
  const std::string& public_key() const { return public_key_; }
  std::string Sign(std::string_view message) const;

  // National ID numbers at rest: XSalsa20-Poly1305 (crypto_secretbox) with a
  // random nonce; Decrypt fails with kCorruption on tampering.
  std::string EncryptPii(const std::string& plaintext) const;
  Result<std::string> DecryptPii(const std::string& ciphertext) const;
  // Keyed BLAKE2b-256 (lower-case hex) of the digits of an ID number, for
  // exact-match search without storing the number in clear. The key is
  // derived from pii.key.
  std::string PiiLookupHash(const std::string& id_number) const;

 private:
  NodeStore() = default;
  std::string dir_;
  NodeIdentity identity_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<CalendarData> calendar_;
  std::unique_ptr<Tariff> tariff_;
  std::unique_ptr<WorkingCalendar> working_calendar_;
  std::string public_key_;
  // Secrets, zeroed with sodium_memzero on destruction.
  std::string sign_secret_key_;
  std::string pii_key_;
  std::string pii_lookup_key_;  // derived from pii_key_
  FileSystem* fs_ = nullptr;

 public:
  ~NodeStore();
  NodeStore(const NodeStore&) = delete;
  NodeStore& operator=(const NodeStore&) = delete;
};

}  // namespace hoso::node

#endif  // HOSO_NODE_NODE_STORE_H_
