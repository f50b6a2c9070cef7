#include "central/central_store.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cerrno>
#include <condition_variable>
#include <iterator>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "schema/catalog.h"
#include "schema/events.h"
#include "schema/holidays.h"
#include "schema/json_util.h"
#include "schema/migrations.h"
#include "schema/tariff.h"
#include "schema/text.h"

namespace hoso::central {
namespace {

constexpr char kCentralJson[] = "central.json";
constexpr char kDbName[] = "central.db";
constexpr char kKeyFile[] = "keys/central.key";
constexpr int kPrivateDirMode = 0700;
constexpr int kPublicDirMode = 0755;
constexpr int kPublicFileMode = 0644;
constexpr size_t kMaxIdChars = 64;
constexpr char kDefaultName[] = "Hoso central";

std::string Join(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

struct SourceData {
  std::string text[std::size(kDataKinds)];
  std::string version[std::size(kDataKinds)];
};

// Reads and validates the data files before anything is written, so a bad
// source directory fails Init without side effects.
Result<SourceData> ReadSourceData(FileSystem* fs, const std::string& dir) {
  SourceData src;
  for (size_t i = 0; i < std::size(kDataKinds); ++i) {
    const std::string path = Join(dir, std::string(kDataKinds[i]) + ".json");
    auto text = fs->ReadFile(path);
    if (!text.ok()) return text.status().WithContext(path);
    src.text[i] = std::move(text).value();
    Status parsed;
    if (i == 0) {
      auto c = Catalog::Parse(src.text[i]);
      parsed = c.status();
      if (c.ok()) src.version[i] = c->version();
    } else if (i == 1) {
      auto c = ParseCalendarData(src.text[i]);
      parsed = c.status();
      if (c.ok()) src.version[i] = c->version;
    } else {
      auto t = Tariff::Parse(src.text[i]);
      parsed = t.status();
      if (t.ok()) src.version[i] = t->version();
    }
    HOSO_RETURN_IF_ERROR(parsed.WithContext(path));
    if (src.version[i].empty()) return Status::InvalidArgument(path + " has no version");
  }
  return src;
}

std::string GenerateCentralId() {
  unsigned char rnd[4];
  randombytes_buf(rnd, sizeof rnd);
  return "central-" + HexEncode(std::string_view(reinterpret_cast<const char*>(rnd), sizeof rnd));
}

// A central.db without central.json is normally what a failed Init left.
// One that already knows nodes is a central whose central.json was lost:
// replacing it would lose every node's progress, so Init refuses.
Status CheckNoOrphanedCentral(const std::string& dir, FileSystem* fs) {
  const std::string path = Join(dir, kDbName);
  if (!fs->Exists(path)) return Status::OK();
  DatabaseOptions ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  auto db = Database::Open(path, ro);
  if (!db.ok()) return Status::OK();
  auto nodes = (*db)->QueryInt("SELECT COUNT(*) FROM nodes");
  if (nodes.ok() && nodes->value_or(0) > 0) {
    return Status::Conflict(path + " knows " + std::to_string(**nodes) +
                            " nodes but central.json is missing; restore central.json from a "
                            "backup instead of initialising over it");
  }
  return Status::OK();
}

Status CreateDatabase(const std::string& dir, const CentralIdentity& id, const SourceData& src,
                      FileSystem* fs) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string p = Join(dir, std::string(kDbName) + suffix);
    if (fs->Exists(p)) HOSO_RETURN_IF_ERROR(fs->Remove(p));
  }
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenCentralDatabase(Join(dir, kDbName)));
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement set, db->Prepare("INSERT INTO central_settings (key, value) "
                                                   "VALUES (?1, ?2)"));
  const std::pair<const char*, std::string> settings[] = {
      {"central_id", id.central_id},
      {"name", id.name},
      {"created_at_ms", std::to_string(id.created_at)}};
  for (const auto& [key, value] : settings) {
    HOSO_RETURN_IF_ERROR(set.Bind(1, key).Bind(2, value).Run());
  }
  HOSO_ASSIGN_OR_RETURN(Statement ver,
                        db->Prepare("INSERT INTO data_versions (kind, version, body, "
                                    "installed_at_ms) VALUES (?1, ?2, ?3, ?4)"));
  for (size_t i = 0; i < std::size(kDataKinds); ++i) {
    HOSO_RETURN_IF_ERROR(ver.Bind(1, kDataKinds[i])
                             .Bind(2, src.version[i])
                             .Bind(3, src.text[i])
                             .Bind(4, id.created_at)
                             .Run());
  }
  return txn.Commit();
}

