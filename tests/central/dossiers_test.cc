// The central's dossier projection (central/dossiers.h): folding node and
// officer events in any order to one state, conflicts instead of roll-backs,
// the paused clock, the Form 05 step log and the officers' actions checked
// by the state machine.
#include "central/dossiers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "central/audit.h"
#include "schema/ids.h"
#include "tests/central/central_test_util.h"
#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kCentralId;
using testing::kT0;
using testing::TestNode;
using testing::UsersFixture;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
using testing::kUnit;

std::string Code(int n) { return *FormatDossierCode(kUnit, Date{2026, 3, 12}, n); }

json::object ReceivedPayload(UnixMs appointment) {
  return json::object{
      {"procedure_id", "2.000620"},    {"applicant", json::object{{"name", "Nguyễn Văn Ánh"}}},
      {"appointment_ms", appointment}, {"lookup_secret_hash", "00ff"},
      {"catalog_version", "2026.1"},   {"calendar_version", "2026.1"},
      {"return_method", "desk"}};
}

json::object Assign(const std::string& handler, std::optional<UnixMs> deadline = std::nullopt) {
  json::object p{
      {"unit_code", kUnit}, {"handler_id", handler}, {"handler_name", "Cán bộ " + handler}};
  if (deadline) p["step_deadline_ms"] = *deadline;
  return p;
}

DossierEvent Ev(const std::string& node, int64_t seq, EventType type, UnixMs at,
                json::object payload) {
  DossierEvent e;
  e.node_id = node;
  e.seq = seq;
  e.event_id = node + "-" + std::to_string(seq);
  e.type = type;
  e.device_time_ms = at;
  e.payload = std::move(payload);
  e.actor = "someone";
  e.by_central = node == kCentralId;
  return e;
}

const std::map<std::string, std::string> kUnits = {{"desk-01", kUnit}};

// A desk receives; officers at the central assign, request a supplement,
// the desk takes it in, the officer records the result.
std::vector<DossierEvent> Story() {
  return {
      Ev("desk-01", 1, EventType::kDossierReceived, kT0, ReceivedPayload(kT0 + 10 * kDay)),
      Ev(kCentralId, 1, EventType::kHandlerAssigned, kT0 + kHour, Assign("an", kT0 + 3 * kDay)),
      Ev(kCentralId, 2, EventType::kSupplementRequested, kT0 + 2 * kHour,
         json::object{{"reason", "thiếu"}, {"items", json::array{"bản sao"}}}),
      Ev("desk-01", 2, EventType::kSupplementReceived, kT0 + 2 * kDay + 2 * kHour, json::object{}),
      Ev(kCentralId, 3, EventType::kResultRecorded, kT0 + 4 * kDay,
         json::object{{"outcome", "approved"}}),
  };
}

TEST(FoldDossierTest, AnyArrivalOrderFoldsToTheSameState) {
  const std::string expected = ToJson(FoldDossier(Code(1), Story(), kUnits).ToJson(kT0));
  std::mt19937 rng(7);
  for (int i = 0; i < 30; ++i) {
    std::vector<DossierEvent> events = Story();
    std::shuffle(events.begin(), events.end(), rng);
    EXPECT_EQ(ToJson(FoldDossier(Code(1), events, kUnits).ToJson(kT0)), expected) << i;
  }
  DossierProjection p = FoldDossier(Code(1), Story(), kUnits);
  EXPECT_EQ(p.state.status, DossierStatus::kResultReady);
  EXPECT_EQ(p.origin_node_id, "desk-01");
  EXPECT_EQ(p.unit_code, kUnit);
  EXPECT_EQ(p.handler_id, "an");
  EXPECT_TRUE(p.conflicts.empty());
}

TEST(FoldDossierTest, PausedTimeIsAddedToTheAppointmentAndTheStepDeadline) {
  DossierProjection p = FoldDossier(Code(1), Story(), kUnits);
  const int64_t paused = 2 * kDay;  // requested at +2h, received at +2d+2h
  EXPECT_EQ(p.paused_total_ms, paused);
  EXPECT_EQ(p.state.appointment_ms, kT0 + 10 * kDay + paused);
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].deadline_ms, kT0 + 3 * kDay + paused);
  // Ended at +4d, before the moved deadline (+5d) on an earlier day.
  EXPECT_EQ(p.steps[0].outcome, "early");
  // Not overdue just after the original appointment: the pause moved it.
  EXPECT_FALSE(p.state.IsOverdue(kT0 + 10 * kDay + kHour));
}

