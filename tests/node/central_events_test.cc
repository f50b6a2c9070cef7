// The central's events applied to the desk's own dossiers (node/
// central_events.h): once by event id, through the state machine, with the
// apology's appointment and the recorded result, shown on the timeline.
#include "node/central_events.h"

#include <gtest/gtest.h>

#include <string>

#include "node/desk.h"
#include "node/node_store.h"
#include "tests/node/desk_test_env.h"

namespace hoso::node {
namespace {

using testing::At;

class CentralEventsTest : public testing::DeskTestBase {
 protected:
  CentralEventsTest() : DeskTestBase("2026-03-12T08:00:00+07:00") {}
  static void SetUpTestSuite() {
    MakeTemplate(
        {"desk-h29-01", "Bộ phận một cửa", "000.00.17.H29", "desk", "Thành phố Hồ Chí Minh", 0});
  }
  static void TearDownTestSuite() { RemoveTemplate(); }

  std::string Take() {
    IntakeRequest r;
    r.procedure_id = "2.000620";
    r.applicant.kind = "person";
    r.applicant.full_name = "Nguyễn Văn Ánh";
    r.applicant.id_number = "079203001234";
    r.applicant.phone = "0903123456";
    r.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
    r.applicant_type = "household";
    r.documents = {{"don-de-nghi", 1},
                   {"gcn-dang-ky-kinh-doanh", 1},
                   {"dia-diem-kinh-doanh", 1},
                   {"van-ban-gioi-thieu", 1}};
    r.clerk = "Lê Thu Hà";
    auto d = desk_->Intake(r, nullptr);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? d->code : "";
  }

  // An officer's event of `code` as a down-sync item, `seq` in the central's chain.
  json::object Item(const std::string& code, EventType type, int64_t seq, json::object payload) {
    clock_.Advance(60'000);
    Event e = NewEvent(type, "central-hcm", clock_.NowMs(), std::move(payload));
    e.seq = seq;
    e.dossier_code = code;
    e.actor = "tran.thi.lan";
    return json::object{{"kind", "event"}, {"event", EventToJsonObject(e)}};
  }

  Result<bool> ApplyItem(const json::object& item) {
    return ApplyCentralEventItem(store_->db(), item, clock_.NowMs());
  }
};

TEST_F(CentralEventsTest, AnEventIsAppliedOnceAndShowsOnTheTimeline) {
  const std::string code = Take();
  const json::object assign = Item(
      code, EventType::kHandlerAssigned, 1,
      json::object{
          {"unit_code", "000.00.17.H29"}, {"handler_id", "an"}, {"handler_name", "Nguyễn Văn An"}});
  auto first = ApplyItem(assign);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  EXPECT_EQ(desk_->Get(code)->status, 4);
  auto again = ApplyItem(assign);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto tl = desk_->Timeline(code);
  ASSERT_TRUE(tl.ok());
  ASSERT_EQ(tl->size(), 2u);
  EXPECT_EQ((*tl)[0].type, "dossier_received");
  EXPECT_EQ((*tl)[1].type, "handler_assigned");
  EXPECT_EQ((*tl)[1].summary_vi, "Phân công cán bộ xử lý: Nguyễn Văn An (tran.thi.lan)");
  // The central's facts never enter this node's outbox.
  EXPECT_EQ(store_->db()
                .QueryInt("SELECT COUNT(*) FROM outbox_events WHERE type = "
                          "'handler_assigned'")
                ->value_or(-1),
            0);
}

TEST_F(CentralEventsTest, AnApologyMovesTheAppointmentAndAResultIsRecorded) {
  const std::string code = Take();
  const UnixMs later = At("2026-04-01T08:00:00+07:00");
  ASSERT_TRUE(ApplyItem(Item(code, EventType::kApologyIssued, 1,
                             json::object{{"new_appointment_ms", later}, {"reason", "xác minh"}}))
                  .ok());
  EXPECT_EQ(desk_->Get(code)->appointment, later);
  ASSERT_TRUE(ApplyItem(Item(code, EventType::kHandlerAssigned, 2,
                             json::object{{"unit_code", "000.00.17.H29"},
                                          {"handler_id", "an"},
                                          {"handler_name", "An"}}))
                  .ok());
  ASSERT_TRUE(
      ApplyItem(Item(code, EventType::kResultRecorded, 3,
                     json::object{{"outcome", "refused"}, {"reason", "không đủ điều kiện"}}))
          .ok());
  EXPECT_EQ(desk_->Get(code)->status, 9);
  EXPECT_EQ(store_->db()
                .QueryInt("SELECT COUNT(*) FROM dossiers WHERE result_outcome = "
                          "'refused' AND result_note = 'không đủ điều kiện'")
                ->value_or(-1),
            1);
}

TEST_F(CentralEventsTest, AnUnreadableItemIsInvalidAndStoresNothing) {
  const std::string code = Take();
  json::object item = Item(code, EventType::kHandlerAssigned, 1, json::object{{"unit_code", "x"}});
  auto r = ApplyItem(item);  // handler_id and handler_name are missing
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_EQ(store_->db().QueryInt("SELECT COUNT(*) FROM central_events")->value_or(-1), 0);
  EXPECT_EQ(desk_->Get(code)->status, 2);
}

}  // namespace
}  // namespace hoso::node
