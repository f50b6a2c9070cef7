// Public tracking over real HTTP on 127.0.0.1 (central/tracking.h): every
// status in plain words, the handler after an assignment, the appointment
// moved by an apology, the delivery status from shipment events, one answer
// for a wrong secret and an unknown code, the rate limit, malformed and
// oversized bodies, and no personal value of the intake anywhere in the
// answer or the page.
#include "central/tracking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
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

using testing::kT0;
using testing::kUnit;
using testing::TestNode;
using testing::UsersFixture;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kDay = 24 * 3'600'000;
constexpr char kWaybill[] = "EE123456785VN";

// Personal values of the intake: none may ever appear in a tracking answer.
const char* const kPersonal[] = {
    "Nguyễn Thị Hồng Nhung", "Hồng Nhung", "079203001234", "0903123456",
    "12 Lê Lợi, Phường Bến Nghé, Quận 1", "Lê Lợi", "Công ty TNHH Ánh Dương", "Ánh Dương",
    "Trần Văn Người Nhận", "nhung@example.vn", "Phạm Thị Người Nộp Phí",
};

std::string Code(int n) { return *FormatDossierCode(kUnit, Date{2026, 3, 12}, n); }

class TrackingTest : public UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    AddUser("lan", Role::kSupervisor, kUnit, "Trần Thị Lan");
    AddUser("an", Role::kOfficer, kUnit, "Đỗ Minh Khoa");
    AddUser("binh", Role::kOfficer, kUnit, "Lê Quang Vinh");
    desk_ = Enrol("desk-01", kUnit, 0);
    courier_ = Enrol("courier-01", testing::kOtherUnit, 0, "courier");
    TrackingOptions generous;
    generous.max_lookups_per_address = 1000;
    generous.max_failures_per_address = 1000;
    StartServer(generous);
  }
  void TearDown() override { StopServer(); }

  void StartServer(TrackingOptions options) {
    StopServer();
    options.clock = &clock_;
    tracker_ = std::make_unique<Tracker>(store_.get(), options);
    officer_ =
        std::make_unique<OfficerApi>(store_.get(), auth_.get(), users_.get(), tracker_.get());
    api_ =
        std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get(), officer_.get());
    Serve(api_.get());
  }
  void StopServer() {
    if (server_) server_->Stop();
    server_.reset();
    client_.reset();
  }

  // A dossier received at the desk with every personal field filled in;
  // returns its secret in canonical form.
  std::string Receive(int n, const std::string& return_method = "desk") {
    const std::string secret = NewLookupSecret();
    json::object p{{"procedure_id", "2.000620"},
                   {"applicant", json::object{{"name", kPersonal[0]},
                                              {"kind", "citizen"},
                                              {"phone", kPersonal[3]},
                                              {"id_number", kPersonal[2]},
                                              {"email", kPersonal[9]},
                                              {"address", kPersonal[4]}}},
                   {"business_name", kPersonal[6]},
                   {"fee_payer", kPersonal[10]},
                   {"appointment_ms", kT0 + 10 * kDay},
                   {"lookup_secret_hash", TrackingSecretVerifier(Code(n), secret)},
                   {"catalog_version", "2026.1"},
                   {"calendar_version", "2026.1"},
                   {"return_method", return_method},
                   {"fee_vnd", 50000},
                   {"documents", json::array{"Bản sao CCCD của Nguyễn Thị Hồng Nhung"}}};
    if (return_method == "post") p["delivery_address"] = kPersonal[4];
    AddDeskEvent(EventType::kDossierReceived, n, kT0 + n, std::move(p));
    return secret;
  }
  void AddDeskEvent(EventType type, int n, UnixMs at, json::object payload) {
    Event e = NewEvent(type, "desk-01", at, std::move(payload));
    e.dossier_code = Code(n);
    const int64_t first = static_cast<int64_t>(desk_.log.size()) + 1;
    testing::Extend(desk_.log, {e});
    ASSERT_EQ(Apply(Batch(desk_, first, first)).result, "applied");
  }
  void AddCourierEvent(EventType type, int n, UnixMs at, json::object payload) {
    Event e = NewEvent(type, "courier-01", at, std::move(payload));
    e.dossier_code = Code(n);
    e.waybill = kWaybill;
    const int64_t first = static_cast<int64_t>(courier_.log.size()) + 1;
    testing::Extend(courier_.log, {e});
    ASSERT_EQ(Apply(Batch(courier_, first, first)).result, "applied");
  }

  HttpResponse Post(const std::string& target, const std::string& body,
                    const Headers& headers = {}) {
    auto r = client_->Send("POST", target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  HttpResponse Track(int n, const std::string& secret) {
    return Post("/api/track", ToJson(json::object{{"code", Code(n)}, {"secret", secret}}));
  }
  json::object Tracked(int n, const std::string& secret) {
    HttpResponse r = Track(n, secret);
    EXPECT_EQ(r.status, 200) << r.body;
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o.ok()) << r.body;
    return o.ok() && o->contains("dossier") ? o->at("dossier").as_object() : json::object();
  }
  // The fake clock a second on: each step happens after the one before.
  UnixMs Next() {
    clock_.Advance(1000);
    return clock_.NowMs();
  }
  HttpResponse Act(const std::string& who, int n, const std::string& action,
                   const json::object& body = {}) {
    Next();
    Headers h{{"Authorization", "Bearer " + LoginToken(who)}};
    auto r = client_->Send("POST", "/api/officer/dossiers/" + Code(n) + "/" + action, ToJson(body),
                           h);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r.ok() ? r->status : 0, 200) << (r.ok() ? r->body : "");
    return r.ok() ? *r : HttpResponse{};
  }
  static std::string ErrorCode(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    if (!o.ok() || !o->contains("error")) return "";
    return std::string(o->at("error").at("code").as_string());
  }
  static std::string ErrorField(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    if (!o.ok() || !o->contains("error")) return "";
    auto f = o->at("error").as_object().if_contains("field");
    return f ? std::string(f->as_string()) : "";
  }
  static std::vector<std::string> Steps(const json::object& d) {
    std::vector<std::string> out;
    for (const auto& s : d.at("timeline").as_array()) out.emplace_back(s.at("step").as_string());
    return out;
  }

  TestNode desk_;
  TestNode courier_;
  std::unique_ptr<Tracker> tracker_;
  std::unique_ptr<OfficerApi> officer_;
  std::unique_ptr<CentralApi> api_;
};

