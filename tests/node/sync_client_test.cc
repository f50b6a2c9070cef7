// SyncClient, SyncLoop and enrolment against a real in-process central over
// HTTP on 127.0.0.1 (tests/node/sync_test_env.h).
#include "node/sync_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "node/enrolment.h"
#include "sync/batch.h"
#include "sync/keys.h"
#include "sync/signed_file.h"
#include "tests/node/sync_test_env.h"
#include "tests/testing/child_process.h"

namespace hoso::node {
namespace {

using testing::FlakyTransport;
using testing::kCentralId;
using testing::kNodeId;

class SyncClientTest : public testing::SyncEnv {};

// ---- Enrolment ---------------------------------------------------------------------

TEST_F(SyncClientTest, EnrolPinsTheCentralIdKeyAndUrl) {
  EnrolNode();
  auto pin = LoadCentralPin(store_->db());
  ASSERT_TRUE(pin.ok()) << pin.status().ToString();
  ASSERT_TRUE(pin->has_value());
  EXPECT_EQ((*pin)->central_id, kCentralId);
  EXPECT_EQ((*pin)->central_public_key, central_->key().public_key());
  EXPECT_EQ((*pin)->central_url, url_);
  EXPECT_EQ(HexEncode(central_->key().public_key()),
            GetNodeSetting(store_->db(), "central_public_key").value().value_or(""));
}

TEST_F(SyncClientTest, EnrolTwiceIsAConflict) {
  EnrolNode();
  auto again = Enrol(*store_, url_, "ANY-TOKEN", *transport_, &clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsConflict()) << again.status().ToString();
}

TEST_F(SyncClientTest, EnrolWithAnUnknownTokenIsUnauthenticatedAndPinsNothing) {
  auto pin = Enrol(*store_, url_, "NOT-A-TOKEN", *transport_, &clock_);
  ASSERT_FALSE(pin.ok());
  EXPECT_EQ(pin.status().code(), Status::Code::kUnauthenticated) << pin.status().ToString();
  EXPECT_FALSE(LoadCentralPin(store_->db()).value().has_value());
}

TEST_F(SyncClientTest, EnrolWhoseAnswerWasLostSucceedsWhenRepeated) {
  const std::string token = Token();
  transport_->lose_next_answers = 1;
  auto lost = Enrol(*store_, url_, token, *transport_, &clock_);
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.status().IsUnavailable());
  auto again = Enrol(*store_, url_, token, *transport_, &clock_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->central_id, kCentralId);
}

TEST_F(SyncClientTest, AnEnrolmentAnswerFromAnotherCentralIsRefusedOncePinned) {
  EnrolNode();
  sync::SigningKey other = sync::SigningKey::Generate();
  sync::EnrolAnswer a;
  a.central_id = "central-elsewhere";
  a.node_id = kNodeId;
  a.unit_code = testing::kUnitCode;
  a.role = "desk";
  a.enrolled_at_ms = clock_.NowMs();
  auto file = sync::EncodeEnrolAnswer(a, other);
  ASSERT_TRUE(file.ok());
  auto pin = AcceptEnrolAnswer(*store_, *file, "", &clock_);
  ASSERT_FALSE(pin.ok());
  EXPECT_TRUE(pin.status().IsConflict()) << pin.status().ToString();
  EXPECT_EQ(LoadCentralPin(store_->db()).value()->central_id, kCentralId);
}

// ---- One exchange -----------------------------------------------------------------

TEST_F(SyncClientTest, RunOnceBeforeEnrolmentSaysNodeIsNotEnrolled) {
  AddEvents(3);
  SyncClient client = Client();
  auto r = client.RunOnce();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsConflict());
  EXPECT_NE(r.status().message().find("node is not enrolled"), std::string::npos);
  EXPECT_EQ(transport_->calls, 0);
}