TEST(FoldDossierTest, WhileTheSupplementIsAwaitedTheDossierIsNeverOverdue) {
  std::vector<DossierEvent> events = Story();
  events.resize(3);  // still waiting for the supplement
  DossierProjection p = FoldDossier(Code(1), events, kUnits);
  EXPECT_TRUE(p.state.clock_paused());
  EXPECT_EQ(p.paused_since_ms, kT0 + 2 * kHour);
  EXPECT_FALSE(p.state.IsOverdue(kT0 + 30 * kDay));
}

TEST(FoldDossierTest, SupplementWithARecomputedAppointmentUsesIt) {
  std::vector<DossierEvent> events = Story();
  events[3].payload["new_appointment_ms"] = kT0 + 13 * kDay;
  DossierProjection p = FoldDossier(Code(1), events, kUnits);
  EXPECT_EQ(p.state.appointment_ms, kT0 + 13 * kDay);
}

TEST(FoldDossierTest, StepOutcomesAreEarlyOnTimeOrLate) {
  const UnixMs deadline = kT0 + 2 * kDay;  // a local morning
  EXPECT_STREQ(StepOutcome(deadline - kDay, deadline), "early");
  EXPECT_STREQ(StepOutcome(deadline - kHour, deadline), "on_time");
  EXPECT_STREQ(StepOutcome(deadline, deadline), "on_time");
  EXPECT_STREQ(StepOutcome(deadline + 1, deadline), "late");

  std::vector<DossierEvent> events = {
      Ev("desk-01", 1, EventType::kDossierReceived, kT0, ReceivedPayload(kT0 + 10 * kDay)),
      Ev(kCentralId, 1, EventType::kHandlerAssigned, kT0 + kHour, Assign("an", kT0 + kDay)),
      Ev(kCentralId, 2, EventType::kHandlerTransferred, kT0 + kDay + kHour,
         json::object{{"to_unit_code", kUnit},
                      {"to_handler_id", "binh"},
                      {"to_handler_name", "Cán bộ binh"},
                      {"reason", "thẩm định"},
                      {"step_deadline_ms", kT0 + 2 * kDay}}),
      Ev(kCentralId, 3, EventType::kResultRecorded, kT0 + 2 * kDay - kHour,
         json::object{{"outcome", "approved"}}),
  };
  DossierProjection p = FoldDossier(Code(1), events, kUnits);
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].handler_id, "an");
  EXPECT_EQ(p.steps[0].outcome, "late");
  EXPECT_EQ(p.steps[1].from_handler_id, "an");
  EXPECT_EQ(p.steps[1].handler_id, "binh");
  EXPECT_EQ(p.steps[1].outcome, "on_time");
  EXPECT_EQ(p.handler_id, "binh");
}

TEST(FoldDossierTest, ALateContradictingEventIsAConflictAndDoesNotRollTheStateBack) {
  std::vector<DossierEvent> events = Story();
  // The desk, offline, accepted a withdrawal after the result was recorded.
  events.push_back(Ev("desk-01", 3, EventType::kDossierWithdrawn, kT0 + 5 * kDay,
                      json::object{{"reason", "không cần nữa"}}));
  DossierProjection p = FoldDossier(Code(1), events, kUnits);
  EXPECT_EQ(p.state.status, DossierStatus::kResultReady);
  ASSERT_EQ(p.conflicts.size(), 1u);
  EXPECT_EQ(p.conflicts[0].event_id, "desk-01-3");
  EXPECT_NE(p.conflicts[0].reason.find("status 9"), std::string::npos) << p.conflicts[0].reason;
}

