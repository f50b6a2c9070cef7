// Attachment upload end to end: NodeAttachments and SyncClient on a real node
// directory against a real in-process central over HTTP on 127.0.0.1
// (tests/node/sync_test_env.h), real BLAKE2b and Ed25519, a link seam that
// counts the chunk bytes leaving the node and cuts on purpose.
#include "node/attachment_upload.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "central/attachments.h"
#include "node/attachments.h"
#include "node/store_forward.h"
#include "node/sync_client.h"
#include "schema/attachment.h"
#include "sync/chunk_auth.h"
#include "sync/http_client.h"
#include "tests/node/sync_test_env.h"
#include "tests/testing/child_process.h"

namespace hoso::node {
namespace {

using testing::kNodeId;

// `size` bytes that sniff as a PDF, pseudo-random after the magic (so no two
// chunks are alike), the same for the same seed.
std::string Pdf(size_t size, uint8_t seed = 1) {
  std::string out(size, '\0');
  unsigned char key[randombytes_SEEDBYTES] = {seed};
  randombytes_buf_deterministic(out.data(), out.size(), key);
  out.replace(0, 9, "%PDF-1.7\n");
  return out;
}

// Between the node and the central: counts what the chunk protocol sends,
// and cuts the link after `cut_after_chunks` chunks have reached the
// central (the next one is lost mid-body: its bytes left the node, the
// central never got them), or loses the answer of one delivered chunk.
class ChunkLink : public CentralTransport {
 public:
  explicit ChunkLink(CentralTransport* base) : base_(base) {}
  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override {
    ++batches;
    return base_->Post(path, content_type, body);
  }
  Result<HttpResponse> Send(const std::string& method, const std::string& path,
                            const std::string& content_type, const std::string& body,
                            const Headers& headers) override {
    if (method != "PUT") {
      ++queries;
      return base_->Send(method, path, content_type, body, headers);
    }
    ++chunk_requests;
    chunk_bytes += static_cast<int64_t>(body.size());
    if (cut_after_chunks >= 0 && delivered >= cut_after_chunks) {
      return Status::Unavailable("connection reset while sending the chunk");
    }
    Result<HttpResponse> r = base_->Send(method, path, content_type, body, headers);
    if (r.ok() && r->status == 200) ++delivered;
    if (chunk_requests == lose_answer_of_request) {
      return Status::Unavailable("connection reset before the answer came");
    }
    return r;
  }
  int batches = 0;
  int queries = 0;
  int chunk_requests = 0;
  int64_t chunk_bytes = 0;
  int delivered = 0;
  int cut_after_chunks = -1;
  int lose_answer_of_request = 0;  // 1-based count of chunk requests; 0: none

 private:
  CentralTransport* base_;
};

class AttachmentUploadTest : public testing::SyncEnv {
 protected:
  void SetUp() override {
    SyncEnv::SetUp();
    link_ = std::make_unique<ChunkLink>(transport_.get());
    attachments_ =
        std::make_unique<NodeAttachments>(store_.get(), NodeAttachments::Options{&clock_});
  }
  void TearDown() override {
    attachments_.reset();
    SyncEnv::TearDown();
  }
  // After OpenNode(), as after a restart.
  void Reopen() {
    attachments_.reset();
    OpenNode();
    attachments_ =
        std::make_unique<NodeAttachments>(store_.get(), NodeAttachments::Options{&clock_});
  }

  std::string NewDossier() {
    IntakeDossier();
    auto code = store_->db().Prepare("SELECT code FROM dossiers ORDER BY rowid DESC LIMIT 1");
    EXPECT_TRUE(code.ok());
    auto row = code->Step();
    EXPECT_TRUE(row.ok() && *row);
    return code->ColumnText(0);
  }

  AttachmentInfo Attach(const std::string& code, const std::string& bytes,
                        const std::string& name = "scan.pdf") {
    AddAttachmentRequest req;
    req.file_name = name;
    auto a = attachments_->Add(code, bytes, req);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : AttachmentInfo{};
  }

