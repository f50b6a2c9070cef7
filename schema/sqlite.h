// RAII wrappers around SQLite: Database, Statement, Transaction.
//
// Every database Hoso opens is in WAL mode with a busy timeout and foreign
// keys on. SQLite result codes become a Status here and nowhere else:
// SQLITE_BUSY/LOCKED -> kUnavailable, SQLITE_CONSTRAINT -> kConflict,
// SQLITE_CORRUPT/NOTADB -> kCorruption, SQLITE_FULL/IOERR -> kIoError.
//
// Thread-safety: a Database and its Statements belong to one thread at a
// time: connections are opened with SQLITE_OPEN_NOMUTEX, and statements carry
// cursor state anyway. Open one Database per thread to use several threads;
// WAL lets one writer and many readers work concurrently.
#ifndef HOSO_SCHEMA_SQLITE_H_
#define HOSO_SCHEMA_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "schema/status.h"

namespace hoso {

// Translates a SQLite result code (and the connection's message) to a Status.
Status SqliteStatus(int rc, sqlite3* db, std::string_view what);

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  // "FULL" makes every commit durable on power loss; "NORMAL" in WAL mode is
  // durable against process crashes only.
  std::string synchronous = "FULL";
  bool read_only = false;
  bool create_if_missing = true;
};

class Statement;

class Database {
 public:
  // Opens (or creates) the database at `path` and applies the options.
  static Result<std::unique_ptr<Database>> Open(const std::string& path,
                                                const DatabaseOptions& options = {});
  ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements with no parameters; result rows are
  // discarded. Stops at the first failing statement: the ones before it stay
  // applied unless a transaction around the call is rolled back.
  Status Exec(std::string_view sql);
  // Compiles exactly one statement (only whitespace and comments may follow).
  Result<Statement> Prepare(std::string_view sql);

  // First column of the first row of a query without parameters
  // ("SELECT COUNT(*) FROM ..."); nullopt when there is no row or it is NULL.
  Result<std::optional<int64_t>> QueryInt(std::string_view sql);

  int64_t LastInsertRowId() const;
  int Changes() const;
  // True between BEGIN and COMMIT/ROLLBACK (SQLite is not in autocommit mode).
  bool InTransaction() const;
  sqlite3* handle() const { return db_.get(); }
  const std::string& path() const { return path_; }

  // PRAGMA user_version.
  Result<int> UserVersion();
  Status SetUserVersion(int version);

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// A compiled statement. Bind indexes are 1-based, column indexes 0-based.
// Column accessors read the current row (after Step() returned true).
// REQUIRES: not used after being moved from.
class Statement {
 public:
  Statement(Statement&&) = default;
  Statement& operator=(Statement&&) = default;

  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, int v) { return Bind(index, static_cast<int64_t>(v)); }
  Statement& Bind(int index, double v);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<std::string>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }
  Statement& Bind(int index, const std::optional<int64_t>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }
  // Index of a named parameter (":name"), 0 if absent.
  int ParamIndex(const char* name) const;

  // Advances: true when a row is available, false when done. A bind error
  // recorded earlier is returned here.
  Result<bool> Step();
  // Steps to completion, expecting no rows (a row is kInternal: use Step()).
  // Leaves the statement reset with its bindings, ready to run again.
  Status Run();
  // Resets for re-execution and clears bindings.
  void Reset();

  int ColumnCount() const;
  bool IsNull(int col) const;
  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  std::optional<std::string> ColumnOptText(int col) const;
  std::optional<int64_t> ColumnOptInt(int col) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  void Check(int rc, const char* what);

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_;
  Status bind_error_;
};

// Begins a transaction (BEGIN IMMEDIATE by default, so the write lock is taken
// up front and busy errors surface at Begin, not mid-way). Rolls back in the
// destructor unless Commit() succeeded.
class Transaction {
 public:
  enum class Mode { kDeferred, kImmediate, kExclusive };
  static Result<Transaction> Begin(Database& db, Mode mode = Mode::kImmediate);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status Commit();
  // Explicit rollback; also what the destructor does.
  Status Rollback();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
  bool done_ = false;
};

// A named savepoint: a transaction that may nest inside a Transaction or
// another Savepoint (outside any transaction it starts a deferred one). Its
// destructor rolls back to the savepoint and releases it unless Release()
// succeeded, undoing only the work done since Begin.
class Savepoint {
 public:
  // REQUIRES: `name` is a plain identifier ([A-Za-z_][A-Za-z0-9_]*).
  static Result<Savepoint> Begin(Database& db, std::string name);
  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&&) = delete;
  ~Savepoint();

  // Keeps the work: it becomes part of the enclosing transaction, or is
  // committed when there is none.
  Status Release();
  // Undoes the work since Begin and ends the savepoint.
  Status Rollback();

 private:
  Savepoint(Database* db, std::string name) : db_(db), name_(std::move(name)) {}
  Database* db_;
  std::string name_;
  bool done_ = false;
};

}  // namespace hoso

#endif  // HOSO_SCHEMA_SQLITE_H_
