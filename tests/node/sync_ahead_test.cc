// Batches sent ahead (SyncClientOptions::send_ahead, sync/FORMAT.md
// "Sending ahead") from the node's side: a real SyncClient and a real
// HttpCentralTransport against a real in-process central (Ingestor,
// CentralApi, HttpServer on 127.0.0.1; tests/node/sync_test_env.h). The
// seams are a transport that can lose one answer, hold a batch sent ahead
// until the batch before it is answered, and records what each batch got,
// and the Ingestor's after_decode hook to order arrivals at the central.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "central/audit.h"
#include "central/dossiers.h"
#include "node/enrolment.h"
#include "node/sync_client.h"
#include "sync/batch.h"
#include "sync/http_server.h"
#include "tests/node/sync_test_env.h"

namespace hoso::node {
namespace {

using testing::kCentralId;
using testing::kNodeId;
using testing::kUnitCode;

constexpr auto kWait = std::chrono::seconds(10);  // a hang fails instead of blocking ctest

// Steps a query: true for a row, false at the end or on an error.
bool NextRow(Statement& q) {
  Result<bool> row = q.Step();
  EXPECT_TRUE(row.ok()) << row.status().ToString();
  return row.ok() && *row;
}

// Forwards to a transport that takes posts from two threads (a real
// HttpCentralTransport). Batches (POST /api/sync/batches) can have their
// answer lost once, after the central received and applied them
// (`lose_answer_of`: the batch whose first_seq is that), and a batch sent
// ahead can be held until the batch that ends right before it was answered
// (`hold_ahead`), so that the central sees them one after the other. Every
// batch's header and answer are recorded. Thread-safe.
class AheadSeam : public CentralTransport {
 public:
  struct Sent {
    int64_t first_seq = 0;
    int64_t events = 0;
    bool ahead = false;
    int status = 0;    // 0: no answer (transport error or lost)
    std::string code;  // the central's error code
  };

  explicit AheadSeam(CentralTransport* base) : base_(base) {}

  bool ConcurrentPosts() const override { return base_->ConcurrentPosts(); }

  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override {
    Result<sync::BatchHeader> header = sync::PeekBatchHeader(body);
    if (path != "/api/sync/batches" || !header.ok()) return base_->Post(path, content_type, body);
    if (header->sent_ahead && hold_ahead) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, kWait, [&] { return answered_ends_.count(header->first_seq) > 0; });
    }
    Result<HttpResponse> r = base_->Post(path, content_type, body);
    bool lose = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Sent s{header->first_seq, header->event_count, header->sent_ahead, 0, ""};
      if (r.ok()) {
        s.status = r->status;
        if (r->status != 200) s.code = CentralErrorCode(*r);
      }
      if (header->first_seq == lose_answer_of && !lost_) {
        lose = lost_ = true;
        s.status = 0;
      }
      sent_.push_back(s);
      if (r.ok() && r->status == 200) {
        answered_ends_.insert(header->first_seq + header->event_count);
      }
    }
    cv_.notify_all();
    if (lose) return Status::Unavailable("connection reset after the request was sent");
    return r;
  }

  std::vector<Sent> sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  // "first_seq+events[ahead]:status code" per batch, for failure messages.
  std::string Log() {
    std::string log;
    for (const Sent& s : sent()) {
      log += std::to_string(s.first_seq) + "+" + std::to_string(s.events) +
             (s.ahead ? "[ahead]" : "") + ":" + std::to_string(s.status) + " " + s.code + "\n";
    }
    return log;
  }
  // Waits until an answer to a batch sent ahead came back (any status).
  bool WaitForAheadAnswer() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] {
      for (const Sent& s : sent_) {
        if (s.ahead) return true;
      }
      return false;
    });
  }

  // Set before the client runs.
  int64_t lose_answer_of = -1;
  bool hold_ahead = false;

 private:
  CentralTransport* base_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Sent> sent_;           // guarded by mu_
  std::set<int64_t> answered_ends_;  // first_seq + events of batches answered 200; guarded by mu_
  bool lost_ = false;                // guarded by mu_
};

class SyncAheadTest : public testing::SyncEnv {
 protected:
  void SetUp() override {
    SyncEnv::SetUp();
    if (HasFatalFailure()) return;
    UseIngestor(central::IngestOptions().ahead_wait_ms);
    seam_ = std::make_unique<AheadSeam>(http_.get());
  }

  // Replaces the central's Ingestor (before any batch is sent): its
  // after_decode calls on_decode_ on the server thread.
  void UseIngestor(int ahead_wait_ms) {
    central::IngestOptions io;
    io.clock = &clock_;
    io.ahead_wait_ms = ahead_wait_ms;
    io.after_decode = [this](const sync::BatchHeader& h) {
      if (on_decode_) on_decode_(h);
    };
    api_.reset();
    ingestor_ = std::make_unique<central::Ingestor>(central_.get(), io);
    api_ = std::make_unique<central::CentralApi>(central_.get(), admin_.get(), ingestor_.get());
  }

