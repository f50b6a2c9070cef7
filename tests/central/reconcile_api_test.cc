// The reconciliation, dashboard and metrics routes over real HTTP on
// 127.0.0.1 (central/officer_reconcile.cc, central/dashboard.h,
// central/metrics.h), on the data set of reconcile_test_util.h.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "central/api.h"
#include "central/dashboard.h"
#include "central/metrics.h"
#include "central/officer_api.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/reconcile_test_util.h"

namespace hoso::central {
namespace {

using testing::DossierCode;
using testing::kAsOf;
using testing::kDesk;
using testing::kUnit;
using testing::Waybill;
using Headers = std::vector<std::pair<std::string, std::string>>;

class ReconcileApiTest : public testing::ReconcileFixture {
 protected:
  void SetUp() override {
    ReconcileFixture::SetUp();
    Scenario();
    clock_.Set(kAsOf);
    AddUser("giamsat", Role::kSupervisor);
    AddUser("dieuphoi", Role::kDispatcher);
    AddUser("quantri", Role::kAdmin);
    AddUser("canbo", Role::kOfficer);
    officer_ = std::make_unique<OfficerApi>(store_.get(), auth_.get(), users_.get(), nullptr,
                                            nullptr, &metrics_);
    api_ = std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get(),
                                        officer_.get(), nullptr, nullptr, &metrics_);
    Serve(api_.get());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    client_.reset();
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& token = "", const std::string& body = "") {
    Headers h;
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    auto r = client_->Send(method, target, body, h);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  static json::object Body(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o.ok()) << r.body;
    return o.ok() ? *o : json::object();
  }

  Metrics metrics_;
  std::unique_ptr<OfficerApi> officer_;
  std::unique_ptr<CentralApi> api_;
};

TEST_F(ReconcileApiTest, TheReportIsServedAsJsonAndCsvToADispatcher) {
  const std::string token = LoginToken("dieuphoi");
  HttpResponse json_r = Send("GET", "/api/reconcile", token);
  ASSERT_EQ(json_r.status, 200) << json_r.body;
  json::object o = Body(json_r);
  EXPECT_EQ(o.at("as_of").as_string(), FormatLocalIso(kAsOf));
  EXPECT_EQ(o.at("counts").at("open").as_int64(), 11);
  EXPECT_EQ(o.at("counts").at("open_by_rule").at(kRuleOverdueNoApology).as_int64(), 2);
  const json::object& first = o.at("items").at(0).as_object();
  EXPECT_EQ(first.at("item_id").as_string(), Id(kRuleDeliveredBeforeResult, DossierCode(1)));
  EXPECT_EQ(first.at("title_vi").as_string(), "Đã giao trước khi có kết quả");
  EXPECT_EQ(first.at("facts").at(0).at("author").as_string(), "courier-01");

  HttpResponse csv = Send("GET", "/api/reconcile?format=csv&failed_attempts=4", token);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.rfind("item_id,rule,title,status,", 0), 0u);
  EXPECT_NE(csv.body.find(Id(kRuleTwoDeliveries, DossierCode(3)) + ",two_deliveries,"),
            std::string::npos);
  // The threshold from the query: waybill 7's three failures are not enough.
  EXPECT_EQ(csv.body.find(Id(kRuleFailedAttemptsNoReturn, Waybill(7))), std::string::npos);

  HttpResponse bad = Send("GET", "/api/reconcile?format=xml", token);
  EXPECT_EQ(bad.status, 400);
  HttpResponse bad_as_of = Send("GET", "/api/reconcile?as_of=tomorrow", token);
  EXPECT_EQ(bad_as_of.status, 400);
  EXPECT_EQ(Body(bad_as_of).at("error").at("field").as_string(), "as_of");
}

TEST_F(ReconcileApiTest, ASupervisorResolvesOverHttpAndADispatcherMayNot) {
  const std::string id = Id(kRulePostalFee, Waybill(9));
  const std::string path = "/api/reconcile/" + id + "/resolve";
  const std::string body =
      ToJson(json::object{{"note", "Bưu tá thu thêm 5.000đ phí giao lại, đã hoàn trả"}});
  HttpResponse denied = Send("POST", path, LoginToken("dieuphoi"), body);
  EXPECT_EQ(denied.status, 403);
  HttpResponse ok = Send("POST", path, LoginToken("giamsat"), body);
  ASSERT_EQ(ok.status, 200) << ok.body;
  json::object item = Body(ok).at("item").as_object();
  EXPECT_EQ(item.at("status").as_string(), "resolved");
  EXPECT_EQ(item.at("resolution").at("by").as_string(), "giamsat");
  EXPECT_EQ(item.at("resolution").at("at").as_string(), FormatLocalIso(kAsOf));
  HttpResponse again = Send("POST", path, LoginToken("giamsat"), body);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Body(again).at("error").at("code").as_string(), "already_resolved");
  // The item id is percent-decoded from the path.
  HttpResponse encoded =
      Send("POST", "/api/reconcile/" + std::string(kRuleNodeSilentBacklog) + "%3A" + kDesk +
                       "/resolve",
           LoginToken("quantri"), ToJson(json::object{{"note", "đã liên hệ"}}));
  EXPECT_EQ(encoded.status, 200) << encoded.body;
  HttpResponse listed = Send("GET", "/api/reconcile", LoginToken("giamsat"));
  EXPECT_EQ(Body(listed).at("counts").at("resolved").as_int64(), 2);
  EXPECT_EQ(Body(listed).at("counts").at("open").as_int64(), 9);
}

