// The officers' workflow routes over real HTTP on 127.0.0.1: the inbox of a
// unit, assigning by a supervisor, actions refused by role, by unit and by
// the state machine, the dossier with its timeline and Form 05 log, and the
// printable Form 02.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "central/api.h"
#include "central/officer_api.h"
#include "schema/ids.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kOtherUnit;
using testing::kT0;
using testing::kUnit;
using testing::TestNode;
using testing::UsersFixture;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kDay = 24 * 3'600'000;

std::string Code(int n) { return *FormatDossierCode(kUnit, Date{2026, 3, 12}, n); }

class OfficerWorkflowTest : public UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    AddUser("lan", Role::kSupervisor, kUnit, "Trần Thị Lan");
    AddUser("an", Role::kOfficer, kUnit, "Nguyễn Văn An");
    AddUser("binh", Role::kOfficer, kUnit, "Lê Văn Bình");
    AddUser("khac", Role::kOfficer, kOtherUnit, "Phạm Khắc");
    AddUser("dieu", Role::kDispatcher, kUnit);
    officer_ = std::make_unique<OfficerApi>(store_.get(), auth_.get(), users_.get());
    api_ =
        std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get(), officer_.get());
    Serve(api_.get());
    desk_ = Enrol("desk-01", kUnit, 0);
    for (int n = 1; n <= 2; ++n) {
      json::object p{{"procedure_id", "2.000620"},
                     {"applicant", json::object{{"name", "Nguyễn Văn <Ánh>"}}},
                     {"appointment_ms", kT0 + 10 * kDay},
                     {"lookup_secret_hash", "00ff"},
                     {"catalog_version", "2026.1"},
                     {"calendar_version", "2026.1"},
                     {"return_method", "desk"}};
      Event e = NewEvent(EventType::kDossierReceived, "desk-01", kT0 + n, p);
      e.dossier_code = Code(n);
      testing::Extend(desk_.log, {e});
    }
    ASSERT_EQ(Apply(Batch(desk_, 1, 2)).result, "applied");
  }
  void TearDown() override {
    if (server_) server_->Stop();
    client_.reset();
  }

  HttpResponse Call(const std::string& who, const std::string& method, const std::string& target,
                    const json::object& body = {}) {
    Headers h{{"Authorization", "Bearer " + LoginToken(who)}};
    auto r = client_->Send(method, target, method == "POST" ? ToJson(body) : "", h);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  HttpResponse Act(const std::string& who, int n, const std::string& action,
                   const json::object& body = {}) {
    return Call(who, "POST", "/api/officer/dossiers/" + Code(n) + "/" + action, body);
  }
  static json::object Body(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    return o.ok() ? *o : json::object();
  }
  static std::string ErrorCode(const HttpResponse& r) {
    json::object o = Body(r);
    return o.contains("error") ? std::string(o.at("error").at("code").as_string()) : "";
  }

  TestNode desk_;
  std::unique_ptr<OfficerApi> officer_;
  std::unique_ptr<CentralApi> api_;
};

TEST_F(OfficerWorkflowTest, InboxListsTheReceivedDossiersOfTheCallersUnit) {
  HttpResponse r = Call("an", "GET", "/api/officer/inbox");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = Body(r);
  const auto& list = body.at("dossiers").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("status").as_int64(), 2);
  EXPECT_EQ(list[0].at("unit").as_string(), kUnit);
  // Another unit's officer sees none of them.
  EXPECT_EQ(Body(Call("khac", "GET", "/api/officer/inbox")).at("dossiers").as_array().size(), 0u);
  // Filters by status and handler.
  ASSERT_EQ(Act("lan", 1, "assign", {{"handler", "an"}}).status, 200);
  EXPECT_EQ(Body(Call("an", "GET", "/api/officer/inbox?status=4")).at("dossiers").as_array().size(),
            1u);
  EXPECT_EQ(
      Body(Call("an", "GET", "/api/officer/inbox?handler=binh")).at("dossiers").as_array().size(),
      0u);
  EXPECT_EQ(ErrorCode(Call("an", "GET", "/api/officer/inbox?status=11")), "bad_request");
}

TEST_F(OfficerWorkflowTest, SupervisorAssignsAndTransfersAndTheDetailShowsTheForm05Log) {
  HttpResponse officer_assigns = Act("an", 1, "assign", {{"handler", "an"}});
  EXPECT_EQ(officer_assigns.status, 403);
  HttpResponse a = Act("lan", 1, "assign", {{"handler", "an"}, {"step_deadline", "2026-03-13"}});
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(Body(a).at("event").at("node_id").as_string(), testing::kCentralId);
  EXPECT_EQ(Body(a).at("event").at("actor").as_string(), "lan");
  HttpResponse t = Act("lan", 1, "transfer", {{"handler", "binh"}, {"reason", "thẩm định"}});
  ASSERT_EQ(t.status, 200) << t.body;
  HttpResponse d = Call("binh", "GET", "/api/officer/dossiers/" + Code(1));
  ASSERT_EQ(d.status, 200) << d.body;
  const json::object dossier = Body(d).at("dossier").as_object();
  EXPECT_EQ(dossier.at("handler").at("id").as_string(), "binh");
  const auto& steps = dossier.at("steps").as_array();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].at("handler_id").as_string(), "an");
  EXPECT_EQ(steps[0].at("outcome").as_string(), "early");  // handed on before the deadline's day
  EXPECT_EQ(steps[1].at("from_handler_id").as_string(), "an");
  EXPECT_EQ(steps[1].at("handed_by").as_string(), "lan");
  EXPECT_EQ(dossier.at("timeline").as_array().size(), 3u);
}