// Every string (keys and values) of a JSON value, recursively.
void Strings(const json::value& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    out.emplace_back(v.as_string());
  } else if (v.is_array()) {
    for (const auto& x : v.as_array()) Strings(x, out);
  } else if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      out.emplace_back(kv.key());
      Strings(kv.value(), out);
    }
  } else if (v.is_int64()) {
    out.push_back(std::to_string(v.as_int64()));
  }
}

TEST_F(TrackingTest, TheVerifierIsTheDesksBlake2bOfCodeColonSecret) {
  // The value node/dossier.h LookupSecretHash gives (hashlib.blake2b,
  // digest_size=32).
  EXPECT_EQ(TrackingSecretVerifier("000.00.17.H29-260312-0001", "ABCDEFGH"),
            "36940fbb306f2342b91bf06ad7e6e89a662e59f6ef39ae6798026aa799fe6a67");
}

TEST_F(TrackingTest, AReceivedDossierShowsStatusUnitAppointmentAndTimeline) {
  const std::string secret = Receive(1);
  const json::object d = Tracked(1, secret);
  EXPECT_EQ(d.at("code").as_string(), Code(1));
  EXPECT_EQ(d.at("status").as_int64(), 2);
  EXPECT_EQ(d.at("status_vi").as_string(), "Đã tiếp nhận");
  EXPECT_NE(std::string(d.at("status_text_vi").as_string()).find("chờ phân công"),
            std::string::npos);
  EXPECT_EQ(d.at("unit").as_string(), kUnit);
  EXPECT_TRUE(d.at("handler").is_null());
  EXPECT_EQ(d.at("appointment").as_string(), FormatLocalIso(kT0 + 10 * kDay));
  EXPECT_TRUE(d.at("delivery").is_null());
  EXPECT_EQ(Steps(d), std::vector<std::string>{"dossier_received"});
}

