// Sync over HTTPS end to end: the real hoso-central binary serving with
// --tls-cert / --tls-key, and the real hoso-node binary enrolling with
// --ca, taking in a dossier and syncing it (once, in the background, and
// rotating its key), with certificates made for each test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "node/enrolment.h"
#include "node/node_store.h"
#include "node/sync_client.h"
#include "schema/data_dir.h"
#include "schema/json_util.h"
#include "tests/testing/child_process.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/sample_intake.h"

namespace hoso::node {
namespace {

using hoso::testing::ChildProcess;
using hoso::testing::MakeTlsFiles;
using hoso::testing::RunProgram;
using hoso::testing::TempDir;
using hoso::testing::TlsFiles;

const std::string kNode = HOSO_NODE_BIN;
const std::string kCentral = HOSO_CENTRAL_BIN;
constexpr char kNodeId[] = "desk-h29-01";
constexpr char kUnitCode[] = "000.00.17.H29";

std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

class TlsSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = MakeTlsFiles(dir_.path(), "central");
    central_dir_ = dir_.path() + "/central";
    node_dir_ = dir_.path() + "/node";
    ASSERT_EQ(Run({kCentral, "init", "--data", central_dir_, "--central-id", "central-hcm",
                   "--source-data", DataDir()}),
              0)
        << out_;
    ASSERT_TRUE(
        central_.StartServer({kCentral, "serve", "--data", central_dir_, "--listen", "127.0.0.1:0",
                              "--tls-cert", files_.cert_file, "--tls-key", files_.key_file}));
    url_ = "https://127.0.0.1:" + std::to_string(central_.port());
    ASSERT_EQ(
        Run({kNode, "init", "--data", node_dir_, "--unit-code", kUnitCode, "--name",
             "Bộ phận một cửa Sở Công Thương", "--node-id", kNodeId, "--source-data", DataDir()}),
        0)
        << out_;
  }

  int Run(const std::vector<std::string>& argv) {
    out_.clear();
    return RunProgram(argv, &out_);
  }

  std::string Token() {
    EXPECT_EQ(Run({kCentral, "node", "add", "--data", central_dir_, "--id", kNodeId, "--unit-code",
                   kUnitCode, "--role", "desk"}),
              0)
        << out_;
    return out_.substr(0, out_.find('\n'));
  }

  // A complete intake of the alcohol retail licence, from the node's catalog.
  std::string IntakeFile() {
    json::array docs;
    {
      auto store = NodeStore::Open(node_dir_);
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      if (!store.ok()) return "";
      auto procedure = (*store)->catalog().Find("2.000620", LocalDateOf(SystemClock()->NowMs()));
      EXPECT_TRUE(procedure.ok()) << procedure.status().ToString();
      if (!procedure.ok()) return "";
      for (const RequiredDocument& d : (*procedure)->required_documents) {
        if (!d.optional) docs.push_back(json::object{{"id", d.id}, {"count", d.count}});
      }
    }
    json::object body = hoso::testing::SampleIntakeBody(std::move(docs));
    const std::string path = dir_.path() + "/intake.json";
    EXPECT_TRUE(PosixFileSystem()->WriteFileAtomic(path, ToJson(body), 0644).ok());
    return path;
  }

  // The central's high water seq for the node, read with its own CLI.
  int64_t CentralHighWater() {
    if (Run({kCentral, "node", "list", "--data", central_dir_, "--json"}) != 0) return -1;
    auto o = ParseJsonObject(out_);
    if (!o.ok() || o->at("nodes").as_array().empty()) return -1;
    return o->at("nodes").as_array().at(0).at("high_water_seq").as_int64();
  }

  TempDir dir_;
  TlsFiles files_;
  std::string central_dir_;
  std::string node_dir_;
  ChildProcess central_;
  std::string url_;
  std::string out_;
};

