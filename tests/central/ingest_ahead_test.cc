// Batches sent ahead at the central (central/ingest.h, sync/FORMAT.md
// "Sending ahead"): two threads drive Ingestor::ApplyBatch, and gates at the
// after_decode seam and at the clock read that follows taking the node's turn
// order their arrivals, so every case runs the same way each time.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "central/api.h"
#include "central/ingest.h"
#include "schema/json_util.h"
#include "sync/batch.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "sync/signed_file.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::TestNode;

// Generous bound on any wait of the test itself: a gate never reached fails
// the test instead of hanging it.
constexpr auto kTestWait = std::chrono::seconds(20);

// A point a batch's thread stops at until the test opens it. An open gate
// only reports that the thread passed.
class Gate {
 public:
  // Called on the batch's thread.
  void ArriveAndWait() {
    std::unique_lock<std::mutex> lock(mu_);
    arrived_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, kTestWait, [this] { return open_; });
  }
  // True once a thread arrived.
  bool WaitArrived() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kTestWait, [this] { return arrived_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool arrived_ = false;
  bool open_ = false;
};

// The gate the current thread stops at when its batch has taken the node's
// turn: the Ingestor reads the clock right after NodeTurn::Take.
thread_local Gate* tls_turn_gate = nullptr;

// The fixture's fake clock, with the turn gate above.
class TurnClock : public Clock {
 public:
  explicit TurnClock(Clock* base) : base_(base) {}
  UnixMs NowMs() override {
    if (Gate* gate = tls_turn_gate) {
      tls_turn_gate = nullptr;
      gate->ArriveAndWait();
    }
    return base_->NowMs();
  }
  int64_t MonotonicMs() override { return base_->MonotonicMs(); }

 private:
  Clock* base_;
};

int64_t ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

class IngestAheadTest : public CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    ingestor_ = MakeIngestor(10'000);
  }

  // An Ingestor whose batches stop at the gates of `decode_gates_` (by
  // first_seq) once decoded.
  // `ahead_waits_` (when set) is told when a batch sent ahead starts to wait.
  std::unique_ptr<Ingestor> MakeIngestor(int ahead_wait_ms, int ahead_arrival_wait_ms = 1000) {
    IngestOptions io;
    io.clock = &turn_clock_;
    io.limits = limits_;
    io.ahead_wait_ms = ahead_wait_ms;
    io.ahead_arrival_wait_ms = ahead_arrival_wait_ms;
    io.after_decode = [this](const sync::BatchHeader& h) {
      auto it = decode_gates_.find(h.first_seq);
      if (it != decode_gates_.end()) it->second->ArriveAndWait();
    };
    io.ahead_waits = [this](const sync::BatchHeader&) {
      if (ahead_waits_ != nullptr) ahead_waits_->ArriveAndWait();
    };
    return std::make_unique<Ingestor>(store_.get(), io);
  }

  // The gate batches starting at `first_seq` stop at after decoding; set up
  // before any thread starts. `open`: only report the passage.
  Gate* DecodeGate(int64_t first_seq, bool open = false) {
    auto& gate = decode_gates_[first_seq];
    gate = std::make_unique<Gate>();
    if (open) gate->Open();
    return gate.get();
  }

  // Applies `file` on a new thread, which stops at `turn_gate` (if any) once
  // it holds the node's turn.
  std::thread Send(const std::string& file, IngestReport* out, Gate* turn_gate = nullptr) {
    return std::thread([this, file, out, turn_gate] {
      tls_turn_gate = turn_gate;
      *out = ingestor_->ApplyBatch(file, Channel::kHttp);
      tls_turn_gate = nullptr;
    });
  }

  // Sends `k_file` (its first seq `k_first`) and holds it after decoding
  // until `ahead_file` (first seq `ahead_first`) has been decoded too, then
  // lets both go on and waits for their answers. False when either never
  // reached its gate.
  bool SendHeldThenAhead(const std::string& k_file, int64_t k_first, const std::string& ahead_file,
                         int64_t ahead_first, IngestReport* k, IngestReport* ahead) {
    Gate* k_decoded = DecodeGate(k_first);
    Gate* ahead_decoded = DecodeGate(ahead_first, /*open=*/true);
    std::thread tk = Send(k_file, k);
    const bool k_arrived = k_decoded->WaitArrived();
    std::thread ta = Send(ahead_file, ahead);
    const bool ahead_arrived = ahead_decoded->WaitArrived();
    k_decoded->Open();
    tk.join();
    ta.join();
    return k_arrived && ahead_arrived;
  }

  // Applies `other` while the batch `held` holds the node's turn (in its
  // transaction, not yet committed), then lets `held` go on. Returns how long
  // `other` took, or -1 when `held` never took the turn.
  int64_t ApplyWhileHeldInTurn(const std::string& held_file, IngestReport* held,
                               const std::string& other_file, IngestReport* other) {
    Gate held_in_turn;
    std::thread th = Send(held_file, held, &held_in_turn);
    const bool held_arrived = held_in_turn.WaitArrived();
    const auto start = std::chrono::steady_clock::now();
    *other = Apply(other_file);
    const int64_t waited_ms = ElapsedMs(start);
    held_in_turn.Open();
    th.join();
    return held_arrived ? waited_ms : -1;
  }

  std::string Ahead(const TestNode& n, int64_t first, int64_t last) {
    sync::EncodeOptions o;
    o.sent_ahead = true;
    return Batch(n, first, last, o);
  }

  static void ExpectApplied(const IngestReport& r, int64_t acked_seq) {
    EXPECT_EQ(r.result, "applied") << (r.refusal ? r.refusal->ToString() : "");
    EXPECT_EQ(r.acked_seq, acked_seq);
  }
  static void ExpectRefused(const IngestReport& r, int http_status, const std::string& code) {
    EXPECT_EQ(r.result, "refused");
    ASSERT_TRUE(r.refusal.has_value()) << "result " << r.result;
    EXPECT_EQ(r.refusal->http_status, http_status) << r.refusal->ToString();
    EXPECT_EQ(r.refusal->code, code) << r.refusal->ToString();
    EXPECT_TRUE(r.downsync.empty());
  }
  // Every seq 1..last of the node stored exactly once, nothing beyond.
  void ExpectStoredOnce(const std::string& node_id, int64_t last) {
    EXPECT_EQ(EventRows(node_id), last);
    EXPECT_EQ(Int("SELECT COUNT(DISTINCT seq) FROM events WHERE node_id = '" + node_id + "'"),
              last);
    EXPECT_EQ(Int("SELECT COALESCE(MAX(seq), 0) FROM events WHERE node_id = '" + node_id + "'"),
              last);
    EXPECT_EQ(HighWater(node_id), last);  // enrolment records 0
  }

  TurnClock turn_clock_{&clock_};
  std::map<int64_t, std::unique_ptr<Gate>> decode_gates_;
  Gate* ahead_waits_ = nullptr;  // set before any thread starts
};

