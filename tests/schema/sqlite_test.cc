#include "schema/sqlite.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace hoso {
namespace {

using Code = Status::Code;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso_sqlite_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }

  std::unique_ptr<Database> OpenOrDie(const std::string& name, DatabaseOptions options = {}) {
    auto db = Database::Open(PathOf(name), options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  static std::string Text(Database& db, const std::string& sql) {
    auto stmt = db.Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << stmt.status().ToString();
    if (!stmt.ok()) return "<error>";
    auto row = stmt->Step();
    EXPECT_TRUE(row.ok() && *row) << sql;
    return stmt->ColumnText(0);
  }

  static int64_t Int(Database& db, const std::string& sql) {
    auto v = db.QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->value_or(-1) : -1;
  }

  std::string dir_;
};

TEST_F(SqliteTest, OpenCreatesFileInWalModeWithForeignKeysOn) {
  auto db = OpenOrDie("new.db");
  ASSERT_NE(db, nullptr);
  struct stat st;
  EXPECT_EQ(::stat(PathOf("new.db").c_str(), &st), 0);
  EXPECT_EQ(Text(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(Int(*db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Int(*db, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(Int(*db, "PRAGMA busy_timeout"), 5000);
  EXPECT_EQ(db->path(), PathOf("new.db"));
}

TEST_F(SqliteTest, OpenAppliesSynchronousAndBusyTimeoutOptions) {
  DatabaseOptions options;
  options.synchronous = "normal";
  options.busy_timeout_ms = 250;
  auto db = OpenOrDie("opts.db", options);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Int(*db, "PRAGMA synchronous"), 1);
  EXPECT_EQ(Int(*db, "PRAGMA busy_timeout"), 250);
}

TEST_F(SqliteTest, UnknownSynchronousModeIsInvalidArgument) {
  DatabaseOptions options;
  options.synchronous = "FULL; DROP TABLE x";
  auto db = Database::Open(PathOf("x.db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(db.status().field(), "synchronous");
}

TEST_F(SqliteTest, MissingFileWithoutCreateIsNotFound) {
  DatabaseOptions options;
  options.create_if_missing = false;
  auto db = Database::Open(PathOf("absent.db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kNotFound) << db.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(PathOf("absent.db")));
}

TEST_F(SqliteTest, FileInMissingDirectoryCannotBeCreated) {
  auto db = Database::Open(PathOf("no/such/dir/x.db"));
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("SQLITE_CANTOPEN"), std::string::npos)
      << db.status().ToString();
}

TEST_F(SqliteTest, InMemoryDatabaseOpensWithoutWal) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(Text(**db, "PRAGMA journal_mode"), "memory");
  EXPECT_TRUE((*db)->Exec("CREATE TABLE t (x INTEGER)").ok());
}

TEST_F(SqliteTest, NonDatabaseFileIsCorruption) {
  {
    std::ofstream out(PathOf("notes.txt"));
    for (int i = 0; i < 200; ++i) out << "Biên nhận hồ sơ, not a database at all\n";
  }
  for (bool read_only : {false, true}) {
    DatabaseOptions options;
    options.read_only = read_only;
    auto db = Database::Open(PathOf("notes.txt"), options);
    ASSERT_FALSE(db.ok()) << "read_only=" << read_only;
    EXPECT_EQ(db.status().code(), Code::kCorruption) << db.status().ToString();
    EXPECT_NE(db.status().message().find("not a database"), std::string::npos);
    EXPECT_NE(db.status().message().find("SQLITE_NOTADB"), std::string::npos);
  }
}

TEST_F(SqliteTest, ReadOnlyConnectionRefusesWrites) {
  {
    auto db = OpenOrDie("ro.db");
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)").ok());
  }
  DatabaseOptions options;
  options.read_only = true;
  auto db = OpenOrDie("ro.db", options);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(Int(*db, "SELECT x FROM t"), 1);
  Status s = db->Exec("INSERT INTO t VALUES (2)");
  EXPECT_EQ(s.code(), Code::kPermissionDenied) << s.ToString();
}

TEST_F(SqliteTest, SecondWriterGetsUnavailableAfterBusyTimeout) {
  auto first = OpenOrDie("busy.db");
  DatabaseOptions impatient;
  impatient.busy_timeout_ms = 100;
  auto second = OpenOrDie("busy.db", impatient);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  auto held = Transaction::Begin(*first);
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  const auto start = std::chrono::steady_clock::now();
  auto blocked = Transaction::Begin(*second);
  const auto waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - start)
                             .count();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Code::kUnavailable) << blocked.status().ToString();
  EXPECT_NE(blocked.status().message().find("SQLITE_BUSY"), std::string::npos);
  EXPECT_GE(waited_ms, 90);
  EXPECT_LT(waited_ms, 3000);

  ASSERT_TRUE(held->Commit().ok());
  auto now_free = Transaction::Begin(*second);
  EXPECT_TRUE(now_free.ok()) << now_free.status().ToString();
}

TEST_F(SqliteTest, ReaderSeesLastCommitWhileWriterHoldsTheLock) {
  auto writer = OpenOrDie("wal.db");
  auto reader = OpenOrDie("wal.db");
  ASSERT_NE(writer, nullptr);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(writer->Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)").ok());
  auto txn = Transaction::Begin(*writer);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(writer->Exec("INSERT INTO t VALUES (2)").ok());
  EXPECT_EQ(Int(*reader, "SELECT COUNT(*) FROM t"), 1);
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Int(*reader, "SELECT COUNT(*) FROM t"), 2);
}

TEST_F(SqliteTest, BindStepColumnRoundTripsVietnameseTextBlobsAndNulls) {
  auto db = OpenOrDie("rt.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE people (id INTEGER, name TEXT, photo BLOB, fee REAL, "
                       "note TEXT, age INTEGER) STRICT")
                  .ok());
  const std::string name = "Nguyễn Văn Ánh";
  const std::string photo("\x89PNG\0\0\x01\xff\0", 9);
  {
    auto insert = db->Prepare("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)");
    ASSERT_TRUE(insert.ok()) << insert.status().ToString();
    insert->Bind(1, int64_t{9007199254740993})
        .Bind(2, name)
        .BindBlob(3, photo)
        .Bind(4, 15000.5)
        .Bind(5, std::optional<std::string>())
        .Bind(6, std::optional<int64_t>());
    ASSERT_TRUE(insert->Run().ok());
  }
  EXPECT_EQ(Int(*db, "SELECT length(name) FROM people"), 14);  // characters, not bytes
  EXPECT_EQ(Int(*db, "SELECT length(photo) FROM people"), 9);

  auto select = db->Prepare("SELECT id, name, photo, fee, note, age FROM people");
  ASSERT_TRUE(select.ok());
  auto row = select->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(select->ColumnCount(), 6);
  EXPECT_EQ(select->ColumnInt(0), 9007199254740993);
  EXPECT_EQ(select->ColumnText(1), name);
  EXPECT_EQ(select->ColumnBlob(2), photo);
  EXPECT_DOUBLE_EQ(select->ColumnDouble(3), 15000.5);
  EXPECT_TRUE(select->IsNull(4));
  EXPECT_EQ(select->ColumnOptText(4), std::nullopt);
  EXPECT_EQ(select->ColumnOptInt(5), std::nullopt);
  EXPECT_EQ(select->ColumnOptText(1), name);
  EXPECT_EQ(select->ColumnOptInt(0), 9007199254740993);
  auto done = select->Step();
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done);
}

TEST_F(SqliteTest, EmptyTextAndEmptyBlobAreNotNull) {
  auto db = OpenOrDie("empty.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a TEXT, b BLOB)").ok());
  auto insert = db->Prepare("INSERT INTO t VALUES (?, ?)");
  ASSERT_TRUE(insert.ok());
  insert->Bind(1, std::string_view()).BindBlob(2, std::string_view());
  ASSERT_TRUE(insert->Run().ok());
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM t WHERE a = '' AND b = x''"), 1);
}