std::string IdentityToJson(const CentralIdentity& id) {
  return ToPrettyJson(json::object{{"central_id", id.central_id},
                                   {"name", id.name},
                                   {"created_at", FormatUtcIso(id.created_at)},
                                   {"created_at_ms", id.created_at}});
}

Result<CentralIdentity> IdentityFromJson(const std::string& text) {
  HOSO_ASSIGN_OR_RETURN(json::object o, ParseJsonObject(text));
  CentralIdentity id;
  HOSO_ASSIGN_OR_RETURN(id.central_id, GetString(o, "central_id"));
  HOSO_ASSIGN_OR_RETURN(id.name, GetString(o, "name"));
  HOSO_ASSIGN_OR_RETURN(id.created_at, GetInt(o, "created_at_ms"));
  HOSO_RETURN_IF_ERROR(ValidateId(id.central_id, "central_id"));
  return id;
}

Status InitSteps(const std::string& dir, const CentralIdentity& id, const SourceData& src,
                 FileSystem* fs, bool* key_written) {
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(dir, kPrivateDirMode));
  // mkdir leaves an existing directory's mode alone; the directory holds
  // the central key and every node's events, so it is tightened either way.
  if (::chmod(dir.c_str(), kPrivateDirMode) != 0) return ErrnoStatus(errno, "chmod " + dir);
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(Join(dir, "keys"), kPrivateDirMode));
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(Join(dir, "data"), kPublicDirMode));
  for (size_t i = 0; i < std::size(kDataKinds); ++i) {
    HOSO_RETURN_IF_ERROR(fs->WriteFileAtomic(
        Join(dir, "data/" + std::string(kDataKinds[i]) + ".json"), src.text[i], kPublicFileMode));
  }
  *key_written = true;
  HOSO_RETURN_IF_ERROR(sync::SigningKey::Generate().Save(Join(dir, kKeyFile), fs));
  HOSO_RETURN_IF_ERROR(CreateDatabase(dir, id, src, fs));
  // The commit point: from here on the directory holds a central.
  return fs->WriteFileAtomic(Join(dir, kCentralJson), IdentityToJson(id), kPublicFileMode);
}

}  // namespace

Status ValidateId(const std::string& id, const std::string& field) {
  if (id.empty() || id.size() > kMaxIdChars) {
    return Status::InvalidArgument(
        field + " must be 1.." + std::to_string(kMaxIdChars) + " characters", field);
  }
  for (char c : id) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '\\') {
      return Status::InvalidArgument(
          field + " may only hold printable ASCII characters without spaces or slashes", field);
    }
  }
  return Status::OK();
}

// ---- DbLease ----------------------------------------------------------------

DbLease::DbLease(DbLease&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)), db_(std::move(other.db_)) {}

DbLease::~DbLease() {
  if (store_ != nullptr && db_ != nullptr) store_->Return(std::move(db_));
}

// ---- CentralStore -----------------------------------------------------------

Status CentralStore::Init(const std::string& dir, const CentralInitOptions& options) {
  FileSystem* fs = options.fs;
  if (dir.empty()) return Status::InvalidArgument("the data directory is empty", "data");
  if (fs->Exists(Join(dir, kCentralJson))) {
    return Status::Conflict(dir + " already holds a central; choose another directory");
  }
  CentralIdentity id;
  id.central_id = options.central_id.empty() ? GenerateCentralId() : options.central_id;
  HOSO_RETURN_IF_ERROR(ValidateId(id.central_id, "central_id"));
  id.name = NormaliseSpaces(options.name.empty() ? kDefaultName : options.name);
  if (id.name.empty() || !IsValidUtf8(id.name)) {
    return Status::InvalidArgument("the central needs a name in UTF-8", "name");
  }
  id.created_at = options.clock->NowMs();
  HOSO_RETURN_IF_ERROR(CheckNoOrphanedCentral(dir, fs));
  HOSO_ASSIGN_OR_RETURN(SourceData src, ReadSourceData(fs, options.source_data_dir));
  bool key_written = false;
  Status s = InitSteps(dir, id, src, fs, &key_written);
  if (!s.ok()) {
    // The key of a central that never came to be must not linger on disk.
    const std::string key_path = Join(dir, kKeyFile);
    if (key_written && fs->Exists(key_path)) (void)fs->Remove(key_path);
    return s.WithContext("initialising central in " + dir);
  }
  return Status::OK();
}

