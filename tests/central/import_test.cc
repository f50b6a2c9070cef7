#include "central/import.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sync/batch.h"
#include "sync/signed_file.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::TestNode;

class ImportTest : public CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    importer_ = std::make_unique<Importer>(admin_.get(), ingestor_.get());
    stick_ = Path("stick");
    ASSERT_TRUE(PosixFileSystem()->CreateDirs(stick_).ok());
  }

  // Writes `bytes` onto the stick as `name`; returns the path.
  std::string OnStick(const std::string& name, const std::string& bytes) {
    const std::string path = stick_ + "/" + name;
    EXPECT_TRUE(PosixFileSystem()->WriteFileAtomic(path, bytes, 0644).ok());
    return path;
  }
  std::string Read(const std::string& path) {
    auto bytes = PosixFileSystem()->ReadFile(path);
    EXPECT_TRUE(bytes.ok()) << path;
    return bytes.ok() ? *bytes : std::string();
  }
  // What a node writes to a stick: sealed to the central.
  std::string StickBatch(const TestNode& n, int64_t first, int64_t last) {
    sync::EncodeOptions o;
    o.seal_to_public_key = store_->key().public_key();
    return Batch(n, first, last, o);
  }

  std::unique_ptr<Importer> importer_;
  std::string stick_;
};

TEST_F(ImportTest, BatchFileIsAppliedAndItsDownSyncWrittenNextToIt) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const std::string file = StickBatch(n, 1, 5);
  ImportResult r = importer_->ImportFile(OnStick("desk-01-batch-1-5.hoso", file), "");
  EXPECT_EQ(r.outcome, "applied") << r.ToString();
  EXPECT_EQ(r.node_id, "desk-01");
  EXPECT_FALSE(r.refused());
  const std::string expected_name =
      stick_ + "/desk-01-downsync-5-" + sync::FileHash(file).substr(0, 8) + ".hoso";
  EXPECT_EQ(r.answer_path, expected_name);
  sync::DownSync ds = OpenDownSync(Read(r.answer_path), n);
  EXPECT_EQ(ds.result, "applied");
  EXPECT_EQ(ds.acked_seq, 5);
  EXPECT_TRUE(ds.sealed);  // personal data stays unreadable on the stick
  EXPECT_EQ(EventRows(n.node_id), 5);
}

TEST_F(ImportTest, ImportingTheSameFileAgainIsDuplicateAndAppliesNothing) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const std::string path = OnStick("b.hoso", StickBatch(n, 1, 5));
  ASSERT_EQ(importer_->ImportFile(path, "").outcome, "applied");
  ImportResult again = importer_->ImportFile(path, "");
  EXPECT_EQ(again.outcome, "duplicate") << again.ToString();
  EXPECT_FALSE(again.refused());
  EXPECT_EQ(EventRows(n.node_id), 5);
  EXPECT_EQ(OpenDownSync(Read(again.answer_path), n).result, "duplicate");
  auto listing = PosixFileSystem()->ListDir(stick_);
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->size(), 2u);  // the batch and one answer, rewritten
}

TEST_F(ImportTest, FilesGivenOutOfOrderAreImportedInSeqOrder) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 30);
  // As a shell glob lists them: "-21-" sorts before "-3-".
  const std::string late = OnStick("desk-01-21-30.hosobatch", StickBatch(n, 21, 30));
  const std::string mid = OnStick("desk-01-3-20.hosobatch", StickBatch(n, 3, 20));
  const std::string early = OnStick("desk-01-1-2.hosobatch", StickBatch(n, 1, 2));
  std::vector<ImportResult> rs = importer_->ImportFiles({late, mid, early}, "");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].path, early);
  EXPECT_EQ(rs[1].path, mid);
  EXPECT_EQ(rs[2].path, late);
  for (const ImportResult& r : rs) EXPECT_EQ(r.outcome, "applied") << r.ToString();
  EXPECT_EQ(EventRows(n.node_id), 30);
}

TEST_F(ImportTest, AnswersGoToTheOutDirectoryWhenGiven) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ImportResult r = importer_->ImportFile(OnStick("b.hoso", StickBatch(n, 1, 2)), Path("out"));
  ASSERT_EQ(r.outcome, "applied");
  EXPECT_EQ(r.answer_path.rfind(Path("out") + "/desk-01-downsync-2-", 0), 0u) << r.answer_path;
}