TEST_F(SqliteTest, NamedParametersAreFoundByName) {
  auto db = OpenOrDie("named.db");
  ASSERT_NE(db, nullptr);
  auto stmt = db->Prepare("SELECT :code || '/' || :secret");
  ASSERT_TRUE(stmt.ok());
  const int code = stmt->ParamIndex(":code");
  const int secret = stmt->ParamIndex(":secret");
  EXPECT_EQ(code, 1);
  EXPECT_EQ(secret, 2);
  EXPECT_EQ(stmt->ParamIndex(":missing"), 0);
  stmt->Bind(code, "000.00.17.H29-260312-0007").Bind(secret, "K7Q2");
  auto row = stmt->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(stmt->ColumnText(0), "000.00.17.H29-260312-0007/K7Q2");
}

TEST_F(SqliteTest, BindErrorIsReportedByStepAndClearedByReset) {
  auto db = OpenOrDie("bind.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto stmt = db->Prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(stmt.ok());
  stmt->Bind(3, 7).Bind(1, 7);
  Status s = stmt->Run();
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find("SQLITE_RANGE"), std::string::npos) << s.ToString();
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM t"), 0);

  stmt->Reset();
  stmt->Bind(1, 7);
  EXPECT_TRUE(stmt->Run().ok());
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM t"), 1);
}

