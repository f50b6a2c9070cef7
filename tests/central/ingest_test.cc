#include "central/ingest.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "schema/events.h"
#include "sync/batch.h"
#include "sync/compress.h"
#include "sync/signed_file.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::Chain;
using testing::TestNode;

// Signs arbitrary event lines under a header that agrees with them, so tests
// can build the inconsistent batches EncodeBatch refuses to write.
std::string SignLines(const std::vector<sync::BatchEvent>& events, const std::string& node_id,
                      const sync::SigningKey& key, const std::string& body_override = "",
                      int64_t uncompressed_size = -1) {
  std::string body;
  for (const sync::BatchEvent& be : events) {
    json::object line;
    line["event"] = EventToJsonObject(be.event);
    line["prev_hash"] = HexEncode(be.prev_hash);
    line["hash"] = HexEncode(be.hash);
    body += CanonicalJsonValue(json::value(line)) + "\n";
  }
  sync::BatchHeader h;
  h.central_id = testing::kCentralId;
  h.node_id = node_id;
  h.key_id = key.key_id();
  h.first_seq = events.front().event.seq;
  h.last_seq = events.back().event.seq;
  h.event_count = static_cast<int64_t>(events.size());
  h.prev_hash = events.front().prev_hash;
  h.last_hash = events.back().hash;
  h.created_at_ms = testing::kT0;
  h.compression = body_override.empty() ? "none" : "zstd";
  h.uncompressed_size =
      uncompressed_size >= 0 ? uncompressed_size : static_cast<int64_t>(body.size());
  return *sync::EncodeSignedFile(sync::FileKind::kBatch, h.ToJson(),
                                 body_override.empty() ? body : body_override, key);
}

class IngestTest : public CentralFixture {
 protected:
  void ExpectRefused(const IngestReport& r, int http_status, const std::string& code) {
    EXPECT_EQ(r.result, "refused");
    ASSERT_TRUE(r.refusal.has_value()) << "result " << r.result;
    EXPECT_EQ(r.refusal->http_status, http_status) << r.refusal->ToString();
    EXPECT_EQ(r.refusal->code, code) << r.refusal->ToString();
    EXPECT_TRUE(r.downsync.empty());
  }
};

TEST_F(IngestTest, AppliedBatchStoresEventsAndAcksItsLastSeq) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  clock_.Advance(5000);
  const std::string file = Batch(n, 1, 5);
  IngestReport r = Apply(file);
  ASSERT_FALSE(r.refusal.has_value()) << r.refusal->ToString();
  EXPECT_EQ(r.result, "applied");
  EXPECT_EQ(r.applied_events, 5);
  EXPECT_EQ(r.acked_seq, 5);
  EXPECT_EQ(EventRows(n.node_id), 5);
  EXPECT_EQ(HighWater(n.node_id), 5);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM events WHERE received_at_ms = " +
                std::to_string(testing::kT0 + 5000)),
            5);
  EXPECT_EQ(Int("SELECT last_seen_ms FROM nodes WHERE node_id = 'desk-01'"), testing::kT0 + 5000);

  sync::DownSync ds = OpenDownSync(r.downsync, n);
  EXPECT_EQ(ds.result, "applied");
  EXPECT_EQ(ds.acked_seq, 5);
  EXPECT_EQ(ds.expected_seq, 6);
  EXPECT_EQ(ds.node_id, n.node_id);
  EXPECT_EQ(ds.central_id, testing::kCentralId);
  EXPECT_EQ(ds.in_reply_to, sync::FileHash(file));
  EXPECT_FALSE(ds.sealed);
  EXPECT_TRUE(ds.items.empty());  // the enrolment answer carried the data versions
}

