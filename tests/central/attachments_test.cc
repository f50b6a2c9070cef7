// CentralAttachments on a real central directory: what ingest records, the
// missing-chunks query, chunk checks, completion and assembly, the routes'
// limits and the `hoso-central attachment` commands.
#include "central/attachments.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

#include "central/api.h"
#include "schema/attachment.h"
#include "schema/events.h"
#include "sync/chunk_auth.h"
#include "tests/central/central_test_util.h"
#include "tests/testing/child_process.h"

namespace hoso::central {
namespace {

using testing::kT0;
using testing::TestNode;

constexpr char kDossier[] = "000.00.17.H29-260312-0001";

std::string Pdf(size_t size, uint8_t seed) {
  std::string out(size, '\0');
  unsigned char key[randombytes_SEEDBYTES] = {seed};
  randombytes_buf_deterministic(out.data(), out.size(), key);
  out.replace(0, 9, "%PDF-1.7\n");
  return out;
}

class CentralAttachmentsTest : public testing::CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    attachments_ = std::make_unique<CentralAttachments>(store_.get(), &clock_);
  }

  // Appends an attachment_added event announcing `m` to the node's log.
  void Announce(TestNode& n, const AttachmentManifest& m, const std::string& name = "a.pdf") {
    json::object payload{{"file_name", name}};
    ManifestToPayload(m, payload);
    Event e = NewEvent(EventType::kAttachmentAdded, n.node_id, kT0, payload);
    e.dossier_code = kDossier;
    e.seq = static_cast<int64_t>(n.log.size()) + 1;
    const std::string prev = n.log.empty() ? GenesisHash() : n.log.back().hash;
    const std::string hash = ChainHash(prev, CanonicalJson(e));
    n.log.push_back(sync::BatchEvent{std::move(e), prev, hash});
  }
  // Sends the node's whole log.
  void Sync(const TestNode& n) {
    IngestReport r = Apply(Batch(n, 1, static_cast<int64_t>(n.log.size())));
    ASSERT_FALSE(r.refusal) << r.refusal->ToString();
  }

  Outcome<ChunkReceipt> Put(const TestNode& n, const std::string& bytes, std::string hash = "") {
    if (hash.empty()) hash = Blake2bHex(bytes);
    return attachments_->PutChunk(
        sync::SignNodeAuthorization(n.node_id, *n.key, sync::ChunkUploadMessage(n.node_id, hash)),
        hash, bytes);
  }
  Outcome<json::object> Query(const TestNode& n, const std::vector<std::string>& hashes) {
    json::array a;
    for (const std::string& h : hashes) a.push_back(json::value(h));
    return QueryBody(n, ToJson(json::object{{"attachments", std::move(a)}}));
  }
  Outcome<json::object> QueryBody(const TestNode& n, const std::string& body) {
    return attachments_->Missing(
        sync::SignNodeAuthorization(n.node_id, *n.key, sync::ChunkQueryMessage(n.node_id, body)),
        body);
  }
  // The first answer's state and missing chunk hashes.
  static std::pair<std::string, std::vector<std::string>> First(const json::object& answer) {
    const json::object& a = answer.at("attachments").as_array().at(0).as_object();
    std::vector<std::string> missing;
    for (const auto& m : a.at("missing").as_array()) missing.emplace_back(m.as_string());
    return {std::string(a.at("state").as_string()), missing};
  }
  static std::string Chunk(const std::string& file, int64_t i) {
    return file.substr(static_cast<size_t>(i * kAttachmentChunkBytes),
                       static_cast<size_t>(kAttachmentChunkBytes));
  }

  std::unique_ptr<CentralAttachments> attachments_;
};

TEST_F(CentralAttachmentsTest, IngestRecordsTheManifestAndTheNodesReferenceOnce) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  const std::string file = Pdf(600'000, 1);
  const AttachmentManifest m = MakeManifest(file, "application/pdf");
  Announce(n, m, "đơn.pdf");
  Sync(n);
  Sync(n);  // a replay is a duplicate: nothing doubles
  EXPECT_EQ(Int("SELECT COUNT(*) FROM attachments"), 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM attachment_chunks"), 3);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM attachment_refs"), 1);
  auto info = attachments_->Get(m.hash);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->State(), "incomplete");
  EXPECT_EQ(info->chunk_count, 3);
  ASSERT_EQ(info->refs.size(), 1u);
  EXPECT_EQ(info->refs[0].node_id, "desk-01");
  EXPECT_EQ(info->refs[0].seq, 2);
  EXPECT_EQ(info->refs[0].dossier_code, kDossier);
  EXPECT_EQ(info->refs[0].file_name, "đơn.pdf");
}