TEST_F(SyncClientTest, RunOnceSendsPendingEventsAndMarksThemAcked) {
  EnrolNode();
  AddEvents(20);
  SyncClient client = Client();
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->result, "applied");
  EXPECT_EQ(r->first_seq, 1);
  EXPECT_EQ(r->last_seq, 20);
  EXPECT_EQ(r->sent_events, 20);
  EXPECT_EQ(r->acked_seq, 20);
  EXPECT_FALSE(r->more);
  EXPECT_EQ(PendingCount(), 0);
  EXPECT_EQ(CentralEvents(), 20);
  // The header said how many events were unacknowledged: these 20, no more.
  EXPECT_EQ(CentralInt("SELECT unacked_events FROM nodes"), 20);
  EXPECT_EQ(CentralInt("SELECT backlog_events FROM nodes"), 0);
}

TEST_F(SyncClientTest, RunOnceWithNothingPendingPollsForTheDownSync) {
  EnrolNode();
  AddEvents(2);
  SyncClient client = Client();
  ASSERT_TRUE(client.RunOnce().ok());
  auto poll = client.RunOnce();
  ASSERT_TRUE(poll.ok()) << poll.status().ToString();
  EXPECT_EQ(poll->result, "poll");
  EXPECT_EQ(poll->sent_events, 0);
  EXPECT_EQ(poll->acked_seq, 2);
  EXPECT_EQ(CentralEvents(), 2);
  EXPECT_EQ(CentralInt("SELECT unacked_events FROM nodes"), 0);
}

TEST_F(SyncClientTest, NothingIsAckedWhenTheAnswerIsLostAndTheRetryConvergesWithoutDuplicates) {
  EnrolNode();
  AddEvents(30);
  SyncClient client = Client();
  transport_->lose_next_answers = 1;
  auto lost = client.RunOnce();
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(IsRetryable(lost.status()));
  EXPECT_EQ(CentralEvents(), 30);  // the central did apply it
  EXPECT_EQ(PendingCount(), 30);   // but the node heard nothing, so acked nothing

  auto again = client.RunOnce();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->result, "duplicate");
  EXPECT_EQ(again->acked_seq, 30);
  EXPECT_EQ(PendingCount(), 0);
  EXPECT_EQ(CentralEvents(), 30);
  EXPECT_EQ(CentralDistinctSeqs(), 30);
}

TEST_F(SyncClientTest, ALostAnswerWithNewEventsMeanwhileSendsTheOverlapOnce) {
  EnrolNode();
  AddEvents(10);
  SyncClient client = Client();
  transport_->lose_next_answers = 1;
  ASSERT_FALSE(client.RunOnce().ok());
  AddEvents(5);
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_seq, 1);
  EXPECT_EQ(r->acked_seq, 15);
  EXPECT_EQ(CentralEvents(), 15);
  EXPECT_EQ(OutboxCount(), 15);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(SyncClientTest, ALargeOutboxGoesInBatchesOfTheCurrentSize) {
  EnrolNode();
  AddEvents(1200);
  SyncClient client = Client();
  auto first = client.RunOnce();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->sent_events, kInitialBatchEvents);
  EXPECT_TRUE(first->more);
  EXPECT_EQ(client.batch_events(), 2 * kInitialBatchEvents);
  auto second = client.RunOnce();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->first_seq, kInitialBatchEvents + 1);
  EXPECT_EQ(second->sent_events, 1200 - kInitialBatchEvents);
  EXPECT_FALSE(second->more);
  EXPECT_EQ(CentralEvents(), 1200);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(SyncClientTest, TheNextBatchIsReadAheadDuringAnExchangeAndEveryEventArrivesOnce) {
  EnrolNode();
  AddEvents(3500);
  SyncClient client = Client();
  int exchanges = 0;
  for (bool more = true; more && exchanges < 10; ++exchanges) {
    auto r = client.RunOnce();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    more = r->more;
  }
  // 500, 1000, then the rest: the second and third batches were read ahead.
  EXPECT_EQ(exchanges, 3);
  EXPECT_EQ(client.prepared_used(), 2);
  EXPECT_EQ(client.prepared_discarded(), 0);
  EXPECT_EQ(CentralEvents(), 3500);
  EXPECT_EQ(CentralDistinctSeqs(), 3500);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(SyncClientTest, ABatchReadAheadIsDroppedWhenTheCentralAsksForAnEarlierSeq) {
  EnrolNode();
  AddEvents(1200);
  SyncClient client = Client();
  auto first = client.RunOnce();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(first->more);  // seq 501.. is read ahead
  // What a sequence_gap answer records: the central wants seq 1 again.
  ASSERT_TRUE(RecordRefusal(*store_, "sequence_gap", "", 1).ok());
  auto again = client.RunOnce();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->first_seq, 1);
  EXPECT_EQ(client.prepared_discarded(), 1);
  EXPECT_EQ(client.prepared_used(), 0);
  for (int i = 0; i < 5 && PendingCount() > 0; ++i) ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(CentralEvents(), 1200);
  EXPECT_EQ(CentralDistinctSeqs(), 1200);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(SyncClientTest, ABatchReadAheadIsDroppedAfterAFailedExchange) {
  EnrolNode();
  AddEvents(1200);
  SyncClient client = Client();
  transport_->lose_next_answers = 1;
  ASSERT_FALSE(client.RunOnce().ok());
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_seq, 1);
  EXPECT_EQ(client.prepared_used(), 0);
  EXPECT_EQ(client.prepared_discarded(), 0);  // nothing was kept from the failed one
  EXPECT_EQ(CentralDistinctSeqs(), CentralEvents());
}