TEST_F(SqliteTest, StatementCanBeReusedAfterReset) {
  auto db = OpenOrDie("reuse.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER PRIMARY KEY)").ok());
  auto stmt = db->Prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(stmt.ok());
  for (int i = 1; i <= 3; ++i) {
    stmt->Reset();
    stmt->Bind(1, i * 10);
    ASSERT_TRUE(stmt->Run().ok());
    EXPECT_EQ(db->LastInsertRowId(), i * 10);
    EXPECT_EQ(db->Changes(), 1);
  }
  EXPECT_EQ(Int(*db, "SELECT SUM(x) FROM t"), 60);
}

TEST_F(SqliteTest, UniqueViolationIsConflictNamingTheConstraint) {
  auto db = OpenOrDie("unique.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE nodes (unit_code TEXT UNIQUE)").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO nodes VALUES ('H29')").ok());
  auto stmt = db->Prepare("INSERT INTO nodes VALUES (?)");
  ASSERT_TRUE(stmt.ok());
  stmt->Bind(1, "H29");
  Status s = stmt->Run();
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("UNIQUE constraint failed: nodes.unit_code"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("SQLITE_CONSTRAINT_UNIQUE"), std::string::npos) << s.ToString();
}

TEST_F(SqliteTest, StrictTableTypeMismatchIsConflict) {
  auto db = OpenOrDie("strict.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (n INTEGER) STRICT").ok());
  Status s = db->Exec("INSERT INTO t VALUES ('mười')");
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("SQLITE_CONSTRAINT_DATATYPE"), std::string::npos) << s.ToString();
}

TEST_F(SqliteTest, SyntaxErrorNamesTheStatement) {
  auto db = OpenOrDie("syntax.db");
  ASSERT_NE(db, nullptr);
  auto stmt = db->Prepare("SELEC 1 FROM nowhere");
  ASSERT_FALSE(stmt.ok());
  EXPECT_EQ(stmt.status().code(), Code::kInternal);
  EXPECT_NE(stmt.status().message().find("syntax error"), std::string::npos);
  EXPECT_NE(stmt.status().message().find("SELEC 1 FROM nowhere"), std::string::npos)
      << stmt.status().ToString();
}

TEST_F(SqliteTest, ExecStopsAtTheFirstFailingStatement) {
  auto db = OpenOrDie("exec.db");
  ASSERT_NE(db, nullptr);
  Status s = db->Exec(
      "-- two good statements, then a bad one\n"
      "CREATE TABLE a (x INTEGER);\n"
      "INSERT INTO a VALUES (1);\n"
      "INSERT INTO missing_table VALUES (2);\n"
      "CREATE TABLE b (y INTEGER);\n");
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_NE(s.message().find("no such table: missing_table"), std::string::npos) << s.ToString();
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM a"), 1);
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'b'"), 0);
}

TEST_F(SqliteTest, PrepareRefusesASecondStatementButAllowsTrailingComments) {
  auto db = OpenOrDie("two.db");
  ASSERT_NE(db, nullptr);
  auto two = db->Prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), Code::kInternal);
  EXPECT_NE(two.status().message().find("more than one statement"), std::string::npos);
  EXPECT_TRUE(db->Prepare("SELECT 1;  -- the count\n").ok());
  EXPECT_FALSE(db->Prepare("  -- nothing here\n").ok());
}

TEST_F(SqliteTest, RunRefusesAStatementThatReturnsRows) {
  auto db = OpenOrDie("rows.db");
  ASSERT_NE(db, nullptr);
  auto stmt = db->Prepare("SELECT 1");
  ASSERT_TRUE(stmt.ok());
  Status s = stmt->Run();
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_NE(s.message().find("returns rows"), std::string::npos) << s.ToString();
}