TEST_F(IngestAheadTest, AheadBatchArrivingWhileItsPredecessorIsHeldAfterDecodingWaitsForIt) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  IngestReport k, next;
  ASSERT_TRUE(SendHeldThenAhead(Batch(n, 1, 5), 1, Ahead(n, 6, 10), 6, &k, &next));

  ExpectApplied(k, 5);
  ExpectApplied(next, 10);
  EXPECT_EQ(next.applied_events, 5);
  ExpectStoredOnce(n.node_id, 10);
  sync::DownSync ds = OpenDownSync(next.downsync, n);
  EXPECT_EQ(ds.result, "applied");
  EXPECT_EQ(ds.acked_seq, 10);
  EXPECT_TRUE(ds.items.empty());
  EXPECT_TRUE(ds.takes_ahead);
}

TEST_F(IngestAheadTest, AheadBatchArrivingWhileItsPredecessorIsAppliedWaitsAndIsAppliedAfter) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  Gate k_in_turn;
  Gate* next_decoded = DecodeGate(6, /*open=*/true);
  IngestReport k, next;
  std::thread tk = Send(Batch(n, 1, 5), &k, &k_in_turn);
  const bool k_arrived = k_in_turn.WaitArrived();
  std::thread tn = Send(Ahead(n, 6, 10), &next);
  const bool next_arrived = next_decoded->WaitArrived();
  k_in_turn.Open();
  tk.join();
  tn.join();
  ASSERT_TRUE(k_arrived && next_arrived);

  ExpectApplied(k, 5);
  ExpectApplied(next, 10);
  ExpectStoredOnce(n.node_id, 10);
  sync::DownSync ds = OpenDownSync(next.downsync, n);
  EXPECT_EQ(ds.acked_seq, 10);
  EXPECT_TRUE(ds.items.empty());
  EXPECT_TRUE(ds.takes_ahead);
}