TEST_F(SyncClientTest, BatchSizeHalvesAfterEachFailureDownToOneEvent) {
  EnrolNode();
  AddEvents(3);
  SyncClient client = Client();
  transport_->refuse_next = 20;
  std::vector<int> sizes;
  for (int i = 0; i < 12; ++i) {
    ASSERT_FALSE(client.RunOnce().ok());
    sizes.push_back(client.batch_events());
  }
  EXPECT_EQ(sizes[0], 250);
  EXPECT_EQ(sizes[1], 125);
  EXPECT_EQ(sizes[2], 62);
  EXPECT_EQ(sizes.back(), kMinBatchEvents);
  EXPECT_GE(client.batch_bytes(), kMinBatchBytes);
}

TEST_F(SyncClientTest, ASmallBatchStillCarriesOneEventAndGrowsBackAfterSuccesses) {
  EnrolNode();
  AddEvents(40);
  SyncClient client = Client();
  transport_->refuse_next = 12;
  for (int i = 0; i < 12; ++i) ASSERT_FALSE(client.RunOnce().ok());
  ASSERT_EQ(client.batch_events(), 1);
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sent_events, 1);
  EXPECT_EQ(client.batch_events(), 2);
  ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(client.batch_events(), 4);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(client.batch_events(), kMaxBatchEvents);
  EXPECT_EQ(client.batch_bytes(), kMaxBatchBytes);
  EXPECT_EQ(CentralEvents(), 40);
}

// Forwards and lets `ms` pass on the clock: a slow link.
class SlowTransport : public CentralTransport {
 public:
  SlowTransport(CentralTransport* base, FakeClock* clock, int64_t ms)
      : base_(base), clock_(clock), ms_(ms) {}
  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override {
    clock_->Advance(ms_);
    return base_->Post(path, content_type, body);
  }

 private:
  CentralTransport* base_;
  FakeClock* clock_;
  int64_t ms_;
};

TEST_F(SyncClientTest, OnASlowLinkTheNextBatchIsSizedToTakeTheTargetExchangeTime) {
  EnrolNode();
  AddEvents(1200);
  SlowTransport slow(transport_.get(), &clock_, 2 * kTargetExchangeMs);
  SyncClient client(store_.get(), &slow, {&clock_, {}});
  auto first = client.RunOnce();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->sent_events, kInitialBatchEvents);
  // Twice the target time for 500 events: 250 fit, not 1000.
  EXPECT_EQ(client.batch_events(), kInitialBatchEvents / 2);
  auto second = client.RunOnce();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->sent_events, kInitialBatchEvents / 2);
  EXPECT_EQ(CentralEvents(), kInitialBatchEvents + kInitialBatchEvents / 2);
}