TEST_F(CentralAttachmentsTest, MissingListsChunksInFileOrderAndOnlyForTheAskingNodesFiles) {
  TestNode a = Enrol("desk-01", "000.00.17.H29", 1);
  TestNode b = Enrol("desk-02", "000.00.18.H29", 1);
  const std::string file = Pdf(600'000, 2);
  const AttachmentManifest m = MakeManifest(file, "application/pdf");
  Announce(a, m);
  Sync(a);
  auto asked = Query(a, {m.hash});
  ASSERT_TRUE(asked.ok()) << asked.refusal().ToString();
  EXPECT_EQ(First(*asked).first, "incomplete");
  EXPECT_EQ(First(*asked).second, m.chunk_hashes);
  ASSERT_TRUE(Put(a, Chunk(file, 1)).ok());
  EXPECT_EQ(First(*Query(a, {m.hash})).second,
            (std::vector<std::string>{m.chunk_hashes[0], m.chunk_hashes[2]}));
  auto other = Query(b, {m.hash});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(First(*other).first, "unknown");
  EXPECT_TRUE(First(*other).second.empty());
}

TEST_F(CentralAttachmentsTest, TheLastChunkCompletesTheFileAfterTheWholeHashIsChecked) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  const std::string file = Pdf(600'000, 3);
  const AttachmentManifest m = MakeManifest(file, "application/pdf");
  Announce(n, m);
  Sync(n);
  for (int64_t i : {2, 0}) {
    auto r = Put(n, Chunk(file, i));
    ASSERT_TRUE(r.ok()) << r.refusal().ToString();
    EXPECT_TRUE(r->stored);
    EXPECT_TRUE(r->completed.empty());
  }
  EXPECT_EQ(attachments_->Assemble(m.hash).status().code(), Status::Code::kConflict);
  auto last = Put(n, Chunk(file, 1));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->completed, std::vector<std::string>{m.hash});
  EXPECT_EQ(attachments_->Get(m.hash)->State(), "complete");
  EXPECT_EQ(First(*Query(n, {m.hash})).first, "complete");
  auto bytes = attachments_->Assemble(m.hash);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_TRUE(*bytes == file);
  // A replayed upload stores nothing new.
  auto again = Put(n, Chunk(file, 1));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->stored);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM stored_chunks"), 3);
}

TEST_F(CentralAttachmentsTest, AChunkOnlyAnotherNodesEventListsIsNotReferenced) {
  TestNode a = Enrol("desk-01", "000.00.17.H29", 1);
  TestNode b = Enrol("desk-02", "000.00.18.H29", 1);
  const std::string file = Pdf(100'000, 4);
  Announce(a, MakeManifest(file, "application/pdf"));
  Sync(a);
  auto r = Put(b, file);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().http_status, 404);
  EXPECT_EQ(r.refusal().code, "chunk_not_referenced");
  EXPECT_NE(r.refusal().message.find("desk-02"), std::string::npos) << r.refusal().message;
  EXPECT_TRUE(Put(a, file).ok());
}

TEST_F(CentralAttachmentsTest, BytesThatDoNotHashToTheirNameAreRefusedAndNotStored) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  const std::string file = Pdf(100'000, 5);
  Announce(n, MakeManifest(file, "application/pdf"));
  Sync(n);
  std::string tampered = file;
  tampered.back() ^= 0x40;
  auto r = Put(n, tampered, Blake2bHex(file));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().http_status, 422);
  EXPECT_EQ(r.refusal().code, "chunk_hash_mismatch");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM stored_chunks"), 0);
  EXPECT_FALSE(PosixFileSystem()->Exists(ChunkPath(*store_, Blake2bHex(file))));
}

TEST_F(CentralAttachmentsTest, AManifestWhoseChunksDoNotMakeTheFileIsMarkedFailed) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  const std::string claimed = Pdf(100'000, 6);
  const std::string sent = Pdf(100'000, 7);
  AttachmentManifest lie = MakeManifest(sent, "application/pdf");
  lie.hash = Blake2bHex(claimed);
  Announce(n, lie);
  Sync(n);
  auto r = Put(n, sent);
  ASSERT_TRUE(r.ok()) << r.refusal().ToString();
  EXPECT_TRUE(r->completed.empty());
  auto info = attachments_->Get(lie.hash);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->State(), "failed");
  EXPECT_NE(info->error.value_or("").find("not to the file's hash"), std::string::npos);
  EXPECT_EQ(First(*Query(n, {lie.hash})).first, "failed");
  EXPECT_EQ(attachments_->Assemble(lie.hash).status().code(), Status::Code::kCorruption);
}