TEST_F(ReconcileApiTest, TheDashboardShowsTheKnownFigures) {
  HttpResponse r = Send("GET", "/api/dashboard", LoginToken("giamsat"));
  ASSERT_EQ(r.status, 200) << r.body;
  json::object d = Body(r);
  const json::array& nodes = d.at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[1].at("node_id").as_string(), kDesk);
  EXPECT_EQ(nodes[1].at("state").as_string(), "active");
  EXPECT_EQ(nodes[1].at("backlog_events").as_int64(), 5);
  EXPECT_EQ(nodes[1].at("lag_seconds").as_int64(),
            (kAsOf - (testing::kT0 + 2 * testing::kD + 3 * testing::kH)) / 1000);
  EXPECT_FALSE(nodes[1].at("active_key_id").is_null());
  EXPECT_EQ(nodes[0].at("backlog_events").as_int64(), 0);

  const json::object& by_status = d.at("dossiers").at("by_status").as_object();
  EXPECT_EQ(by_status.at("2").as_int64(), 2);   // 11, 12
  EXPECT_EQ(by_status.at("4").as_int64(), 1);   // 13
  EXPECT_EQ(by_status.at("9").as_int64(), 6);   // 1, 4, 6, 7, 8, 10
  EXPECT_EQ(by_status.at("10").as_int64(), 3);  // 2, 3, 9
  const json::array& by_unit = d.at("dossiers").at("by_unit").as_array();
  ASSERT_EQ(by_unit.size(), 4u);
  EXPECT_EQ(by_unit[0].at("unit").as_string(), kUnit);

  const json::array& on_time = d.at("on_time").as_array();
  ASSERT_EQ(on_time.size(), 1u);
  EXPECT_EQ(on_time[0].at("procedure_id").as_string(), testing::kProcedure);
  EXPECT_EQ(on_time[0].at("early").as_int64(), 7);
  EXPECT_EQ(on_time[0].at("on_time").as_int64(), 1);  // 4
  EXPECT_EQ(on_time[0].at("late").as_int64(), 1);     // 10
  EXPECT_EQ(on_time[0].at("on_time_per_mille").as_int64(), 888);

  const json::object& ships = d.at("shipments").at("by_state").as_object();
  EXPECT_EQ(d.at("shipments").at("total").as_int64(), 8);
  EXPECT_EQ(ships.at("requested").as_int64(), 1);           // 4
  EXPECT_EQ(ships.at("picked_up").as_int64(), 1);           // 6
  EXPECT_EQ(ships.at("delivered").as_int64(), 4);           // 1, 2, 3, 9
  EXPECT_EQ(ships.at("failed_attempt").as_int64(), 1);      // 7
  EXPECT_EQ(ships.at("returned_to_agency").as_int64(), 1);  // 8
  EXPECT_EQ(ships.at("out_for_delivery").as_int64(), 0);

  EXPECT_EQ(d.at("reconcile").at("counts").at("open").as_int64(), 11);
  EXPECT_EQ(Send("GET", "/api/dashboard", LoginToken("canbo")).status, 403);
}

TEST_F(ReconcileApiTest, TheDashboardPageIsServedInVietnameseWithNoExternalAssets) {
  HttpResponse r = Send("GET", "/dashboard");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("<html lang=\"vi\">"), std::string::npos);
  EXPECT_NE(r.body.find("Bảng điều hành"), std::string::npos);
  EXPECT_NE(r.body.find("/api/auth/login"), std::string::npos);
  EXPECT_EQ(r.body.find("http://"), std::string::npos);
  EXPECT_EQ(r.body.find("https://"), std::string::npos);
  EXPECT_EQ(r.body.find("src="), std::string::npos);
}

// Every line of the exposition text: a HELP or TYPE line, or a sample whose
// value is a number; every sample belongs to the family last declared.
void ExpectValidExposition(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-z_]+) .+)");
  static const std::regex kType(R"(# TYPE ([a-z_]+) (counter|gauge))");
  static const std::regex kSample(
      R"(([a-z_]+)(\{[a-z_]+="(?:[^"\\]|\\.)*"(?:,[a-z_]+="(?:[^"\\]|\\.)*")*\})? (-?[0-9]+(?:\.[0-9]+)?))");
  std::istringstream in(text);
  std::string line, family;
  int samples = 0;
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      family = m[1];
    } else if (std::regex_match(line, m, kType)) {
      EXPECT_EQ(m[1], family) << line;
    } else {
      ASSERT_TRUE(std::regex_match(line, m, kSample)) << "not HELP, TYPE or a sample: " << line;
      EXPECT_EQ(m[1], family) << line;
      const std::string value = m[3].str();
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      EXPECT_EQ(*end, '\0') << line;
      ++samples;
    }
  }
  EXPECT_GT(samples, 10);
}