TEST_F(SyncClientTest, AnExchangeWellInsideTheTargetTimeStillDoublesTheBatch) {
  EnrolNode();
  AddEvents(600);
  SlowTransport slow(transport_.get(), &clock_, kTargetExchangeMs / 2);
  SyncClient client(store_.get(), &slow, {&clock_, {}});
  ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(client.batch_events(), 2 * kInitialBatchEvents);
}

TEST_F(SyncClientTest, SequenceGapMakesTheNodeResendFromTheExpectedSeq) {
  EnrolNode();
  AddEvents(12);
  // As after the central was restored from an older backup: the node saw
  // seq 1..8 acknowledged, the central no longer has them.
  ASSERT_TRUE(MarkAcked(store_->db(), 8).ok());
  SyncClient client = Client();
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first_seq, 1);
  EXPECT_EQ(r->acked_seq, 12);
  EXPECT_EQ(CentralEvents(), 12);
  EXPECT_EQ(transport_->calls, 2 + 1);  // enrol, the refused batch, the resend
  EXPECT_FALSE(GetNodeSetting(store_->db(), kSettingResendFrom).value().has_value());
}

TEST_F(SyncClientTest, AcksBeyondTheOutboxAreCorruption) {
  EnrolNode();
  AddEvents(5);
  SyncClient client = Client();
  ASSERT_TRUE(client.RunOnce().ok());
  // A node restored from a backup older than its last sync.
  sync::DownSync ds;
  ds.central_id = kCentralId;
  ds.node_id = kNodeId;
  ds.acked_seq = 9;
  ds.result = sync::kResultDuplicate;
  auto pin = RequireCentralPin(store_->db());
  ASSERT_TRUE(pin.ok());
  auto fx = ApplyDownSync(*store_, *pin, ds, &clock_);
  ASSERT_FALSE(fx.ok());
  EXPECT_TRUE(fx.status().IsCorruption()) << fx.status().ToString();
}

// Answers every batch with a down-sync signed by a key the node never pinned.
class ForgedCentral : public CentralTransport {
 public:
  Result<HttpResponse> Post(const std::string&, const std::string&,
                            const std::string& body) override {
    auto header = sync::PeekBatchHeader(body);
    if (!header.ok()) return header.status();
    sync::DownSync ds;
    ds.central_id = kCentralId;
    ds.node_id = kNodeId;
    ds.acked_seq = header->last_seq;
    ds.in_reply_to = sync::FileHash(body);
    ds.result = sync::kResultApplied;
    auto file = sync::EncodeDownSync(ds, forger_, sync::EncodeOptions(), 0);
    if (!file.ok()) return file.status();
    HttpResponse r;
    r.content_type = kDownSyncContentType;
    r.body = *file;
    return r;
  }

 private:
  sync::SigningKey forger_ = sync::SigningKey::Generate();
};

TEST_F(SyncClientTest, ADownSyncSignedByAnotherKeyIsRefusedAndAcksNothing) {
  EnrolNode();
  AddEvents(4);
  ForgedCentral forged;
  SyncClient client(store_.get(), &forged, {&clock_, {}});
  auto r = client.RunOnce();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(sync::IsBadSignature(r.status())) << r.status().ToString();
  EXPECT_EQ(PendingCount(), 4);
}

