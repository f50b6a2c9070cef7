// The online door over real HTTP on 127.0.0.1: the applicants' routes
// (OnlineApi) and the officers' reception (OfficerApi rows), on a real
// central with the catalog, calendar and tariff of schema/data.
#include "central/online.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "central/api.h"
#include "central/dossiers.h"
#include "central/officer_api.h"
#include "central/online_api.h"
#include "schema/calendar.h"
#include "schema/holidays.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kPassword;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kOnlineUnit[] = "000.00.17.H29.TT";
constexpr char kPromotion[] = "khuyen-mai-may-rui";  // 5 working days, postal return

std::string Pdf(const std::string& text = "hello") {
  return "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text + "\n%%EOF\n";
}
std::string Png() { return std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + "pixels"; }

class OnlineTest : public testing::UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    AddUser("reception", Role::kOfficer, kOnlineUnit, "Lê Văn Nhận");
    AddUser("desk.officer", Role::kOfficer, testing::kUnit);
    options_.unit_code = kOnlineUnit;
    options_.clock = &clock_;
    options_.max_file_bytes = 64 * 1024;
    Start();
  }
  void TearDown() override { Stop(); }

  void Start() {
    auto desk = OnlineDesk::Create(store_.get(), options_);
    ASSERT_TRUE(desk.ok()) << desk.status().ToString();
    online_ = std::move(desk).value();
    officer_ = std::make_unique<OfficerApi>(store_.get(), auth_.get(), users_.get(), nullptr,
                                            online_.get());
    online_api_ = std::make_unique<OnlineApi>(online_.get());
    api_ = std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get(), officer_.get(),
                                        nullptr, online_api_.get());
    Serve(api_.get());
    token_ = LoginToken("reception");
  }
  void Stop() {
    if (server_) server_->Stop();
    server_.reset();
    client_.reset();
  }
  // After changing options_.
  void Restart() {
    Stop();
    Start();
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "", const Headers& headers = {}) {
    auto r = client_->Send(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  HttpResponse Officer(const std::string& method, const std::string& target,
                       const json::object& body = {}, const std::string& token = "") {
    return Send(method, target, method == "GET" ? "" : ToJson(json::value(body)),
                {{"Authorization", "Bearer " + (token.empty() ? token_ : token)}});
  }
  static json::object Body(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o.ok()) << r.body;
    return o.ok() ? *o : json::object();
  }
  static std::string Code(const HttpResponse& r) {
    json::object o = Body(r);
    if (!o.contains("error")) return "";
    return std::string(o.at("error").at("code").as_string());
  }

  std::string NewDraft() {
    HttpResponse r = Send("POST", "/api/online/drafts");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(Body(r).at("token").as_string());
  }
  HttpResponse Save(const std::string& draft, const json::object& fields) {
    return Send("PUT", "/api/online/drafts/" + draft,
                ToJson(json::value(json::object{{"fields", fields}})));
  }
  HttpResponse Attach(const std::string& draft, const std::string& doc, const std::string& bytes,
                      const std::string& name = "scan.pdf") {
    return Send("POST",
                "/api/online/drafts/" + draft + "/files?document_id=" + doc + "&name=" + name,
                bytes, {{"Content-Type", "application/octet-stream"}});
  }
  static json::object Fields(const std::string& procedure = kPromotion) {
    return json::object{{"procedure_id", procedure},
                        {"applicant", json::object{{"kind", "organisation"},
                                                   {"name", "Nguyễn Văn An"},
                                                   {"phone", "0903 123 456"},
                                                   {"email", "an@congty.vn"},
                                                   {"address", "12 Lê Lợi, Phường Bến Nghé"}}},
                        {"business", json::object{{"name", "Công ty TNHH Ánh Dương"},
                                                  {"tax_code", "0312345678"},
                                                  {"address", "12 Lê Lợi, Phường Bến Nghé"}}},
                        {"papers_by", "online"},
                        {"return", json::object{{"method", "desk"}}}};
  }
  // A complete draft of the promotion registration, submitted: {code, secret}.
  std::pair<std::string, std::string> SubmitPromotion(json::object fields = Fields()) {
    const std::string draft = NewDraft();
    EXPECT_EQ(Save(draft, fields).status, 200);
    for (const char* doc : {"don-dang-ky", "the-le", "hinh-anh-hang-hoa"}) {
      EXPECT_EQ(Attach(draft, doc, Pdf(doc)).status, 200);
    }
    HttpResponse r = Send("POST", "/api/online/drafts/" + draft + "/submit");
    EXPECT_EQ(r.status, 200) << r.body;
    json::object o = Body(r);
    if (!o.contains("code")) return {};
    return {std::string(o.at("code").as_string()), std::string(o.at("secret").as_string())};
  }
  HttpResponse Lookup(const std::string& code, const std::string& secret) {
    return Send("POST", "/api/online/lookup",
                ToJson(json::value(json::object{{"code", code}, {"secret", secret}})));
  }
  std::optional<DossierProjection> Projection(const std::string& code) {
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    auto p = LoadDossier(**db, code);
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : std::nullopt;
  }
  static std::vector<std::string> ErrorFields(const HttpResponse& r) {
    std::vector<std::string> out;
    json::object o = Body(r);
    if (!o.contains("errors")) return out;
    for (const auto& e : o.at("errors").as_array()) out.emplace_back(e.at("field").as_string());
    return out;
  }
  static std::string MessageOf(const HttpResponse& r, const std::string& field) {
    const json::object o = Body(r);
    if (!o.contains("errors")) return "";
    for (const auto& e : o.at("errors").as_array()) {
      if (e.at("field").as_string() == field) return std::string(e.at("message").as_string());
    }
    return "";
  }

  OnlineOptions options_;
  std::unique_ptr<OnlineDesk> online_;
  std::unique_ptr<OfficerApi> officer_;
  std::unique_ptr<OnlineApi> online_api_;
  std::unique_ptr<CentralApi> api_;
  std::string token_;
};

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST_F(OnlineTest, TheSubmissionPageIsServedWithNoExternalAssets) {
  HttpResponse r = Send("GET", "/submit");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.Header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(r.body.find("src=\"http"), std::string::npos);
  EXPECT_EQ(r.body.find("href=\"http"), std::string::npos);
  EXPECT_NE(r.body.find("lang=\"vi\""), std::string::npos);
}