  SyncClient AheadClient(CentralTransport* transport, bool send_ahead = true) {
    SyncClientOptions o;
    o.clock = &clock_;
    o.send_ahead = send_ahead;
    return SyncClient(store_.get(), transport, o);
  }

  // RunOnce while it says more; every exchange must succeed.
  std::vector<SyncReport> SyncAll(SyncClient& client) {
    std::vector<SyncReport> reports;
    for (int i = 0; i < 20; ++i) {
      auto r = client.RunOnce();
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) break;
      reports.push_back(*r);
      if (!r->more) break;
    }
    return reports;
  }

  // The node's chain of hashes, and the one the central stored for it.
  std::string NodeChain() {
    auto q = store_->db().Prepare("SELECT hash FROM outbox_events ORDER BY seq");
    EXPECT_TRUE(q.ok());
    std::string chain;
    while (q.ok() && NextRow(*q)) chain += q->ColumnBlob(0);
    return chain;
  }
  std::string CentralChain() {
    auto db = central_->Db();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return "";
    auto q = (*db)->Prepare("SELECT hash FROM events WHERE node_id = ?1 ORDER BY seq");
    EXPECT_TRUE(q.ok());
    if (!q.ok()) return "";
    q->Bind(1, std::string(kNodeId));
    std::string chain;
    while (NextRow(*q)) chain += q->ColumnBlob(0);
    return chain;
  }

  // Every event of the node is at the central exactly once, with the hash
  // the node chained it with, and the node has seen all of them acknowledged.
  void ExpectConverged(int64_t events) {
    EXPECT_EQ(OutboxCount(), events);
    EXPECT_EQ(CentralEvents(), events);
    EXPECT_EQ(CentralDistinctSeqs(), events);
    EXPECT_EQ(NodeChain(), CentralChain());
    EXPECT_EQ(CentralInt("SELECT high_water_seq FROM node_progress"), events);
    EXPECT_EQ(NodeInt("SELECT acked_seq FROM outbox_ack"), events);
    EXPECT_EQ(PendingCount(), 0);
  }

  std::function<void(const sync::BatchHeader&)> on_decode_;
  std::unique_ptr<AheadSeam> seam_;
  // For hooks that hold a batch at the central until the test releases it.
  std::mutex hook_mu_;
  std::condition_variable hook_cv_;
  bool released_ = false;
};

// 4000 events go as 500 (first exchange: nothing measured, no takes_ahead
// yet), 1000 (read during the first; the batch after it is sent ahead),
// 2000 (ahead) and 500 (ahead).
constexpr int kEvents = 4000;

// ---- Sending ahead ---------------------------------------------------------------

TEST_F(SyncAheadTest, WithSendAheadSeveralBatchesAllArriveOnceWithTheirChain) {
  EnrolNode();
  AddEvents(kEvents);
  SyncClient client = AheadClient(http_.get());
  std::vector<SyncReport> reports = SyncAll(client);
  // The answer to the last batch carried no items: a poll fetched them.
  ASSERT_EQ(reports.size(), 5u);
  EXPECT_EQ(reports[0].sent_events, kInitialBatchEvents);
  EXPECT_EQ(reports[1].first_seq, kInitialBatchEvents + 1);
  EXPECT_EQ(reports[3].last_seq, kEvents);
  EXPECT_EQ(reports.back().result, "poll");
  EXPECT_EQ(reports.back().acked_seq, kEvents);
  EXPECT_EQ(client.sent_ahead(), 2);
  EXPECT_EQ(client.ahead_dropped(), 0);
  ExpectConverged(kEvents);
}

TEST_F(SyncAheadTest, WithoutSendAheadNothingIsSentAheadAndTheResultIsTheSame) {
  EnrolNode();
  AddEvents(kEvents);
  SyncClient client = AheadClient(seam_.get(), /*send_ahead=*/false);
  std::vector<SyncReport> reports = SyncAll(client);
  EXPECT_EQ(reports.size(), 4u);
  EXPECT_EQ(client.sent_ahead(), 0);
  EXPECT_EQ(client.ahead_dropped(), 0);
  for (const AheadSeam::Sent& s : seam_->sent()) {
    EXPECT_FALSE(s.ahead) << s.first_seq;
    EXPECT_EQ(s.status, 200) << s.first_seq;
  }
  ExpectConverged(kEvents);
}

TEST_F(SyncAheadTest, TheDefaultOptionsDoNotSendAhead) {
  EXPECT_FALSE(SyncClientOptions().send_ahead);
}

