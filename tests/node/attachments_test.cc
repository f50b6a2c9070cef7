// NodeAttachments on a real node directory: content checks, the file and
// the rows and event written together, deduplication, failures that record
// nothing.
#include "node/attachments.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "node/desk.h"
#include "node/outbox.h"
#include "schema/attachment.h"
#include "schema/events.h"
#include "tests/node/desk_test_env.h"

namespace hoso::node {
namespace {

// A PDF-looking file of `size` bytes: the magic, then pseudo-random bytes.
std::string Pdf(size_t size, uint32_t seed = 1) {
  std::string out = "%PDF-1.7\n";
  std::mt19937 rng(seed);
  while (out.size() < size) out.push_back(static_cast<char>(rng() & 0xFF));
  out.resize(size);
  return out;
}

class AttachmentsTest : public testing::DeskTestBase {
 protected:
  AttachmentsTest() : DeskTestBase("2026-03-12T08:00:00+07:00") {}
  static void SetUpTestSuite() {
    MakeTemplate(
        {"desk-h29-01", "Bộ phận một cửa", "000.00.17.H29", "desk", "Thành phố Hồ Chí Minh", 0});
  }
  static void TearDownTestSuite() { RemoveTemplate(); }

  void SetUp() override {
    DeskTestBase::SetUp();
    attachments_ =
        std::make_unique<NodeAttachments>(store_.get(), NodeAttachments::Options{&clock_});
  }
  void TearDown() override {
    attachments_.reset();
    DeskTestBase::TearDown();
  }

  std::string Take() {
    IntakeRequest r;
    r.procedure_id = "2.000620";
    r.applicant.kind = "person";
    r.applicant.full_name = "Nguyễn Văn Ánh";
    r.applicant.id_number = "079203001234";
    r.applicant.phone = "0903123456";
    r.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
    r.applicant_type = "household";
    r.documents = {{"don-de-nghi", 1},
                   {"gcn-dang-ky-kinh-doanh", 1},
                   {"dia-diem-kinh-doanh", 1},
                   {"van-ban-gioi-thieu", 1}};
    r.clerk = "Lê Thu Hà";
    clock_.Advance(60000);
    auto d = desk_->Intake(r, nullptr);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? d->code : "";
  }

  AddAttachmentRequest Named(const std::string& name) {
    AddAttachmentRequest r;
    r.file_name = name;
    r.clerk = "Lê Thu Hà";
    return r;
  }

  int64_t Count(const std::string& table) {
    return store_->db().QueryInt("SELECT COUNT(*) FROM " + table).value().value_or(-1);
  }
  int64_t Files() {
    const std::string root = dir_ + "/attachments";
    if (!std::filesystem::exists(root)) return 0;
    int64_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) ++n;
    }
    return n;
  }

  std::unique_ptr<NodeAttachments> attachments_;
};

TEST_F(AttachmentsTest, AddingAScanStoresTheFileAndRecordsRowsAndEventTogether) {
  const std::string code = Take();
  const std::string file = Pdf(600 * 1024);
  AddAttachmentRequest req = Named("/home/clerk/Scans/đơn đề nghị.pdf");
  req.document_id = "don-de-nghi";
  auto a = attachments_->Add(code, file, req);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->already_attached);
  EXPECT_EQ(a->hash, Blake2bHex(file));
  EXPECT_EQ(a->file_name, "đơn đề nghị.pdf");
  EXPECT_EQ(a->media_type, "application/pdf");
  EXPECT_EQ(a->chunk_size, kAttachmentChunkBytes);
  EXPECT_EQ(a->chunk_count, 3);
  EXPECT_EQ(a->chunks_uploaded, 0);

  // The file, content-addressed, private.
  const std::string path = AttachmentPath(*store_, a->hash);
  EXPECT_EQ(path, dir_ + "/attachments/" + a->hash.substr(0, 2) + "/" + a->hash);
  EXPECT_EQ(PosixFileSystem()->ReadFile(path).value(), file);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  EXPECT_EQ(Count("attachment_chunks WHERE uploaded_at_ms IS NULL"), 3);

  // The event carries the manifest; its chain hash covers every chunk hash.
  auto events = EventsOfDossier(store_->db(), code);
  ASSERT_TRUE(events.ok());
  const OutboxRecord& ev = events->back();
  ASSERT_EQ(ev.event.type, EventType::kAttachmentAdded);
  EXPECT_EQ(ev.event.seq, a->event_seq);
  EXPECT_EQ(ev.event.actor.value_or(""), "Lê Thu Hà");
  auto m = ManifestFromPayload(ev.event.payload);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->chunk_hashes, MakeManifest(file, "application/pdf").chunk_hashes);
  EXPECT_EQ(std::string(ev.event.payload.at("document_id").as_string()), "don-de-nghi");
  Event forged = ev.event;
  forged.payload["chunk_hashes"].as_array()[1] = std::string(64, '0');
  EXPECT_NE(ChainHash(ev.prev_hash, CanonicalJson(forged)), ev.hash);
  EXPECT_TRUE(VerifyChain(store_->db()).ok());
}

TEST_F(AttachmentsTest, ExecutableAndTextAreRefusedWithAClearErrorAndNothingIsRecorded) {
  const std::string code = Take();
  const int64_t events = LastSeq(store_->db()).value();
  for (const std::string& bytes :
       {std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00", 10) + std::string(5000, 'x'),
        std::string("Xin chào, đây không phải bản quét\n")}) {
    auto a = attachments_->Add(code, bytes, Named("ho-so.pdf"));
    ASSERT_FALSE(a.ok());
    EXPECT_TRUE(a.status().IsInvalidArgument());
    EXPECT_EQ(a.status().field(), "file");
    EXPECT_NE(a.status().message().find("only PDF, JPEG and PNG"), std::string::npos)
        << a.status().message();
  }
  EXPECT_EQ(LastSeq(store_->db()).value(), events);
  EXPECT_EQ(Count("attachments"), 0);
  EXPECT_EQ(Files(), 0);
}