TEST_F(OnlineTest, ProceduresAreThoseOfferedOnlineWithFilingsMarked) {
  json::object o = Body(Send("GET", "/api/online/procedures"));
  bool promotion = false, notification = false;
  for (const auto& p : o.at("procedures").as_array()) {
    EXPECT_TRUE(p.at("online").as_bool());
    if (p.at("id").as_string() == kPromotion) {
      promotion = true;
      EXPECT_FALSE(p.at("filing").as_bool());
      EXPECT_EQ(p.at("processing_days").as_int64(), 5);
    }
    if (p.at("id").as_string() == "khuyen-mai-thong-bao") {
      notification = true;
      EXPECT_TRUE(p.at("filing").as_bool());
    }
  }
  EXPECT_TRUE(promotion);
  EXPECT_TRUE(notification);
}

TEST_F(OnlineTest, ADraftIsSavedAndResumedByItsToken) {
  const std::string draft = NewDraft();
  EXPECT_EQ(draft.size(), kSessionTokenChars);
  ASSERT_EQ(Save(draft, Fields()).status, 200);
  ASSERT_EQ(Attach(draft, "the-le", Pdf()).status, 200);
  HttpResponse r = Send("GET", "/api/online/drafts/" + draft);
  ASSERT_EQ(r.status, 200);
  json::object o = Body(r);
  EXPECT_EQ(o.at("fields").at("business").at("tax_code").as_string(), "0312345678");
  EXPECT_EQ(o.at("files").as_array().size(), 1u);
  // What is still missing is listed with the draft.
  EXPECT_TRUE(Has(ErrorFields(r), "documents.don-dang-ky"));
  EXPECT_FALSE(Has(ErrorFields(r), "documents.the-le"));
  EXPECT_EQ(Code(Send("GET", "/api/online/drafts/" + std::string(43, 'A'))), "no_draft");
}

