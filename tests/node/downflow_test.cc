// Officers' actions flowing down to the desk that received the dossier: a
// real central (central/dossiers.h) and a real node SyncClient over HTTP on
// 127.0.0.1. The desk applies each central event once: its dossier moves
// through the state machine and the event shows on its timeline, also when
// the answer that carried it was lost and is answered again. An online
// dossier collected at this desk follows the same events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "central/audit.h"
#include "central/dossiers.h"
#include "central/online.h"
#include "node/central_events.h"
#include "node/collections.h"
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

// An applicant files online at the central's real online door and chooses
// to collect the result at this desk: submission, acceptance, the officer's
// assignment and result come down and move the desk's collection; the clerk
// hands it over and the result_returned event goes up to the central.
TEST_F(DownflowTest, AnOnlineDossierCollectedHereFollowsTheCentralAndIsHandedOver) {
  EnrolNode();
  central::OnlineOptions oo;
  oo.clock = &clock_;
  auto online = central::OnlineDesk::Create(central_.get(), oo);
  ASSERT_TRUE(online.ok()) << online.status().ToString();
  auto draft = (*online)->CreateDraft("127.0.0.1");
  ASSERT_TRUE(draft.ok()) << draft.refusal().ToString();
  const std::string token(draft->at("token").as_string());
  json::object fields{
      {"procedure_id", "khuyen-mai-may-rui"},
      {"applicant", json::object{{"kind", "organisation"},
                                 {"name", "Nguyễn Văn An"},
                                 {"phone", "0903 123 456"},
                                 {"email", "an@congty.vn"},
                                 {"address", "12 Lê Lợi, Phường Bến Nghé"}}},
      {"business", json::object{{"name", "Công ty TNHH Ánh Dương"},
                                {"tax_code", "0312345678"},
                                {"address", "12 Lê Lợi, Phường Bến Nghé"}}},
      {"papers_by", "online"},
      {"return", json::object{{"method", "desk"}, {"desk_node_id", testing::kNodeId}}}};
  ASSERT_TRUE((*online)->SaveDraft(token, fields).ok());
  for (const char* doc : {"don-dang-ky", "the-le", "hinh-anh-hang-hoa"}) {
    const std::string pdf =
        "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + std::string(doc) + "\n%%EOF\n";
    auto added = (*online)->AddDraftFile(token, doc, "scan.pdf", pdf);
    ASSERT_TRUE(added.ok()) << added.refusal().ToString();
  }
  std::vector<central::FieldError> errors;
  auto submitted = (*online)->Submit(token, "127.0.0.1", &errors);
  ASSERT_TRUE(submitted.ok()) << submitted.refusal().ToString();
  const std::string code = submitted->code;

  Collections collections(store_.get(), &clock_);
  SyncClient client = Client();
  ASSERT_TRUE(client.RunOnce().ok());
  auto c = collections.Get(code);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->status, 1);
  EXPECT_EQ(c->applicant_name, "Công ty TNHH Ánh Dương");

  clock_.Advance(60'000);
  auto accepted = (*online)->Accept(central::Actor::Cli(), code, std::nullopt);
  ASSERT_TRUE(accepted.ok()) << accepted.refusal().ToString();
  ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(collections.Get(code)->status, 2);
  EXPECT_TRUE(collections.Get(code)->appointment_ms.has_value());
  EXPECT_TRUE(collections.Return(code, {"Nguyễn Văn An", "1234", false, "Lê Thu Hà"})
                  .status()
                  .IsConflict());

  clock_.Advance(60'000);
  Assign(code);
  clock_.Advance(60'000);
  auto db = central_->Db();
  ASSERT_TRUE(db.ok());
  auto result = central::RecordOfficerAction(**db, kCentralId, central::Actor::Cli(), code,
                                             EventType::kResultRecorded,
                                             json::object{{"outcome", "approved"}}, clock_.NowMs());
  ASSERT_TRUE(result.ok()) << result.refusal().ToString();
  ASSERT_TRUE(client.RunOnce().ok());
  EXPECT_EQ(collections.Get(code)->status, 9);
  EXPECT_EQ(collections.Get(code)->result_outcome, "approved");
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM collections"), 1);
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM dossiers"), 0);

  clock_.Advance(60'000);
  auto returned = collections.Return(code, {"Nguyễn Văn An", "1234", true, "Lê Thu Hà"});
  ASSERT_TRUE(returned.ok()) << returned.status().ToString();
  EXPECT_EQ(returned->status, 10);
  auto up = client.RunOnce();
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(PendingCount(), 0);
  auto projection = central::LoadDossier(**db, code);
  ASSERT_TRUE(projection.ok() && projection->has_value());
  EXPECT_EQ((*projection)->state.status, DossierStatus::kResultReturned);
  EXPECT_TRUE((*projection)->conflicts.empty());
}

}  // namespace
}  // namespace hoso::node
