#include "schema/sqlite.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <string>

namespace hoso {

namespace {

struct SqliteCodeName {
  int code;
  const char* name;
};

// clang-format off
#define HOSO_SQLITE_CODE(c) {c, #c}
constexpr SqliteCodeName kCodeNames[] = {
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_CHECK),      HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_COMMITHOOK),
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_DATATYPE),   HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_FOREIGNKEY),
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_FUNCTION),   HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_NOTNULL),
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_PINNED),     HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_PRIMARYKEY),
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_ROWID),      HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_TRIGGER),
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_UNIQUE),     HOSO_SQLITE_CODE(SQLITE_CONSTRAINT_VTAB),
    HOSO_SQLITE_CODE(SQLITE_BUSY_RECOVERY),         HOSO_SQLITE_CODE(SQLITE_BUSY_SNAPSHOT),
    HOSO_SQLITE_CODE(SQLITE_BUSY_TIMEOUT),          HOSO_SQLITE_CODE(SQLITE_LOCKED_SHAREDCACHE),
    HOSO_SQLITE_CODE(SQLITE_LOCKED_VTAB),           HOSO_SQLITE_CODE(SQLITE_CORRUPT_INDEX),
    HOSO_SQLITE_CODE(SQLITE_CORRUPT_SEQUENCE),      HOSO_SQLITE_CODE(SQLITE_CORRUPT_VTAB),
    HOSO_SQLITE_CODE(SQLITE_CANTOPEN_ISDIR),        HOSO_SQLITE_CODE(SQLITE_CANTOPEN_FULLPATH),
    HOSO_SQLITE_CODE(SQLITE_CANTOPEN_NOTEMPDIR),    HOSO_SQLITE_CODE(SQLITE_CANTOPEN_DIRTYWAL),
    HOSO_SQLITE_CODE(SQLITE_CANTOPEN_SYMLINK),      HOSO_SQLITE_CODE(SQLITE_READONLY_CANTINIT),
    HOSO_SQLITE_CODE(SQLITE_READONLY_CANTLOCK),     HOSO_SQLITE_CODE(SQLITE_READONLY_DBMOVED),
    HOSO_SQLITE_CODE(SQLITE_READONLY_DIRECTORY),    HOSO_SQLITE_CODE(SQLITE_READONLY_RECOVERY),
    HOSO_SQLITE_CODE(SQLITE_READONLY_ROLLBACK),     HOSO_SQLITE_CODE(SQLITE_ABORT_ROLLBACK),
    HOSO_SQLITE_CODE(SQLITE_IOERR_READ),            HOSO_SQLITE_CODE(SQLITE_IOERR_SHORT_READ),
    HOSO_SQLITE_CODE(SQLITE_IOERR_WRITE),           HOSO_SQLITE_CODE(SQLITE_IOERR_FSYNC),
    HOSO_SQLITE_CODE(SQLITE_IOERR_DIR_FSYNC),       HOSO_SQLITE_CODE(SQLITE_IOERR_TRUNCATE),
    HOSO_SQLITE_CODE(SQLITE_IOERR_FSTAT),           HOSO_SQLITE_CODE(SQLITE_IOERR_UNLOCK),
    HOSO_SQLITE_CODE(SQLITE_IOERR_RDLOCK),          HOSO_SQLITE_CODE(SQLITE_IOERR_DELETE),
    HOSO_SQLITE_CODE(SQLITE_IOERR_NOMEM),           HOSO_SQLITE_CODE(SQLITE_IOERR_ACCESS),
    HOSO_SQLITE_CODE(SQLITE_IOERR_LOCK),            HOSO_SQLITE_CODE(SQLITE_IOERR_CLOSE),
    HOSO_SQLITE_CODE(SQLITE_IOERR_SHMOPEN),         HOSO_SQLITE_CODE(SQLITE_IOERR_SHMSIZE),
    HOSO_SQLITE_CODE(SQLITE_IOERR_SHMLOCK),         HOSO_SQLITE_CODE(SQLITE_IOERR_SHMMAP),
    HOSO_SQLITE_CODE(SQLITE_IOERR_SEEK),            HOSO_SQLITE_CODE(SQLITE_IOERR_DELETE_NOENT),
    HOSO_SQLITE_CODE(SQLITE_IOERR_MMAP),            HOSO_SQLITE_CODE(SQLITE_IOERR_GETTEMPPATH),
    HOSO_SQLITE_CODE(SQLITE_IOERR_DATA),            HOSO_SQLITE_CODE(SQLITE_IOERR_CORRUPTFS),
    HOSO_SQLITE_CODE(SQLITE_ERROR_MISSING_COLLSEQ), HOSO_SQLITE_CODE(SQLITE_ERROR_RETRY),
    HOSO_SQLITE_CODE(SQLITE_ERROR_SNAPSHOT),        HOSO_SQLITE_CODE(SQLITE_ERROR),
    HOSO_SQLITE_CODE(SQLITE_INTERNAL),              HOSO_SQLITE_CODE(SQLITE_PERM),
    HOSO_SQLITE_CODE(SQLITE_ABORT),                 HOSO_SQLITE_CODE(SQLITE_BUSY),
    HOSO_SQLITE_CODE(SQLITE_LOCKED),                HOSO_SQLITE_CODE(SQLITE_NOMEM),
    HOSO_SQLITE_CODE(SQLITE_READONLY),              HOSO_SQLITE_CODE(SQLITE_INTERRUPT),
    HOSO_SQLITE_CODE(SQLITE_IOERR),                 HOSO_SQLITE_CODE(SQLITE_CORRUPT),
    HOSO_SQLITE_CODE(SQLITE_NOTFOUND),              HOSO_SQLITE_CODE(SQLITE_FULL),
    HOSO_SQLITE_CODE(SQLITE_CANTOPEN),              HOSO_SQLITE_CODE(SQLITE_PROTOCOL),
    HOSO_SQLITE_CODE(SQLITE_SCHEMA),                HOSO_SQLITE_CODE(SQLITE_TOOBIG),
    HOSO_SQLITE_CODE(SQLITE_CONSTRAINT),            HOSO_SQLITE_CODE(SQLITE_MISMATCH),
    HOSO_SQLITE_CODE(SQLITE_MISUSE),                HOSO_SQLITE_CODE(SQLITE_NOLFS),
    HOSO_SQLITE_CODE(SQLITE_AUTH),                  HOSO_SQLITE_CODE(SQLITE_RANGE),
    HOSO_SQLITE_CODE(SQLITE_NOTADB),
};
#undef HOSO_SQLITE_CODE
// clang-format on