TEST_F(SyncAheadTest, ALostAnswerDropsTheAheadAnswerAndTheResendIsADuplicate) {
  EnrolNode();
  AddEvents(kEvents);
  seam_->lose_answer_of = kInitialBatchEvents + 1;  // the batch 501..1500
  seam_->hold_ahead = true;
  SyncClient client = AheadClient(seam_.get());
  ASSERT_TRUE(client.RunOnce().ok());
  auto lost = client.RunOnce();
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(IsRetryable(lost.status())) << lost.status().ToString();
  // The central applied 501..1500 and then 1501..3500 sent ahead; the node
  // heard neither, so it acknowledged only the first batch.
  EXPECT_EQ(client.sent_ahead(), 1);
  EXPECT_GE(client.ahead_dropped(), 1);
  EXPECT_EQ(CentralEvents(), 3500);
  EXPECT_EQ(PendingCount(), kEvents - kInitialBatchEvents);

  auto resend = client.RunOnce();
  ASSERT_TRUE(resend.ok()) << resend.status().ToString();
  EXPECT_EQ(resend->first_seq, kInitialBatchEvents + 1);
  EXPECT_EQ(resend->result, "duplicate");
  EXPECT_EQ(resend->acked_seq, 3500);
  SyncAll(client);
  ExpectConverged(kEvents);
  for (const AheadSeam::Sent& s : seam_->sent()) {
    EXPECT_TRUE(s.status == 200 || (s.status == 0 && s.first_seq == kInitialBatchEvents + 1))
        << s.first_seq << " " << s.status << " " << s.code;
  }
}

TEST_F(SyncAheadTest, AnAheadBatchTheCentralRefusesIsSentAgainAsANormalBatch) {
  // The batch 501..1500 is held at the central until the batch sent ahead
  // after it (1501..) was answered: that one waits 100 ms for it, then is
  // refused, because it does not continue the central's high water mark.
  UseIngestor(100);
  on_decode_ = [this](const sync::BatchHeader& h) {
    if (!h.sent_ahead && h.first_seq == kInitialBatchEvents + 1) seam_->WaitForAheadAnswer();
  };
  EnrolNode();
  AddEvents(kEvents);
  SyncClient client = AheadClient(seam_.get());
  SyncAll(client);
  ExpectConverged(kEvents);
  const int64_t ahead_first = 3 * kInitialBatchEvents + 1;
  bool refused = false;
  bool resent = false;
  for (const AheadSeam::Sent& s : seam_->sent()) {
    if (s.ahead && s.first_seq == ahead_first && s.status == 409) {
      // It starts beyond the high water mark: a gap (ahead_refused when it
      // overlaps); either way nothing of it is applied.
      EXPECT_TRUE(s.code == "sequence_gap" || s.code == "ahead_refused") << s.code;
      refused = true;
    }
    if (refused && !s.ahead && s.first_seq == ahead_first && s.status == 200) resent = true;
  }
  EXPECT_TRUE(refused) << seam_->Log();
  EXPECT_TRUE(resent) << seam_->Log();
  EXPECT_GE(client.sent_ahead(), 1);
}

// ---- Items still reach the node ----------------------------------------------------

TEST_F(SyncAheadTest, ItemsThatBecomeDueWhileBatchesAreSentAheadReachTheNode) {
  EnrolNode();
  IntakeDossier();
  SyncClient client = AheadClient(http_.get());
  ASSERT_TRUE(client.RunOnce().ok());  // the dossier is at the central
  const std::string code = [&] {
    auto q = store_->db().Prepare("SELECT code FROM dossiers");
    EXPECT_TRUE(q.ok() && NextRow(*q));
    return q.ok() ? q->ColumnText(0) : "";
  }();
  ASSERT_FALSE(code.empty());
  const int64_t intake_events = OutboxCount();
  AddEvents(kEvents);
  // When the last batch sent ahead arrives, an officer assigns the dossier
  // and a new catalog is published: only the answer to a normal batch or a
  // poll may carry them.
  std::atomic<bool> published{false};
  on_decode_ = [&](const sync::BatchHeader& h) {
    if (!h.sent_ahead || h.last_seq != intake_events + kEvents || published) return;
    auto db = central_->Db();
    ASSERT_TRUE(db.ok());
    auto done = central::RecordOfficerAction(
        **db, kCentralId, central::Actor::Cli(), code, EventType::kHandlerAssigned,
        json::object{
            {"unit_code", kUnitCode}, {"handler_id", "an"}, {"handler_name", "Nguyễn Văn An"}},
        clock_.NowMs());
    ASSERT_TRUE(done.ok()) << done.refusal().ToString();
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE data_versions SET version = '2026.2', "
                           "body = json_set(body, '$.version', '2026.2') "
                           "WHERE kind = 'catalog'")
                    .ok());
    published = true;
  };
  std::vector<SyncReport> reports = SyncAll(client);
  ASSERT_TRUE(published);
  EXPECT_GE(client.sent_ahead(), 1);
  int installed = 0;
  int events = 0;
  for (const SyncReport& r : reports) {
    installed += r.effects.data_versions_installed;
    events += r.effects.events;
  }
  EXPECT_EQ(installed, 1);
  EXPECT_EQ(events, 1);
  EXPECT_EQ(reports.back().result, "poll");
  auto version = store_->db().Prepare("SELECT version FROM data_versions WHERE kind = 'catalog'");
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(version->Step().value());
  EXPECT_EQ(version->ColumnText(0), "2026.2");
  auto tl = desk_->Timeline(code);
  ASSERT_TRUE(tl.ok()) << tl.status().ToString();
  int assigned = 0;
  for (const TimelineEntry& e : *tl) assigned += e.type == "handler_assigned" ? 1 : 0;
  EXPECT_EQ(assigned, 1);
  ExpectConverged(intake_events + kEvents);
}