// The thread behind the checkpoints (see central_store.h). Started by the
// first commit that needs it, so short-lived commands start none.
class CentralStore::Checkpointer {
 public:
  explicit Checkpointer(std::string db_path) : db_path_(std::move(db_path)) {}
  ~Checkpointer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Replaces the connection's automatic checkpoint with a wake-up of this thread.
  void Attach(Database& db) { sqlite3_wal_hook(db.handle(), &Checkpointer::OnCommit, this); }

 private:
  static constexpr int kCheckpointPages = 1000;

  // SQLite calls this after each commit, outside any transaction.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages) {
    if (wal_pages < kCheckpointPages) return SQLITE_OK;
    if (!static_cast<Checkpointer*>(self)->Wake()) {
      // No thread to be had: checkpoint here, as SQLite itself would.
      sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    }
    return SQLITE_OK;
  }

  bool Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return false;
    if (!thread_.joinable()) {
      try {
        thread_ = std::thread(&Checkpointer::Run, this);
      } catch (const std::system_error&) {
        return false;
      }
    }
    wanted_ = true;
    cv_.notify_one();
    return true;
  }

  void Run() {
    std::unique_ptr<Database> db;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return wanted_ || stop_; });
      if (stop_) return;
      wanted_ = false;
      lock.unlock();
      if (db == nullptr) {
        auto opened = Database::Open(db_path_);
        if (opened.ok()) db = std::move(opened).value();
      }
      // A failure (a reader holding old pages, the disk) leaves the WAL to
      // the next checkpoint, as with SQLite's own.
      if (db != nullptr) {
        sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
      }
      lock.lock();
    }
  }

  const std::string db_path_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // guarded by mu_
  bool stop_ = false;    // guarded by mu_
  std::thread thread_;   // guarded by mu_
};

Result<std::unique_ptr<CentralStore>> CentralStore::Open(const std::string& dir, FileSystem* fs) {
  const std::string json_path = Join(dir, kCentralJson);
  if (!fs->Exists(json_path)) {
    return Status::NotFound(dir +
                            " holds no central (no central.json); run hoso-central init "
                            "first");
  }
  HOSO_ASSIGN_OR_RETURN(std::string text, fs->ReadFile(json_path));
  auto identity = IdentityFromJson(text);
  if (!identity.ok()) return Status::Corruption(json_path + ": " + identity.status().message());

  auto key = sync::SigningKey::Load(Join(dir, kKeyFile), fs);
  if (!key.ok()) return key.status().WithContext(Join(dir, kKeyFile));

  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenCentralDatabase(Join(dir, kDbName)));
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT value FROM central_settings "
                                                 "WHERE key = 'central_id'"));
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.ColumnText(0) != identity->central_id) {
    return Status::Corruption(Join(dir, kDbName) + " belongs to another central than " + json_path +
                              " says (" + identity->central_id + ")");
  }

  std::unique_ptr<CentralStore> store(new CentralStore());
  store->dir_ = dir;
  store->identity_ = std::move(identity).value();
  store->key_ = std::make_unique<sync::SigningKey>(std::move(key).value());
  store->fs_ = fs;
  store->checkpointer_ = std::make_unique<Checkpointer>(Join(dir, kDbName));
  store->checkpointer_->Attach(*db);
  store->idle_.push_back(std::move(db));
  return store;
}

CentralStore::~CentralStore() {
  // The pooled connections go first: none may commit once the thread stops.
  idle_.clear();
}

Result<DbLease> CentralStore::Db() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Database> db = std::move(idle_.back());
      idle_.pop_back();
      return DbLease(this, std::move(db));
    }
  }
  // Migrations ran when the store was opened; this only opens a connection.
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(Join(dir_, kDbName)));
  checkpointer_->Attach(*db);
  return DbLease(this, std::move(db));
}

void CentralStore::Return(std::unique_ptr<Database> db) {
  // A connection left inside a transaction (a bug elsewhere) is dropped, not
  // handed to the next caller with someone else's half-done work.
  if (db->InTransaction()) return;
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_.push_back(std::move(db));
}

}  // namespace hoso::central
