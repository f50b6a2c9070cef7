// Queue tickets: numbering per day and counter group, and the ticket state
// machine, on a real node directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "node/desk.h"
#include "node/node_store.h"
#include "node/outbox.h"
#include "tests/node/desk_test_env.h"

namespace hoso::node {
namespace {

using testing::At;

class DeskQueueTest : public testing::DeskTestBase {
 protected:
  DeskQueueTest() : DeskTestBase("2026-03-12T07:40:00+07:00") {}
  static void SetUpTestSuite() {
    MakeTemplate({"desk-h29-01", "Bộ phận một cửa", "000.00.17.H29", "desk", "Hà Nội", 0});
  }
  static void TearDownTestSuite() { RemoveTemplate(); }

  Ticket Issue(const std::string& group) {
    auto t = desk_->IssueTicket(group);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Ticket{};
  }
};

TEST_F(DeskQueueTest, TicketsAreNumberedPerCounterGroup) {
  Ticket a1 = Issue("A");
  Ticket a2 = Issue("A");
  Ticket b1 = Issue("B");
  Ticket vip = Issue("VIP");
  EXPECT_EQ(a1.display, "A001");
  EXPECT_EQ(a2.display, "A002");
  EXPECT_EQ(b1.display, "B001");
  EXPECT_EQ(vip.display, "VIP001");
  EXPECT_EQ(a2.number, 2);
  EXPECT_EQ(a1.state, "waiting");
  EXPECT_EQ(a1.day, "2026-03-12");
  EXPECT_EQ(a1.issued_at, clock_.NowMs());
  EXPECT_NE(a1.id, a2.id);
}

TEST_F(DeskQueueTest, NumberingRestartsOnTheNextLocalDay) {
  Issue("A");
  Issue("A");
  clock_.Set(At("2026-03-12T23:59:00+07:00"));
  EXPECT_EQ(Issue("A").display, "A003");
  clock_.Set(At("2026-03-13T00:01:00+07:00"));  // still 12 March in UTC
  Ticket next = Issue("A");
  EXPECT_EQ(next.display, "A001");
  EXPECT_EQ(next.day, "2026-03-13");
}

TEST_F(DeskQueueTest, DisplayPadsToThreeDigitsAndGrowsPast999) {
  ASSERT_TRUE(
      store_->db().Exec("INSERT INTO daily_counters VALUES ('queue:A', '2026-03-12', 998)").ok());
  EXPECT_EQ(Issue("A").display, "A999");
  EXPECT_EQ(Issue("A").display, "A1000");
}

TEST_F(DeskQueueTest, CallNextTakesTheOldestWaitingTicketOfTheGroup) {
  Ticket a1 = Issue("A");
  Ticket b1 = Issue("B");
  Ticket a2 = Issue("A");
  clock_.Advance(60000);
  auto c = desk_->CallNext("A", "3");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, a1.id);
  EXPECT_EQ(c->state, "called");
  EXPECT_EQ(c->counter, "3");
  EXPECT_EQ(c->called_at, std::optional<UnixMs>(clock_.NowMs()));
  EXPECT_EQ(desk_->CallNext("A", "4")->id, a2.id);
  auto none = desk_->CallNext("A", "3");
  EXPECT_TRUE(none.status().IsNotFound());
  EXPECT_EQ(none.status().message(), "no ticket waiting in group A");
  EXPECT_EQ(desk_->CallNext("B", "1")->id, b1.id);
}

TEST_F(DeskQueueTest, YesterdaysWaitingTicketsAreNotCalled) {
  Issue("A");
  clock_.Advance(kMsPerDay);
  EXPECT_TRUE(desk_->CallNext("A", "1").status().IsNotFound());
  Ticket today = Issue("A");
  EXPECT_EQ(desk_->CallNext("A", "1")->id, today.id);
}

TEST_F(DeskQueueTest, SkipRecallAndDoneFollowTheStateMachine) {
  Ticket t = Issue("A");
  ASSERT_TRUE(desk_->CallNext("A", "3").ok());
  auto skipped = desk_->Skip(t.id);
  ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
  EXPECT_EQ(skipped->state, "skipped");
  auto recalled = desk_->Recall(t.id, "5");
  ASSERT_TRUE(recalled.ok()) << recalled.status().ToString();
  EXPECT_EQ(recalled->state, "called");
  EXPECT_EQ(recalled->counter, "5");
  auto again = desk_->Recall(t.id, "5");  // called -> called: call once more
  ASSERT_TRUE(again.ok());
  auto done = desk_->Done(t.id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, "done");
  EXPECT_EQ(done->counter, "5");
}

TEST_F(DeskQueueTest, InvalidTransitionsAreConflictsNamingFromAndTo) {
  Ticket t = Issue("A");
  auto skip = desk_->Skip(t.id);
  EXPECT_TRUE(skip.status().IsConflict());
  EXPECT_EQ(skip.status().message(),
            "ticket A001 cannot go from waiting to skipped (only from called)");
  EXPECT_TRUE(desk_->Done(t.id).status().IsConflict());
  auto recall = desk_->Recall(t.id, "1");
  EXPECT_TRUE(recall.status().IsConflict());
  EXPECT_NE(recall.status().message().find("from waiting to called"), std::string::npos);
  ASSERT_TRUE(desk_->CallNext("A", "1").ok());
  ASSERT_TRUE(desk_->Done(t.id).ok());
  EXPECT_TRUE(desk_->Done(t.id).status().IsConflict());
  EXPECT_TRUE(desk_->Skip(t.id).status().IsConflict());
  auto late = desk_->Recall(t.id, "1");
  EXPECT_NE(late.status().message().find("from done to called (only from called or skipped)"),
            std::string::npos)
      << late.status().message();
  EXPECT_TRUE(desk_->Skip(424242).status().IsNotFound());
}

TEST_F(DeskQueueTest, CounterGroupAndCounterAreValidated) {
  for (const char* bad : {"", "a", "ABCD", "A1", "Á"}) {
    auto t = desk_->IssueTicket(bad);
    EXPECT_TRUE(t.status().IsInvalidArgument()) << bad;
    EXPECT_EQ(t.status().field(), "counter_group") << bad;
  }
  Issue("A");
  EXPECT_EQ(desk_->CallNext("A", "").status().field(), "counter");
  EXPECT_EQ(desk_->CallNext("a", "1").status().field(), "counter_group");
  EXPECT_EQ(store_->db().QueryInt("SELECT COUNT(*) FROM tickets").value(), 1);
}

TEST_F(DeskQueueTest, EachQueueStepIsAnEvent) {
  Ticket t = Issue("A");
  ASSERT_TRUE(desk_->CallNext("A", "3").ok());
  ASSERT_TRUE(desk_->Skip(t.id).ok());
  ASSERT_TRUE(desk_->Recall(t.id, "3").ok());
  ASSERT_TRUE(desk_->Done(t.id).ok());
  auto events = PendingEvents(store_->db(), 0, 100).value();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].event.type, EventType::kTicketIssued);
  EXPECT_EQ(events[1].event.type, EventType::kTicketCalled);
  EXPECT_EQ(events[2].event.type, EventType::kTicketSkipped);
  EXPECT_EQ(events[3].event.type, EventType::kTicketRecalled);
  EXPECT_EQ(events[4].event.type, EventType::kTicketServed);
  EXPECT_EQ(events[4].event.payload.at("counter").as_string(), "3");
  EXPECT_EQ(events[1].event.payload.at("counter").as_string(), "3");
  EXPECT_EQ(events[0].event.payload.at("ticket_number").as_int64(), 1);
  EXPECT_EQ(events[0].event.payload.at("service_date").as_string(), "2026-03-12");
  EXPECT_TRUE(VerifyChain(store_->db()).ok());
}

TEST_F(DeskQueueTest, TicketsOfDayListsEveryGroupWithItsState) {
  Ticket a1 = Issue("A");
  Issue("B");
  Issue("A");
  ASSERT_TRUE(desk_->CallNext("A", "2").ok());
  clock_.Advance(kMsPerDay);
  Issue("A");
  auto day = desk_->TicketsOfDay(Date{2026, 3, 12});
  ASSERT_TRUE(day.ok());
  ASSERT_EQ(day->size(), 3u);
  EXPECT_EQ((*day)[0].display, "A001");
  EXPECT_EQ((*day)[0].state, "called");
  EXPECT_EQ((*day)[1].display, "A002");
  EXPECT_EQ((*day)[2].display, "B001");
  EXPECT_EQ(desk_->TicketsOfDay(Date{2026, 3, 13})->size(), 1u);
  json::object j = Desk::TicketToJson((*day)[0]);
  EXPECT_EQ(j.at("display").as_string(), "A001");
  EXPECT_EQ(j.at("id").as_int64(), a1.id);
  EXPECT_EQ(j.at("state").as_string(), "called");
  EXPECT_EQ(j.at("counter").as_string(), "2");
}

}  // namespace
}  // namespace hoso::node