TEST_F(IngestAheadTest, AheadBatchArrivingBeforeItsPredecessorWaitsForItToArriveAndGoesSecond) {
  // The predecessor was posted first but is still uploading when the batch
  // sent ahead behind it is decoded, with no other batch of the node in hand.
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  Gate waits;
  waits.Open();  // only reports that the batch sent ahead waits
  ahead_waits_ = &waits;
  IngestReport next;
  std::thread tn = Send(Ahead(n, 6, 10), &next);
  const bool waited = waits.WaitArrived();
  IngestReport k = Apply(Batch(n, 1, 5));
  tn.join();
  ASSERT_TRUE(waited) << "the batch sent ahead never waited";

  ExpectApplied(k, 5);
  ExpectApplied(next, 10);
  EXPECT_EQ(next.applied_events, 5);
  ExpectStoredOnce(n.node_id, 10);
}

TEST_F(IngestAheadTest, AheadBatchWhosePredecessorNeverArrivesIsAheadRefusedAfterTheArrivalWait) {
  ingestor_ = MakeIngestor(10'000, 300);
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  const auto start = std::chrono::steady_clock::now();
  IngestReport next = Apply(Ahead(n, 6, 10));
  const int64_t waited_ms = ElapsedMs(start);

  ExpectRefused(next, 409, "ahead_refused");
  EXPECT_EQ(next.refusal->expected_seq, 1);
  EXPECT_GE(waited_ms, 290);
  EXPECT_LT(waited_ms, 5000);  // not the 10 s it may wait for a predecessor in hand
  ExpectStoredOnce(n.node_id, 0);
}

TEST_F(IngestAheadTest, AheadBatchBehindABatchAlreadyRefusedIsAheadRefusedWithoutWaiting) {
  ingestor_ = MakeIngestor(10'000, 5000);
  TestNode n = Enrol("desk-01", "000.00.17.H29", 15);
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  ExpectRefused(Apply(Batch(n, 7, 10)), 409, "sequence_gap");
  const auto start = std::chrono::steady_clock::now();
  IngestReport next = Apply(Ahead(n, 11, 15));
  const int64_t waited_ms = ElapsedMs(start);

  ExpectRefused(next, 409, "ahead_refused");
  EXPECT_EQ(next.refusal->expected_seq, 6);
  EXPECT_LT(waited_ms, 2500);  // not the 5 s it waits for a predecessor to arrive
  ExpectStoredOnce(n.node_id, 5);
  // Once a batch of the node was applied, a refusal before it no longer counts.
  ExpectApplied(Apply(Batch(n, 6, 10)), 10);
  ExpectApplied(Apply(Ahead(n, 11, 15)), 15);
}

TEST_F(IngestAheadTest, AheadBatchAfterAChainBrokenPredecessorIsAheadRefusedAndStoresNothing) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 15);
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  // Internally consistent, but its seq 6 links to another seq 5.
  const std::vector<sync::BatchEvent> other = testing::Chain(n.node_id, 10);
  auto broken = sync::EncodeBatch(testing::kCentralId, n.node_id, testing::Slice(other, 6, 10), 6,
                                  other[4].hash, *n.key, sync::EncodeOptions(), testing::kT0);
  ASSERT_TRUE(broken.ok()) << broken.status().ToString();
  IngestReport k, next;
  ASSERT_TRUE(SendHeldThenAhead(*broken, 6, Ahead(n, 11, 15), 11, &k, &next));

  ExpectRefused(k, 422, "chain_broken");
  ExpectRefused(next, 409, "ahead_refused");
  EXPECT_EQ(next.refusal->expected_seq, 6);
  ExpectStoredOnce(n.node_id, 5);
}

TEST_F(IngestAheadTest, AheadBatchAfterAPredecessorRefusedForAGapIsAheadRefused) {
  TestNode n = Enrol("desk-01", "000.00.17.H29", 15);
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  IngestReport k, next;
  ASSERT_TRUE(SendHeldThenAhead(Batch(n, 7, 10), 7, Ahead(n, 11, 15), 11, &k, &next));

  ExpectRefused(k, 409, "sequence_gap");
  ExpectRefused(next, 409, "ahead_refused");
  EXPECT_EQ(next.refusal->expected_seq, 6);
  ExpectStoredOnce(n.node_id, 5);
}

TEST_F(IngestAheadTest, AheadBatchOverlappingWhatTheCentralHoldsIsAheadRefusedAndChangesNothing) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  const int64_t seen = Int("SELECT last_seen_ms FROM nodes WHERE node_id = 'desk-01'");
  clock_.Advance(60'000);
  for (const auto& [first, last] : {std::pair{3, 8}, std::pair{1, 5}, std::pair{5, 5}}) {
    IngestReport r = Apply(Ahead(n, first, last));
    ExpectRefused(r, 409, "ahead_refused");
    EXPECT_EQ(r.refusal->expected_seq, 6) << first << ".." << last;
  }
  ExpectStoredOnce(n.node_id, 5);
  EXPECT_EQ(Int("SELECT last_seen_ms FROM nodes WHERE node_id = 'desk-01'"), seen);
  // The node sends the same events again as a normal batch.
  ExpectApplied(Apply(Batch(n, 3, 8)), 8);
  ExpectStoredOnce(n.node_id, 8);
}