class DossierStoreTest : public UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    desk_ = Enrol("desk-01", kUnit, 0);
    officer_ = AddUser("an", Role::kOfficer);
  }

  // The desk receives dossier `n` and the batch is ingested.
  void Receive(int n, UnixMs appointment) {
    Event e = NewEvent(EventType::kDossierReceived, "desk-01", clock_.NowMs(),
                       ReceivedPayload(appointment));
    e.dossier_code = Code(n);
    testing::Extend(desk_.log, {e});
    const int64_t seq = static_cast<int64_t>(desk_.log.size());
    ASSERT_EQ(Apply(Batch(desk_, seq, seq)).result, "applied");
  }

  Outcome<OfficerActionResult> Act(int n, EventType type, json::object payload) {
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    return RecordOfficerAction(**db, kCentralId, officer_.AsActor("127.0.0.1"), Code(n), type,
                               std::move(payload), clock_.NowMs());
  }

  DossierProjection Load(int n) {
    auto db = store_->Db();
    auto p = LoadDossier(**db, Code(n));
    EXPECT_TRUE(p.ok() && p->has_value());
    return p.ok() && p->has_value() ? **p : DossierProjection();
  }

  int64_t Count(const std::string& sql) {
    auto db = store_->Db();
    auto v = (*db)->QueryInt(sql);
    return v.ok() && *v ? **v : -1;
  }

  // The central seqs of the officer events a down-sync carries.
  std::vector<int64_t> EventItems(const IngestReport& report) {
    std::vector<int64_t> out;
    for (const json::object& item : OpenDownSync(report.downsync, desk_).items) {
      if (item.at("kind").as_string() != "event") continue;
      const json::object& e = item.at("event").as_object();
      EXPECT_TRUE(EventFromJsonObject(e).ok()) << ToJson(e);
      EXPECT_EQ(e.at("node_id").as_string(), kCentralId);
      out.push_back(e.at("seq").as_int64());
    }
    return out;
  }
  // A poll of the desk over `channel`.
  IngestReport Poll(Channel channel = Channel::kHttp) {
    const int64_t next = static_cast<int64_t>(desk_.log.size()) + 1;
    return Apply(Batch(desk_, next, next - 1), channel);
  }
  // One more ticket event of the desk, sent.
  IngestReport SendTicket(Channel channel = Channel::kHttp) {
    testing::Extend(desk_.log, {NewEvent(EventType::kTicketIssued, "desk-01", clock_.NowMs(),
                                         testing::TicketPayload(1))});
    const int64_t seq = static_cast<int64_t>(desk_.log.size());
    return Apply(Batch(desk_, seq, seq), channel);
  }

  TestNode desk_;
  User officer_;
};

TEST_F(DossierStoreTest, IngestFoldsTheReceivedDossierInTheSameTransaction) {
  Receive(1, kT0 + 10 * kDay);
  DossierProjection p = Load(1);
  EXPECT_EQ(p.state.status, DossierStatus::kReceived);
  EXPECT_EQ(p.unit_code, kUnit);
  EXPECT_EQ(p.origin_node_id, "desk-01");
  EXPECT_EQ(p.procedure_id, "2.000620");
  EXPECT_EQ(p.state.appointment_ms, kT0 + 10 * kDay);
  EXPECT_EQ(p.event_count, 1);
}

TEST_F(DossierStoreTest, ABatchWithTheFirstAndALaterEventOfADossierFoldsBoth) {
  Event received = NewEvent(EventType::kDossierReceived, "desk-01", clock_.NowMs(),
                            ReceivedPayload(kT0 + 10 * kDay));
  received.dossier_code = Code(1);
  // No supplement was requested: the state machine refuses this one.
  Event supplement = NewEvent(EventType::kSupplementReceived, "desk-01", clock_.NowMs() + kHour,
                              json::object{});
  supplement.dossier_code = Code(1);
  testing::Extend(desk_.log, {received, supplement});
  ASSERT_EQ(Apply(Batch(desk_, 1, 2)).result, "applied");
  DossierProjection p = Load(1);
  EXPECT_EQ(p.state.status, DossierStatus::kReceived);
  EXPECT_EQ(p.event_count, 2);
  ASSERT_EQ(p.conflicts.size(), 1u);
  EXPECT_EQ(p.conflicts[0].event_id, supplement.event_id);
  EXPECT_EQ(p.last_event_id, received.event_id);
}