TEST_F(OnlineTest, SubmissionNamesEveryInvalidFieldWithAPreciseMessage) {
  const std::string draft = NewDraft();
  HttpResponse empty = Send("POST", "/api/online/drafts/" + draft + "/submit");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(Code(empty), "validation_failed");
  for (const char* f : {"procedure_id", "applicant.kind", "applicant.name", "applicant.phone",
                        "applicant.address", "papers_by"}) {
    EXPECT_TRUE(Has(ErrorFields(empty), f)) << f;
  }
  json::object bad = Fields();
  bad["applicant"].as_object()["phone"] = "12345";
  bad["applicant"].as_object()["email"] = "an at congty";
  bad["business"].as_object()["tax_code"] = "03123";
  bad["return"] = json::object{{"method", "post"}};
  ASSERT_EQ(Save(draft, bad).status, 200);
  HttpResponse r = Send("POST", "/api/online/drafts/" + draft + "/submit");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(MessageOf(r, "applicant.phone"), "the phone number must be 10 digits starting with 0");
  EXPECT_EQ(MessageOf(r, "applicant.email"), "the e-mail address is not valid (name@domain.vn)");
  EXPECT_EQ(MessageOf(r, "business.tax_code"),
            "the tax code must be 10 digits, or 10 digits, '-' and 3 digits");
  EXPECT_EQ(MessageOf(r, "return.address"), "the delivery address is required");
  EXPECT_EQ(
      MessageOf(r, "documents.don-dang-ky"),
      "attach a file of: Application to register the promotion (form of Decree 81/2018/ND-CP)");
  // Each message has its Vietnamese text for the page.
  const json::object body = Body(r);
  for (const auto& e : body.at("errors").as_array()) {
    EXPECT_FALSE(e.at("message_vi").as_string().empty());
  }
  json::object offline = Fields("ruou-ban-le-khong-co");
  ASSERT_EQ(Save(draft, offline).status, 200);
  EXPECT_EQ(MessageOf(Send("POST", "/api/online/drafts/" + draft + "/submit"), "procedure_id"),
            "procedure 'ruou-ban-le-khong-co' is not in the catalog in force");
  // Nothing was numbered.
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT COUNT(*) FROM central_events");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->ColumnInt(0), 0);
}

TEST_F(OnlineTest, ASubmittedDossierHasItsCodeSecretAndStatusOneAtOnce) {
  auto [code, secret] = SubmitPromotion();
  ASSERT_FALSE(code.empty());
  EXPECT_EQ(code.rfind(std::string(kOnlineUnit) + "-260312-0001", 0), 0u) << code;
  EXPECT_EQ(secret.size(), 9u);  // ABCD-EFGH
  auto p = Projection(code);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state.status, DossierStatus::kNewOnline);
  EXPECT_EQ(p->unit_code, kOnlineUnit);
  EXPECT_FALSE(p->origin_node_id);
  EXPECT_EQ(p->last_event_type, "dossier_submitted_online");
  json::object o = Body(Lookup(code, secret));
  EXPECT_EQ(o.at("status").as_int64(), 1);
  EXPECT_EQ(o.at("files").as_array().size(), 3u);
  // The receipt, as a download.
  HttpResponse receipt =
      Send("POST", "/api/online/receipt",
           ToJson(json::value(json::object{{"code", code}, {"secret", secret}})));
  EXPECT_EQ(receipt.status, 200);
  EXPECT_NE(receipt.body.find(code), std::string::npos);
  EXPECT_NE(receipt.Header("Content-Disposition").find("attachment"), std::string::npos);
}