TEST_F(CentralAttachmentsTest, ChunksSharedByTwoFilesAreStoredOnceAndCompleteBoth) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  const std::string x = Pdf(kAttachmentChunkBytes, 8);
  const std::string one = x + Pdf(1000, 9);
  const std::string two = x + Pdf(2000, 10);
  const AttachmentManifest m1 = MakeManifest(one, "application/pdf");
  const AttachmentManifest m2 = MakeManifest(two, "application/pdf");
  const AttachmentManifest only_x = MakeManifest(x, "application/pdf");
  Announce(n, m1);
  Announce(n, m2);
  Sync(n);
  ASSERT_TRUE(Put(n, Chunk(one, 0)).ok());
  ASSERT_TRUE(Put(n, Chunk(one, 1)).ok());
  EXPECT_EQ(attachments_->Get(m1.hash)->State(), "complete");
  EXPECT_EQ(First(*Query(n, {m2.hash})).second, std::vector<std::string>{m2.chunk_hashes[1]});
  auto last = Put(n, Chunk(two, 1));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->completed, std::vector<std::string>{m2.hash});
  // A file made only of stored chunks completes when asked about.
  Announce(n, only_x);
  IngestReport r = Apply(Batch(n, 4, 4));
  ASSERT_FALSE(r.refusal) << r.refusal->ToString();
  EXPECT_EQ(First(*Query(n, {only_x.hash})).first, "complete");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM stored_chunks"), 3);
}

TEST_F(CentralAttachmentsTest, MalformedQueriesAndUploadsAreBadRequests) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  EXPECT_EQ(QueryBody(n, "not json").refusal().code, "bad_request");
  EXPECT_EQ(QueryBody(n, R"({"attachments":[]})").refusal().field, "attachments");
  EXPECT_EQ(QueryBody(n, R"({"attachments":["ABC"]})").refusal().field, "attachments[0]");
  std::vector<std::string> many(kMaxMissingQueryHashes + 1, std::string(64, 'a'));
  EXPECT_EQ(Query(n, many).refusal().code, "bad_request");
  auto unsigned_query = attachments_->Missing("", R"({"attachments":[]})");
  EXPECT_EQ(unsigned_query.refusal().http_status, 400);
  EXPECT_NE(unsigned_query.refusal().message.find("not signed"), std::string::npos);
  EXPECT_EQ(
      attachments_->PutChunk("Hoso-Node desk-01 x y", std::string(64, 'a'), "b").refusal().code,
      "bad_request");
  EXPECT_EQ(Put(n, "x", "not-a-hash").refusal().field, "chunk_hash");
  // A query signed over another body.
  const std::string body = R"({"attachments":[")" + std::string(64, 'a') + "\"]}";
  auto forged = attachments_->Missing(
      sync::SignNodeAuthorization(n.node_id, *n.key, sync::ChunkQueryMessage(n.node_id, "{}")),
      body);
  EXPECT_EQ(forged.refusal().code, "bad_signature");
}

TEST_F(CentralAttachmentsTest, TheRoutesCapTheirBodies) {
  CentralApi api(store_.get(), admin_.get(), ingestor_.get(), nullptr, attachments_.get());
  HttpRequest put;
  put.method = "PUT";
  put.path = put.target = "/api/sync/chunks/" + std::string(64, 'a');
  put.body.assign(CentralApi::kMaxChunkRequestBytes + 1, 'x');
  HttpResponse r = api.Handle(put);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("body_too_large"), std::string::npos);
  HttpRequest query;
  query.method = "POST";
  query.path = query.target = "/api/sync/attachments/missing";
  query.body.assign(CentralApi::kMaxJsonBytes + 1, ' ');
  EXPECT_EQ(api.Handle(query).status, 413);
  HttpRequest get = put;
  get.method = "GET";
  get.body.clear();
  EXPECT_EQ(api.Handle(get).status, 405);
}

TEST_F(CentralAttachmentsTest, TheCommandLineListsAndWritesOutAVerifiedFile) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 1);
  const std::string file = Pdf(300'000, 11);
  const AttachmentManifest m = MakeManifest(file, "application/pdf");
  Announce(n, m, "giay-phep.pdf");
  Sync(n);
  const std::string bin = HOSO_CENTRAL_BIN;
  std::string out;
  EXPECT_EQ(hoso::testing::RunProgram({bin, "attachment", "get", "--data", CentralDir(), m.hash,
                                       "--out", Path("early.pdf")},
                                      &out),
            1);
  EXPECT_NE(out.find("incomplete: 0 of 2 chunks"), std::string::npos) << out;
  ASSERT_TRUE(Put(n, Chunk(file, 0)).ok());
  ASSERT_TRUE(Put(n, Chunk(file, 1)).ok());
  ASSERT_EQ(hoso::testing::RunProgram({bin, "attachment", "get", "--data", CentralDir(), m.hash,
                                       "--out", Path("out.pdf")},
                                      &out),
            0)
      << out;
  EXPECT_TRUE(PosixFileSystem()->ReadFile(Path("out.pdf")).value() == file);
  ASSERT_EQ(hoso::testing::RunProgram({bin, "attachment", "list", "--data", CentralDir(), "--json"},
                                      &out),
            0)
      << out;
  auto list = ParseJsonObject(out);
  ASSERT_TRUE(list.ok()) << out;
  const json::object& a = list->at("attachments").as_array().at(0).as_object();
  EXPECT_EQ(std::string(a.at("state").as_string()), "complete");
  EXPECT_EQ(std::string(a.at("refs").as_array().at(0).at("file_name").as_string()),
            "giay-phep.pdf");
}

}  // namespace
}  // namespace hoso::central