TEST_F(IngestTest, StoredEventKeepsEveryFieldOfItsCanonicalForm) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  n.log = {};
  Event e = NewEvent(EventType::kTicketIssued, n.node_id, testing::kT0, testing::TicketPayload(1));
  e.seq = 1;
  e.actor = "clerk-07";
  n.log.push_back(sync::BatchEvent{e, GenesisHash(), ChainHash(GenesisHash(), CanonicalJson(e))});
  ASSERT_EQ(Apply(Batch(n, 1, 1)).result, "applied");
  auto db = store_->Db();
  auto q = (*db)->Prepare("SELECT event_id, type, payload, actor, hash FROM events");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->ColumnText(0), e.event_id);
  EXPECT_EQ(q->ColumnText(1), "ticket_issued");
  EXPECT_EQ(*ParseJsonObject(q->ColumnText(2)), e.payload);
  // Stored as hashed: the payload's canonical form, byte for byte.
  EXPECT_EQ(q->ColumnText(2), CanonicalJsonValue(json::value(e.payload)));
  EXPECT_EQ(q->ColumnText(3), "clerk-07");
  EXPECT_EQ(q->ColumnBlob(4), n.log[0].hash);
}

TEST_F(IngestTest, SameBatchAgainIsDuplicateAndChangesNothing) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const std::string file = Batch(n, 1, 5);
  ASSERT_EQ(Apply(file).result, "applied");
  IngestReport again = Apply(file);
  EXPECT_EQ(again.result, "duplicate");
  EXPECT_EQ(again.applied_events, 0);
  EXPECT_EQ(again.acked_seq, 5);
  EXPECT_EQ(EventRows(n.node_id), 5);
  EXPECT_EQ(HighWater(n.node_id), 5);
  sync::DownSync ds = OpenDownSync(again.downsync, n);
  EXPECT_EQ(ds.result, "duplicate");
  EXPECT_EQ(ds.acked_seq, 5);
  // The previous answer was evidently lost: the data versions come again.
  EXPECT_EQ(ds.items.size(), 3u);
}

TEST_F(IngestTest, OverlappingBatchAppliesOnlyTheNewEvents) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  IngestReport r = Apply(Batch(n, 3, 7));
  EXPECT_EQ(r.result, "applied");
  EXPECT_EQ(r.applied_events, 2);
  EXPECT_EQ(r.acked_seq, 7);
  EXPECT_EQ(EventRows(n.node_id), 7);
  EXPECT_EQ(Int("SELECT MIN(seq) FROM events WHERE seq > 5"), 6);
  EXPECT_EQ(Int("SELECT MAX(seq) FROM events"), 7);
}

TEST_F(IngestTest, BatchAfterAGapIsRefusedWithTheExpectedSeq) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  IngestReport r = Apply(Batch(n, 7, 9));
  ExpectRefused(r, 409, "sequence_gap");
  EXPECT_EQ(r.refusal->expected_seq, 6);
  EXPECT_EQ(EventRows(n.node_id), 5);
  EXPECT_EQ(HighWater(n.node_id), 5);
}

TEST_F(IngestTest, ForgedEventReSignedByTheNodeIsChainBrokenAndNothingIsApplied) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  std::vector<sync::BatchEvent> forged = testing::Slice(n.log, 1, 5);
  forged[2].event.payload["ticket_number"] = 99;  // hash no longer matches
  IngestReport r = Apply(SignLines(forged, n.node_id, *n.key));
  ExpectRefused(r, 422, "chain_broken");
  EXPECT_EQ(EventRows(n.node_id), 0);
  EXPECT_EQ(HighWater(n.node_id), 0);
}

TEST_F(IngestTest, BatchThatDoesNotChainToTheStoredHistoryIsChainBroken) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  // Internally consistent, but its seq 6 links to another seq 5.
  const std::vector<sync::BatchEvent> other = Chain(n.node_id, 7);
  sync::EncodeOptions o;
  auto file = sync::EncodeBatch(testing::kCentralId, n.node_id, testing::Slice(other, 6, 7), 6, "",
                                *n.key, o, testing::kT0);
  ASSERT_TRUE(file.ok());
  IngestReport r = Apply(*file);
  ExpectRefused(r, 422, "chain_broken");
  EXPECT_EQ(EventRows(n.node_id), 5);
  EXPECT_EQ(HighWater(n.node_id), 5);
}

TEST_F(IngestTest, ReplayOfAnotherHistoryIsChainBrokenNotDuplicate) {
  // A node restored from an old backup recorded other events under seqs the
  // central already holds: acking them would let the node drop them unseen.
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  TestNode fork;
  fork.node_id = n.node_id;
  fork.key = std::move(n.key);
  fork.log = Chain(n.node_id, 5);
  ExpectRefused(Apply(Batch(fork, 1, 3)), 422, "chain_broken");
  ExpectRefused(Apply(Batch(fork, 4, 3)), 422, "chain_broken");  // a poll at seq 4
  EXPECT_EQ(EventRows(n.node_id), 5);
}