TEST_F(OnlineTest, TheTrackingPageFindsAnOnlineDossierByItsCodeAndSecret) {
  auto [code, secret] = SubmitPromotion();
  auto track = [&](const std::string& s) {
    return Send("POST", "/api/track",
                ToJson(json::value(json::object{{"code", code}, {"secret", s}})));
  };
  HttpResponse found = track(secret);
  ASSERT_EQ(found.status, 200) << found.body;
  json::object d = Body(found).at("dossier").as_object();
  EXPECT_EQ(d.at("code").as_string(), code);
  EXPECT_EQ(d.at("status").as_int64(), 1);
  EXPECT_EQ(track("2345-6789").status, 404);
}

TEST_F(OnlineTest, AWrongSecretIsRefusedExactlyLikeAnUnknownCode) {
  auto [code, secret] = SubmitPromotion();
  HttpResponse wrong = Lookup(code, "2345-6789");
  HttpResponse unknown = Lookup(std::string(kOnlineUnit) + "-260312-0099", secret);
  EXPECT_EQ(wrong.status, 404);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(Code(wrong), "no_match");
}

TEST_F(OnlineTest, ASubmittedDraftCannotChangeOrBeSubmittedAgain) {
  const std::string draft = NewDraft();
  ASSERT_EQ(Save(draft, Fields()).status, 200);
  for (const char* doc : {"don-dang-ky", "the-le", "hinh-anh-hang-hoa"}) {
    ASSERT_EQ(Attach(draft, doc, Pdf(doc)).status, 200);
  }
  ASSERT_EQ(Send("POST", "/api/online/drafts/" + draft + "/submit").status, 200);
  EXPECT_EQ(Code(Send("POST", "/api/online/drafts/" + draft + "/submit")), "already_submitted");
  EXPECT_EQ(Code(Save(draft, Fields())), "already_submitted");
  EXPECT_EQ(Code(Attach(draft, "the-le", Pdf())), "already_submitted");
}

