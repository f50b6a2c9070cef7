// Officers' actions flowing down to the desk that received the dossier: a
// real central (central/dossiers.h) and a real node SyncClient over HTTP on
// 127.0.0.1. The desk applies each central event once: its dossier moves
// through the state machine and the event shows on its timeline, also when
// the answer that carried it was lost and is answered again.
#include <gtest/gtest.h>

#include <string>

#include "central/audit.h"
#include "central/dossiers.h"
#include "node/central_events.h"
#include "node/sync_client.h"
#include "tests/node/sync_test_env.h"

namespace hoso::node {
namespace {

using testing::kCentralId;
using testing::kUnitCode;

class DownflowTest : public testing::SyncEnv {
 protected:
  // The desk takes a dossier in and syncs it to the central.
  std::string ReceiveAndSync() {
    IntakeDossier();
    auto q = store_->db().Prepare("SELECT code FROM dossiers");
    EXPECT_TRUE(q.ok() && *q->Step());
    const std::string code = q.ok() ? q->ColumnText(0) : "";
    auto r = Client().RunOnce();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return code;
  }
  // An officer at the central assigns the dossier.
  void Assign(const std::string& code) {
    auto db = central_->Db();
    ASSERT_TRUE(db.ok());
    auto done = central::RecordOfficerAction(
        **db, kCentralId, central::Actor::Cli(), code, EventType::kHandlerAssigned,
        json::object{
            {"unit_code", kUnitCode}, {"handler_id", "an"}, {"handler_name", "Nguyễn Văn An"}},
        clock_.NowMs());
    ASSERT_TRUE(done.ok()) << done.refusal().ToString();
  }
  int TimelineCount(const std::string& code, const std::string& type) {
    auto tl = desk_->Timeline(code);
    EXPECT_TRUE(tl.ok()) << tl.status().ToString();
    int n = 0;
    for (const TimelineEntry& e : tl.ok() ? *tl : std::vector<TimelineEntry>()) {
      if (e.type == type) {
        ++n;
        EXPECT_NE(e.summary_vi.find("Nguyễn Văn An"), std::string::npos) << e.summary_vi;
      }
    }
    return n;
  }
};

TEST_F(DownflowTest, AnOfficersAssignmentReachesTheOriginDesksTimelineOnce) {
  EnrolNode();
  const std::string code = ReceiveAndSync();
  clock_.Advance(60'000);
  Assign(code);
  SyncClient client = Client();
  auto poll = client.RunOnce();
  ASSERT_TRUE(poll.ok()) << poll.status().ToString();
  EXPECT_EQ(poll->effects.events, 1);
  EXPECT_EQ(desk_->Get(code)->status, 4);
  EXPECT_EQ(TimelineCount(code, "handler_assigned"), 1);
  // Sent again until the desk evidently holds it: applied once only.
  auto again = client.RunOnce();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->effects.events, 0);
  EXPECT_EQ(TimelineCount(code, "handler_assigned"), 1);
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM central_events WHERE applied = 1"), 1);
}

TEST_F(DownflowTest, AnAssignmentWhoseAnswerWasLostIsAppliedOnceFromTheRepeatedAnswer) {
  EnrolNode();
  const std::string code = ReceiveAndSync();
  clock_.Advance(60'000);
  Assign(code);
  AddEvents(1);
  SyncClient client = Client();
  transport_->lose_next_answers = 1;
  ASSERT_FALSE(client.RunOnce().ok());
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM central_events"), 0);
  EXPECT_EQ(desk_->Get(code)->status, 2);
  auto retry = client.RunOnce();
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->result, "duplicate");
  EXPECT_EQ(retry->effects.events, 1);
  EXPECT_EQ(desk_->Get(code)->status, 4);
  // The next request proves that answer arrived: nothing is sent again.
  AddEvents(1);
  auto next = client.RunOnce();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->effects.events, 0);
  EXPECT_EQ(TimelineCount(code, "handler_assigned"), 1);
  EXPECT_EQ(CentralInt("SELECT confirmed_seq FROM node_event_downflow"), 1);
}

TEST_F(DownflowTest, AnEventTheLocalStatusDoesNotAllowIsKeptWithTheReasonAndChangesNothing) {
  EnrolNode();
  const std::string code = ReceiveAndSync();
  // The desk's dossier moved on locally (here: forced to withdrawn).
  ASSERT_TRUE(store_->db().Exec("UPDATE dossiers SET status = 7").ok());
  clock_.Advance(60'000);
  Assign(code);
  auto poll = Client().RunOnce();
  ASSERT_TRUE(poll.ok()) << poll.status().ToString();
  EXPECT_EQ(desk_->Get(code)->status, 7);
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM central_events WHERE applied = 0 AND note LIKE "
                    "'%status 7%'"),
            1);
}

}  // namespace
}  // namespace hoso::node
