#include "schema/migrations.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace hoso {
namespace {

using Code = Status::Code;

const std::vector<EmbeddedSql> kThreeFiles = {
    {"001_init.sql",
     "CREATE TABLE log (entry TEXT NOT NULL) STRICT;\n"
     "INSERT INTO log VALUES ('001');\n"},
    {"002_dossiers.sql",
     "CREATE TABLE dossiers (code TEXT PRIMARY KEY) STRICT;\n"
     "INSERT INTO log VALUES ('002');\n"},
    {"003_queue.sql",
     "CREATE TABLE tickets (number INTEGER PRIMARY KEY) STRICT;\n"
     "INSERT INTO log VALUES ('003');\n"},
};

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso_migrations_test.XXXXXX";
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

  static int Version(Database& db) {
    auto v = db.UserVersion();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : -1;
  }

  static int64_t Int(Database& db, const std::string& sql) {
    auto v = db.QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->value_or(-1) : -1;
  }

  static bool HasTable(Database& db, const std::string& name) {
    return Int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = '" + name +
                       "'") == 1;
  }

  std::string dir_;
};

TEST_F(MigrationsTest, FreshDatabaseGetsTheLatestVersion) {
  auto db = OpenOrDie("fresh.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Migrate(*db, kThreeFiles).ok());
  EXPECT_EQ(Version(*db), 3);
  EXPECT_TRUE(HasTable(*db, "dossiers"));
  EXPECT_TRUE(HasTable(*db, "tickets"));
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM log"), 3);
  EXPECT_FALSE(db->InTransaction());
}

TEST_F(MigrationsTest, RerunningIsANoOp) {
  auto db = OpenOrDie("rerun.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Migrate(*db, kThreeFiles).ok());
  const int64_t changes = sqlite3_total_changes(db->handle());
  Status again = Migrate(*db, kThreeFiles);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(Version(*db), 3);
  EXPECT_EQ(sqlite3_total_changes(db->handle()), changes);
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM log"), 3);
}

TEST_F(MigrationsTest, OlderDatabaseGetsOnlyTheNewerFiles) {
  auto db = OpenOrDie("older.db");
  ASSERT_NE(db, nullptr);
  const std::vector<EmbeddedSql> first_two(kThreeFiles.begin(), kThreeFiles.begin() + 2);
  ASSERT_TRUE(Migrate(*db, first_two).ok());
  EXPECT_EQ(Version(*db), 2);
  EXPECT_FALSE(HasTable(*db, "tickets"));
  ASSERT_TRUE(Migrate(*db, kThreeFiles).ok());
  EXPECT_EQ(Version(*db), 3);
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM log WHERE entry = '001'"), 1);
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM log WHERE entry = '003'"), 1);
}

TEST_F(MigrationsTest, FailingMigrationLeavesPreviousVersion) {
  const std::vector<EmbeddedSql> files = {
      kThreeFiles[0],
      {"002_broken.sql",
       "CREATE TABLE dossiers (code TEXT PRIMARY KEY) STRICT;\n"
       "INSERT INTO log VALUES ('002');\n"
       "UPDATE log SET entry = 'changed';\n"
       "INSERT INTO no_such_table VALUES (1);\n"
       "CREATE TABLE tickets (number INTEGER PRIMARY KEY) STRICT;\n"},
  };
  auto db = OpenOrDie("broken.db");
  ASSERT_NE(db, nullptr);
  Status s = Migrate(*db, files);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("002_broken.sql"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("no such table: no_such_table"), std::string::npos) << s.ToString();
  EXPECT_FALSE(db->InTransaction());
  EXPECT_EQ(Version(*db), 1);
  EXPECT_FALSE(HasTable(*db, "dossiers"));
  EXPECT_FALSE(HasTable(*db, "tickets"));
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM log"), 1);
  EXPECT_EQ(Int(*db, "SELECT COUNT(*) FROM log WHERE entry = '001'"), 1);

  // Once the file is fixed, the database moves on from version 1.
  ASSERT_TRUE(Migrate(*db, kThreeFiles).ok());
  EXPECT_EQ(Version(*db), 3);
}

TEST_F(MigrationsTest, ConstraintViolationInAMigrationRollsItBack) {
  const std::vector<EmbeddedSql> files = {
      kThreeFiles[0],
      {"002_dupes.sql",
       "CREATE TABLE units (code TEXT PRIMARY KEY) STRICT;\n"
       "INSERT INTO units VALUES ('H29');\n"
       "INSERT INTO units VALUES ('H29');\n"},
  };
  auto db = OpenOrDie("dupes.db");
  ASSERT_NE(db, nullptr);
  Status s = Migrate(*db, files);
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_EQ(Version(*db), 1);
  EXPECT_FALSE(HasTable(*db, "units"));
}

TEST_F(MigrationsTest, DatabaseNewerThanTheProgramIsRefused) {
  auto db = OpenOrDie("newer.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Migrate(*db, kThreeFiles).ok());
  ASSERT_TRUE(db->SetUserVersion(5).ok());
  Status s = Migrate(*db, kThreeFiles);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("database schema version 5 is newer than this program (3); "
                             "upgrade the program"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(Version(*db), 5);
}

TEST_F(MigrationsTest, MigrationThatEndsTheTransactionIsRefused) {
  const std::vector<EmbeddedSql> files = {
      {"001_commits.sql", "CREATE TABLE a (x INTEGER); COMMIT;"},
  };
  auto db = OpenOrDie("commits.db");
  ASSERT_NE(db, nullptr);
  Status s = Migrate(*db, files);
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_NE(s.message().find("must not contain BEGIN, COMMIT or ROLLBACK"), std::string::npos)
      << s.ToString();
  EXPECT_EQ(Version(*db), 0);
}

TEST_F(MigrationsTest, UnversionedDatabaseWithTablesIsRefused) {
  auto db = OpenOrDie("foreign.db");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Exec("CREATE TABLE something_else (x INTEGER)").ok());
  Status s = Migrate(*db, kThreeFiles);
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_NE(s.message().find("not created by Hoso"), std::string::npos) << s.ToString();
  EXPECT_EQ(Version(*db), 0);
  EXPECT_FALSE(HasTable(*db, "log"));
}

TEST_F(MigrationsTest, MigrateRefusesToRunInsideAnOpenTransaction) {
  auto db = OpenOrDie("open_txn.db");
  ASSERT_NE(db, nullptr);
  auto txn = Transaction::Begin(*db);
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(Migrate(*db, kThreeFiles).code(), Code::kInternal);
  EXPECT_EQ(Version(*db), 0);
}

TEST_F(MigrationsTest, ConcurrentOpenersApplyEachFileOnce) {
  auto holder = OpenOrDie("race.db");
  ASSERT_NE(holder, nullptr);
  // Hold the write lock so that both migrators read version 0 and then queue
  // for the lock; the second one must notice the first one's work.
  auto txn = Transaction::Begin(*holder);
  ASSERT_TRUE(txn.ok());
  Status results[2];
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([this, i, &results] {
      auto db = Database::Open(PathOf("race.db"));
      results[i] = db.ok() ? Migrate(**db, kThreeFiles) : db.status();
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ASSERT_TRUE(txn->Commit().ok());
  for (auto& t : threads) t.join();
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_TRUE(results[1].ok()) << results[1].ToString();
  EXPECT_EQ(Version(*holder), 3);
  EXPECT_EQ(Int(*holder, "SELECT COUNT(*) FROM log"), 3);
}

TEST_F(MigrationsTest, NodeMigrationsApplyCleanlyToAFreshFile) {
  ASSERT_FALSE(NodeMigrationFiles().empty());
  EXPECT_STREQ(NodeMigrationFiles()[0].name, "001_init.sql");
  auto db = OpenNodeDatabase(PathOf("node.db"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(Version(**db), static_cast<int>(NodeMigrationFiles().size()));
  EXPECT_EQ(Int(**db, "PRAGMA application_id"), kNodeApplicationId);
  for (const char* table :
       {"node_settings", "daily_counters", "outbox_events", "waybill_blocks", "data_versions"}) {
    EXPECT_TRUE(HasTable(**db, table)) << table;
  }
  EXPECT_EQ(Int(**db, "SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  db->reset();
  auto reopened = OpenNodeDatabase(PathOf("node.db"));
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(Version(**reopened), static_cast<int>(NodeMigrationFiles().size()));
}

TEST_F(MigrationsTest, CentralMigrationsApplyCleanlyToAFreshFile) {
  ASSERT_FALSE(CentralMigrationFiles().empty());
  auto db = OpenCentralDatabase(PathOf("central.db"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(Version(**db), static_cast<int>(CentralMigrationFiles().size()));
  EXPECT_EQ(Int(**db, "PRAGMA application_id"), kCentralApplicationId);
  for (const char* table : {"central_settings", "nodes", "node_keys", "node_progress", "events",
                            "waybill_blocks", "data_versions"}) {
    EXPECT_TRUE(HasTable(**db, table)) << table;
  }
  db->reset();
  auto reopened = OpenCentralDatabase(PathOf("central.db"));
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
}

TEST_F(MigrationsTest, EveryTableIsStrict) {
  auto node = OpenNodeDatabase(PathOf("node.db"));
  auto central = OpenCentralDatabase(PathOf("central.db"));
  ASSERT_TRUE(node.ok() && central.ok());
  for (Database* db : {node->get(), central->get()}) {
    EXPECT_EQ(Int(*db,
                  "SELECT COUNT(*) FROM pragma_table_list "
                  "WHERE schema = 'main' AND type = 'table' "
                  "AND name NOT LIKE 'sqlite_%' AND strict = 0"),
              0)
        << db->path();
  }
}

TEST_F(MigrationsTest, NodeDatabaseIsNotOpenedAsCentralNorTheOtherWayRound) {
  ASSERT_TRUE(OpenNodeDatabase(PathOf("node.db")).ok());
  ASSERT_TRUE(OpenCentralDatabase(PathOf("central.db")).ok());
  auto as_central = OpenCentralDatabase(PathOf("node.db"));
  ASSERT_FALSE(as_central.ok());
  EXPECT_EQ(as_central.status().code(), Code::kConflict);
  EXPECT_NE(as_central.status().message().find("is a Hoso node database"), std::string::npos)
      << as_central.status().ToString();
  auto as_node = OpenNodeDatabase(PathOf("central.db"));
  ASSERT_FALSE(as_node.ok());
  EXPECT_EQ(as_node.status().code(), Code::kConflict);
}

TEST_F(MigrationsTest, NonDatabaseFileIsCorruption) {
  {
    std::ofstream out(PathOf("node.db"));
    for (int i = 0; i < 100; ++i) out << "PHIẾU TIẾP NHẬN HỒ SƠ — not SQLite\n";
  }
  auto db = OpenNodeDatabase(PathOf("node.db"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kCorruption) << db.status().ToString();
}

// The node's outbox is its replication log: gapless and immutable.
TEST_F(MigrationsTest, NodeOutboxAcceptsOnlyTheNextSequenceNumber) {
  auto db = OpenNodeDatabase(PathOf("node.db"));
  ASSERT_TRUE(db.ok());
  auto insert = (*db)->Prepare(
      "INSERT INTO outbox_events (seq, event_id, type, schema_version, payload, device_time_ms, "
      "prev_hash, hash) VALUES (?, ?, 'dossier.received', 1, '{}', 0, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.status().ToString();
  const std::string hash(32, '\x11');
  auto add = [&](std::optional<int64_t> seq, const std::string& id) {
    insert->Reset();
    insert->Bind(1, seq).Bind(2, id).BindBlob(3, hash).BindBlob(4, hash);
    return insert->Run();
  };
  EXPECT_TRUE(add(1, "e1").ok());
  EXPECT_TRUE(add(2, "e2").ok());
  Status gap = add(4, "e4");
  EXPECT_EQ(gap.code(), Code::kConflict);
  EXPECT_NE(gap.message().find("next sequence number"), std::string::npos) << gap.ToString();
  EXPECT_EQ(add(std::nullopt, "e3").code(), Code::kConflict);  // seq must be explicit
  EXPECT_EQ(add(2, "e2b").code(), Code::kConflict);
  EXPECT_EQ(add(3, "e1").code(), Code::kConflict);  // event_id is unique
  EXPECT_TRUE(add(3, "e3").ok());
}

TEST_F(MigrationsTest, NodeOutboxEventsChangeOnlyTheirAckedFlag) {
  auto db = OpenNodeDatabase(PathOf("node.db"));
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  ASSERT_TRUE(d.Exec("INSERT INTO outbox_events (seq, event_id, type, schema_version, payload, "
                     "device_time_ms, prev_hash, hash) "
                     "VALUES (1, 'e1', 't', 1, '{\"a\":1}', 0, zeroblob(32), zeroblob(32))")
                  .ok());
  EXPECT_TRUE(d.Exec("UPDATE outbox_events SET acked = 1 WHERE seq = 1").ok());
  EXPECT_EQ(d.Exec("UPDATE outbox_events SET payload = '{}'").code(), Code::kConflict);
  EXPECT_EQ(d.Exec("DELETE FROM outbox_events").code(), Code::kConflict);
  EXPECT_EQ(d.Exec("UPDATE outbox_events SET acked = 2").code(), Code::kConflict);
  EXPECT_EQ(Int(d, "SELECT acked FROM outbox_events WHERE seq = 1"), 1);
}

TEST_F(MigrationsTest, NodeTablesRejectMalformedRows) {
  auto db = OpenNodeDatabase(PathOf("node.db"));
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  // payload must be JSON and hashes 32 bytes.
  EXPECT_EQ(d.Exec("INSERT INTO outbox_events (seq, event_id, type, schema_version, payload, "
                   "device_time_ms, prev_hash, hash) "
                   "VALUES (1, 'e1', 't', 1, 'not json', 0, zeroblob(32), zeroblob(32))")
                .code(),
            Code::kConflict);
  EXPECT_EQ(d.Exec("INSERT INTO outbox_events (seq, event_id, type, schema_version, payload, "
                   "device_time_ms, prev_hash, hash) "
                   "VALUES (1, 'e1', 't', 1, '{}', 0, zeroblob(32), zeroblob(31))")
                .code(),
            Code::kConflict);
  EXPECT_EQ(d.Exec("INSERT INTO daily_counters VALUES ('dossier:H29', '12/03/2026', 1)").code(),
            Code::kConflict);
  EXPECT_TRUE(d.Exec("INSERT INTO daily_counters VALUES ('dossier:H29', '2026-03-12', 1)").ok());
  EXPECT_EQ(d.Exec("INSERT INTO waybill_blocks VALUES (1, 'EB', 100, 50, 100, 0)").code(),
            Code::kConflict);
  EXPECT_EQ(d.Exec("INSERT INTO waybill_blocks VALUES (1, 'EB', 1, 100, 102, 0)").code(),
            Code::kConflict);
  EXPECT_TRUE(d.Exec("INSERT INTO waybill_blocks VALUES (1, 'EB', 1, 100, 101, 0)").ok());
  EXPECT_EQ(d.Exec("INSERT INTO data_versions VALUES ('forms', 'v1', '{}', 0)").code(),
            Code::kConflict);
}

TEST_F(MigrationsTest, CentralWaybillBlocksNeverOverlap) {
  auto db = OpenCentralDatabase(PathOf("central.db"));
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  ASSERT_TRUE(d.Exec("INSERT INTO nodes (node_id, unit_code, role, created_at_ms) "
                     "VALUES ('courier-1', '000.00.17.H29.C1', 'courier', 0)")
                  .ok());
  const char* insert =
      "INSERT INTO waybill_blocks (node_id, prefix, first, last, allocated_at_ms) "
      "VALUES ('courier-1', '%s', %d, %d, 0)";
  auto block = [&](const char* prefix, int first, int last) {
    char sql[256];
    std::snprintf(sql, sizeof sql, insert, prefix, first, last);
    return d.Exec(sql);
  };
  EXPECT_TRUE(block("EB", 1, 1000).ok());
  EXPECT_TRUE(block("EB", 1001, 2000).ok());
  Status overlap = block("EB", 1500, 2500);
  EXPECT_EQ(overlap.code(), Code::kConflict);
  EXPECT_NE(overlap.message().find("overlaps"), std::string::npos) << overlap.ToString();
  EXPECT_EQ(block("EB", 0, 1).code(), Code::kConflict);
  EXPECT_TRUE(block("RR", 1, 1000).ok());  // another prefix is another series
  EXPECT_EQ(d.Exec("UPDATE waybill_blocks SET last = 5000 WHERE first = 1001").code(),
            Code::kConflict);
}

TEST_F(MigrationsTest, CentralEventsAreAppendOnlyAndNeedAKnownNode) {
  auto db = OpenCentralDatabase(PathOf("central.db"));
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  const std::string event =
      "INSERT INTO events (node_id, seq, event_id, type, schema_version, payload, device_time_ms, "
      "received_at_ms, hash) VALUES ('desk-1', 1, 'e1', 'dossier.received', 1, '{}', 0, 0, "
      "zeroblob(32))";
  EXPECT_EQ(d.Exec(event).code(), Code::kConflict);  // no such node yet
  ASSERT_TRUE(d.Exec("INSERT INTO nodes (node_id, unit_code, role, created_at_ms) "
                     "VALUES ('desk-1', '000.00.17.H29', 'desk', 0)")
                  .ok());
  ASSERT_TRUE(d.Exec(event).ok());
  EXPECT_EQ(d.Exec(event).code(), Code::kConflict);  // applied exactly once
  EXPECT_EQ(d.Exec("UPDATE events SET type = 'x'").code(), Code::kConflict);
  EXPECT_EQ(d.Exec("DELETE FROM events").code(), Code::kConflict);
  EXPECT_EQ(Int(d, "SELECT COUNT(*) FROM events"), 1);
}

TEST_F(MigrationsTest, CentralNodeRowsGuardRoleStateAndRevocation) {
  auto db = OpenCentralDatabase(PathOf("central.db"));
  ASSERT_TRUE(db.ok());
  Database& d = **db;
  EXPECT_EQ(d.Exec("INSERT INTO nodes (node_id, unit_code, role, created_at_ms) "
                   "VALUES ('n1', 'U1', 'officer', 0)")
                .code(),
            Code::kConflict);
  ASSERT_TRUE(d.Exec("INSERT INTO nodes (node_id, unit_code, role, created_at_ms) "
                     "VALUES ('n1', 'U1', 'desk', 0)")
                  .ok());
  EXPECT_EQ(Int(d, "SELECT COUNT(*) FROM nodes WHERE state = 'pending'"), 1);
  EXPECT_EQ(d.Exec("INSERT INTO nodes (node_id, unit_code, role, created_at_ms) "
                   "VALUES ('n2', 'U1', 'desk', 0)")
                .code(),
            Code::kConflict);  // unit codes are unique
  // A key is revoked exactly when it has a revocation time.
  EXPECT_EQ(
      d.Exec("INSERT INTO node_keys VALUES ('n1', 'k1', zeroblob(32), 'revoked', 0, NULL)").code(),
      Code::kConflict);
  EXPECT_EQ(
      d.Exec("INSERT INTO node_keys VALUES ('n1', 'k1', zeroblob(16), 'active', 0, NULL)").code(),
      Code::kConflict);
  EXPECT_TRUE(
      d.Exec("INSERT INTO node_keys VALUES ('n1', 'k1', zeroblob(32), 'active', 0, NULL)").ok());
  EXPECT_TRUE(
      d.Exec("UPDATE node_keys SET state = 'revoked', revoked_at_ms = 5 WHERE key_id = 'k1'").ok());
  // Progress starts at zero with no hash; any later point has one.
  EXPECT_TRUE(d.Exec("INSERT INTO node_progress (node_id) VALUES ('n1')").ok());
  EXPECT_EQ(d.Exec("UPDATE node_progress SET high_water_seq = 3").code(), Code::kConflict);
  EXPECT_TRUE(d.Exec("UPDATE node_progress SET high_water_seq = 3, last_hash = zeroblob(32)").ok());
}

}  // namespace
}  // namespace hoso