std::string CodeNameOf(int rc) {
  for (const SqliteCodeName& c : kCodeNames) {
    if (c.code == rc) return c.name;
  }
  for (const SqliteCodeName& c : kCodeNames) {
    if (c.code == (rc & 0xff))
      return std::string(c.name) + " (extended code " + std::to_string(rc) + ")";
  }
  return "SQLite code " + std::to_string(rc);
}

// A one-line prefix of a statement for error messages: whitespace runs
// collapsed, at most ~80 bytes, never cut inside a UTF-8 sequence.
std::string Excerpt(std::string_view sql) {
  constexpr size_t kMaxBytes = 80;
  std::string out;
  bool space = false;
  for (char c : sql) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() > kMaxBytes) break;
  }
  if (out.size() > kMaxBytes) {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::string Quoted(std::string_view sql) { return "`" + Excerpt(sql) + "`"; }

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

bool IsMemoryPath(const std::string& path) { return path.empty() || path == ":memory:"; }

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

}  // namespace

Status SqliteStatus(int rc, sqlite3* db, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return Status::OK();
  // The connection's message is specific ("UNIQUE constraint failed:
  // nodes.unit_code") but only describes `rc` if it is the latest error.
  const bool latest = db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff);
  const char* detail = latest ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string msg = std::string(what) + ": " + detail + " (" + CodeNameOf(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_INTERRUPT:
    case SQLITE_SCHEMA:
    case SQLITE_PROTOCOL:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT:
      return Status::Conflict(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(std::move(msg));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOLFS:
      return Status::IoError(std::move(msg));
    case SQLITE_CANTOPEN: {
      const int err = db != nullptr ? sqlite3_system_errno(db) : 0;
      if (err == ENOENT) return Status::NotFound(std::move(msg));
      if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(msg));
      return Status::IoError(std::move(msg));
    }
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_READONLY:
      return Status::PermissionDenied(std::move(msg));
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG:
      return Status::ResourceExhausted(std::move(msg));
    default:
      // SQLITE_ERROR (syntax, no such table), MISUSE, RANGE, MISMATCH...: the
      // program sent SQL that cannot work.
      return Status::Internal(std::move(msg));
  }
}