TEST_F(IngestAheadTest, AheadBatchGivesUpWithNodeBusyWhenItsPredecessorHoldsTheTurnTooLong) {
  ingestor_ = MakeIngestor(300);
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  IngestReport k, next;
  const int64_t waited_ms = ApplyWhileHeldInTurn(Batch(n, 1, 5), &k, Ahead(n, 6, 10), &next);
  ASSERT_GE(waited_ms, 0) << "the first batch never took the node's turn";

  ExpectRefused(next, 429, "node_busy");
  EXPECT_GE(waited_ms, 290);
  EXPECT_LT(waited_ms, 5000);
  ExpectApplied(k, 5);
  ExpectStoredOnce(n.node_id, 5);
}

TEST_F(IngestAheadTest, AheadBatchGivesUpAsAheadRefusedWhenItsPredecessorIsStillOnlyInHand) {
  ingestor_ = MakeIngestor(300);
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  Gate* k_decoded = DecodeGate(1);
  IngestReport k;
  std::thread tk = Send(Batch(n, 1, 5), &k);
  const bool k_arrived = k_decoded->WaitArrived();
  const auto start = std::chrono::steady_clock::now();
  IngestReport next = Apply(Ahead(n, 6, 10));
  const int64_t waited_ms = ElapsedMs(start);
  k_decoded->Open();
  tk.join();
  ASSERT_TRUE(k_arrived);

  ExpectRefused(next, 409, "ahead_refused");
  EXPECT_EQ(next.refusal->expected_seq, 1);
  EXPECT_GE(waited_ms, 290);
  EXPECT_LT(waited_ms, 5000);
  ExpectApplied(k, 5);
  ExpectStoredOnce(n.node_id, 5);
}

TEST_F(IngestAheadTest, AheadAnswerCarriesNoItemsAndTheNextNormalBatchGetsThemAll) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  {
    auto db = store_->Db();
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(
        (*db)->Exec("UPDATE data_versions SET version = '2026.2' WHERE kind = 'calendar'").ok());
    // An officer's event of a dossier the desk received.
    ASSERT_TRUE((*db)
                    ->Exec("INSERT INTO central_events (seq, node_id, event_id, type, "
                           "schema_version, dossier_code, payload, device_time_ms, actor, hash, "
                           "origin_node_id) VALUES (1, 'central-hcm', 'central-hcm-1', "
                           "'dossier_stopped', 1, '000.00.17.H29-260312-0001', "
                           "'{\"reason\":\"thiếu giấy tờ\"}', 1773300000000, 'an', "
                           "zeroblob(32), 'desk-01')")
                    .ok());
  }
  const auto sent_version = [&] {
    return Int(
        "SELECT COUNT(*) FROM node_data_versions WHERE node_id = 'desk-01' AND "
        "kind = 'calendar' AND version = '2026.2'");
  };
  const auto downflow = [&] {
    return Int(
        "SELECT COUNT(*) FROM node_event_downflow WHERE node_id = 'desk-01' AND "
        "(confirmed_seq > 0 OR answered_hw > 0 OR answered_through > 0)");
  };
  ASSERT_EQ(sent_version(), 0);
  ASSERT_EQ(downflow(), 0);
  clock_.Advance(30'000);

  IngestReport ahead = Apply(Ahead(n, 1, 2));
  ExpectApplied(ahead, 2);
  sync::DownSync ads = OpenDownSync(ahead.downsync, n);
  EXPECT_TRUE(ads.items.empty());
  EXPECT_TRUE(ads.takes_ahead);
  EXPECT_EQ(sent_version(), 0);
  EXPECT_EQ(downflow(), 0);
  // Seen, all the same.
  EXPECT_EQ(Int("SELECT last_seen_ms FROM nodes WHERE node_id = 'desk-01'"),
            testing::kT0 + 30'000);

  IngestReport normal = Apply(Batch(n, 3, 4));
  ExpectApplied(normal, 4);
  std::vector<std::string> kinds;
  for (const json::object& item : OpenDownSync(normal.downsync, n).items) {
    kinds.push_back(std::string(item.at("kind").as_string()));
    if (kinds.back() == "data_version") {
      EXPECT_EQ(item.at("data").as_string(), "calendar");
      EXPECT_EQ(item.at("version").as_string(), "2026.2");
    }
    if (kinds.back() == "event") {
      EXPECT_EQ(item.at("event").as_object().at("event_id").as_string(), "central-hcm-1");
    }
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"data_version", "event"}));
  EXPECT_EQ(sent_version(), 1);
  EXPECT_EQ(downflow(), 1);
}