TEST_F(ImportTest, EnrolmentRequestFileIsAnsweredWithAnEnrolmentAnswerFile) {
  TestNode n;
  n.node_id = "desk-07";
  n.unit_code = "000.00.27.H29";
  n.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  ASSERT_TRUE(token.ok());
  ImportResult r =
      importer_->ImportFile(OnStick("enrol.hoso", EnrolRequestFile(n, token->token)), "");
  EXPECT_EQ(r.outcome, "enrolled") << r.ToString();
  EXPECT_EQ(r.answer_path,
            stick_ + "/desk-07-enrol_answer-" + std::to_string(testing::kT0) + ".hoso");
  auto answer = sync::DecodeEnrolAnswer(Read(r.answer_path), store_->key().public_key());
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->node_id, "desk-07");
  EXPECT_EQ(answer->items.size(), 3u);
}

TEST_F(ImportTest, RefusedBatchOfAKnownNodeGetsARefusedDownSyncWithTheExpectedSeq) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(importer_->ImportFile(OnStick("a.hoso", StickBatch(n, 1, 5)), "").outcome, "applied");
  ImportResult r = importer_->ImportFile(OnStick("b.hoso", StickBatch(n, 7, 9)), "");
  EXPECT_TRUE(r.refused());
  EXPECT_NE(r.detail.find("sequence_gap"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("expected seq 6"), std::string::npos) << r.detail;
  sync::DownSync ds = OpenDownSync(Read(r.answer_path), n);
  EXPECT_EQ(ds.result, "refused");
  EXPECT_EQ(ds.acked_seq, 5);
  ASSERT_TRUE(ds.error.has_value());
  EXPECT_EQ(ds.error->code, "sequence_gap");
  EXPECT_EQ(ds.error->expected_seq, 6);
}

TEST_F(ImportTest, RevokedNodeIsToldByARevocationItem) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_TRUE(admin_->Revoke(n.node_id, "thiết bị bị mất").ok());
  ImportResult r = importer_->ImportFile(OnStick("b.hoso", StickBatch(n, 1, 2)), "");
  EXPECT_TRUE(r.refused());
  sync::DownSync ds = OpenDownSync(Read(r.answer_path), n);
  EXPECT_EQ(ds.result, "refused");
  EXPECT_EQ(ds.error->code, "key_revoked");
  ASSERT_EQ(ds.items.size(), 1u);
  EXPECT_EQ(ds.items[0].at("kind").as_string(), "revocation");
  EXPECT_EQ(ds.items[0].at("key_id").as_string(), n.key->key_id());
  EXPECT_EQ(ds.items[0].at("reason").as_string(), "thiết bị bị mất");
  EXPECT_EQ(EventRows(n.node_id), 0);
}

TEST_F(ImportTest, BatchOfAnUnknownNodeIsRefusedWithoutAnAnswer) {
  TestNode ghost;
  ghost.node_id = "desk-99";
  ghost.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
  ghost.log = testing::Chain("desk-99", 2);
  ImportResult r = importer_->ImportFile(OnStick("g.hoso", StickBatch(ghost, 1, 2)), "");
  EXPECT_TRUE(r.refused());
  EXPECT_NE(r.detail.find("unknown_node"), std::string::npos) << r.detail;
  EXPECT_TRUE(r.answer_path.empty());
}

TEST_F(ImportTest, AnswerFilesAmongTheInputsAreSkipped) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ImportResult applied = importer_->ImportFile(OnStick("b.hoso", StickBatch(n, 1, 2)), "");
  ASSERT_FALSE(applied.answer_path.empty());
  ImportResult r = importer_->ImportFile(applied.answer_path, "");
  EXPECT_EQ(r.outcome, "skipped");
  EXPECT_FALSE(r.refused());
}

TEST_F(ImportTest, FileThatIsNoSyncFileIsRefused) {
  ImportResult r = importer_->ImportFile(OnStick("notes.txt", "hello, central"), "");
  EXPECT_TRUE(r.refused());
  EXPECT_NE(r.detail.find("bad_request"), std::string::npos);
  ImportResult missing = importer_->ImportFile(stick_ + "/missing.hoso", "");
  EXPECT_TRUE(missing.refused());
  EXPECT_NE(missing.ToString().find("missing.hoso: refused"), std::string::npos);
}

}  // namespace
}  // namespace hoso::central