TEST_F(SqliteTest, QueryIntIsEmptyForNoRowAndForNull) {
  auto db = OpenOrDie("q.db");
  ASSERT_NE(db, nullptr);
  auto none = db->QueryInt("SELECT 1 WHERE 0");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, std::nullopt);
  auto null = db->QueryInt("SELECT NULL");
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(*null, std::nullopt);
  auto seven = db->QueryInt("SELECT 3 + 4");
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, 7);
}

TEST_F(SqliteTest, TransactionRollsBackWhenDestroyedUncommitted) {
  auto db = OpenOrDie("txn.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  {
    auto txn = Transaction::Begin(*db);
    ASSERT_TRUE(txn.ok());
    EXPECT_TRUE(db->InTransaction());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  }
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM t"), 0);
}

TEST_F(SqliteTest, TransactionCommitsWhenAskedInEveryMode) {
  auto db = OpenOrDie("commit.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  for (auto mode : {Transaction::Mode::kDeferred, Transaction::Mode::kImmediate,
                    Transaction::Mode::kExclusive}) {
    auto txn = Transaction::Begin(*db, mode);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
    EXPECT_TRUE(txn->Commit().ok());
    EXPECT_FALSE(db->InTransaction());
  }
  auto other = OpenOrDie("commit.db");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Int(*other, "SELECT COUNT(*) FROM t"), 3);
}