TEST_F(ReconcileApiTest, MetricsParseAndCountRequestsBatchesAndItems) {
  Send("GET", "/api/reconcile", LoginToken("giamsat"));
  Send("GET", "/api/officer/dossiers/" + DossierCode(1), "nobody");
  HttpResponse r = Send("GET", "/metrics");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  ExpectValidExposition(r.body);
  const std::string& t = r.body;
  EXPECT_NE(t.find("hoso_http_requests_total{method=\"GET\",route=\"/api/reconcile\","
                   "status=\"200\"} 1\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("route=\"/api/officer/dossiers/{code}\",status=\"401\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("hoso_dossiers{status=\"9\"} 6\n"), std::string::npos);
  EXPECT_NE(t.find("hoso_nodes{state=\"active\"} 2\n"), std::string::npos);
  EXPECT_NE(t.find("hoso_nodes{state=\"revoked\"} 0\n"), std::string::npos);
  EXPECT_NE(t.find("hoso_node_backlog_events{node=\"desk-01\"} 5\n"), std::string::npos);
  EXPECT_NE(t.find("hoso_reconcile_items{rule=\"overdue_without_apology\"} 2\n"),
            std::string::npos);
  EXPECT_NE(t.find("hoso_reconcile_items{rule=\"two_deliveries\"} 1\n"), std::string::npos);
}

TEST_F(ReconcileApiTest, MetricsReuseTheReconciliationCountForFiveMinutes) {
  const std::string counted_at =
      "hoso_reconcile_counted_at_seconds " + std::to_string(kAsOf / 1000) + "\n";
  const std::string two_overdue = "hoso_reconcile_items{rule=\"overdue_without_apology\"} 2\n";
  const std::string one_overdue = "hoso_reconcile_items{rule=\"overdue_without_apology\"} 1\n";
  std::string t = Send("GET", "/metrics").body;
  EXPECT_NE(t.find(two_overdue), std::string::npos) << t;
  EXPECT_NE(t.find(counted_at), std::string::npos) << t;

  // Dossier 11 gets its result two minutes later: the count stands until
  // five minutes after it was made.
  Decide(11, kAsOf + 2 * 60'000);
  t = Send("GET", "/metrics").body;
  EXPECT_NE(t.find(two_overdue), std::string::npos) << t;
  EXPECT_NE(t.find(counted_at), std::string::npos) << t;

  clock_.Set(kAsOf + Metrics::kReconcileMaxAgeMs + 1000);
  t = Send("GET", "/metrics").body;
  EXPECT_NE(t.find(one_overdue), std::string::npos) << t;
  EXPECT_NE(t.find("hoso_reconcile_counted_at_seconds " +
                   std::to_string((kAsOf + Metrics::kReconcileMaxAgeMs + 1000) / 1000) + "\n"),
            std::string::npos)
      << t;
  // The report itself is always current.
  EXPECT_EQ(Send("GET", "/api/reconcile", LoginToken("giamsat")).status, 200);
}

TEST_F(ReconcileApiTest, MetricsCountBatchesOverHttpByResultAndRefusalCode) {
  const std::string poll = Batch(courier_, static_cast<int64_t>(courier_.log.size()) + 1,
                                 static_cast<int64_t>(courier_.log.size()));
  Headers h = {{"Content-Type", kBatchContentType}};
  ASSERT_EQ(client_->Send("POST", "/api/sync/batches", poll, h)->status, 200);
  ASSERT_EQ(client_->Send("POST", "/api/sync/batches", "not a batch", h)->status, 400);
  const std::string t = Send("GET", "/metrics").body;
  ExpectValidExposition(t);
  EXPECT_NE(t.find("hoso_sync_batches_total{result=\"poll\"} 1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("hoso_sync_batches_total{result=\"refused\"} 1\n"), std::string::npos);
  EXPECT_NE(t.find("hoso_sync_batches_refused_total{code=\"bad_request\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("hoso_events_ingested_total 0\n"), std::string::npos);
  // Neither was sent ahead.
  EXPECT_NE(t.find("hoso_sync_batches_ahead_total{result=\"poll\"} 0\n"), std::string::npos);
  EXPECT_NE(t.find("hoso_sync_batches_ahead_total{result=\"applied\"} 0\n"), std::string::npos);
}

TEST_F(ReconcileApiTest, MetricsFromAnotherAddressNeedAnAdministrator) {
  HttpRequest req;
  req.method = "GET";
  req.target = req.path = "/metrics";
  req.remote_address = "10.0.0.9";
  EXPECT_EQ(api_->Handle(req).status, 401);
  req.headers = {{"Authorization", "Bearer " + LoginToken("giamsat")}};
  EXPECT_EQ(api_->Handle(req).status, 403);
  req.headers = {{"Authorization", "Bearer " + LoginToken("quantri")}};
  HttpResponse ok = api_->Handle(req);
  EXPECT_EQ(ok.status, 200);
  ExpectValidExposition(ok.body);
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_FALSE(IsLoopback("10.0.0.9"));
}

}  // namespace
}  // namespace hoso::central