TEST_F(IngestTest, PollIsAnsweredWithTheHighWaterMark) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 3)).result, "applied");
  IngestReport r = Apply(Batch(n, 4, 3));
  EXPECT_EQ(r.result, "poll");
  EXPECT_EQ(r.acked_seq, 3);
  EXPECT_EQ(OpenDownSync(r.downsync, n).result, "poll");
  IngestReport genesis = Apply(Batch(n, 1, 0));  // a node that lost its acks
  EXPECT_EQ(genesis.result, "poll");
  EXPECT_EQ(genesis.acked_seq, 3);
  ExpectRefused(Apply(Batch(n, 5, 4)), 409, "sequence_gap");
}

TEST_F(IngestTest, BatchSignedByAnUnknownKeyOrNodeIsUnauthenticated) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::SigningKey stranger = sync::SigningKey::Generate();
  ExpectRefused(Apply(Batch(n, 1, 5, {}, testing::kCentralId, &stranger)), 401, "unknown_key");
  TestNode ghost;
  ghost.node_id = "desk-99";
  ghost.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
  ghost.log = Chain("desk-99", 2);
  ExpectRefused(Apply(Batch(ghost, 1, 2)), 401, "unknown_node");
  ASSERT_TRUE(admin_->AddNode("desk-02", "000.00.18.H29", "desk").ok());
  ghost.node_id = "desk-02";
  ghost.log = Chain("desk-02", 2);
  ExpectRefused(Apply(Batch(ghost, 1, 2)), 401, "unknown_node");  // added, not enrolled
  EXPECT_EQ(Int("SELECT COUNT(*) FROM events"), 0);
}

TEST_F(IngestTest, RevokedNodeIsRefusedWithTheReason) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 2)).result, "applied");
  ASSERT_TRUE(admin_->Revoke(n.node_id, "máy bị mất cắp").ok());
  IngestReport r = Apply(Batch(n, 3, 5));
  ExpectRefused(r, 403, "key_revoked");
  EXPECT_NE(r.refusal->message.find("máy bị mất cắp"), std::string::npos) << r.refusal->message;
  EXPECT_EQ(EventRows(n.node_id), 2);
}

TEST_F(IngestTest, BatchSignedByARetiredKeyIsRefused) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::SigningKey new_key = sync::SigningKey::Generate();
  KeyRotation rot;
  rot.node_id = n.node_id;
  rot.old_key_id = n.key->key_id();
  rot.new_public_key_hex = HexEncode(new_key.public_key());
  rot.signature_hex =
      HexEncode(n.key->Sign(sync::RotationMessage(n.node_id, rot.new_public_key_hex)));
  ASSERT_TRUE(admin_->RotateKey(rot).ok());
  ExpectRefused(Apply(Batch(n, 1, 2)), 403, "key_retired");
  EXPECT_EQ(Apply(Batch(n, 1, 2, {}, testing::kCentralId, &new_key)).result, "applied");
}

TEST_F(IngestTest, BatchForAnotherCentralIsWrongCentral) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ExpectRefused(Apply(Batch(n, 1, 2, {}, "central-hn")), 422, "wrong_central");
  EXPECT_EQ(EventRows(n.node_id), 0);
}

TEST_F(IngestTest, ByteFlippedAnywhereIsRefusedAndNothingIsApplied) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const std::string file = Batch(n, 1, 3);
  for (size_t pos = 0; pos < file.size(); pos += 7) {
    std::string bad = file;
    bad[pos] ^= 0x20;
    IngestReport r = Apply(bad);
    ASSERT_TRUE(r.refusal.has_value()) << "position " << pos;
    const std::string& code = r.refusal->code;
    EXPECT_TRUE(code == "bad_signature" || code == "bad_request" || code == "wrong_central" ||
                code == "unknown_node" || code == "unknown_key" || code == "body_too_large" ||
                code == "unsupported_version")
        << "position " << pos << ": " << r.refusal->ToString();
  }
  std::string body_flip = file;
  body_flip[file.size() - sync::kSignatureBytes - 3] ^= 0x01;
  ExpectRefused(Apply(body_flip), 422, "bad_signature");
  EXPECT_EQ(EventRows(n.node_id), 0);
}