// ---- The transport ---------------------------------------------------------------

TEST_F(SyncAheadTest, HttpCentralTransportAnswersTwoRequestsFromTwoThreadsAtOnce) {
  // Each request is answered only once both are in the server: on one
  // connection the second would wait for the first, which waits for it.
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  HttpServerOptions so;
  so.threads = 2;
  auto server = HttpServer::Start(so, [&](const HttpRequest& r) {
    std::unique_lock<std::mutex> lock(mu);
    ++arrived;
    cv.notify_all();
    HttpResponse resp;
    resp.content_type = "text/plain";
    // Requests come in pairs: the first and second, the third and fourth.
    const int pair_end = (arrived + 1) / 2 * 2;
    const bool both =
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return arrived >= pair_end; });
    resp.status = both ? 200 : 503;
    resp.body = r.method + " " + r.path;
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto transport = HttpCentralTransport::Create(
      "http://127.0.0.1:" + std::to_string((*server)->port()) + "/base");
  ASSERT_TRUE(transport.ok());
  EXPECT_TRUE((*transport)->ConcurrentPosts());
  Result<HttpResponse> one = Status::Internal("not sent");
  Result<HttpResponse> two = Status::Internal("not sent");
  std::thread a([&] { one = (*transport)->Post("/one", "text/plain", "a"); });
  std::thread b([&] { two = (*transport)->Post("/two", "text/plain", "b"); });
  a.join();
  b.join();
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(one->body, "POST /base/one");
  EXPECT_EQ(two->status, 200);
  EXPECT_EQ(two->body, "POST /base/two");
  // The kept connections serve the next requests, a Post and a Send at once.
  std::thread c([&] { one = (*transport)->Post("/three", "text/plain", "c"); });
  std::thread d([&] {
    two = (*transport)->Send("PUT", "/four", "text/plain", "d", {{"X-A", "1"}});
  });
  c.join();
  d.join();
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(one->body, "POST /base/three");
  EXPECT_EQ(two->status, 200);
  EXPECT_EQ(two->body, "PUT /base/four");
  (*server)->Stop();
}

// ---- Destruction -----------------------------------------------------------------

TEST_F(SyncAheadTest, ADestroyedClientWaitsForItsAheadBatchAndANewOneResumes) {
  // Batches sent ahead are held at the central until the test lets them go.
  on_decode_ = [this](const sync::BatchHeader& h) {
    if (!h.sent_ahead) return;
    std::unique_lock<std::mutex> lock(hook_mu_);
    hook_cv_.wait_for(lock, kWait, [this] { return released_; });
  };
  EnrolNode();
  AddEvents(kEvents);
  std::thread releaser;
  {
    SyncClient client = AheadClient(http_.get());
    ASSERT_TRUE(client.RunOnce().ok());
    ASSERT_TRUE(client.RunOnce().ok());
    ASSERT_EQ(client.sent_ahead(), 1);  // 1501..3500, held at the central
    EXPECT_EQ(CentralEvents(), 3 * kInitialBatchEvents);
    releaser = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      {
        std::lock_guard<std::mutex> lock(hook_mu_);
        released_ = true;
      }
      hook_cv_.notify_all();
    });
  }
  // The client waited for the answer, which comes after the central applied it.
  EXPECT_EQ(CentralEvents(), 3500);
  releaser.join();
  EXPECT_EQ(PendingCount(), kEvents - 3 * kInitialBatchEvents);

  SyncClient again = AheadClient(http_.get());
  auto resend = again.RunOnce();
  ASSERT_TRUE(resend.ok()) << resend.status().ToString();
  EXPECT_EQ(resend->first_seq, 3 * kInitialBatchEvents + 1);
  EXPECT_EQ(resend->result, "duplicate");
  SyncAll(again);
  ExpectConverged(kEvents);
}

}  // namespace
}  // namespace hoso::node