TEST_F(SyncClientTest, ARevokedNodeStopsSyncingAndShowsTheReason) {
  EnrolNode();
  AddEvents(3);
  ASSERT_TRUE(admin_->Revoke(kNodeId, "máy bị mất cắp").ok());
  SyncClient client = Client();
  auto r = client.RunOnce();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("máy bị mất cắp"), std::string::npos);
  const int calls = transport_->calls;

  auto again = client.RunOnce();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(transport_->calls, calls);  // stopped: the central is not even asked

  auto status = SyncStatusJson(*store_);
  ASSERT_TRUE(status.ok());
  ASSERT_TRUE(status->at("revoked_reason").is_string());
  EXPECT_NE(std::string(status->at("revoked_reason").as_string()).find("máy bị mất cắp"),
            std::string::npos);
  EXPECT_EQ(PendingCount(), 3);
}

TEST_F(SyncClientTest, ANewCatalogVersionFromTheDownSyncIsInstalled) {
  EnrolNode();
  SyncClient client = Client();
  ASSERT_TRUE(client.RunOnce().ok());
  {
    auto db = central_->Db();
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE data_versions SET version = '2026.2', "
                           "body = json_set(body, '$.version', '2026.2') "
                           "WHERE kind = 'catalog'")
                    .ok());
  }
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->effects.data_versions_installed, 1);
  auto version = store_->db().Prepare("SELECT version FROM data_versions WHERE kind = 'catalog'");
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(version->Step().value());
  EXPECT_EQ(version->ColumnText(0), "2026.2");
  OpenNode();  // the file on disk is what the next start loads
  EXPECT_EQ(store_->catalog().version(), "2026.2");
}

TEST_F(SyncClientTest, AnInvalidPublishedCatalogIsRefusedAndTheOldOneStays) {
  EnrolNode();
  sync::DownSync ds;
  ds.central_id = kCentralId;
  ds.node_id = kNodeId;
  ds.result = sync::kResultPoll;
  ds.items.push_back(json::object{{"kind", "data_version"},
                                  {"data", "catalog"},
                                  {"version", "2026.9"},
                                  {"body", json::object{{"format", "hoso.catalog/1"}}}});
  auto fx = ApplyDownSync(*store_, RequireCentralPin(store_->db()).value(), ds, &clock_);
  ASSERT_FALSE(fx.ok());
  OpenNode();
  EXPECT_EQ(store_->catalog().version(), "2026.1");
}

// ---- Key rotation --------------------------------------------------------------------

TEST_F(SyncClientTest, RotateKeySwitchesToANewKeyTheCentralAccepts) {
  EnrolNode();
  const std::string old_id = LoadNodeKey(*store_).value().key_id();
  auto new_id = RotateKey(*store_, *transport_);
  ASSERT_TRUE(new_id.ok()) << new_id.status().ToString();
  EXPECT_NE(*new_id, old_id);
  EXPECT_EQ(LoadNodeKey(*store_).value().key_id(), *new_id);
  EXPECT_FALSE(KeyRotationPending(*store_));
  AddEvents(3);
  SyncClient client = Client();
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->acked_seq, 3);
}

TEST_F(SyncClientTest, ARotationWhoseAnswerWasLostIsCompletedByTheNextSync) {
  EnrolNode();
  transport_->lose_next_answers = 1;
  auto lost = RotateKey(*store_, *transport_);
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(KeyRotationPending(*store_));  // node.key.old kept
  AddEvents(2);
  SyncClient client = Client();
  auto r = client.RunOnce();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(KeyRotationPending(*store_));
  EXPECT_EQ(CentralEvents(), 2);
}

// ---- Status ------------------------------------------------------------------------------