TEST_F(IngestTest, DecompressionBombIsRefusedUnderTheCap) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const std::string zeros(size_t{16} << 20, '\0');
  std::string bomb(ZSTD_compressBound(zeros.size()), '\0');
  bomb.resize(ZSTD_compress(bomb.data(), bomb.size(), zeros.data(), zeros.size(), 1));
  ASSERT_LT(bomb.size(), 4096u);
  IngestOptions io;
  io.clock = &clock_;
  io.limits.max_uncompressed_bytes = size_t{1} << 20;
  Ingestor capped(store_.get(), io);
  const std::vector<sync::BatchEvent> events = testing::Slice(n.log, 1, 1);
  for (int64_t claim : {int64_t{4096}, int64_t{2} << 20}) {
    IngestReport r =
        capped.ApplyBatch(SignLines(events, n.node_id, *n.key, bomb, claim), Channel::kHttp);
    ExpectRefused(r, 422, "decompression_limit");
  }
  EXPECT_EQ(EventRows(n.node_id), 0);
}

TEST_F(IngestTest, FileOverTheLimitIsBodyTooLarge) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  IngestOptions io;
  io.clock = &clock_;
  io.limits.max_file_bytes = 256;
  Ingestor capped(store_.get(), io);
  sync::EncodeOptions plain;
  plain.compress = false;
  ExpectRefused(capped.ApplyBatch(Batch(n, 1, 5, plain), Channel::kHttp), 413, "body_too_large");
}

TEST_F(IngestTest, SealedBatchIsOpenedAndAnsweredSealedToTheNode) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::EncodeOptions sealed;
  sealed.seal_to_public_key = store_->key().public_key();
  IngestReport r = Apply(Batch(n, 1, 4, sealed));
  ASSERT_EQ(r.result, "applied") << (r.refusal ? r.refusal->ToString() : "");
  sync::DownSync ds = OpenDownSync(r.downsync, n);
  EXPECT_TRUE(ds.sealed);
  EXPECT_EQ(ds.acked_seq, 4);
  auto without_key = sync::DecodeDownSync(r.downsync, store_->key().public_key(), nullptr, nullptr,
                                          sync::DecodeLimits());
  EXPECT_FALSE(without_key.ok());
}

TEST_F(IngestTest, NewDataVersionIsSentOnceToEachNode) {
  TestNode a = Enrol("desk-01", "000.00.17.H29");
  TestNode b = Enrol("desk-02", "000.00.18.H29");
  {
    auto db = store_->Db();
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE data_versions SET version = '2026.2' "
                           "WHERE kind = 'calendar'")
                    .ok());
  }
  sync::DownSync first = OpenDownSync(Apply(Batch(a, 1, 2)).downsync, a);
  ASSERT_EQ(first.items.size(), 1u);
  EXPECT_EQ(first.items[0].at("kind").as_string(), "data_version");
  EXPECT_EQ(first.items[0].at("data").as_string(), "calendar");
  EXPECT_EQ(first.items[0].at("version").as_string(), "2026.2");
  EXPECT_TRUE(OpenDownSync(Apply(Batch(a, 3, 4)).downsync, a).items.empty());
  EXPECT_EQ(OpenDownSync(Apply(Batch(b, 1, 0)).downsync, b).items.size(), 1u);
}