TEST_F(DossierStoreTest, EventsStoredWithoutAProjectionRowAreFoldedWithTheNextOne) {
  // As in a database whose events predate the projection (schema 6).
  Receive(1, kT0 + 10 * kDay);
  {
    auto db = store_->Db();
    ASSERT_TRUE((*db)->Exec("DELETE FROM dossiers").ok());
  }
  clock_.Advance(kHour);
  Event e = NewEvent(EventType::kSupplementReceived, "desk-01", clock_.NowMs(), json::object{});
  e.dossier_code = Code(1);
  testing::Extend(desk_.log, {e});
  const int64_t seq = static_cast<int64_t>(desk_.log.size());
  ASSERT_EQ(Apply(Batch(desk_, seq, seq)).result, "applied");
  DossierProjection p = Load(1);
  EXPECT_EQ(p.event_count, 2);
  EXPECT_EQ(p.state.status, DossierStatus::kReceived);
  EXPECT_EQ(p.received_at_ms, kT0);
  EXPECT_EQ(p.conflicts.size(), 1u);
}

TEST_F(DossierStoreTest, ALargeBatchFoldsAheadTheSameRowsAsARefoldFromTheTables) {
  // 300 events: past the size at which new dossiers are folded on a second
  // thread while the events are inserted (central/dossiers.h, IngestFold).
  Receive(1, kT0 + 10 * kDay);
  std::vector<Event> batch;
  for (int n = 2; n <= 299; ++n) {
    Event e = NewEvent(EventType::kDossierReceived, "desk-01", clock_.NowMs() + n,
                       ReceivedPayload(kT0 + 10 * kDay));
    e.dossier_code = Code(n);
    batch.push_back(std::move(e));
  }
  // A dossier the central already holds (refolded from the tables) and a new
  // one with a refused event (a conflict on the row folded ahead).
  for (int n : {1, 2}) {
    Event e = NewEvent(EventType::kSupplementReceived, "desk-01", clock_.NowMs() + kHour,
                       json::object{});
    e.dossier_code = Code(n);
    batch.push_back(std::move(e));
  }
  testing::Extend(desk_.log, batch);
  const int64_t last = static_cast<int64_t>(desk_.log.size());
  ASSERT_EQ(Apply(Batch(desk_, 2, last)).result, "applied");
  EXPECT_EQ(Count("SELECT count(*) FROM dossiers"), 299);
  EXPECT_EQ(Count("SELECT sum(event_count) FROM dossiers"), 301);
  EXPECT_EQ(Count("SELECT count(*) FROM dossier_conflicts"), 2);
  for (int n : {1, 2}) {
    DossierProjection p = Load(n);
    EXPECT_EQ(p.event_count, 2) << n;
    EXPECT_EQ(p.conflicts.size(), 1u) << n;
    EXPECT_EQ(p.state.status, DossierStatus::kReceived) << n;
  }
  EXPECT_EQ(Load(299).origin_node_id, "desk-01");
  std::vector<std::string> ingested;
  for (int n = 1; n <= 299; ++n) ingested.push_back(ToJson(Load(n).ToJson(kT0)));
  {
    auto db = store_->Db();
    std::set<std::string> codes;
    for (int n = 1; n <= 299; ++n) codes.insert(Code(n));
    ASSERT_TRUE(RefoldDossiers(**db, codes, clock_.NowMs()).ok());
  }
  for (int n = 1; n <= 299; ++n) {
    EXPECT_EQ(ToJson(Load(n).ToJson(kT0)), ingested[n - 1]) << n;
  }
}

TEST_F(DossierStoreTest, OfficerActionsChainAtTheCentralAndAreAudited) {
  Receive(1, kT0 + 10 * kDay);
  auto assigned = Act(1, EventType::kHandlerAssigned, Assign("an", kT0 + 2 * kDay));
  ASSERT_TRUE(assigned.ok()) << assigned.refusal().ToString();
  EXPECT_EQ(assigned->event.node_id, kCentralId);
  EXPECT_EQ(assigned->event.seq, 1);
  EXPECT_EQ(assigned->event.actor, "an");
  EXPECT_EQ(assigned->dossier.state.status, DossierStatus::kProcessing);
  auto payment = Act(1, EventType::kPaymentRequested,
                     json::object{{"amount_vnd", 500000}, {"description", "lệ phí"}});
  ASSERT_TRUE(payment.ok()) << payment.refusal().ToString();
  EXPECT_EQ(payment->event.seq, 2);
  EXPECT_EQ(Load(1).state.status, DossierStatus::kPaymentRequested);
  EXPECT_EQ(Count("SELECT count(*) FROM central_events"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action LIKE 'dossier.%' "
                  "AND target = '" +
                  Code(1) + "'"),
            2);
  // The second event chains onto the first.
  auto db = store_->Db();
  auto q = (*db)->Prepare("SELECT hash FROM central_events WHERE seq = 1");
  ASSERT_TRUE(q.ok() && *q->Step());
  EXPECT_EQ(ChainHash(q->ColumnBlob(0), CanonicalJson(payment->event)).size(), kChainHashBytes);
}