TEST_F(TrackingTest, TheSecretIsAcceptedAsPeopleTypeIt) {
  const std::string secret = Receive(1);
  const std::string typed = " " + FormatLookupSecret(secret) + " ";
  std::string lower = typed;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  std::string code = Code(1);
  std::transform(code.begin(), code.end(), code.begin(), ::tolower);
  HttpResponse r =
      Post("/api/track", ToJson(json::object{{"code", " " + code}, {"secret", lower}}));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(TrackingTest, EveryStatusRendersInPlainWords) {
  std::vector<std::string> secrets;
  for (int n = 1; n <= 8; ++n) secrets.push_back(Receive(n));
  // 2 stays received; the others are moved on by officers and the desk.
  for (int n = 2; n <= 8; ++n) Act("lan", n, "assign", {{"handler", "an"}});
  Act("an", 3, "supplement", {{"reason", "thiếu"}, {"items", json::array{"Bản sao"}}});
  Act("an", 4, "payment", {{"amount_vnd", 100000}, {"description", "Lệ phí"}});
  Act("an", 5, "withdrawal", {{"reason", "người nộp rút"}});
  Act("an", 6, "stop", {{"reason", "dừng"}});
  Act("an", 7, "result", {{"outcome", "approved"}});
  Act("an", 8, "result", {{"outcome", "refused"}, {"reason", "không đủ điều kiện"}});
  AddDeskEvent(EventType::kResultReturned, 8, Next(),
               json::object{{"recipient_name", kPersonal[8]}});
  const std::vector<int> expected = {2, 4, 5, 6, 7, 8, 9, 10};
  std::set<std::string> texts;
  for (int n = 1; n <= 8; ++n) {
    SCOPED_TRACE(n);
    const json::object d = Tracked(n, secrets[n - 1]);
    ASSERT_EQ(d.at("status").as_int64(), expected[n - 1]);
    auto s = StatusFromInt(expected[n - 1]);
    EXPECT_EQ(d.at("status_vi").as_string(), DossierStatusNameVi(*s));
    EXPECT_EQ(d.at("status_en").as_string(), DossierStatusNameEn(*s));
    EXPECT_FALSE(d.at("status_text_en").as_string().empty());
    texts.insert(std::string(d.at("status_text_vi").as_string()));
  }
  EXPECT_EQ(texts.size(), 8u);  // each status has its own words
  EXPECT_TRUE(Tracked(3, secrets[2]).at("clock_paused").as_bool());
  const json::object refused = Tracked(8, secrets[7]);
  const auto& steps = refused.at("timeline").as_array();
  ASSERT_EQ(Steps(refused), (std::vector<std::string>{"dossier_received", "handler_assigned",
                                                      "result_recorded", "result_returned"}));
  EXPECT_EQ(steps[2].at("outcome").as_string(), "refused");
  EXPECT_EQ(steps[2].at("text_vi").as_string(), "Đã có kết quả: không chấp thuận");
}

TEST_F(TrackingTest, TheHandlerShowsAfterAssignmentAndFollowsATransfer) {
  const std::string secret = Receive(1);
  EXPECT_TRUE(Tracked(1, secret).at("handler").is_null());
  Act("lan", 1, "assign", {{"handler", "an"}});
  json::object d = Tracked(1, secret);
  EXPECT_EQ(d.at("status").as_int64(), 4);
  EXPECT_EQ(d.at("handler").at("name").as_string(), "Đỗ Minh Khoa");
  EXPECT_EQ(d.at("handler").as_object().size(), 1u);  // the name only, no username
  EXPECT_EQ(d.at("timeline").as_array()[1].at("handler").as_string(), "Đỗ Minh Khoa");
  Act("lan", 1, "transfer", {{"handler", "binh"}, {"reason", "thẩm định"}});
  d = Tracked(1, secret);
  EXPECT_EQ(d.at("handler").at("name").as_string(), "Lê Quang Vinh");
  EXPECT_EQ(Steps(d).back(), "handler_transferred");
}

TEST_F(TrackingTest, AnApologyMovesTheAppointmentAndShowsInTheTimeline) {
  const std::string secret = Receive(1);
  Act("lan", 1, "assign", {{"handler", "an"}});
  const UnixMs moved = kT0 + 15 * kDay;
  Act("an", 1, "apology", {{"new_appointment", FormatLocalIso(moved)}, {"reason", "chậm"}});
  const json::object d = Tracked(1, secret);
  EXPECT_EQ(d.at("appointment").as_string(), FormatLocalIso(moved));
  EXPECT_TRUE(d.at("apology_issued").as_bool());
  const auto& last = d.at("timeline").as_array().back();
  EXPECT_EQ(last.at("step").as_string(), "apology_issued");
  EXPECT_EQ(last.at("appointment").as_string(), FormatLocalIso(moved));
  EXPECT_FALSE(last.as_object().contains("reason"));
}

TEST_F(TrackingTest, TheLatestShipmentEventGivesTheDeliveryStatus) {
  const std::string secret = Receive(1, "post");
  Act("lan", 1, "assign", {{"handler", "an"}});
  Act("an", 1, "result", {{"outcome", "approved"}});
  const UnixMs t = Next();
  AddCourierEvent(EventType::kShipmentPickedUp, 1, t + 1000, {{"note", kPersonal[8]}});
  json::object d = Tracked(1, secret);
  EXPECT_NE(std::string(d.at("status_text_vi").as_string()).find("bưu điện"), std::string::npos);
  EXPECT_EQ(d.at("delivery").at("state").as_string(), "picked_up");
  EXPECT_EQ(d.at("delivery").at("waybill").as_string(), kWaybill);
  AddCourierEvent(EventType::kShipmentOutForDelivery, 1, t + 2000, {{"attempt", 1}});
  AddCourierEvent(EventType::kShipmentFailedAttempt, 1, t + 3000,
                  {{"reason", "other"}, {"note", "gặp " + std::string(kPersonal[1])}});
  d = Tracked(1, secret);
  EXPECT_EQ(d.at("delivery").at("state").as_string(), "failed_attempt");
  EXPECT_EQ(d.at("delivery").at("failed_attempts").as_int64(), 1);
  AddCourierEvent(EventType::kShipmentDelivered, 1, t + 4000,
                  {{"recipient_name", kPersonal[8]},
                   {"recipient_id_suffix", "1234"},
                   {"proof_hash", std::string(64, 'a')}});
  d = Tracked(1, secret);
  EXPECT_EQ(d.at("delivery").at("state").as_string(), "delivered");
  EXPECT_EQ(d.at("delivery").at("text_vi").as_string(), "Đã giao thành công");
  EXPECT_EQ(d.at("delivery").at("at").as_string(), FormatLocalIso(t + 4000));
  EXPECT_EQ(Steps(d).back(), "shipment_delivered");
}

TEST_F(TrackingTest, AWrongSecretAndAnUnknownCodeGetTheSameAnswerInSimilarTime) {
  const std::string secret = Receive(1);
  std::string wrong = NewLookupSecret();
  while (wrong == secret) wrong = NewLookupSecret();
  HttpResponse bad_secret = Track(1, wrong);
  HttpResponse unknown = Track(99, secret);
  EXPECT_EQ(bad_secret.status, 404);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "not_found");
  EXPECT_EQ(bad_secret.body, unknown.body);
  EXPECT_EQ(bad_secret.content_type, unknown.content_type);
  // Similar time: the medians of many tries differ by little.
  auto median_us = [&](int n, const std::string& s) {
    std::vector<int64_t> us;
    for (int i = 0; i < 41; ++i) {
      const auto start = std::chrono::steady_clock::now();
      (void)Track(n, s);
      us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count());
    }
    std::nth_element(us.begin(), us.begin() + 20, us.end());
    return us[20];
  };
  const int64_t wrong_us = median_us(1, wrong);
  const int64_t unknown_us = median_us(99, secret);
  EXPECT_LT(wrong_us, 3 * unknown_us + 2000);
  EXPECT_LT(unknown_us, 3 * wrong_us + 2000);
}