TEST_F(IngestTest, SecondBatchOfABusyNodeIsRefusedWhileOtherNodesWait) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  // Another process holds the write lock, so the first batch waits in its
  // transaction (busy timeout) with the node marked busy.
  auto blocker = Database::Open(CentralDir() + "/central.db");
  ASSERT_TRUE(blocker.ok());
  ASSERT_TRUE((*blocker)->Exec("BEGIN IMMEDIATE").ok());
  IngestReport first;
  std::thread t([&] { first = Apply(Batch(n, 1, 3)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  IngestReport second = Apply(Batch(n, 1, 3));
  ASSERT_TRUE((*blocker)->Exec("ROLLBACK").ok());
  t.join();
  ExpectRefused(second, 429, "node_busy");
  EXPECT_EQ(first.result, "applied");
  EXPECT_EQ(Apply(Batch(n, 1, 3)).result, "duplicate");
}

TEST_F(IngestTest, TwoNodesSendingAtOnceAreBothAppliedInFull) {
  TestNode a = Enrol("desk-01", "000.00.17.H29", 40);
  TestNode b = Enrol("desk-02", "000.00.18.H29", 40);
  std::vector<std::string> files_a, files_b;
  for (int64_t s = 1; s <= 40; s += 4) {
    files_a.push_back(Batch(a, s, s + 3));
    files_b.push_back(Batch(b, s, s + 3));
  }
  auto send = [&](const std::vector<std::string>& files, std::vector<std::string>* results) {
    for (const std::string& f : files) {
      IngestReport r = Apply(f);
      results->push_back(r.refusal ? r.refusal->ToString() : r.result);
    }
  };
  std::vector<std::string> ra, rb;
  std::thread ta(send, std::cref(files_a), &ra);
  std::thread tb(send, std::cref(files_b), &rb);
  ta.join();
  tb.join();
  EXPECT_EQ(ra, std::vector<std::string>(10, "applied"));
  EXPECT_EQ(rb, std::vector<std::string>(10, "applied"));
  EXPECT_EQ(HighWater("desk-01"), 40);
  EXPECT_EQ(HighWater("desk-02"), 40);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM events"), 80);
}

// A real zstd dictionary, trained on ticket lines.
sync::Dictionary TicketDictionary(int64_t dict_id) {
  std::vector<std::string> samples;
  for (const sync::BatchEvent& be : Chain("desk-x", 200)) {
    samples.push_back(CanonicalJson(be.event) + "\n");
  }
  auto bytes = sync::TrainDictionary(samples, 2048);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return sync::Dictionary{dict_id, bytes.ok() ? *bytes : ""};
}

TEST_F(IngestTest, BatchCompressedWithAPublishedDictionaryIsApplied) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const sync::Dictionary dict = TicketDictionary(1);
  {
    auto db = store_->Db();
    auto ins = (*db)->Prepare("INSERT INTO dictionaries (dict_id, bytes, trained_at_ms, "
                              "sample_count, sample_bytes) VALUES (1, ?1, 0, 200, 0)");
    ASSERT_TRUE(ins->BindBlob(1, dict.bytes).Run().ok());
  }
  sync::EncodeOptions o;
  o.dictionary = &dict;
  const std::string file = Batch(n, 1, 5, o);
  ASSERT_EQ(sync::PeekBatchHeader(file)->dict_id, 1);
  IngestReport r = Apply(file);
  EXPECT_EQ(r.result, "applied");
  EXPECT_EQ(EventRows(n.node_id), 5);
}

TEST_F(IngestTest, BatchWithAnUnknownDictionaryIsRefusedAsUnknownDictionary) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const sync::Dictionary dict = TicketDictionary(7);
  sync::EncodeOptions o;
  o.dictionary = &dict;
  IngestReport r = Apply(Batch(n, 1, 5, o));
  ExpectRefused(r, 422, "unknown_dictionary");
  EXPECT_NE(r.refusal->message.find("dictionary 7"), std::string::npos) << r.refusal->message;
  EXPECT_EQ(EventRows(n.node_id), 0);
  // On a stick the node learns it from a signed refusal.
  IngestReport file = Apply(Batch(n, 1, 5, o), Channel::kFile);
  sync::DownSync ds = OpenDownSync(file.downsync, n);
  EXPECT_EQ(ds.result, "refused");
  ASSERT_TRUE(ds.error.has_value());
  EXPECT_EQ(ds.error->code, "unknown_dictionary");
  EXPECT_EQ(EventRows(n.node_id), 0);
}

TEST_F(IngestTest, NodeListShowsLastSeenAndHighWater) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  clock_.Advance(90'000);
  ASSERT_EQ(Apply(Batch(n, 1, 6)).result, "applied");
  auto nodes = admin_->ListNodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].high_water_seq, 6);
  EXPECT_EQ((*nodes)[0].last_seen_ms, testing::kT0 + 90'000);
}

}  // namespace
}  // namespace hoso::central
