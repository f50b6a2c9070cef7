// Store-and-forward between a real node directory and a real central: batch
// files exported by the node, imported by the central's Importer, and the
// down-sync files it writes imported back (tests/node/sync_test_env.h).
#include "node/store_forward.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "central/import.h"
#include "node/enrolment.h"
#include "node/sync_client.h"
#include "sync/batch.h"
#include "sync/keys.h"
#include "sync/signed_file.h"
#include "tests/node/sync_test_env.h"

namespace hoso::node {
namespace {

using testing::kCentralId;
using testing::kNodeId;

class StoreForwardTest : public testing::SyncEnv {
 protected:
  void SetUp() override {
    SyncEnv::SetUp();
    importer_ = std::make_unique<central::Importer>(admin_.get(), ingestor_.get());
    std::filesystem::create_directories(Stick());
  }
  void TearDown() override {
    importer_.reset();
    SyncEnv::TearDown();
  }

  std::string Stick() const { return Path("stick"); }

  std::vector<ExportedFile> Export(const ExportOptions& o = {}) {
    ExportOptions options = o;
    options.clock = &clock_;
    auto files = ExportBatches(*store_, Stick(), options);
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    return files.ok() ? *files : std::vector<ExportedFile>();
  }

  // The central imports `path`; returns the answer file it wrote.
  std::string CentralImport(const std::string& path) {
    central::ImportResult r = importer_->ImportFile(path, Path("answers"));
    EXPECT_FALSE(r.answer_path.empty()) << r.ToString();
    return r.answer_path;
  }

  Result<ImportReport> NodeImport(const std::string& path) {
    auto bytes = PosixFileSystem()->ReadFile(path);
    if (!bytes.ok()) return bytes.status();
    return ImportFile(*store_, *bytes, &clock_);
  }

