#include "node/node_store.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "schema/env.h"
#include "schema/sqlite.h"
#include "schema/data_dir.h"

namespace hoso::node {
namespace {

std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

int ModeOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

class NodeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso-node-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    dir_ = tmp_ + "/desk";
  }
  void TearDown() override { std::filesystem::remove_all(tmp_); }

  InitOptions Options(FileSystem* fs = PosixFileSystem()) {
    InitOptions o;
    o.identity.unit_code = "000.00.17.H29";
    o.identity.name = "Bộ phận một cửa  Sở Công Thương";
    o.identity.role = "desk";
    o.identity.province = "Thành phố Hồ Chí Minh";
    o.source_data_dir = DataDir();
    o.fs = fs;
    o.clock = &clock_;
    return o;
  }

  FakeClock clock_{1773277500000};  // 2026-03-12T08:05:00+07:00
  std::string tmp_;
  std::string dir_;
};

TEST_F(NodeStoreTest, InitCreatesLayoutWithPrivatePermissions) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  EXPECT_EQ(ModeOf(dir_), 0700);
  EXPECT_EQ(ModeOf(dir_ + "/keys"), 0700);
  EXPECT_EQ(ModeOf(dir_ + "/data"), 0700);
  EXPECT_EQ(ModeOf(dir_ + "/keys/pii.key"), 0600);
  EXPECT_EQ(ModeOf(dir_ + "/keys/node.key"), 0600);
  EXPECT_EQ(std::filesystem::file_size(dir_ + "/keys/node.pub"), crypto_sign_PUBLICKEYBYTES);
  EXPECT_EQ(std::filesystem::file_size(dir_ + "/keys/pii.key"), crypto_secretbox_KEYBYTES);
  for (const char* f :
       {"node.json", "node.db", "data/catalog.json", "data/calendar.json", "data/tariff.json"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/" + f)) << f;
  }
}

TEST_F(NodeStoreTest, OpenLoadsIdentityDataAndRecordsDataVersions) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  auto store = NodeStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const NodeIdentity& id = (*store)->identity();
  EXPECT_EQ(id.unit_code, "000.00.17.H29");
  EXPECT_EQ(id.name, "Bộ phận một cửa Sở Công Thương");  // spaces normalised
  EXPECT_EQ(id.province, "Thành phố Hồ Chí Minh");
  EXPECT_EQ(id.created_at, clock_.NowMs());
  // Generated from role and unit code, with a random suffix.
  EXPECT_EQ(id.node_id.rfind("desk-000-00-17-h29-", 0), 0u) << id.node_id;
  EXPECT_FALSE((*store)->catalog().version().empty());
  EXPECT_FALSE((*store)->tariff().version().empty());
  auto st = (*store)->db().Prepare("SELECT kind, version FROM data_versions ORDER BY kind");
  ASSERT_TRUE(st.ok());
  std::map<std::string, std::string> versions;
  while (st->Step().value()) versions[st->ColumnText(0)] = st->ColumnText(1);
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions["catalog"], (*store)->catalog().version());
  EXPECT_EQ(versions["calendar"], (*store)->calendar_data().version);
  EXPECT_EQ(versions["tariff"], (*store)->tariff().version());
}

TEST_F(NodeStoreTest, InitRefusesDirectoryThatHoldsANode) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  Status again = NodeStore::Init(dir_, Options());
  EXPECT_TRUE(again.IsConflict()) << again.ToString();
  EXPECT_TRUE(NodeStore::Open(dir_).ok());
}

TEST_F(NodeStoreTest, InitRefusesADatabaseWithEventsWhoseNodeJsonWasLost) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  {
    auto store = NodeStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)
                    ->db()
                    .Exec("INSERT INTO outbox_events (seq, event_id, type, schema_version, "
                          "payload, device_time_ms, prev_hash, hash) VALUES (1, 'e', "
                          "'ticket_issued', 1, '{}', 0, zeroblob(32), zeroblob(32))")
                    .ok());
  }
  std::filesystem::remove(dir_ + "/node.json");
  Status s = NodeStore::Init(dir_, Options());
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  EXPECT_NE(s.message().find("1 events"), std::string::npos) << s.message();
}

TEST_F(NodeStoreTest, InitRejectsBadIdentityNamingTheField) {
  InitOptions o = Options();
  o.identity.role = "kiosk";
  Status s = NodeStore::Init(dir_, o);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "role");
  o = Options();
  o.identity.name = "   ";
  EXPECT_EQ(NodeStore::Init(dir_, o).field(), "name");
  o = Options();
  o.identity.unit_code = "000-17";
  EXPECT_TRUE(NodeStore::Init(dir_, o).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir_));
}

TEST_F(NodeStoreTest, MissingSourceDataFailsBeforeAnythingIsCreated) {
  InitOptions o = Options();
  o.source_data_dir = tmp_ + "/nowhere";
  Status s = NodeStore::Init(dir_, o);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("catalog.json"), std::string::npos) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(dir_));
}