TEST_F(OnlineTest, CompletionRoundTripAskUploadAccept) {
  auto [code, secret] = SubmitPromotion();
  HttpResponse ask =
      Officer("POST", "/api/reception/dossiers/" + code + "/completion",
              json::object{{"items", json::array{"the-le"}}, {"reason", "Thể lệ thiếu chữ ký"}});
  ASSERT_EQ(ask.status, 200) << ask.body;
  EXPECT_EQ(Projection(code)->state.status, DossierStatus::kNewOnline);
  // Form 02 lists exactly what is missing.
  HttpResponse form02 = Officer("GET", "/api/reception/dossiers/" + code + "/form02");
  EXPECT_NE(form02.body.find("Thể lệ chương trình khuyến mại"), std::string::npos) << form02.body;
  EXPECT_EQ(form02.body.find("Đơn đăng ký"), std::string::npos);
  // The applicant sees it with code + secret.
  json::object seen = Body(Lookup(code, secret));
  ASSERT_TRUE(seen.at("completion").is_object());
  EXPECT_EQ(seen.at("completion").at("items").as_array().size(), 1u);
  EXPECT_EQ(seen.at("completion").at("items").at(0).at("id").as_string(), "the-le");
  EXPECT_EQ(Code(Officer("POST", "/api/reception/dossiers/" + code + "/accept")),
            "completion_pending");
  // Not yet uploaded: the answer is refused; another item is refused.
  EXPECT_EQ(Code(Send("POST", "/api/online/dossiers/" + code + "/completion",
                      ToJson(json::value(json::object{{"secret", secret}})))),
            "validation_failed");
  EXPECT_EQ(Code(Send("POST",
                      "/api/online/dossiers/" + code + "/files?document_id=don-dang-ky&name=a.pdf",
                      Pdf(), {{kLookupSecretHeader, secret}})),
            "no_completion_requested");
  EXPECT_EQ(
      Code(Send("POST", "/api/online/dossiers/" + code + "/files?document_id=the-le&name=a.pdf",
                Pdf(), {{kLookupSecretHeader, "2345-6789"}})),
      "no_match");
  HttpResponse up =
      Send("POST", "/api/online/dossiers/" + code + "/files?document_id=the-le&name=the-le-2.pdf",
           Pdf("signed"), {{kLookupSecretHeader, secret}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(Body(up).at("round").as_int64(), 1);
  ASSERT_EQ(Send("POST", "/api/online/dossiers/" + code + "/completion",
                 ToJson(json::value(json::object{{"secret", secret}})))
                .status,
            200);
  const UnixMs accepted_at = clock_.NowMs();
  HttpResponse accept = Officer("POST", "/api/reception/dossiers/" + code + "/accept");
  ASSERT_EQ(accept.status, 200) << accept.body;
  auto p = Projection(code);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state.status, DossierStatus::kReceived);
  // Five working days from the acceptance, with the working calendar.
  auto cal = LoadCalendarData(CentralDir() + "/data/calendar.json");
  ASSERT_TRUE(cal.ok());
  auto wc = WorkingCalendar::ForSite(*cal);
  ASSERT_TRUE(wc.ok());
  EXPECT_EQ(p->state.appointment_ms, *wc->DueWorkingDays(accepted_at, 5));
  HttpResponse form01 = Officer("GET", "/api/reception/dossiers/" + code + "/form01");
  EXPECT_NE(form01.body.find(FormatLocalIso(*p->state.appointment_ms)), std::string::npos);
  EXPECT_EQ(Body(Lookup(code, secret)).at("status").as_int64(), 2);
  EXPECT_EQ(Body(Officer("GET", "/api/reception/inbox")).at("dossiers").as_array().size(), 0u);
}

TEST_F(OnlineTest, ARefusedDossierIsInStatusThreeWithItsReason) {
  auto [code, secret] = SubmitPromotion();
  EXPECT_EQ(Code(Officer("POST", "/api/reception/dossiers/" + code + "/refuse")), "bad_request");
  HttpResponse r = Officer("POST", "/api/reception/dossiers/" + code + "/refuse",
                           json::object{{"reason", "Không thuộc thẩm quyền"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Projection(code)->state.status, DossierStatus::kNotAccepted);
  EXPECT_EQ(Body(Lookup(code, secret)).at("status").as_int64(), 3);
  HttpResponse again = Officer("POST", "/api/reception/dossiers/" + code + "/accept");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Code(again), "invalid_transition");
}

TEST_F(OnlineTest, ANotificationIsAcceptedOnSubmission) {
  const std::string draft = NewDraft();
  json::object f = Fields("khuyen-mai-thong-bao");
  f.erase("return");
  ASSERT_EQ(Save(draft, f).status, 200);
  ASSERT_EQ(Attach(draft, "thong-bao", Pdf()).status, 200);
  HttpResponse r = Send("POST", "/api/online/drafts/" + draft + "/submit");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object receipt = Body(r).at("receipt").as_object();
  EXPECT_TRUE(receipt.at("filing").as_bool());
  EXPECT_EQ(receipt.at("acknowledged_at").as_string(), FormatLocalIso(clock_.NowMs()));
  const std::string code(Body(r).at("code").as_string());
  EXPECT_EQ(Projection(code)->state.status, DossierStatus::kReceived);
  EXPECT_EQ(Body(Officer("GET", "/api/reception/inbox")).at("dossiers").as_array().size(), 0u);
}

TEST_F(OnlineTest, YearlyReportsOverdueAreListedPerFiler) {
  // Ten days before this year's report is due (30 January).
  clock_.Set(LocalToUnixMs(Date{2026, 1, 20}, 9 * 60));
  token_ = LoginToken("reception");
  auto file_report = [&](int year) {
    const std::string draft = NewDraft();
    json::object f = Fields("van-phong-dai-dien-bao-cao");
    f.erase("return");
    f["report_period"] = year;
    EXPECT_EQ(Save(draft, f).status, 200);
    EXPECT_EQ(Attach(draft, "bao-cao", Pdf()).status, 200);
    return Send("POST", "/api/online/drafts/" + draft + "/submit");
  };
  EXPECT_EQ(file_report(2023).status, 200);
  EXPECT_EQ(file_report(2025).status, 200);
  HttpResponse future = file_report(2027);
  EXPECT_EQ(MessageOf(future, "report_period"), "the report's year must be from 2000 to 2026");
  json::object o = Body(Officer("GET", "/api/reception/filings?filer=0312345678"));
  ASSERT_EQ(o.at("filings").as_array().size(), 2u);
  EXPECT_TRUE(o.at("filings").at(0).at("late").as_bool());  // 2023's was due 2024-01-30
  EXPECT_FALSE(o.at("filings").at(1).at("late").as_bool());
  ASSERT_EQ(o.at("overdue").as_array().size(), 1u);
  EXPECT_EQ(o.at("overdue").at(0).at("report_period").as_int64(), 2024);
  EXPECT_EQ(o.at("overdue").at(0).at("due").as_string(), "2025-01-30");
}

TEST_F(OnlineTest, MalformedOversizedAndUnlistedUploadsAreRefused) {
  const std::string draft = NewDraft();
  EXPECT_EQ(Code(Attach(draft, "the-le", Pdf())), "bad_request");  // no procedure yet
  ASSERT_EQ(Save(draft, Fields()).status, 200);
  HttpResponse exe = Attach(draft, "the-le", std::string("MZ\x90\0\3\0\0\0", 8), "setup.pdf");
  EXPECT_EQ(exe.status, 415);
  EXPECT_EQ(Code(exe), "unsupported_media_type");
  EXPECT_EQ(Attach(draft, "the-le", "<html><script>alert(1)</script>", "a.pdf").status, 415);
  HttpResponse big = Attach(draft, "the-le", Pdf(std::string(70 * 1024, 'x')));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Code(big), "file_too_large");
  EXPECT_EQ(Code(Attach(draft, "the-le", "")), "bad_request");
  EXPECT_EQ(Code(Attach(draft, "giay-phep-khac", Pdf())), "bad_request");
  EXPECT_EQ(Body(Send("GET", "/api/online/drafts/" + draft)).at("files").as_array().size(), 0u);
}

TEST_F(OnlineTest, UploadsAreServedOnlyAsTheirCheckedTypeAndAsDownloads) {
  const std::string draft = NewDraft();
  ASSERT_EQ(Save(draft, Fields()).status, 200);
  ASSERT_EQ(Attach(draft, "don-dang-ky", Pdf("<html><script>alert(1)</script>"), "x.html").status,
            200);
  ASSERT_EQ(Attach(draft, "the-le", Pdf("b")).status, 200);
  HttpResponse png = Attach(draft, "hinh-anh-hang-hoa", Png(), "evil.svg");
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(Body(png).at("media_type").as_string(), "image/png");
  HttpResponse sub = Send("POST", "/api/online/drafts/" + draft + "/submit");
  ASSERT_EQ(sub.status, 200) << sub.body;
  const std::string code(Body(sub).at("code").as_string());
  json::object detail = Body(Officer("GET", "/api/reception/dossiers/" + code));
  ASSERT_EQ(detail.at("files").as_array().size(), 3u);
  for (const auto& f : detail.at("files").as_array()) {
    HttpResponse r = Officer("GET", "/api/reception/dossiers/" + code + "/files/" +
                                        std::string(f.at("hash").as_string()));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, f.at("media_type").as_string());
    EXPECT_TRUE(r.content_type == "application/pdf" || r.content_type == "image/png");
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.Header("Content-Disposition").rfind("attachment;", 0), 0u);
  }
  EXPECT_EQ(
      Officer("GET", "/api/reception/dossiers/" + code + "/files/" + std::string(64, 'a')).status,
      404);
}