TEST_F(SyncClientTest, StatusShowsPendingAckedLastSyncAndLastError) {
  EnrolNode();
  AddEvents(6);
  SyncClient client = Client();
  ASSERT_TRUE(client.RunOnce().ok());
  AddEvents(2);
  transport_->refuse_next = 1;
  ASSERT_FALSE(client.RunOnce().ok());
  auto s = SyncStatusJson(*store_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->at("enrolled").as_bool());
  EXPECT_EQ(s->at("central_id").as_string(), kCentralId);
  EXPECT_EQ(s->at("central_url").as_string(), url_);
  EXPECT_EQ(s->at("pending_events").as_int64(), 2);
  EXPECT_EQ(s->at("acked_seq").as_int64(), 6);
  EXPECT_EQ(s->at("last_seq").as_int64(), 8);
  EXPECT_TRUE(s->at("last_sync_at").is_string());
  ASSERT_TRUE(s->at("last_error").is_string());
  EXPECT_NE(std::string(s->at("last_error").as_string()).find("connection refused"),
            std::string::npos);
  EXPECT_TRUE(s->at("revoked_reason").is_null());
  EXPECT_EQ(s->at("batch_events").as_int64(), client.batch_events());
}

TEST_F(SyncClientTest, StatusOfANodeNeverEnrolledSaysSo) {
  auto s = SyncStatusJson(*store_);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->at("enrolled").as_bool());
  EXPECT_TRUE(s->at("central_id").is_null());
  EXPECT_TRUE(s->at("last_sync_at").is_null());
}

// ---- The loop: backoff with full jitter -----------------------------------------------

TEST_F(SyncClientTest, BackoffCeilingDoublesFromOneSecondToFiveMinutesAndResetsOnSuccess) {
  EnrolNode();
  AddEvents(1);
  SyncClient client = Client();
  SyncLoopOptions o;
  o.random = [] { return ~uint64_t{0}; };
  SyncLoop loop(&client, o);
  transport_->refuse_next = 12;
  std::vector<int64_t> ceilings;
  for (int i = 0; i < 12; ++i) {
    const int64_t delay = loop.Step();
    ceilings.push_back(loop.BackoffCeilingMs());
    EXPECT_LE(delay, loop.BackoffCeilingMs());
    EXPECT_GE(delay, 0);
  }
  EXPECT_EQ(ceilings[0], 1000);
  EXPECT_EQ(ceilings[1], 2000);
  EXPECT_EQ(ceilings[2], 4000);
  EXPECT_EQ(ceilings[8], 256000);
  EXPECT_EQ(ceilings[9], kMaxBackoffMs);
  EXPECT_EQ(ceilings[11], kMaxBackoffMs);
  EXPECT_EQ(loop.consecutive_failures(), 12);

  EXPECT_EQ(loop.Step(), kIdlePollMs);  // success, nothing more waiting
  EXPECT_EQ(loop.consecutive_failures(), 0);
  EXPECT_EQ(loop.BackoffCeilingMs(), 0);
  transport_->refuse_next = 1;
  loop.Step();
  EXPECT_EQ(loop.BackoffCeilingMs(), 1000);
}

TEST_F(SyncClientTest, JitteredDelaysSpreadOverTheWholeWindow) {
  EnrolNode();
  SyncClient client = Client();
  uint64_t next = 0;
  SyncLoopOptions o;
  o.random = [&next] { return next; };
  SyncLoop loop(&client, o);
  transport_->refuse_next = 100;
  for (int i = 0; i < 3; ++i) loop.Step();  // windows [0, 1000], [0, 2000], [0, 4000]
  next = 0;
  EXPECT_EQ(loop.Step(), 0);  // [0, 8000]: the bottom
  next = 16000;
  EXPECT_EQ(loop.Step(), 16000);  // [0, 16000]: the top
  next = 16001;
  EXPECT_EQ(loop.Step(), 16001);  // [0, 32000]
  next = 123456789;
  const int64_t d = loop.Step();  // [0, 64000]
  EXPECT_EQ(d, static_cast<int64_t>(123456789 % 64001));
  EXPECT_LE(d, 64000);
}