TEST_F(NodeStoreTest, OpenWithoutANodeIsNotFound) {
  std::filesystem::create_directories(dir_);
  auto store = NodeStore::Open(dir_);
  EXPECT_TRUE(store.status().IsNotFound()) << store.status().ToString();
}

TEST_F(NodeStoreTest, OpenRefusesAPiiKeyOthersCanRead) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  ASSERT_EQ(::chmod((dir_ + "/keys/pii.key").c_str(), 0644), 0);
  auto store = NodeStore::Open(dir_);
  EXPECT_EQ(store.status().code(), Status::Code::kPermissionDenied) << store.status().ToString();
  EXPECT_NE(store.status().message().find("0644"), std::string::npos);
}

TEST_F(NodeStoreTest, TruncatedKeyFileIsCorruption) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(dir_ + "/keys/node.key", "short", 0600).ok());
  EXPECT_TRUE(NodeStore::Open(dir_).status().IsCorruption());
}

TEST_F(NodeStoreTest, PiiRoundTripsWithFreshNoncesAndTamperingIsCorruption) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  auto store = NodeStore::Open(dir_);
  ASSERT_TRUE(store.ok());
  const std::string a = (*store)->EncryptPii("079203001234");
  const std::string b = (*store)->EncryptPii("079203001234");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("079203001234"), std::string::npos);
  EXPECT_EQ((*store)->DecryptPii(a).value(), "079203001234");
  std::string tampered = a;
  tampered.back() ^= 1;
  EXPECT_TRUE((*store)->DecryptPii(tampered).status().IsCorruption());
  EXPECT_TRUE((*store)->DecryptPii("abc").status().IsCorruption());
}

TEST_F(NodeStoreTest, LookupHashIsStableAcrossOpensAndKeyedPerNode) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  std::string first;
  {
    auto store = NodeStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    first = (*store)->PiiLookupHash("079203001234");
    EXPECT_EQ((*store)->PiiLookupHash("0792 0300 1234"), first);
    EXPECT_NE((*store)->PiiLookupHash("079203001235"), first);
    EXPECT_EQ(first.size(), 64u);
  }
  auto reopened = NodeStore::Open(dir_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->PiiLookupHash("079203001234"), first);
  const std::string other_dir = tmp_ + "/other";
  ASSERT_TRUE(NodeStore::Init(other_dir, Options()).ok());
  auto other = NodeStore::Open(other_dir);
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)->PiiLookupHash("079203001234"), first);
}

TEST_F(NodeStoreTest, SignatureVerifiesWithThePublicKey) {
  ASSERT_TRUE(NodeStore::Init(dir_, Options()).ok());
  auto store = NodeStore::Open(dir_);
  ASSERT_TRUE(store.ok());
  const std::string msg = "batch 1..10";
  const std::string sig = (*store)->Sign(msg);
  ASSERT_EQ(sig.size(), crypto_sign_BYTES);
  const auto* pk = reinterpret_cast<const unsigned char*>((*store)->public_key().data());
  EXPECT_EQ(crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                        reinterpret_cast<const unsigned char*>(msg.data()),
                                        msg.size(), pk),
            0);
  EXPECT_NE(crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                        reinterpret_cast<const unsigned char*>("other"), 5, pk),
            0);
}

TEST_F(NodeStoreTest, DiskFullDuringInitIsIoErrorAndLeavesNoNode) {
  FaultInjectionFileSystem fs(PosixFileSystem());
  fs.SetDiskFull(true);
  Status s = NodeStore::Init(dir_, Options(&fs));
  EXPECT_TRUE(s.IsIoError()) << s.ToString();
  EXPECT_TRUE(NodeStore::Open(dir_).status().IsNotFound());
  fs.SetDiskFull(false);
  ASSERT_TRUE(NodeStore::Init(dir_, Options(&fs)).ok());
  EXPECT_TRUE(NodeStore::Open(dir_).ok());
}

// Fails each file-system write of Init in turn: every attempt answers
// kIoError, leaves no node and no secret key behind, and the next attempt on
// the same directory succeeds.
TEST_F(NodeStoreTest, EachFailingWriteDuringInitLeavesNoNodeAndRetrySucceeds) {
  FaultInjectionFileSystem fs(PosixFileSystem());
  int n = 1;
  for (;; ++n) {
    ASSERT_LT(n, 50) << "Init never finished";
    fs.FailNthWrite(n);
    Status s = NodeStore::Init(dir_, Options(&fs));
    if (fs.writes() < n) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      break;
    }
    EXPECT_TRUE(s.IsIoError()) << "write " << n << ": " << s.ToString();
    EXPECT_TRUE(NodeStore::Open(dir_).status().IsNotFound()) << "write " << n;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/keys/pii.key")) << "write " << n;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/keys/node.key")) << "write " << n;
  }
  EXPECT_GE(n, 8);  // dirs, data files, keys and node.json were all exercised
  auto store = NodeStore::Open(dir_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto count = (*store)->db().QueryInt("SELECT COUNT(*) FROM node_settings");
  EXPECT_EQ(count.value().value_or(0), 6);
}

}  // namespace
}  // namespace hoso::node