// ---------------------------------------------------------------------------
// Database

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  const std::string sync = Upper(options.synchronous);
  if (sync != "OFF" && sync != "NORMAL" && sync != "FULL" && sync != "EXTRA") {
    return Status::InvalidArgument(
        "synchronous must be OFF, NORMAL, FULL or EXTRA, not '" + options.synchronous + "'",
        "synchronous");
  }
  if (options.busy_timeout_ms < 0) {
    return Status::InvalidArgument("busy_timeout_ms must not be negative", "busy_timeout_ms");
  }
  int flags = SQLITE_OPEN_NOMUTEX;
  if (options.read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE;
    if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  }
  const std::string context = "open " + (path.empty() ? std::string("temporary database") : path);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  // SQLite hands out a handle even when opening fails; it must be closed.
  std::unique_ptr<Database> db(new Database(raw, path));
  if (rc != SQLITE_OK) return SqliteStatus(rc, raw, context);
  sqlite3_extended_result_codes(raw, 1);
  // Before anything else, so that even the switch to WAL waits for a lock.
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);

  if (!options.read_only) {
    // The pragma answers with the mode in force; it stays in the old mode
    // without an error when WAL is impossible (e.g. no shared memory).
    Result<Statement> stmt = db->Prepare("PRAGMA journal_mode = WAL");
    if (!stmt.ok()) return stmt.status().WithContext(context);
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.status().WithContext(context);
    const std::string mode = *row ? Upper(stmt->ColumnText(0)) : "";
    if (mode != "WAL" && !IsMemoryPath(path)) {
      return Status::IoError(context + ": could not switch to WAL (journal_mode is '" + mode +
                             "')");
    }
  }
  HOSO_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = " + sync).WithContext(context));
  HOSO_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON").WithContext(context));
  Result<std::optional<int64_t>> fk = db->QueryInt("PRAGMA foreign_keys");
  if (!fk.ok()) return fk.status().WithContext(context);
  if (*fk != 1) return Status::Internal(context + ": this SQLite does not enforce foreign keys");
  // Reading the schema turns "file is not a database" into an error of Open
  // rather than of the first query (read-only opens skip the WAL pragma).
  Result<std::optional<int64_t>> tables = db->QueryInt("SELECT COUNT(*) FROM sqlite_schema");
  if (!tables.ok()) return tables.status().WithContext(context);
  return db;
}

Status Database::Exec(std::string_view sql) {
  if (sql.size() > static_cast<size_t>(INT_MAX)) return Status::Internal("SQL text too long");
  const char* p = sql.data();
  const char* const end = p + sql.size();
  while (p < end) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db_.get(), p, static_cast<int>(end - p), &raw, &tail);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) {
      return SqliteStatus(rc, db_.get(), "prepare " + Quoted(std::string_view(p, end - p)));
    }
    if (tail == nullptr || tail <= p) break;
    p = tail;
    if (raw == nullptr) continue;  // only whitespace or a comment
    int step;
    do {
      step = sqlite3_step(raw);
    } while (step == SQLITE_ROW);
    if (step != SQLITE_DONE)
      return SqliteStatus(step, db_.get(), "exec " + Quoted(sqlite3_sql(raw)));
  }
  return Status::OK();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  if (sql.size() > static_cast<size_t>(INT_MAX)) return Status::Internal("SQL text too long");
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc =
      sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  Statement stmt(raw, db_.get());
  if (rc != SQLITE_OK) return SqliteStatus(rc, db_.get(), "prepare " + Quoted(sql));
  if (raw == nullptr) return Status::Internal("prepare: no SQL statement in " + Quoted(sql));
  // A second statement would be silently ignored; refuse it instead. Only
  // whitespace and comments may follow.
  const std::string_view rest(tail, sql.data() + sql.size() - tail);
  if (!rest.empty()) {
    sqlite3_stmt* next_raw = nullptr;
    const int next_rc = sqlite3_prepare_v2(db_.get(), rest.data(), static_cast<int>(rest.size()),
                                           &next_raw, nullptr);
    StmtPtr next(next_raw);
    if (next_rc != SQLITE_OK || next_raw != nullptr) {
      return Status::Internal("prepare: more than one statement in " + Quoted(sql));
    }
  }
  return stmt;
}

Result<std::optional<int64_t>> Database::QueryInt(std::string_view sql) {
  HOSO_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
  HOSO_ASSIGN_OR_RETURN(bool row, stmt.Step());
  std::optional<int64_t> value;
  if (row) value = stmt.ColumnOptInt(0);
  return value;
}

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::Changes() const { return sqlite3_changes(db_.get()); }
bool Database::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

Result<int> Database::UserVersion() {
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> v, QueryInt("PRAGMA user_version"));
  return static_cast<int>(v.value_or(0));
}

Status Database::SetUserVersion(int version) {
  if (version < 0) return Status::InvalidArgument("user_version must not be negative", "version");
  return Exec("PRAGMA user_version = " + std::to_string(version));
}

// ---------------------------------------------------------------------------
// Statement

void Statement::Check(int rc, const char* what) {
  if (rc == SQLITE_OK || !bind_error_.ok()) return;
  bind_error_ = SqliteStatus(rc, db_, std::string(what) + " " + Quoted(sqlite3_sql(stmt_.get())));
}