TEST_F(OnlineTest, ADeskChosenForCollectionIsTheDossiersOrigin) {
  Enrol("desk-bn", "000.00.17.H29.BN");
  json::object f = Fields();
  f["return"] = json::object{{"method", "desk"}, {"desk_node_id", "desk-bn"}};
  auto [code, secret] = SubmitPromotion(f);
  ASSERT_FALSE(code.empty());
  EXPECT_EQ(Projection(code)->origin_node_id, "desk-bn");
  ASSERT_EQ(Officer("POST", "/api/reception/dossiers/" + code + "/accept").status, 200);
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto items = TakeEventItems(**db, "desk-bn", 0, 0, false);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].at("event").at("type").as_string(), "dossier_received");
  json::object other = Fields();
  other["return"] = json::object{{"method", "desk"}, {"desk_node_id", "no-such-desk"}};
  const std::string draft = NewDraft();
  ASSERT_EQ(Save(draft, other).status, 200);
  for (const char* doc : {"don-dang-ky", "the-le", "hinh-anh-hang-hoa"}) {
    ASSERT_EQ(Attach(draft, doc, Pdf(doc)).status, 200);
  }
  HttpResponse r = Send("POST", "/api/online/drafts/" + draft + "/submit");
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(Has(ErrorFields(r), "return.desk_node_id"));
}