TEST_F(OfficerWorkflowTest, ActionsAreRefusedByUnitByRoleAndByTheStateMachine) {
  EXPECT_EQ(ErrorCode(Act("khac", 1, "stop", {{"reason", "x"}})), "forbidden");
  EXPECT_EQ(Act("dieu", 1, "stop", {{"reason", "x"}}).status, 403);
  HttpResponse r = Act("an", 1, "result", {{"outcome", "approved"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorCode(r), "invalid_transition");
  ASSERT_EQ(Act("lan", 1, "assign", {{"handler", "an"}}).status, 200);
  EXPECT_EQ(Act("an", 1, "payment", {{"amount_vnd", 300000}, {"description", "lệ phí"}}).status,
            200);
  EXPECT_EQ(ErrorCode(Act("an", 1, "supplement", {{"reason", "x"}, {"items", json::array{"a"}}})),
            "invalid_transition");
  EXPECT_EQ(ErrorCode(Act("an", 2, "apology", {{"reason", "chậm"}, {"new_appointment", "nope"}})),
            "invalid_argument");
  EXPECT_EQ(Act("an", 2, "apology",
                {{"reason", "chậm"}, {"new_appointment", "2026-04-01T08:00:00+07:00"}})
                .status,
            200);
  EXPECT_EQ(ErrorCode(Act("an", 2, "apology",
                          {{"reason", "chậm"}, {"new_appointment", "2026-04-02T08:00:00+07:00"}})),
            "apology_already_issued");
  HttpResponse form04 = Call("an", "GET", "/api/officer/dossiers/" + Code(2) + "/form04");
  ASSERT_EQ(form04.status, 200) << form04.body;
  EXPECT_NE(form04.body.find("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"), std::string::npos);
  EXPECT_NE(form04.body.find("2026-04-01T08:00:00+07:00"), std::string::npos) << form04.body;
  EXPECT_EQ(ErrorCode(Call("an", "GET", "/api/officer/dossiers/" + Code(1) + "/form04")),
            "not_found");
  EXPECT_EQ(Act("an", 2, "withdrawal").status, 200);
  EXPECT_EQ(ErrorCode(Call("an", "GET", "/api/officer/dossiers/" + Code(9))), "not_found");
}

TEST_F(OfficerWorkflowTest, SupplementRequestPrintsForm02WithItsItemsEscaped) {
  EXPECT_EQ(ErrorCode(Call("an", "GET", "/api/officer/dossiers/" + Code(1) + "/form02")),
            "not_found");
  ASSERT_EQ(Act("lan", 1, "assign", {{"handler", "an"}}).status, 200);
  HttpResponse s = Act("an", 1, "supplement",
                       {{"reason", "thiếu giấy tờ"},
                        {"items", json::array{"Bản sao <CCCD>", "Giấy ủy quyền"}},
                        {"deadline", "2026-03-20"}});
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_TRUE(Body(s).at("dossier").at("clock_paused").as_bool());
  HttpResponse f = Call("an", "GET", "/api/officer/dossiers/" + Code(1) + "/form02");
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_EQ(f.content_type, "text/html; charset=utf-8");
  EXPECT_NE(f.body.find("PHIẾU YÊU CẦU BỔ SUNG"), std::string::npos);
  EXPECT_NE(f.body.find("<li>Bản sao &lt;CCCD&gt;</li><li>Giấy ủy quyền</li>"), std::string::npos);
  EXPECT_NE(f.body.find("Nguyễn Văn &lt;Ánh&gt;"), std::string::npos);
  EXPECT_EQ(f.body.find("<CCCD>"), std::string::npos);
}

TEST_F(OfficerWorkflowTest, TheOfficersPageIsServedFromTheBinaryWithNoExternalAssets) {
  auto r = client_->Send("GET", "/officer", "", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  for (const char* text : {"Đăng nhập", "English", "/api/officer/inbox", "Mẫu 05", "/form02",
                           "data-action=\"assign\"", "data-action=\"apology\""}) {
    EXPECT_NE(r->body.find(text), std::string::npos) << text;
  }
  for (const char* external : {"src=\"http", "href=\"http", "@import", "//cdn"}) {
    EXPECT_EQ(r->body.find(external), std::string::npos) << external;
  }
}

}  // namespace
}  // namespace hoso::central