TEST_F(SyncClientTest, LoopGoesStraightOnWhileEventsAreWaiting) {
  EnrolNode();
  AddEvents(kInitialBatchEvents + 10);
  SyncClient client = Client();
  SyncLoop loop(&client);
  EXPECT_EQ(loop.Step(), 0);
  EXPECT_EQ(loop.Step(), kIdlePollMs);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(SyncClientTest, PermanentErrorsWaitTheLongestBackoffAndRevocationEndsRun) {
  EnrolNode();
  SyncClient client = Client();
  std::vector<int64_t> sleeps;
  SyncLoopOptions o;
  o.sleep = [&sleeps](int64_t ms) { sleeps.push_back(ms); };
  SyncLoop loop(&client, o);
  ASSERT_TRUE(admin_->Revoke(kNodeId, "thiết bị thu hồi").ok());
  loop.Run();  // returns by itself: revoked
  EXPECT_TRUE(loop.stopped_by_revocation());
  EXPECT_TRUE(sleeps.empty());
  EXPECT_EQ(loop.NextDelay(), kMaxBackoffMs);
}

TEST_F(SyncClientTest, RunStopsWhenAskedFromTheSleep) {
  EnrolNode();
  AddEvents(3);
  SyncClient client = Client();
  int steps = 0;
  SyncLoop* self = nullptr;
  SyncLoopOptions o;
  o.sleep = [&](int64_t) {
    if (++steps == 3) self->Stop();
  };
  SyncLoop loop(&client, o);
  self = &loop;
  loop.Run();
  EXPECT_EQ(steps, 3);
  EXPECT_EQ(PendingCount(), 0);
}

// ---- The hoso-node binary ----------------------------------------------------------------

TEST_F(SyncClientTest, CommandLineEnrolsSyncsOnceAndReportsStatus) {
  std::string out;
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_NODE_BIN, "enroll", "--data", NodeDir(), "--central",
                                       url_, "--token", Token()},
                                      &out),
            0)
      << out;
  EXPECT_NE(out.find(std::string("enrolled with central ") + kCentralId), std::string::npos);
  AddEvents(4);
  ASSERT_EQ(hoso::testing::RunProgram(
                {HOSO_NODE_BIN, "sync", "--data", NodeDir(), "--once", "--json"}, &out),
            0)
      << out;
  auto report = ParseJsonObject(out);
  ASSERT_TRUE(report.ok()) << out;
  EXPECT_EQ(report->at("acked_seq").as_int64(), 4);
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_NODE_BIN, "sync-status", "--data", NodeDir(), "--json"},
                                      &out),
            0)
      << out;
  auto status = ParseJsonObject(out);
  ASSERT_TRUE(status.ok()) << out;
  EXPECT_EQ(status->at("pending_events").as_int64(), 0);
  EXPECT_EQ(CentralEvents(), 4);
}

TEST_F(SyncClientTest, CommandLineSyncFailsWithTheReasonWhenNotEnrolled) {
  std::string out;
  EXPECT_EQ(hoso::testing::RunProgram({HOSO_NODE_BIN, "sync", "--data", NodeDir(), "--once"}, &out),
            1);
  EXPECT_NE(out.find("node is not enrolled"), std::string::npos) << out;
}

TEST_F(SyncClientTest, ServeSyncsInTheBackgroundAndStopsCleanlyOnSigterm) {
  EnrolNode();
  AddEvents(5);
  hoso::testing::ChildProcess node;
  ASSERT_TRUE(
      node.StartServer({HOSO_NODE_BIN, "serve", "--data", NodeDir(), "--listen", "127.0.0.1:0"}));
  for (int i = 0; i < 200 && CentralEvents() < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(CentralEvents(), 5);
  HttpClient client("127.0.0.1", node.port());
  Result<HttpResponse> r = Status::Internal("not sent");
  for (int i = 0; i < 100; ++i) {  // the ack lands just after the central applied
    r = client.Send("GET", "/api/sync/status");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (ParseJsonObject(r->body).value().at("pending_events").as_int64() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(r->status, 200);
  auto status = ParseJsonObject(r->body);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->at("pending_events").as_int64(), 0);
  EXPECT_EQ(status->at("acked_seq").as_int64(), 5);
  EXPECT_EQ(node.Stop(), 0);
}

}  // namespace
}  // namespace hoso::node