TEST_F(TrackingTest, LookupsAreRateLimitedPerAddressWithRetryAfter) {
  TrackingOptions tight;
  tight.max_lookups_per_address = 5;
  tight.lookup_window_ms = kMsPerMinute;
  tight.max_failures_per_address = 3;
  tight.failure_window_ms = 10 * kMsPerMinute;
  StartServer(tight);
  const std::string secret = Receive(1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Track(1, secret).status, 200);
  HttpResponse limited = Track(1, secret);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(ErrorCode(limited), "too_many_lookups");
  EXPECT_EQ(limited.Header("Retry-After"), "60");
  auto o = ParseJsonObject(limited.body);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->at("error").at("retry_after").as_int64(), 60);
  clock_.Advance(kMsPerMinute);
  EXPECT_EQ(Track(1, secret).status, 200);
  // Failed lookups have their own, stricter and longer, limit.
  const std::string wrong = secret == "22222222" ? "33333333" : "22222222";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Track(1, wrong).status, 404);
  HttpResponse failures = Track(1, secret);
  EXPECT_EQ(failures.status, 429);
  EXPECT_EQ(failures.Header("Retry-After"), "600");
  clock_.Advance(10 * kMsPerMinute);
  EXPECT_EQ(Track(1, secret).status, 200);
}