TEST_F(AttachmentsTest, FileOverTheCapIsRefusedBeforeAnythingIsWritten) {
  const std::string code = Take();
  const std::string big = "%PDF-" + std::string(kMaxAttachmentBytes - 4, 'x');
  auto a = attachments_->Add(code, big, Named("big.pdf"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kResourceExhausted) << a.status().ToString();
  EXPECT_EQ(Files(), 0);
}

TEST_F(AttachmentsTest, UnknownDossierAndUnreceivedDocumentAreRefused) {
  const std::string code = Take();
  auto none = attachments_->Add("000.00.17.H29-260312-0999", Pdf(1000), Named("a.pdf"));
  EXPECT_TRUE(none.status().IsNotFound()) << none.status().ToString();
  AddAttachmentRequest req = Named("a.pdf");
  req.document_id = "ban-ve-mat-bang";
  auto doc = attachments_->Add(code, Pdf(1000), req);
  EXPECT_EQ(doc.status().field(), "doc") << doc.status().ToString();
  EXPECT_EQ(Count("dossier_attachments"), 0);
  EXPECT_EQ(Files(), 0);
}

TEST_F(AttachmentsTest, TheSameFileTwiceOnOneDossierIsStoredAndRecordedOnce) {
  const std::string code = Take();
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(70000, '\x07');
  auto first = attachments_->Add(code, png, Named("scan.png"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const int64_t seq = LastSeq(store_->db()).value();
  auto again = attachments_->Add(code, png, Named("scan-again.png"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_attached);
  EXPECT_EQ(again->event_seq, first->event_seq);
  EXPECT_EQ(again->file_name, "scan.png");
  EXPECT_EQ(LastSeq(store_->db()).value(), seq);
  EXPECT_EQ(Files(), 1);
}

TEST_F(AttachmentsTest, TheSameFileOnTwoDossiersIsStoredOnceWithAnEventEach) {
  const std::string one = Take();
  const std::string two = Take();
  const std::string file = Pdf(300 * 1024, 7);
  ASSERT_TRUE(attachments_->Add(one, file, Named("a.pdf")).ok());
  auto b = attachments_->Add(two, file, Named("b.pdf"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(b->already_attached);
  EXPECT_EQ(Files(), 1);
  EXPECT_EQ(Count("attachments"), 1);
  EXPECT_EQ(Count("attachment_chunks"), 2);
  EXPECT_EQ(Count("dossier_attachments"), 2);
  EXPECT_EQ(attachments_->OfDossier(two)->at(0).file_name, "b.pdf");
  EXPECT_EQ(attachments_->OfDossier(one)->size(), 1u);
}

TEST_F(AttachmentsTest, AFullDiskRecordsNothing) {
  const std::string code = Take();
  desk_.reset();
  store_.reset();
  FaultInjectionFileSystem faulty(PosixFileSystem());
  auto store = NodeStore::Open(dir_, &faulty);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = std::move(*store);
  NodeAttachments attachments(store_.get(), NodeAttachments::Options{&clock_});
  const int64_t seq = LastSeq(store_->db()).value();
  faulty.SetDiskFull(true);
  auto a = attachments.Add(code, Pdf(5000), Named("a.pdf"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kIoError) << a.status().ToString();
  EXPECT_EQ(LastSeq(store_->db()).value(), seq);
  EXPECT_EQ(Count("attachments"), 0);
  faulty.SetDiskFull(false);
  EXPECT_TRUE(attachments.Add(code, Pdf(5000), Named("a.pdf")).ok());
}

TEST_F(AttachmentsTest, ReadingVerifiesTheStoredFile) {
  const std::string code = Take();
  const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + std::string(9000, 'j');
  auto a = attachments_->Add(code, jpeg, Named("cmnd.jpg"));
  ASSERT_TRUE(a.ok());
  auto f = attachments_->Read(a->hash);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->media_type, "image/jpeg");
  EXPECT_EQ(f->bytes, jpeg);
  ASSERT_TRUE(
      PosixFileSystem()->WriteFileAtomic(AttachmentPath(*store_, a->hash), jpeg + "x", 0600).ok());
  EXPECT_EQ(attachments_->Read(a->hash).status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(attachments_->Read(std::string(64, 'a')).status().IsNotFound());
}

TEST_F(AttachmentsTest, TheTimelineAndTheListShowTheScan) {
  const std::string code = Take();
  ASSERT_TRUE(attachments_->Add(code, Pdf(2000), Named("giấy phép.pdf")).ok());
  auto tl = desk_->Timeline(code);
  ASSERT_TRUE(tl.ok());
  EXPECT_EQ(tl->back().summary_vi, "Đính kèm bản quét: giấy phép.pdf (Lê Thu Hà)");
  EXPECT_EQ(tl->back().summary_en, "Scan attached: giấy phép.pdf (Lê Thu Hà)");
  auto list = attachments_->OfDossier(code);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  json::object o = NodeAttachments::ToJson(list->front());
  EXPECT_EQ(o.at("uploaded").as_bool(), false);
  EXPECT_EQ(std::string(o.at("url").as_string()), "/api/attachments/" + list->front().hash);
  EXPECT_TRUE(attachments_->OfDossier("000.00.17.H29-260312-0999").status().IsNotFound());
}

}  // namespace
}  // namespace hoso::node