TEST_F(IngestAheadTest, NormalBatchWhileAnAheadBatchOfTheNodeIsAppliedIsNodeBusyAtOnce) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  IngestReport ahead, normal;
  const int64_t waited_ms = ApplyWhileHeldInTurn(Ahead(n, 1, 5), &ahead, Batch(n, 1, 5), &normal);
  ASSERT_GE(waited_ms, 0) << "the batch sent ahead never took the node's turn";

  ExpectRefused(normal, 429, "node_busy");
  EXPECT_LT(waited_ms, 5000);  // not the 10 s a batch sent ahead may wait
  ExpectApplied(ahead, 5);
  ExpectStoredOnce(n.node_id, 5);
}

TEST_F(IngestAheadTest, AheadBatchRefusedForItsPositionNeverHoldsTheTurnFromANormalBatch) {
  // The node's normal batch 6..10 and a batch sent ahead that overlaps what
  // the central holds arrive together (a resend after an ahead refusal, and
  // the batch read ahead behind it): the normal one must be applied.
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Apply(Batch(n, 1, 5)).result, "applied");
  // The batch sent ahead stops here when it takes the node's turn, or once
  // it is answered when it never takes it.
  Gate stop;
  IngestReport ahead;
  const std::string ahead_file = Ahead(n, 3, 8);
  std::thread ta([&] {
    tls_turn_gate = &stop;
    ahead = ingestor_->ApplyBatch(ahead_file, Channel::kHttp);
    if (tls_turn_gate != nullptr) {
      tls_turn_gate = nullptr;
      stop.ArriveAndWait();
    }
  });
  const bool stopped = stop.WaitArrived();
  IngestReport normal = Apply(Batch(n, 6, 10));
  stop.Open();
  ta.join();
  ASSERT_TRUE(stopped);

  ExpectApplied(normal, 10);
  ExpectRefused(ahead, 409, "ahead_refused");
  EXPECT_EQ(ahead.refusal->expected_seq, 6);
  ExpectStoredOnce(n.node_id, 10);
}

TEST_F(IngestAheadTest, OverRealHttpAheadRefusedIs409WithTheExpectedSeqAndAppliedSaysTakesAhead) {
  CentralApi api(store_.get(), admin_.get(), ingestor_.get());
  HttpServerOptions so;
  so.threads = 2;
  so.max_body_bytes = CentralApi::kMaxRequestBytes;
  auto server = HttpServer::Start(so, [&api](const HttpRequest& r) { return api.Handle(r); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  HttpClient client("127.0.0.1", (*server)->port());
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  auto post = [&](const std::string& file) {
    return client.Send("POST", "/api/sync/batches", file, {{"Content-Type", kBatchContentType}});
  };

  auto first = post(Batch(n, 1, 5));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_TRUE(OpenDownSync(first->body, n).takes_ahead);

  auto overlap = post(Ahead(n, 3, 8));
  ASSERT_TRUE(overlap.ok()) << overlap.status().ToString();
  EXPECT_EQ(overlap->status, 409) << overlap->body;
  auto body = ParseJsonObject(overlap->body);
  ASSERT_TRUE(body.ok() && body->contains("error")) << overlap->body;
  const json::object& error = body->at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "ahead_refused");
  EXPECT_EQ(error.at("expected_seq").as_int64(), 6);
  EXPECT_EQ(EventRows(n.node_id), 5);

  auto applied = post(Ahead(n, 6, 8));
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(applied->status, 200) << applied->body;
  EXPECT_EQ(applied->Header("Content-Type"), kDownSyncContentType);
  auto header = sync::DecodeSignedFile(applied->body);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->header.at("takes_ahead").as_bool(), true);
  sync::DownSync ds = OpenDownSync(applied->body, n);
  EXPECT_EQ(ds.result, "applied");
  EXPECT_EQ(ds.acked_seq, 8);
  EXPECT_TRUE(ds.items.empty());
  (*server)->Stop();
  ExpectStoredOnce(n.node_id, 8);
}

}  // namespace
}  // namespace hoso::central