  std::unique_ptr<central::Importer> importer_;
};

TEST_F(StoreForwardTest, ExportWritesSealedFilesWithoutTheApplicantsNameInClear) {
  EnrolNode();
  IntakeDossier();
  auto files = Export();
  ASSERT_EQ(files.size(), 1u);
  auto bytes = PosixFileSystem()->ReadFile(files[0].path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->find("Nguy"), std::string::npos);
  EXPECT_EQ(bytes->find("079203001234"), std::string::npos);
  auto header = sync::PeekBatchHeader(*bytes);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_TRUE(header->sealed);
  // Only the central can open it, and then the name is there.
  auto opened = sync::DecodeBatch(
      *bytes,
      [this](const std::string&, const std::string&) -> Result<std::string> {
        return store_->public_key();
      },
      &central_->key(), nullptr, sync::DecodeLimits());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  bool found = false;
  for (const auto& be : opened->events) {
    found = found || ToJson(be.event.payload).find("Nguy") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST_F(StoreForwardTest, ExportNeverMarksAnythingAcked) {
  EnrolNode();
  AddEvents(7);
  Export();
  Export();
  EXPECT_EQ(PendingCount(), 7);
}

TEST_F(StoreForwardTest, ExportSplitsThePendingEventsIntoFilesNamedByNodeAndSeqRange) {
  EnrolNode();
  AddEvents(12);
  ExportOptions o;
  o.max_events = 5;
  auto files = Export(o);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].path, Stick() + "/" + kNodeId + "-1-5.hosobatch");
  EXPECT_EQ(files[1].path, Stick() + "/" + kNodeId + "-6-10.hosobatch");
  EXPECT_EQ(files[2].path, Stick() + "/" + kNodeId + "-11-12.hosobatch");
  for (const auto& f : files) EXPECT_TRUE(std::filesystem::exists(f.path)) << f.path;
}

TEST_F(StoreForwardTest, ExportWithNothingPendingWritesNoFile) {
  EnrolNode();
  EXPECT_TRUE(Export().empty());
  EXPECT_TRUE(std::filesystem::is_empty(Stick()));
}

TEST_F(StoreForwardTest, ExportBeforeEnrolmentIsRefused) {
  AddEvents(2);
  auto files = ExportBatches(*store_, Stick());
  ASSERT_FALSE(files.ok());
  EXPECT_TRUE(files.status().IsConflict());
}

TEST_F(StoreForwardTest, ImportingTheCentralsDownSyncMarksTheEventsAcked) {
  EnrolNode();
  AddEvents(9);
  auto files = Export();
  ASSERT_EQ(files.size(), 1u);
  const std::string answer = CentralImport(files[0].path);
  EXPECT_EQ(CentralEvents(), 9);
  EXPECT_EQ(PendingCount(), 9);
  auto r = NodeImport(answer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, sync::FileKind::kDownSync);
  EXPECT_EQ(r->acked_seq, 9);
  EXPECT_EQ(r->result, "applied");
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(StoreForwardTest, ImportingTheSameDownSyncTwiceIsHarmless) {
  EnrolNode();
  AddEvents(3);
  const std::string answer = CentralImport(Export()[0].path);
  ASSERT_TRUE(NodeImport(answer).ok());
  auto again = NodeImport(answer);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(StoreForwardTest, MixingFilesAndHttpNeverLosesOrDuplicatesEvents) {
  EnrolNode();
  SyncClient client = Client();
  AddEvents(10);
  const std::vector<ExportedFile> first = Export();  // 1..10 on the stick
  AddEvents(5);
  ASSERT_TRUE(client.RunOnce().ok());                     // 1..15 over HTTP meanwhile
  const std::string late = CentralImport(first[0].path);  // a duplicate now
  ASSERT_TRUE(NodeImport(late).ok());
  EXPECT_EQ(PendingCount(), 0);

  AddEvents(6);
  const std::vector<ExportedFile> second = Export();  // 16..21
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].first_seq, 16);
  AddEvents(4);
  transport_->lose_next_answers = 1;
  ASSERT_FALSE(client.RunOnce().ok());  // 16..25 applied, answer lost
  const std::string answer = CentralImport(second[0].path);
  ASSERT_TRUE(NodeImport(answer).ok());  // acks up to 25 (the central's high water)
  ASSERT_TRUE(client.RunOnce().ok());

  EXPECT_EQ(OutboxCount(), 25);
  EXPECT_EQ(CentralEvents(), OutboxCount());
  EXPECT_EQ(CentralDistinctSeqs(), OutboxCount());
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(StoreForwardTest, FilesImportedOutOfOrderConvergeOnceAllArrive) {
  EnrolNode();
  AddEvents(10);
  ExportOptions o;
  o.max_events = 5;
  auto files = Export(o);
  ASSERT_EQ(files.size(), 2u);
  // The second file first: the central cannot apply it yet (a gap) and says so.
  central::ImportResult early = importer_->ImportFile(files[1].path, Path("answers"));
  EXPECT_EQ(CentralEvents(), 0);
  if (!early.answer_path.empty()) {
    auto r = NodeImport(early.answer_path);
    EXPECT_FALSE(r.ok());  // a refusal: nothing acked, the resend point is noted
  }
  EXPECT_EQ(PendingCount(), 10);
  ASSERT_TRUE(NodeImport(CentralImport(files[0].path)).ok());
  ASSERT_TRUE(NodeImport(CentralImport(files[1].path)).ok());
  EXPECT_EQ(CentralEvents(), 10);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(StoreForwardTest, ADownSyncSignedByAnotherKeyIsRefused) {
  EnrolNode();
  AddEvents(4);
  sync::SigningKey forger = sync::SigningKey::Generate();
  sync::DownSync ds;
  ds.central_id = kCentralId;
  ds.node_id = kNodeId;
  ds.acked_seq = 4;
  ds.result = sync::kResultApplied;
  auto file = sync::EncodeDownSync(ds, forger, sync::EncodeOptions(), clock_.NowMs());
  ASSERT_TRUE(file.ok());
  auto r = ImportFile(*store_, *file, &clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(sync::IsBadSignature(r.status())) << r.status().ToString();
  EXPECT_EQ(PendingCount(), 4);
}

TEST_F(StoreForwardTest, ADownSyncForAnotherNodeIsRefused) {
  EnrolNode();
  AddEvents(2);
  sync::DownSync ds;
  ds.central_id = kCentralId;
  ds.node_id = "desk-other";
  ds.acked_seq = 2;
  ds.result = sync::kResultApplied;
  auto file = sync::EncodeDownSync(ds, central_->key(), sync::EncodeOptions(), clock_.NowMs());
  ASSERT_TRUE(file.ok());
  auto r = ImportFile(*store_, *file, &clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_EQ(PendingCount(), 2);
}

TEST_F(StoreForwardTest, AStaleDownSyncAcksButDoesNotRollDataBack) {
  EnrolNode();
  AddEvents(2);
  auto make = [&](const std::string& version, UnixMs at) {
    sync::DownSync ds;
    ds.central_id = kCentralId;
    ds.node_id = kNodeId;
    ds.acked_seq = 1;
    ds.result = sync::kResultPoll;
    std::string text = PosixFileSystem()->ReadFile(testing::DataDir() + "/tariff.json").value();
    json::object body = ParseJsonObject(text).value();
    body["version"] = version;
    ds.items.push_back(json::object{
        {"kind", "data_version"}, {"data", "tariff"}, {"version", version}, {"body", body}});
    return sync::EncodeDownSync(ds, central_->key(), sync::EncodeOptions(), at).value();
  };
  const std::string older = make("2026.5", clock_.NowMs());
  const std::string newer = make("2026.6", clock_.NowMs() + 60000);
  ASSERT_TRUE(ImportFile(*store_, newer, &clock_).ok());
  auto stale = ImportFile(*store_, older, &clock_);
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  EXPECT_EQ(stale->effects.data_versions_installed, 0);
  OpenNode();
  EXPECT_EQ(store_->tariff().version(), "2026.6");
  EXPECT_EQ(PendingCount(), 1);
}

TEST_F(StoreForwardTest, OfflineEnrolmentWithFilesPinsTheCentralKey) {
  const std::string request = Path("enrol-request.hoso");
  ASSERT_TRUE(WriteEnrolRequestFile(*store_, Token(), request, &clock_).ok());
  const std::string answer = CentralImport(request);
  auto r = NodeImport(answer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kind, sync::FileKind::kEnrolAnswer);
  auto pin = LoadCentralPin(store_->db());
  ASSERT_TRUE(pin.ok() && pin->has_value());
  EXPECT_EQ((*pin)->central_public_key, central_->key().public_key());
  EXPECT_EQ((*pin)->central_url, "");

  AddEvents(3);
  auto files = Export();
  ASSERT_EQ(files.size(), 1u);
  ASSERT_TRUE(NodeImport(CentralImport(files[0].path)).ok());
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(StoreForwardTest, ANodesOwnBatchFileIsNotImportedByTheNode) {
  EnrolNode();
  AddEvents(1);
  auto r = NodeImport(Export()[0].path);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

TEST_F(StoreForwardTest, ARevokedNodeLearnsItFromTheImportedAnswer) {
  EnrolNode();
  AddEvents(2);
  auto files = Export();
  ASSERT_TRUE(admin_->Revoke(kNodeId, "chuyển công tác").ok());
  const std::string answer = CentralImport(files[0].path);
  auto r = NodeImport(answer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied) << r.status().ToString();
  auto reason = GetNodeSetting(store_->db(), kSettingRevokedReason);
  ASSERT_TRUE(reason.ok() && reason->has_value());
  EXPECT_NE((*reason)->find("chuyển công tác"), std::string::npos);
  auto again = ExportBatches(*store_, Stick());
  EXPECT_EQ(again.status().code(), Status::Code::kPermissionDenied);
}

}  // namespace
}  // namespace hoso::node
