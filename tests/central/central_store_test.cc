#include "central/central_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "schema/json_util.h"
#include "tests/central/central_test_util.h"
#include "tests/testing/child_process.h"

namespace hoso::central {
namespace {

using testing::DataDir;
using testing::kT0;

class CentralStoreTest : public ::testing::Test {
 protected:
  CentralInitOptions Options(const std::string& central_id = "central-hcm") {
    CentralInitOptions o;
    o.central_id = central_id;
    o.name = "Sở Công Thương TP.HCM";
    o.source_data_dir = DataDir();
    o.clock = &clock_;
    return o;
  }
  std::string Dir(const std::string& name = "c") const { return tmp_.path() + "/" + name; }

  static int Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return static_cast<int>(st.st_mode & 0777);
  }

  FakeClock clock_{kT0};
  hoso::testing::TempDir tmp_;
};

TEST_F(CentralStoreTest, InitCreatesKeyDatabaseIdentityAndDataVersions) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options()).ok());
  auto store = CentralStore::Open(Dir());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->central_id(), "central-hcm");
  EXPECT_EQ((*store)->identity().name, "Sở Công Thương TP.HCM");
  EXPECT_EQ((*store)->identity().created_at, kT0);
  EXPECT_EQ((*store)->key().key_id().size(), sync::kKeyIdHexChars);
  EXPECT_EQ(Mode(Dir()), 0700);
  EXPECT_EQ(Mode(Dir() + "/keys/central.key"), 0600);
  for (const char* f : {"catalog.json", "calendar.json", "tariff.json"}) {
    EXPECT_TRUE(PosixFileSystem()->Exists(Dir() + "/data/" + f)) << f;
  }
  auto db = (*store)->Db();
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT kind, version FROM data_versions ORDER BY kind");
  ASSERT_TRUE(q.ok());
  std::vector<std::string> kinds;
  while (*q->Step()) {
    kinds.push_back(q->ColumnText(0));
    EXPECT_FALSE(q->ColumnText(1).empty());
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"calendar", "catalog", "tariff"}));
  auto id = (*db)->Prepare("SELECT value FROM central_settings WHERE key = 'central_id'");
  ASSERT_TRUE(id.ok() && *id->Step());
  EXPECT_EQ(id->ColumnText(0), "central-hcm");
}

TEST_F(CentralStoreTest, InitWithoutAnIdGeneratesOne) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options("")).ok());
  auto store = CentralStore::Open(Dir());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->central_id().rfind("central-", 0), 0u);
  EXPECT_EQ((*store)->central_id().size(), 16u);
}

TEST_F(CentralStoreTest, InitRefusesADirectoryThatAlreadyHoldsACentral) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options()).ok());
  Status s = CentralStore::Init(Dir(), Options());
  EXPECT_EQ(s.code(), Status::Code::kConflict) << s.ToString();
}

TEST_F(CentralStoreTest, InitRefusesAnIdWithSpacesOrSlashes) {
  for (const char* bad : {"central hcm", "a/b", "trung-tâm"}) {
    Status s = CentralStore::Init(Dir(), Options(bad));
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "central_id") << bad;
  }
  EXPECT_FALSE(PosixFileSystem()->Exists(Dir()));
}

TEST_F(CentralStoreTest, InitWithMissingSourceDataLeavesNoCentral) {
  CentralInitOptions o = Options();
  o.source_data_dir = tmp_.path() + "/nowhere";
  Status s = CentralStore::Init(Dir(), o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("catalog.json"), std::string::npos) << s.ToString();
  EXPECT_EQ(CentralStore::Open(Dir()).status().code(), Status::Code::kNotFound);
}

TEST_F(CentralStoreTest, InitAfterAFailedWriteCanBeRetried) {
  FaultInjectionFileSystem faulty(PosixFileSystem());
  CentralInitOptions o = Options();
  o.fs = &faulty;
  faulty.FailNthWrite(8);  // central.json: after the key and the database
  ASSERT_FALSE(CentralStore::Init(Dir(), o).ok());
  EXPECT_FALSE(PosixFileSystem()->Exists(Dir() + "/central.json"));
  EXPECT_FALSE(PosixFileSystem()->Exists(Dir() + "/keys/central.key"));
  faulty.FailNthWrite(0);
  ASSERT_TRUE(CentralStore::Init(Dir(), o).ok());
  EXPECT_TRUE(CentralStore::Open(Dir()).ok());
}