TEST_F(TlsSyncTest, NodeEnrolledOverHttpsSyncsADossierToATlsCentral) {
  ASSERT_EQ(Run({kNode, "enroll", "--data", node_dir_, "--central", url_, "--token", Token(),
                 "--ca", files_.ca_file}),
            0)
      << out_;
  EXPECT_NE(out_.find("enrolled with central central-hcm"), std::string::npos) << out_;
  EXPECT_NE(out_.find("keys/central-ca.pem"), std::string::npos) << out_;
  // The node keeps its own copy: the operator's file may go away.
  std::filesystem::remove(files_.ca_file);

  ASSERT_EQ(Run({kNode, "intake", "--data", node_dir_, "--json", IntakeFile()}), 0) << out_;
  ASSERT_EQ(Run({kNode, "sync", "--data", node_dir_, "--once", "--json"}), 0) << out_;
  auto report = ParseJsonObject(out_);
  ASSERT_TRUE(report.ok()) << out_;
  EXPECT_EQ(report->at("result").as_string(), "applied");
  const int64_t acked = report->at("acked_seq").as_int64();
  EXPECT_GE(acked, 1);
  EXPECT_EQ(report->at("sent_events").as_int64(), acked);
  EXPECT_EQ(CentralHighWater(), acked);

  // serve's background sync, which starts with an exchange, uses the same
  // URL and CA.
  ASSERT_EQ(Run({kNode, "intake", "--data", node_dir_, "--json", IntakeFile()}), 0) << out_;
  ChildProcess node;
  ASSERT_TRUE(node.StartServer({kNode, "serve", "--data", node_dir_, "--listen", "127.0.0.1:0"}));
  int64_t high_water = 0;
  for (int i = 0; i < 200 && (high_water = CentralHighWater()) <= acked; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(high_water, acked);
  EXPECT_EQ(node.Stop(), 0);

  ASSERT_EQ(Run({kNode, "rotate-key", "--data", node_dir_}), 0) << out_;
  EXPECT_NE(out_.find("is active at the central"), std::string::npos) << out_;
}

TEST_F(TlsSyncTest, EnrolmentWithoutTheCaIsRefusedAsCertificateNotTrusted) {
  const std::string token = Token();
  EXPECT_EQ(Run({kNode, "enroll", "--data", node_dir_, "--central", url_, "--token", token}), 1)
      << out_;
  EXPECT_NE(out_.find("certificate not trusted"), std::string::npos) << out_;
  ASSERT_EQ(Run({kNode, "sync-status", "--data", node_dir_, "--json"}), 0) << out_;
  auto status = ParseJsonObject(out_);
  ASSERT_TRUE(status.ok()) << out_;
  EXPECT_FALSE(status->at("enrolled").as_bool());
  // The token was not spent: with the CA the same token enrols.
  EXPECT_EQ(Run({kNode, "enroll", "--data", node_dir_, "--central", url_, "--token", token, "--ca",
                 files_.ca_file}),
            0)
      << out_;
}

TEST_F(TlsSyncTest, PlainHttpUrlForTheTlsCentralIsRefusedWithHttpsRequired) {
  const std::string plain_url = "http://127.0.0.1:" + std::to_string(central_.port());
  EXPECT_EQ(Run({kNode, "enroll", "--data", node_dir_, "--central", plain_url, "--token", Token()}),
            2)
      << out_;
  EXPECT_NE(out_.find("https_required"), std::string::npos) << out_;
  EXPECT_EQ(Run({kNode, "enroll", "--data", node_dir_, "--central", plain_url, "--token", "x",
                 "--ca", files_.ca_file}),
            2)
      << out_;
  EXPECT_NE(out_.find("--ca is for an https:// central URL"), std::string::npos) << out_;
}

TEST_F(TlsSyncTest, CertificateProblemWaitsForAPersonWhileAnOutageIsRetried) {
  ASSERT_EQ(Run({kNode, "enroll", "--data", node_dir_, "--central", url_, "--token", Token(),
                 "--ca", files_.ca_file}),
            0)
      << out_;
  auto store = NodeStore::Open(node_dir_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  SyncLoopOptions lo;
  lo.random = [] { return uint64_t{0}; };

  // A transport that trusts only the system's store: the certificate fails.
  auto untrusting = HttpCentralTransport::Create(url_);
  ASSERT_TRUE(untrusting.ok());
  SyncClient refused_client(store->get(), untrusting->get());
  SyncLoop refused(&refused_client, lo);
  EXPECT_EQ(refused.Step(), kMaxBackoffMs);
  EXPECT_EQ(refused.last_status().code(), Status::Code::kUnauthenticated)
      << refused.last_status().ToString();
  EXPECT_FALSE(IsRetryable(refused.last_status()));
  EXPECT_FALSE(refused.stopped_by_revocation());

  // The node's own transport (its kept CA) syncs; then the central goes away.
  auto trusting = HttpCentralTransport::ForNode(**store, url_);
  ASSERT_TRUE(trusting.ok());
  SyncClient client(store->get(), trusting->get());
  SyncLoop loop(&client, lo);
  EXPECT_EQ(loop.Step(), kIdlePollMs);
  EXPECT_TRUE(loop.last_status().ok()) << loop.last_status().ToString();
  central_.Stop();
  loop.Step();
  EXPECT_TRUE(loop.last_status().IsUnavailable()) << loop.last_status().ToString();
  EXPECT_TRUE(IsRetryable(loop.last_status()));
  EXPECT_LE(loop.BackoffCeilingMs(), kBaseBackoffMs);
}

}  // namespace
}  // namespace hoso::node