TEST_F(TrackingTest, MalformedAndOversizedBodiesAreRefusedPrecisely) {
  const std::string secret = Receive(1);
  struct Case {
    std::string body;
    int status;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"not json", 400, "bad_request", ""},
      {"[\"" + Code(1) + "\"]", 400, "bad_request", ""},
      {"{\"code\":\"" + Code(1) + "\"", 400, "bad_request", ""},
      {"{\"secret\":\"" + secret + "\"}", 400, "bad_request", "code"},
      {"{\"code\":\"" + Code(1) + "\"}", 400, "bad_request", "secret"},
      {"{\"code\":7,\"secret\":\"" + secret + "\"}", 400, "bad_request", "code"},
      {"{\"code\":\"H29-1\",\"secret\":\"" + secret + "\"}", 400, "bad_request", "code"},
      {"{\"code\":\"" + Code(1) + "\",\"secret\":\"0OIL1\"}", 400, "bad_request", "secret"},
      {"{\"code\":\"" + Code(1) + "\",\"secret\":\"" + secret + "\",\"pad\":\"" +
           std::string(2000, 'x') + "\"}",
       413, "body_too_large", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 80));
    HttpResponse r = Post("/api/track", c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(ErrorCode(r), c.code);
    EXPECT_EQ(ErrorField(r), c.field);
  }
}