TEST_F(CentralStoreTest, OpenWithoutCentralJsonIsNotFound) {
  auto store = CentralStore::Open(Dir());
  EXPECT_EQ(store.status().code(), Status::Code::kNotFound);
}

TEST_F(CentralStoreTest, OpenRefusesAKeyFileReadableByOthers) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options()).ok());
  ASSERT_EQ(::chmod((Dir() + "/keys/central.key").c_str(), 0644), 0);
  auto store = CentralStore::Open(Dir());
  EXPECT_EQ(store.status().code(), Status::Code::kPermissionDenied) << store.status().ToString();
}

TEST_F(CentralStoreTest, OpenRefusesADatabaseOfAnotherCentral) {
  ASSERT_TRUE(CentralStore::Init(Dir("a"), Options("central-a")).ok());
  ASSERT_TRUE(CentralStore::Init(Dir("b"), Options("central-b")).ok());
  ASSERT_TRUE(PosixFileSystem()->Rename(Dir("b") + "/central.db", Dir("a") + "/central.db").ok());
  auto store = CentralStore::Open(Dir("a"));
  EXPECT_EQ(store.status().code(), Status::Code::kCorruption) << store.status().ToString();
}

TEST_F(CentralStoreTest, ReturnedConnectionIsReusedAndConcurrentLeasesAreDistinct) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options()).ok());
  auto store = CentralStore::Open(Dir());
  ASSERT_TRUE(store.ok());
  Database* first = nullptr;
  {
    auto a = (*store)->Db();
    ASSERT_TRUE(a.ok());
    first = &**a;
    auto b = (*store)->Db();
    ASSERT_TRUE(b.ok());
    EXPECT_NE(&**b, first);
  }
  auto again = (*store)->Db();
  ASSERT_TRUE(again.ok());
  auto other = (*store)->Db();
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(&**again == first || &**other == first);
}

TEST_F(CentralStoreTest, ConnectionsServeSeveralThreadsAtOnce) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options()).ok());
  auto store = CentralStore::Open(Dir());
  ASSERT_TRUE(store.ok());
  std::vector<std::thread> threads;
  std::vector<int64_t> counts(4, -1);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto db = (*store)->Db();
        if (!db.ok()) return;
        auto n = (*db)->QueryInt("SELECT COUNT(*) FROM data_versions");
        if (!n.ok()) return;
        counts[t] = n->value_or(-1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(counts, (std::vector<int64_t>{3, 3, 3, 3}));
}

TEST_F(CentralStoreTest, ALargeCommitReachesTheDatabaseFileWhileConnectionsStayOpen) {
  ASSERT_TRUE(CentralStore::Init(Dir(), Options()).ok());
  auto store = CentralStore::Open(Dir());
  ASSERT_TRUE(store.ok());
  const std::string db_path = Dir() + "/central.db";
  struct stat before {};
  ASSERT_EQ(::stat(db_path.c_str(), &before), 0);
  auto db = (*store)->Db();
  ASSERT_TRUE(db.ok());
  // About 6 MB, well past the 1,000-page checkpoint threshold, in one commit.
  ASSERT_TRUE((*db)->Exec("CREATE TABLE bulk (b BLOB); BEGIN; "
                          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                          "WHERE i < 1500) INSERT INTO bulk SELECT randomblob(4000) FROM n; "
                          "COMMIT;")
                  .ok());
  // The lease (and the store's pool) stay open: only a checkpoint copies the
  // WAL into central.db.
  struct stat after {};
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(::stat(db_path.c_str(), &after), 0);
    if (after.st_size >= before.st_size + 6'000'000) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(after.st_size, before.st_size + 6'000'000);
  auto n = (*db)->QueryInt("SELECT count(*) FROM bulk");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->value_or(0), 1500);
}

}  // namespace
}  // namespace hoso::central