Statement& Statement::Bind(int index, int64_t v) {
  Check(sqlite3_bind_int64(stmt_.get(), index, v), "bind");
  return *this;
}

Statement& Statement::Bind(int index, double v) {
  Check(sqlite3_bind_double(stmt_.get(), index, v), "bind");
  return *this;
}

// A null data pointer would bind SQL NULL; an empty string_view may carry
// one, so empty text and blobs point at a literal instead.
Statement& Statement::Bind(int index, std::string_view text) {
  const char* data = text.empty() ? "" : text.data();
  Check(sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "bind");
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  const char* data = bytes.empty() ? "" : bytes.data();
  Check(sqlite3_bind_blob64(stmt_.get(), index, data, bytes.size(), SQLITE_TRANSIENT), "bind");
  return *this;
}

Statement& Statement::BindNull(int index) {
  Check(sqlite3_bind_null(stmt_.get(), index), "bind");
  return *this;
}

int Statement::ParamIndex(const char* name) const {
  return sqlite3_bind_parameter_index(stmt_.get(), name);
}

Result<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db_, "step " + Quoted(sqlite3_sql(stmt_.get())));
}

Status Statement::Run() {
  Result<bool> row = Step();
  // Resetting releases the statement's locks and lets it run again with the
  // same bindings.
  sqlite3_reset(stmt_.get());
  if (!row.ok()) return row.status();
  if (*row) {
    return Status::Internal("Run() on a statement that returns rows (use Step()): " +
                            Quoted(sqlite3_sql(stmt_.get())));
  }
  return Status::OK();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = Status::OK();
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_.get()); }
bool Statement::IsNull(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}
int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_.get(), col); }

std::string Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), col);
  // The length is only valid after the conversion done by column_text.
  const int n = sqlite3_column_bytes(stmt_.get(), col);
  if (p == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

std::string Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_.get(), col);
  const int n = sqlite3_column_bytes(stmt_.get(), col);
  if (p == nullptr) return std::string();
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

std::optional<std::string> Statement::ColumnOptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return ColumnText(col);
}

std::optional<int64_t> Statement::ColumnOptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

// ---------------------------------------------------------------------------
// Transaction

Result<Transaction> Transaction::Begin(Database& db, Mode mode) {
  const char* sql = mode == Mode::kDeferred    ? "BEGIN DEFERRED"
                    : mode == Mode::kImmediate ? "BEGIN IMMEDIATE"
                                               : "BEGIN EXCLUSIVE";
  HOSO_RETURN_IF_ERROR(db.Exec(sql));
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(other.db_), done_(other.done_) {
  other.done_ = true;
}

Transaction::~Transaction() {
  if (!done_) (void)Rollback();
}

Status Transaction::Commit() {
  if (done_) return Status::Internal("commit of a transaction that already ended");
  Status s = db_->Exec("COMMIT");
  // A failed COMMIT (busy, deferred foreign key violation) leaves the
  // transaction open for a retry or the destructor's rollback, unless SQLite
  // already rolled it back itself (disk full, I/O error).
  if (s.ok() || !db_->InTransaction()) done_ = true;
  return s;
}

Status Transaction::Rollback() {
  if (done_) return Status::Internal("rollback of a transaction that already ended");
  done_ = true;
  if (!db_->InTransaction()) return Status::OK();
  return db_->Exec("ROLLBACK");
}

// ---------------------------------------------------------------------------
// Savepoint

Result<Savepoint> Savepoint::Begin(Database& db, std::string name) {
  if (!IsIdentifier(name)) {
    return Status::InvalidArgument("savepoint name must be an identifier: '" + name + "'", "name");
  }
  HOSO_RETURN_IF_ERROR(db.Exec("SAVEPOINT " + name));
  return Savepoint(&db, std::move(name));
}

Savepoint::Savepoint(Savepoint&& other) noexcept
    : db_(other.db_), name_(std::move(other.name_)), done_(other.done_) {
  other.done_ = true;
}

Savepoint::~Savepoint() {
  if (!done_) (void)Rollback();
}

Status Savepoint::Release() {
  if (done_) return Status::Internal("release of a savepoint that already ended");
  Status s = db_->Exec("RELEASE " + name_);
  if (s.ok() || !db_->InTransaction()) done_ = true;
  return s;
}

Status Savepoint::Rollback() {
  if (done_) return Status::Internal("rollback of a savepoint that already ended");
  done_ = true;
  // Nothing to undo when SQLite already rolled back the whole transaction.
  if (!db_->InTransaction()) return Status::OK();
  return db_->Exec("ROLLBACK TO " + name_ + "; RELEASE " + name_);
}

}  // namespace hoso