TEST_F(OnlineTest, PostalReturnQuotesTheTariffsFee) {
  json::object f = Fields();
  f["return"] = json::object{{"method", "post"},
                             {"recipient_name", "Nguyễn Văn An"},
                             {"phone", "0903123456"},
                             {"address", "12 Lê Lợi, Phường Bến Nghé"},
                             {"province", "Hà Nội"}};
  auto [code, secret] = SubmitPromotion(f);
  ASSERT_FALSE(code.empty());
  const int64_t fee = online_->PostalFee("Hà Nội").at("amount_vnd").as_int64();
  EXPECT_GT(fee, 0);
  ASSERT_EQ(Officer("POST", "/api/reception/dossiers/" + code + "/accept").status, 200);
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto events = DossierEvents(**db, code);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].payload.at("return_method").as_string(), "post");
  EXPECT_EQ((*events)[1].payload.at("postal_fee_vnd").as_int64(), fee);
}

TEST_F(OnlineTest, WritesToOneDraftAndFailedLookupsAreRateLimited) {
  options_.max_writes_per_draft = 3;
  options_.max_failed_lookups_per_address = 2;
  Restart();
  const std::string draft = NewDraft();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Save(draft, Fields()).status, 200);
  HttpResponse limited = Save(draft, Fields());
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Code(limited), "too_many_requests");
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  // Another draft is not affected.
  EXPECT_EQ(Save(NewDraft(), Fields()).status, 200);
  const std::string code = std::string(kOnlineUnit) + "-260312-0001";
  EXPECT_EQ(Lookup(code, "2345-6789").status, 404);
  EXPECT_EQ(Lookup(code, "2345-678A").status, 404);
  EXPECT_EQ(Lookup(code, "2345-678B").status, 429);
  clock_.Advance(16 * kMsPerMinute);
  EXPECT_EQ(Lookup(code, "2345-678B").status, 404);
}

TEST_F(OnlineTest, ReceptionIsForTheOnlineUnitOnly) {
  auto [code, secret] = SubmitPromotion();
  const std::string other = LoginToken("desk.officer");
  HttpResponse r = Officer("POST", "/api/reception/dossiers/" + code + "/accept", {}, other);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Officer("GET", "/api/reception/inbox", {}, other).status, 403);
  json::object inbox = Body(Officer("GET", "/api/reception/inbox"));
  ASSERT_EQ(inbox.at("dossiers").as_array().size(), 1u);
  EXPECT_EQ(inbox.at("dossiers").at(0).at("state").as_string(), "to_check");
  EXPECT_EQ(Send("GET", "/api/reception/inbox").status, 401);
}

}  // namespace
}  // namespace hoso::central