  SyncClient LinkClient(int64_t max_upload_bytes = int64_t{64} << 20) {
    SyncClientOptions o;
    o.clock = &clock_;
    o.max_upload_bytes = max_upload_bytes;
    return SyncClient(store_.get(), link_.get(), o);
  }

  int64_t UploadedChunks() {
    return NodeInt("SELECT COUNT(*) FROM attachment_chunks WHERE uploaded_at_ms IS NOT NULL");
  }
  int64_t StoredChunks() { return CentralInt("SELECT COUNT(*) FROM stored_chunks"); }

  // A signed chunk upload straight to the central.
  HttpResponse PutChunk(const std::string& hash, const std::string& bytes,
                        const sync::SigningKey& key, const std::string& node_id = kNodeId) {
    HttpClient http("127.0.0.1", server_->port());
    auto r = http.Send(
        "PUT", "/api/sync/chunks/" + hash, bytes,
        {{"Authorization",
          sync::SignNodeAuthorization(node_id, key, sync::ChunkUploadMessage(node_id, hash))}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  static std::string Code(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    if (!o.ok() || !o->contains("error")) return "";
    return std::string(o->at("error").at("code").as_string());
  }

  std::unique_ptr<ChunkLink> link_;
  std::unique_ptr<NodeAttachments> attachments_;
};

TEST_F(AttachmentUploadTest, TwentyMegabytesCutMidwayResumeAfterARestartAtTheFirstMissingChunk) {
  EnrolNode();
  const std::string code = NewDossier();
  const std::string file = Pdf(20'000'000);
  const AttachmentInfo a = Attach(code, file, "ho-so-20MB.pdf");
  ASSERT_EQ(a.chunk_count, 77);

  // The events go first; their exchange sends no chunk.
  SyncClient first = LinkClient();
  auto events = first.RunOnce();
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->sent_events, 2);
  EXPECT_TRUE(events->more) << "chunks are waiting";
  EXPECT_EQ(link_->chunk_requests, 0);

  // The link dies after 20 chunks reached the central.
  link_->cut_after_chunks = 20;
  auto cut = first.RunOnce();
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(cut.status().IsUnavailable()) << cut.status().ToString();
  EXPECT_EQ(UploadedChunks(), 20);
  EXPECT_EQ(StoredChunks(), 20);

  // The node restarts; the upload state came through.
  Reopen();
  link_->cut_after_chunks = -1;
  SyncClient second = LinkClient();
  const auto start = std::chrono::steady_clock::now();
  auto rest = second.RunOnce();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(rest->uploads.chunks_sent, 57);
  EXPECT_EQ(rest->uploads.attachments_completed, 1);
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(UploadedChunks(), 77);

  // 20 MB and the one chunk lost in the cut, no more.
  EXPECT_EQ(link_->chunk_requests, 78);
  EXPECT_LE(link_->chunk_bytes, 20'000'000 + kAttachmentChunkBytes);
  EXPECT_EQ(link_->chunk_bytes, 20'000'000 + kAttachmentChunkBytes);
  std::cout << "[ figures ] 20000000-byte file, 77 chunks: " << link_->chunk_bytes
            << " chunk bytes sent in " << link_->chunk_requests << " requests across a cut; "
            << "the resumed 57 chunks took " << seconds << " s ("
            << 57.0 * kAttachmentChunkBytes / seconds / (1 << 20) << " MiB/s, 127.0.0.1)\n";

  central::CentralAttachments central(central_.get());
  auto info = central.Get(a.hash);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->State(), "complete");
  ASSERT_EQ(info->refs.size(), 1u);
  EXPECT_EQ(info->refs[0].dossier_code, code);
  EXPECT_EQ(info->refs[0].file_name, "ho-so-20MB.pdf");
  auto assembled = central.Assemble(a.hash);
  ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();
  EXPECT_EQ(Blake2bHex(*assembled), a.hash);
  EXPECT_TRUE(*assembled == file);
}

TEST_F(AttachmentUploadTest, AChunkWhoseAnswerWasLostIsConfirmedNotSentAgain) {
  EnrolNode();
  const std::string code = NewDossier();
  const std::string file = Pdf(1'000'000);  // 4 chunks
  Attach(code, file);
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());  // the events
  link_->lose_answer_of_request = 2;
  auto lost = client.RunOnce();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(UploadedChunks(), 1);
  EXPECT_EQ(StoredChunks(), 2);
  auto resumed = client.RunOnce();
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->uploads.chunks_confirmed, 1);
  EXPECT_EQ(resumed->uploads.chunks_sent, 2);
  EXPECT_EQ(link_->chunk_requests, 4);
  EXPECT_EQ(link_->chunk_bytes, 1'000'000);
  EXPECT_EQ(UploadedChunks(), 4);
}

TEST_F(AttachmentUploadTest, AnExchangeWithPendingEventsSendsNoChunk) {
  EnrolNode();
  const std::string code = NewDossier();
  Attach(code, Pdf(600'000));
  SyncClient client = LinkClient();
  auto events = client.RunOnce();
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_GT(events->sent_events, 0);
  EXPECT_EQ(link_->queries + link_->chunk_requests, 0);
  // New events recorded before the chunks went: they go first, again alone.
  AddEvents(3);
  auto more_events = client.RunOnce();
  ASSERT_TRUE(more_events.ok());
  EXPECT_EQ(more_events->sent_events, 3);
  EXPECT_EQ(link_->queries + link_->chunk_requests, 0);
  EXPECT_TRUE(more_events->more);
  // Only an exchange with nothing pending uploads.
  auto chunks = client.RunOnce();
  ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
  EXPECT_EQ(chunks->result, "poll");
  EXPECT_EQ(chunks->uploads.chunks_sent, 3);
  EXPECT_EQ(link_->queries, 1) << "one query lists every waiting attachment";
  EXPECT_FALSE(chunks->more);
}

TEST_F(AttachmentUploadTest, AnUploadYieldsToNewEventsOnceItsByteBudgetIsSpent) {
  EnrolNode();
  const std::string code = NewDossier();
  Attach(code, Pdf(2 * 1024 * 1024));  // 8 chunks
  SyncClient client = LinkClient(2 * kAttachmentChunkBytes);
  ASSERT_TRUE(client.RunOnce().ok());
  auto part = client.RunOnce();
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  EXPECT_EQ(part->uploads.chunks_sent, 2);
  EXPECT_TRUE(part->more);
  AddEvents(1);
  auto event = client.RunOnce();
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->sent_events, 1);
  EXPECT_EQ(link_->chunk_requests, 2);
  int rounds = 0;
  while (rounds < 10) {
    auto r = client.RunOnce();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ++rounds;
    if (!r->more) break;
  }
  EXPECT_EQ(rounds, 3);
  EXPECT_EQ(UploadedChunks(), 8);
}

TEST_F(AttachmentUploadTest, TheSameFileOnTwoDossiersIsUploadedOnce) {
  EnrolNode();
  const std::string file = Pdf(700'000, 3);
  Attach(NewDossier(), file, "a.pdf");
  Attach(NewDossier(), file, "b.pdf");
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());
  auto up = client.RunOnce();
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(link_->chunk_bytes, 700'000);
  central::CentralAttachments central(central_.get());
  auto info = central.Get(Blake2bHex(file));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->State(), "complete");
  EXPECT_EQ(info->refs.size(), 2u);
}

TEST_F(AttachmentUploadTest, SyncStatusShowsThePendingAttachmentBytes) {
  EnrolNode();
  Attach(NewDossier(), Pdf(300'000));
  auto before = SyncStatusJson(*store_);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->at("pending_attachment_bytes").as_int64(), 300'000);
  EXPECT_EQ(before->at("pending_attachment_chunks").as_int64(), 2);
  EXPECT_EQ(before->at("pending_attachments").as_int64(), 1);
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());
  ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(SyncStatusJson(*store_)->at("pending_attachment_bytes").as_int64(), 0);
}

TEST_F(AttachmentUploadTest, ATamperedChunkIsRefusedWithItsCodeAndNothingIsStored) {
  EnrolNode();
  const std::string file = Pdf(300'000);
  const AttachmentInfo a = Attach(NewDossier(), file);
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());  // the central has the manifest now
  const AttachmentManifest m = MakeManifest(file, "application/pdf");
  std::string tampered = file.substr(0, kAttachmentChunkBytes);
  tampered[1000] ^= 0x01;
  auto key = LoadNodeKey(*store_);
  ASSERT_TRUE(key.ok());
  HttpResponse r = PutChunk(m.chunk_hashes[0], tampered, *key);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Code(r), "chunk_hash_mismatch");
  EXPECT_EQ(StoredChunks(), 0);
  EXPECT_FALSE(std::filesystem::exists(CentralDir() + "/chunks/" + m.chunk_hashes[0].substr(0, 2) +
                                       "/" + m.chunk_hashes[0]));
  // The honest bytes are accepted.
  HttpResponse ok = PutChunk(m.chunk_hashes[0], file.substr(0, kAttachmentChunkBytes), *key);
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(StoredChunks(), 1);
  (void)a;
}

TEST_F(AttachmentUploadTest, AChunkNoAppliedEventReferencesIsRefused) {
  EnrolNode();
  const std::string file = Pdf(300'000);
  Attach(NewDossier(), file);
  auto key = LoadNodeKey(*store_);
  ASSERT_TRUE(key.ok());
  const std::string chunk = file.substr(0, kAttachmentChunkBytes);
  // Before its event reached the central.
  HttpResponse early = PutChunk(Blake2bHex(chunk), chunk, *key);
  EXPECT_EQ(early.status, 404) << early.body;
  EXPECT_EQ(Code(early), "chunk_not_referenced");
  // Bytes no attachment lists, correctly named and signed.
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());
  const std::string stray = Pdf(1000, 9);
  HttpResponse r = PutChunk(Blake2bHex(stray), stray, *key);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Code(r), "chunk_not_referenced");
  EXPECT_EQ(StoredChunks(), 0);
}

TEST_F(AttachmentUploadTest, UnknownKeysNodesAndForgedSignaturesAreRefused) {
  EnrolNode();
  const std::string file = Pdf(300'000);
  Attach(NewDossier(), file);
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());
  const std::string chunk = file.substr(0, kAttachmentChunkBytes);
  const std::string hash = Blake2bHex(chunk);
  sync::SigningKey stranger = sync::SigningKey::Generate();
  HttpResponse unknown_key = PutChunk(hash, chunk, stranger);
  EXPECT_EQ(unknown_key.status, 401) << unknown_key.body;
  EXPECT_EQ(Code(unknown_key), "unknown_key");
  HttpResponse unknown_node = PutChunk(hash, chunk, stranger, "desk-nowhere");
  EXPECT_EQ(unknown_node.status, 401);
  EXPECT_EQ(Code(unknown_node), "unknown_node");
  // The node's key id with another key's signature.
  auto key = LoadNodeKey(*store_);
  ASSERT_TRUE(key.ok());
  std::string header =
      sync::SignNodeAuthorization(kNodeId, *key, sync::ChunkUploadMessage(kNodeId, hash));
  const std::string forged_sig = HexEncode(stranger.Sign(sync::ChunkUploadMessage(kNodeId, hash)));
  header.replace(header.size() - forged_sig.size(), forged_sig.size(), forged_sig);
  HttpClient http("127.0.0.1", server_->port());
  auto forged = http.Send("PUT", "/api/sync/chunks/" + hash, chunk, {{"Authorization", header}});
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(forged->status, 422);
  EXPECT_EQ(Code(*forged), "bad_signature");
  auto unsigned_put = http.Send("PUT", "/api/sync/chunks/" + hash, chunk);
  ASSERT_TRUE(unsigned_put.ok());
  EXPECT_EQ(unsigned_put->status, 400);
  EXPECT_EQ(StoredChunks(), 0);
}

TEST_F(AttachmentUploadTest, ARevokedNodeIsRefusedAndStopsUploading) {
  EnrolNode();
  const std::string file = Pdf(300'000);
  Attach(NewDossier(), file);
  SyncClient client = LinkClient();
  ASSERT_TRUE(client.RunOnce().ok());
  ASSERT_TRUE(admin_->Revoke(kNodeId, "máy bị mất").ok());
  auto key = LoadNodeKey(*store_);
  ASSERT_TRUE(key.ok());
  const std::string chunk = file.substr(0, kAttachmentChunkBytes);
  HttpResponse r = PutChunk(Blake2bHex(chunk), chunk, *key);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "key_revoked");
  auto refused = client.RunOnce();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(link_->chunk_requests, 0);
  EXPECT_EQ(StoredChunks(), 0);
}

TEST_F(AttachmentUploadTest, AnOversizedChunkIsRefusedWith413) {
  EnrolNode();
  auto key = LoadNodeKey(*store_);
  ASSERT_TRUE(key.ok());
  const std::string big(kMaxChunkBytes + 1, 'x');
  HttpResponse r = PutChunk(Blake2bHex(big), big, *key);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(Code(r), "body_too_large");
}

TEST_F(AttachmentUploadTest, TheCommandLineAttachesRefusesAnExecutableAndSyncsTheFile) {
  EnrolNode();
  const std::string code = NewDossier();
  store_.reset();  // the binary opens the directory itself
  desk_.reset();
  attachments_.reset();
  const std::string exe = Path("setup.exe");
  ASSERT_TRUE(PosixFileSystem()
                  ->WriteFileAtomic(exe, std::string("MZ\x90\x00\x03\x00", 6) + "payload", 0644)
                  .ok());
  std::string out;
  // Refused input exits 2, as every invalid argument does.
  EXPECT_EQ(
      hoso::testing::RunProgram({HOSO_NODE_BIN, "attach", "--data", NodeDir(), code, exe}, &out),
      2);
  EXPECT_NE(out.find("unsupported content"), std::string::npos) << out;
  const std::string pdf_path = Path("giay-phep.pdf");
  const std::string pdf = Pdf(400'000);
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(pdf_path, pdf, 0644).ok());
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_NODE_BIN, "attach", "--data", NodeDir(), code, pdf_path,
                                       "--doc", "don-de-nghi", "--json"},
                                      &out),
            0)
      << out;
  auto added = ParseJsonObject(out);
  ASSERT_TRUE(added.ok()) << out;
  EXPECT_EQ(std::string(added->at("hash").as_string()), Blake2bHex(pdf));
  EXPECT_EQ(std::string(added->at("file_name").as_string()), "giay-phep.pdf");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(
        hoso::testing::RunProgram({HOSO_NODE_BIN, "sync", "--data", NodeDir(), "--once"}, &out), 0)
        << out;
  }
  EXPECT_NE(out.find("uploaded 2 attachment chunk(s), 400000 bytes"), std::string::npos) << out;
  ASSERT_EQ(
      hoso::testing::RunProgram({HOSO_NODE_BIN, "attachments", "--data", NodeDir(), code}, &out),
      0);
  EXPECT_NE(out.find("uploaded 2/2  giay-phep.pdf  [don-de-nghi]"), std::string::npos) << out;
  central::CentralAttachments central(central_.get());
  auto assembled = central.Assemble(Blake2bHex(pdf));
  ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();
  EXPECT_TRUE(*assembled == pdf);
}