TEST_F(SqliteTest, ExplicitRollbackUndoesAndEndsTheTransaction) {
  auto db = OpenOrDie("rollback.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto txn = Transaction::Begin(*db);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  EXPECT_TRUE(txn->Rollback().ok());
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM t"), 0);
  EXPECT_EQ(txn->Commit().code(), Code::kInternal);
}

TEST_F(SqliteTest, CommitAfterCommitIsAnError) {
  auto db = OpenOrDie("twice.db");
  ASSERT_NE(db, nullptr);
  auto txn = Transaction::Begin(*db);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(txn->Commit().code(), Code::kInternal);
  EXPECT_EQ(txn->Rollback().code(), Code::kInternal);
}

TEST_F(SqliteTest, MovedTransactionIsRolledBackOnlyByItsNewOwner) {
  auto db = OpenOrDie("move.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto txn = Transaction::Begin(*db);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  {
    Transaction owner(std::move(*txn));
    EXPECT_TRUE(db->InTransaction());
  }
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM t"), 0);
  EXPECT_EQ(txn->Commit().code(), Code::kInternal);  // the moved-from guard owns nothing
}

TEST_F(SqliteTest, FailedCommitKeepsTransactionOpenUntilDestroyed) {
  auto db = OpenOrDie("fk.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                       "CREATE TABLE child (pid INTEGER REFERENCES parent (id) "
                       "DEFERRABLE INITIALLY DEFERRED)")
                  .ok());
  {
    auto txn = Transaction::Begin(*db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(db->Exec("INSERT INTO child VALUES (42)").ok());
    Status s = txn->Commit();
    EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
    EXPECT_TRUE(db->InTransaction());
  }
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM child"), 0);
}

TEST_F(SqliteTest, BeginInsideATransactionIsAnError) {
  auto db = OpenOrDie("nested.db");
  ASSERT_NE(db, nullptr);
  auto outer = Transaction::Begin(*db);
  ASSERT_TRUE(outer.ok());
  auto inner = Transaction::Begin(*db);
  ASSERT_FALSE(inner.ok());
  EXPECT_NE(inner.status().message().find("within a transaction"), std::string::npos)
      << inner.status().ToString();
  EXPECT_TRUE(db->InTransaction());
}

TEST_F(SqliteTest, UserVersionIsRolledBackWithItsTransaction) {
  auto db = OpenOrDie("uv.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->SetUserVersion(2).ok());
  {
    auto txn = Transaction::Begin(*db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(db->SetUserVersion(7).ok());
    auto inside = db->UserVersion();
    ASSERT_TRUE(inside.ok());
    EXPECT_EQ(*inside, 7);
  }
  auto after = db->UserVersion();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, 2);
  EXPECT_EQ(db->SetUserVersion(-1).code(), Code::kInvalidArgument);
}

TEST_F(SqliteTest, SavepointRollbackUndoesOnlyItsOwnWork) {
  auto db = OpenOrDie("sp.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto txn = Transaction::Begin(*db);
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  {
    auto sp = Savepoint::Begin(*db, "apply_event");
    ASSERT_TRUE(sp.ok()) << sp.status().ToString();
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (2)").ok());
  }
  {
    auto sp = Savepoint::Begin(*db, "apply_event");
    ASSERT_TRUE(sp.ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (3)").ok());
    ASSERT_TRUE(sp->Release().ok());
  }
  EXPECT_TRUE(db->InTransaction());
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Int(*db, "SELECT SUM(x) FROM t"), 4);
}

TEST_F(SqliteTest, SavepointOutsideATransactionCommitsOnRelease) {
  auto db = OpenOrDie("sp2.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto sp = Savepoint::Begin(*db, "solo");
  ASSERT_TRUE(sp.ok());
  EXPECT_TRUE(db->InTransaction());
  ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (5)").ok());
  ASSERT_TRUE(sp->Release().ok());
  EXPECT_FALSE(db->InTransaction());
  auto other = OpenOrDie("sp2.db");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Int(*other, "SELECT SUM(x) FROM t"), 5);
}

TEST_F(SqliteTest, SavepointNameMustBeAnIdentifier) {
  auto db = OpenOrDie("sp3.db");
  ASSERT_NE(db, nullptr);
  for (const char* bad : {"", "1st", "a b", "x; DROP TABLE t"}) {
    auto sp = Savepoint::Begin(*db, bad);
    ASSERT_FALSE(sp.ok()) << bad;
    EXPECT_EQ(sp.status().code(), Code::kInvalidArgument);
  }
  EXPECT_FALSE(db->InTransaction());
}

TEST(SqliteStatusTest, ResultCodesMapToWhatTheCallerShouldDo) {
  struct Case {
    int rc;
    Code code;
    const char* name;
  };
  const Case cases[] = {
      {SQLITE_BUSY, Code::kUnavailable, "SQLITE_BUSY"},
      {SQLITE_BUSY_SNAPSHOT, Code::kUnavailable, "SQLITE_BUSY_SNAPSHOT"},
      {SQLITE_LOCKED, Code::kUnavailable, "SQLITE_LOCKED"},
      {SQLITE_CONSTRAINT_UNIQUE, Code::kConflict, "SQLITE_CONSTRAINT_UNIQUE"},
      {SQLITE_CONSTRAINT_CHECK, Code::kConflict, "SQLITE_CONSTRAINT_CHECK"},
      {SQLITE_CORRUPT, Code::kCorruption, "SQLITE_CORRUPT"},
      {SQLITE_NOTADB, Code::kCorruption, "SQLITE_NOTADB"},
      {SQLITE_FULL, Code::kIoError, "SQLITE_FULL"},
      {SQLITE_IOERR_FSYNC, Code::kIoError, "SQLITE_IOERR_FSYNC"},
      {SQLITE_READONLY, Code::kPermissionDenied, "SQLITE_READONLY"},
      {SQLITE_TOOBIG, Code::kResourceExhausted, "SQLITE_TOOBIG"},
      {SQLITE_ERROR, Code::kInternal, "SQLITE_ERROR"},
      {SQLITE_MISUSE, Code::kInternal, "SQLITE_MISUSE"},
  };
  for (const Case& c : cases) {
    Status s = SqliteStatus(c.rc, nullptr, "insert dossier");
    EXPECT_EQ(s.code(), c.code) << c.name;
    EXPECT_EQ(s.message().rfind("insert dossier: ", 0), 0u) << s.message();
    EXPECT_NE(s.message().find(std::string("(") + c.name + ")"), std::string::npos) << s.message();
  }
  EXPECT_TRUE(SqliteStatus(SQLITE_OK, nullptr, "x").ok());
  EXPECT_TRUE(SqliteStatus(SQLITE_DONE, nullptr, "x").ok());
  EXPECT_TRUE(SqliteStatus(SQLITE_ROW, nullptr, "x").ok());
}

TEST(SqliteStatusTest, UnnamedExtendedCodeFallsBackToItsPrimaryName) {
  Status s = SqliteStatus(SQLITE_IOERR | (200 << 8), nullptr, "write");
  EXPECT_EQ(s.code(), Code::kIoError);
  EXPECT_NE(s.message().find("SQLITE_IOERR (extended code"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace hoso