TEST_F(TrackingTest, NoPersonalValueOfTheIntakeAppearsInAnyFieldOrInThePage) {
  const std::string secret = Receive(1, "post");
  Act("lan", 1, "assign", {{"handler", "an"}});
  Act("an", 1, "supplement",
      {{"reason", std::string("thiếu giấy của ") + kPersonal[0]},
       {"items", json::array{std::string("CCCD ") + kPersonal[2]}}});
  AddDeskEvent(EventType::kSupplementReceived, 1, Next(),
               {{"items", json::array{kPersonal[1]}}});
  Act("lan", 1, "transfer", {{"handler", "binh"}, {"reason", std::string("gọi ") + kPersonal[3]}});
  Act("binh", 1, "payment", {{"amount_vnd", 100000}, {"description", kPersonal[10]}});
  AddDeskEvent(EventType::kPaymentReceived, 1, Next(),
               {{"amount_vnd", 100000}, {"receipt_number", kPersonal[3]}});
  Act("binh", 1, "apology",
      {{"new_appointment", FormatLocalIso(kT0 + 20 * kDay)}, {"reason", kPersonal[6]}});
  Act("binh", 1, "result", {{"outcome", "approved"}, {"document_number", kPersonal[2]}});
  const UnixMs t = Next();
  AddCourierEvent(EventType::kShipmentPickedUp, 1, t, {{"note", kPersonal[4]}});
  AddCourierEvent(EventType::kShipmentHeld, 1, t + 1, {{"post_office", "Bưu cục Bến Thành"},
                                                       {"note", kPersonal[8]}});
  AddCourierEvent(EventType::kShipmentDelivered, 1, t + 2,
                  {{"recipient_name", kPersonal[8]},
                   {"recipient_id_suffix", "1234"},
                   {"proof_hash", std::string(64, 'b')}});

  HttpResponse r = Track(1, secret);
  ASSERT_EQ(r.status, 200) << r.body;
  auto answer = ParseJson(r.body);
  ASSERT_TRUE(answer.ok());
  std::vector<std::string> strings;
  Strings(*answer, strings);
  ASSERT_GT(strings.size(), 50u);  // the walk saw the whole answer
  EXPECT_EQ(Steps(answer->at("dossier").as_object()).size(), 12u);
  for (const std::string& s : strings) {
    for (const char* personal : kPersonal) {
      EXPECT_EQ(s.find(personal), std::string::npos) << "'" << personal << "' in '" << s << "'";
    }
    EXPECT_NE(s, "1234");  // the recipient's ID suffix
  }
  for (const char* personal : kPersonal) {
    EXPECT_EQ(r.body.find(personal), std::string::npos) << personal;
  }

  auto page = client_->Send("GET", "/track?code=" + Code(1), "", {});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->content_type.find("text/html"), std::string::npos);
  for (const char* id : {"track-code", "track-secret", "track-submit", "track-result",
                         "track-status", "track-unit", "track-handler", "track-appointment",
                         "track-delivery", "track-timeline", "track-error"}) {
    EXPECT_NE(page->body.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  for (const char* personal : kPersonal) {
    EXPECT_EQ(page->body.find(personal), std::string::npos) << personal;
  }
  // No external assets: nothing is fetched from another origin.
  EXPECT_EQ(page->body.find("http://"), std::string::npos);
  EXPECT_EQ(page->body.find("https://"), std::string::npos);
}

TEST(RateLimiterTest, CountsHitsInASlidingWindowAndForgetsIdleKeys) {
  RateLimiter limiter(2, 1000, /*max_keys=*/2);
  EXPECT_EQ(limiter.Take("a", 0), 0);
  EXPECT_EQ(limiter.Take("a", 400), 0);
  EXPECT_EQ(limiter.Take("a", 500), 1);  // the first hit leaves at 1000
  EXPECT_EQ(limiter.RetryAfter("a", 999), 1);
  EXPECT_EQ(limiter.Take("a", 1000), 0);
  EXPECT_EQ(limiter.Take("b", 1000), 0);
  // A third key past max_keys drops the idle ones, not the busy ones.
  EXPECT_EQ(limiter.Take("c", 5000), 0);
  EXPECT_EQ(limiter.RetryAfter("a", 5000), 0);
  RateLimiter unlimited(0, 1000);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(unlimited.Take("a", 0), 0);
}

}  // namespace
}  // namespace hoso::central