TEST_F(AttachmentUploadTest, ANodeKilledMidUploadFinishesAfterARestartWithTheExactFile) {
  EnrolNode();
  const std::string file = Pdf(20'000'000, 12);
  const AttachmentInfo a = Attach(NewDossier(), file);
  attachments_.reset();
  desk_.reset();
  store_.reset();  // the node process owns the directory now
  auto serve = [this](hoso::testing::ChildProcess& node) {
    ASSERT_TRUE(
        node.StartServer({HOSO_NODE_BIN, "serve", "--data", NodeDir(), "--listen", "127.0.0.1:0"}));
  };
  {
    hoso::testing::ChildProcess node;
    serve(node);
    for (int i = 0; i < 400 && StoredChunks() < 10; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_GE(StoredChunks(), 10);
    node.Kill();  // SIGKILL, mid-upload
  }
  OpenNode();
  const int64_t marked = UploadedChunks();
  const int64_t stored = StoredChunks();
  EXPECT_LT(stored, 77) << "killed before the end";
  EXPECT_LE(marked, stored) << "a chunk is marked only after the central confirmed it";
  store_.reset();
  desk_.reset();
  hoso::testing::ChildProcess node;
  serve(node);
  central::CentralAttachments central(central_.get());
  for (int i = 0; i < 1200 && central.Get(a.hash)->State() != "complete"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(central.Get(a.hash)->State(), "complete");
  auto assembled = central.Assemble(a.hash);
  ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();
  EXPECT_EQ(Blake2bHex(*assembled), Blake2bHex(file));
  EXPECT_EQ(node.Stop(), 0);
  OpenNode();
  EXPECT_EQ(UploadedChunks(), 77);
}

// ---- On a USB stick ---------------------------------------------------------------------

TEST_F(AttachmentUploadTest, ChunksTravelSealedOnAStickAfterTheirBatch) {
  EnrolNode();
  const std::string code = NewDossier();
  const std::string file = Pdf(600'000, 5);
  const AttachmentInfo a = Attach(code, file);
  const std::string stick = Path("usb");
  auto batches = ExportBatches(*store_, stick);
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  auto chunks = ExportChunks(*store_, stick);
  ASSERT_TRUE(chunks.ok()) << chunks.status().ToString();
  ASSERT_EQ(chunks->size(), 3u);
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(stick)) {
    paths.push_back(e.path().string());
    // Scans hold personal data: nothing of the file is readable on the stick.
    EXPECT_EQ(PosixFileSystem()->ReadFile(e.path().string())->find(file.substr(100'000, 64)),
              std::string::npos)
        << e.path();
  }
  std::sort(paths.rbegin(), paths.rend());  // chunk files before the batch: the importer orders
  central::CentralAttachments attachments(central_.get(), &clock_);
  central::Importer importer(admin_.get(), ingestor_.get(), PosixFileSystem(), &attachments);
  std::vector<central::ImportResult> results = importer.ImportFiles(paths, Path("answers"));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].outcome, "applied") << results[0].ToString();
  for (size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i].outcome, "stored") << results[i].ToString();
  }
  EXPECT_NE(results.back().detail.find("completed attachment " + a.hash), std::string::npos)
      << results.back().ToString();
  auto assembled = attachments.Assemble(a.hash);
  ASSERT_TRUE(assembled.ok()) << assembled.status().ToString();
  EXPECT_TRUE(*assembled == file);

  // Importing the stick again stores nothing new.
  for (const auto& r : importer.ImportFiles(paths, Path("answers"))) {
    EXPECT_TRUE(r.outcome == "duplicate") << r.ToString();
  }
  // The answer acknowledges the events; the chunks are exported again until
  // an online exchange confirms them, then never.
  ASSERT_FALSE(results[0].answer_path.empty());
  auto answer =
      ImportFile(*store_, PosixFileSystem()->ReadFile(results[0].answer_path).value(), &clock_);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(PendingCount(), 0);
  EXPECT_EQ(ExportChunks(*store_, stick)->size(), 3u);
  SyncClient client = LinkClient();
  auto online = client.RunOnce();
  ASSERT_TRUE(online.ok()) << online.status().ToString();
  EXPECT_EQ(online->uploads.chunks_confirmed, 3);
  EXPECT_EQ(link_->chunk_requests, 0);
  EXPECT_TRUE(ExportChunks(*store_, stick)->empty());
}

TEST_F(AttachmentUploadTest, AChunkFileWithoutItsBatchIsRefusedAsNotReferenced) {
  EnrolNode();
  Attach(NewDossier(), Pdf(100'000, 6));
  auto chunks = ExportChunks(*store_, Path("usb"));
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 1u);
  central::CentralAttachments attachments(central_.get(), &clock_);
  central::Importer importer(admin_.get(), ingestor_.get(), PosixFileSystem(), &attachments);
  central::ImportResult r = importer.ImportFile(chunks->front().path, Path("answers"));
  EXPECT_TRUE(r.refused()) << r.ToString();
  EXPECT_NE(r.detail.find("chunk_not_referenced"), std::string::npos) << r.detail;
  EXPECT_EQ(r.node_id, kNodeId);
  EXPECT_EQ(StoredChunks(), 0);
}

}  // namespace
}  // namespace hoso::node