TEST_F(DossierStoreTest, ForbiddenTransitionIs409NamingFromAndToAndWritesNothing) {
  Receive(1, kT0 + 10 * kDay);
  auto r = Act(1, EventType::kResultRecorded, json::object{{"outcome", "approved"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.refusal().http_status, 409);
  EXPECT_EQ(r.refusal().code, "invalid_transition");
  EXPECT_NE(r.refusal().message.find("from status 2 (received) to status 9 (result ready)"),
            std::string::npos)
      << r.refusal().message;
  EXPECT_EQ(Count("SELECT count(*) FROM central_events"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log WHERE action LIKE 'dossier.%'"), 0);
  EXPECT_EQ(Load(1).state.status, DossierStatus::kReceived);
}

TEST_F(DossierStoreTest, EachOfficerActionIsAllowedOnlyWhereTheStateMachineSays) {
  Receive(1, kT0 + 10 * kDay);
  const json::object stop{{"reason", "hồ sơ giả mạo"}};
  // Stop is not allowed from 2, but is from 4.
  EXPECT_EQ(Act(1, EventType::kDossierStopped, stop).refusal().code, "invalid_transition");
  ASSERT_TRUE(Act(1, EventType::kHandlerAssigned, Assign("an")).ok());
  ASSERT_TRUE(Act(1, EventType::kDossierStopped, stop).ok());
  EXPECT_EQ(Load(1).state.status, DossierStatus::kStopped);
  // Nothing leaves a terminal status.
  EXPECT_EQ(Act(1, EventType::kDossierWithdrawn, json::object{}).refusal().code,
            "invalid_transition");
  // A refusal with its reason is a result; without the reason it is bad input.
  Receive(2, kT0 + 10 * kDay);
  ASSERT_TRUE(Act(2, EventType::kHandlerAssigned, Assign("an")).ok());
  auto no_reason = Act(2, EventType::kResultRecorded, json::object{{"outcome", "refused"}});
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.refusal().http_status, 400);
  auto refused = Act(2, EventType::kResultRecorded,
                     json::object{{"outcome", "refused"}, {"reason", "không đủ điều kiện"}});
  ASSERT_TRUE(refused.ok()) << refused.refusal().ToString();
  EXPECT_EQ(refused->dossier.state.status, DossierStatus::kResultReady);
  // Withdrawal is accepted while processing.
  Receive(3, kT0 + 10 * kDay);
  ASSERT_TRUE(Act(3, EventType::kDossierWithdrawn, json::object{{"reason", "rút"}}).ok());
  EXPECT_EQ(Load(3).state.status, DossierStatus::kWithdrawn);
  // Unknown dossiers and non-officer types are refused.
  EXPECT_EQ(Act(9, EventType::kHandlerAssigned, Assign("an")).refusal().code, "not_found");
  EXPECT_EQ(
      Act(1, EventType::kResultReturned, json::object{{"recipient_name", "x"}}).refusal().code,
      "unsupported_action");
}

TEST_F(DossierStoreTest, ApologyOnlyOnceAndOnlyBeforeTheAppointment) {
  Receive(1, kT0 + 2 * kDay);
  ASSERT_TRUE(Act(1, EventType::kHandlerAssigned, Assign("an")).ok());
  const json::object apology{{"new_appointment_ms", kT0 + 5 * kDay}, {"reason", "cần xác minh"}};
  auto first = Act(1, EventType::kApologyIssued, apology);
  ASSERT_TRUE(first.ok()) << first.refusal().ToString();
  EXPECT_EQ(first->dossier.state.appointment_ms, kT0 + 5 * kDay);
  EXPECT_EQ(first->dossier.state.apology_count, 1);
  json::object again = apology;
  again["new_appointment_ms"] = kT0 + 6 * kDay;
  EXPECT_EQ(Act(1, EventType::kApologyIssued, again).refusal().code, "apology_already_issued");

  Receive(2, kT0 + 2 * kDay);
  clock_.Advance(3 * kDay);  // past the appointment
  auto late = Act(2, EventType::kApologyIssued, apology);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.refusal().code, "apology_too_late");
  EXPECT_EQ(Load(2).state.apology_count, 0);
}

TEST_F(DossierStoreTest, SupplementRequestPausesTheClockUntilTheDeskTakesItIn) {
  Receive(1, kT0 + 10 * kDay);
  ASSERT_TRUE(Act(1, EventType::kHandlerAssigned, Assign("an")).ok());
  ASSERT_TRUE(Act(1, EventType::kSupplementRequested,
                  json::object{{"reason", "thiếu giấy"}, {"items", json::array{"bản sao"}}})
                  .ok());
  EXPECT_TRUE(Load(1).state.clock_paused());
  clock_.Advance(3 * kDay);
  Event e = NewEvent(EventType::kSupplementReceived, "desk-01", clock_.NowMs(), json::object{});
  e.dossier_code = Code(1);
  testing::Extend(desk_.log, {e});
  const int64_t seq = static_cast<int64_t>(desk_.log.size());
  ASSERT_EQ(Apply(Batch(desk_, seq, seq)).result, "applied");
  DossierProjection p = Load(1);
  EXPECT_EQ(p.state.status, DossierStatus::kProcessing);
  EXPECT_EQ(p.paused_total_ms, 3 * kDay);
  EXPECT_EQ(p.state.appointment_ms, kT0 + 13 * kDay);
}

TEST_F(DossierStoreTest, OfficerEventsFlowDownToTheOriginNodeUntilItEvidentlyHoldsThem) {
  Receive(1, kT0 + 10 * kDay);
  ASSERT_TRUE(Act(1, EventType::kHandlerAssigned, Assign("an")).ok());
  // A quiet desk is sent the event in every answer: a poll proves nothing
  // about the answer to the previous poll.
  EXPECT_EQ(EventItems(Poll()), std::vector<int64_t>{1});
  EXPECT_EQ(EventItems(Poll()), std::vector<int64_t>{1});
  // The answer to an applied batch carries it too; the next request that
  // starts right after that batch proves the answer arrived.
  EXPECT_EQ(EventItems(SendTicket()), std::vector<int64_t>{1});
  EXPECT_TRUE(EventItems(Poll()).empty());
  ASSERT_TRUE(Act(1, EventType::kPaymentRequested,
                  json::object{{"amount_vnd", 100000}, {"description", "lệ phí"}})
                  .ok());
  EXPECT_EQ(EventItems(Poll()), std::vector<int64_t>{2});
}

TEST_F(DossierStoreTest, ALostAnswerIsAnsweredAgainWithTheSameEvents) {
  Receive(1, kT0 + 10 * kDay);
  ASSERT_TRUE(Act(1, EventType::kHandlerAssigned, Assign("an")).ok());
  testing::Extend(desk_.log, {NewEvent(EventType::kTicketIssued, "desk-01", clock_.NowMs(),
                                       testing::TicketPayload(1))});
  const int64_t seq = static_cast<int64_t>(desk_.log.size());
  const std::string batch = Batch(desk_, seq, seq);
  EXPECT_EQ(EventItems(Apply(batch)), std::vector<int64_t>{1});  // this answer is lost
  IngestReport again = Apply(batch);
  EXPECT_EQ(again.result, "duplicate");
  EXPECT_EQ(EventItems(again), std::vector<int64_t>{1});
  EXPECT_TRUE(EventItems(Poll()).empty());
}

TEST_F(DossierStoreTest, FilesNeverConfirmAndOtherNodesAreNotSentTheEvents) {
  Receive(1, kT0 + 10 * kDay);
  TestNode other = Enrol("desk-02", testing::kOtherUnit, 0);
  ASSERT_TRUE(Act(1, EventType::kHandlerAssigned, Assign("an")).ok());
  EXPECT_EQ(EventItems(SendTicket(Channel::kFile)), std::vector<int64_t>{1});
  EXPECT_EQ(EventItems(SendTicket(Channel::kFile)), std::vector<int64_t>{1});
  IngestReport poll = Apply(Batch(other, 1, 0));
  for (const json::object& item : OpenDownSync(poll.downsync, other).items) {
    EXPECT_NE(item.at("kind").as_string(), "event");
  }
}

}  // namespace
}  // namespace hoso::central
