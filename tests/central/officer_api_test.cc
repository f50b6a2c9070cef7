// OfficerApi behind the central's router (CentralApi) and a real HttpServer
// on 127.0.0.1: the role matrix, login and sessions over HTTP, the admin and
// audit routes.
#include "central/officer_api.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "central/api.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kOtherUnit;
using testing::kPassword;
using testing::kUnit;
using testing::UsersFixture;
using Headers = std::vector<std::pair<std::string, std::string>>;

// The role matrix as it must be, written out by hand: a wrong row in the
// table fails TheTableIsTheExpectedMatrix and the HTTP sweep below.
const std::map<std::string, std::set<std::string>> kExpectedMatrix = {
    {"POST /api/auth/login", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    {"POST /api/auth/logout", {"admin", "supervisor", "officer", "dispatcher"}},
    {"GET /api/auth/me", {"admin", "supervisor", "officer", "dispatcher"}},
    {"GET /api/admin/users", {"admin"}},
    {"GET /api/admin/audit", {"admin"}},
    {"GET /api/audit", {"admin", "supervisor"}},
    {"GET /officer", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    {"GET /api/officer/inbox", {"admin", "supervisor", "officer"}},
    {"GET /api/officer/dossiers/{code}", {"admin", "supervisor", "officer"}},
    {"GET /api/officer/dossiers/{code}/form02", {"admin", "supervisor", "officer"}},
    {"GET /api/officer/dossiers/{code}/form04", {"admin", "supervisor", "officer"}},
    {"POST /api/officer/dossiers/{code}/assign", {"admin", "supervisor"}},
    {"POST /api/officer/dossiers/{code}/transfer", {"admin", "supervisor"}},
    {"POST /api/officer/dossiers/{code}/supplement", {"admin", "supervisor", "officer"}},
    {"POST /api/officer/dossiers/{code}/payment", {"admin", "supervisor", "officer"}},
    {"POST /api/officer/dossiers/{code}/result", {"admin", "supervisor", "officer"}},
    {"POST /api/officer/dossiers/{code}/apology", {"admin", "supervisor", "officer"}},
    {"POST /api/officer/dossiers/{code}/stop", {"admin", "supervisor", "officer"}},
    {"POST /api/officer/dossiers/{code}/withdrawal", {"admin", "supervisor", "officer"}},
    {"GET /track", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    {"POST /api/track", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    {"GET /reception", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    {"GET /api/reception/inbox", {"admin", "supervisor", "officer"}},
    {"GET /api/reception/dossiers/{code}", {"admin", "supervisor", "officer"}},
    {"GET /api/reception/dossiers/{code}/files/{hash}", {"admin", "supervisor", "officer"}},
    {"GET /api/reception/dossiers/{code}/form01", {"admin", "supervisor", "officer"}},
    {"GET /api/reception/dossiers/{code}/form02", {"admin", "supervisor", "officer"}},
    {"POST /api/reception/dossiers/{code}/accept", {"admin", "supervisor", "officer"}},
    {"POST /api/reception/dossiers/{code}/completion", {"admin", "supervisor", "officer"}},
    {"POST /api/reception/dossiers/{code}/refuse", {"admin", "supervisor", "officer"}},
    {"GET /api/reception/filings", {"admin", "supervisor", "officer"}},
    {"GET /dispatch", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    {"GET /api/dispatch/shipments", {"admin", "supervisor", "dispatcher"}},
    {"GET /api/dispatch/shipments/{waybill}", {"admin", "supervisor", "dispatcher"}},
    {"POST /api/dispatch/shipments/{waybill}/assign", {"admin", "supervisor", "dispatcher"}},
    {"GET /api/dispatch/couriers", {"admin", "supervisor", "dispatcher"}},
    {"GET /api/dispatch/pending", {"admin", "supervisor", "dispatcher"}},
    {"POST /api/dispatch/pending/create", {"admin", "supervisor", "dispatcher"}},
    {"GET /api/reconcile", {"admin", "supervisor", "dispatcher"}},
    {"POST /api/reconcile/{item_id}/resolve", {"admin", "supervisor"}},
    {"GET /api/dashboard", {"admin", "supervisor", "dispatcher"}},
    {"GET /dashboard", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
    // Public in the table: the handler admits the loopback interface (these
    // calls) or an administrator (tests/central/reconcile_api_test.cc).
    {"GET /metrics", {"anonymous", "admin", "supervisor", "officer", "dispatcher"}},
};

const char* const kCallers[] = {"anonymous", "admin", "supervisor", "officer", "dispatcher"};

// One user per role; the username is the role's name.
class OfficerApiTest : public UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    for (Role r : kAllRoles) AddUser(RoleName(r), r, kUnit);
    officer_ = std::make_unique<OfficerApi>(store_.get(), auth_.get(), users_.get());
    api_ =
        std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get(), officer_.get());
    Serve(api_.get());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    client_.reset();
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "", const Headers& headers = {}) {
    auto r = client_->Send(method, target, body, headers);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  static Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  HttpResponse Get(const std::string& target, const std::string& token) {
    return Send("GET", target, "", Bearer(token));
  }
  HttpResponse PostLogin(const std::string& username, const std::string& password) {
    return Send("POST", "/api/auth/login",
                ToJson(json::object{{"username", username}, {"password", password}}));
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
  static std::vector<std::string> Actions(const json::object& page) {
    std::vector<std::string> out;
    for (const auto& e : page.at("entries").as_array()) {
      out.emplace_back(e.at("action").as_string());
    }
    return out;
  }

  std::unique_ptr<OfficerApi> officer_;
  std::unique_ptr<CentralApi> api_;
};

TEST_F(OfficerApiTest, TheTableIsTheExpectedMatrix) {
  std::map<std::string, std::set<std::string>> from_table;
  for (const RouteRule& rule : OfficerRoutes()) {
    auto& allowed = from_table[std::string(rule.method) + " " + rule.pattern];
    if ((rule.access & kPublic) != 0) allowed.insert("anonymous");
    for (Role r : kAllRoles) {
      if (rule.Allows(r)) allowed.insert(RoleName(r));
    }
  }
  EXPECT_EQ(from_table, kExpectedMatrix);
}

TEST_F(OfficerApiTest, EveryRouteForEveryCallerIsAllowedOrDeniedOverHttp) {
  size_t denied_roles = 0;
  for (const RouteRule& rule : OfficerRoutes()) {
    const std::string route = std::string(rule.method) + " " + rule.pattern;
    auto expected = kExpectedMatrix.find(route);
    ASSERT_NE(expected, kExpectedMatrix.end()) << route << " is missing from kExpectedMatrix";
    std::string path = rule.pattern;
    for (size_t open; (open = path.find('{')) != std::string::npos;) {
      path.replace(open, path.find('}', open) - open + 1, "x");
    }
    for (const std::string caller : kCallers) {
      SCOPED_TRACE(route + " as " + caller);
      Headers headers;
      // A fresh session per call: logout ends the one it is called with.
      if (caller != "anonymous") headers = Bearer(LoginToken(caller));
      HttpResponse r =
          Send(rule.method, path, rule.method == std::string("POST") ? "{}" : "", headers);
      // Pages answer HTML; every refusal is JSON.
      const bool json_answer = r.content_type.find("json") != std::string::npos;
      const std::string code = json_answer ? Code(r) : "";
      if (expected->second.count(caller) > 0) {
        EXPECT_NE(r.status, 401) << r.body;
        EXPECT_NE(r.status, 403) << r.body;
        EXPECT_NE(code, "forbidden");
      } else if (caller == "anonymous") {
        EXPECT_EQ(r.status, 401) << r.body;
        EXPECT_EQ(code, "unauthenticated");
        EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer realm=\"hoso-central\"");
      } else {
        ++denied_roles;
        EXPECT_EQ(r.status, 403) << r.body;
        EXPECT_EQ(code, "forbidden");
        const std::string message(Body(r).at("error").at("message").as_string());
        EXPECT_NE(message.find("the role " + caller + " may not call " + route), std::string::npos)
            << message;
      }
    }
  }
  EXPECT_EQ(Audit(kAuditForbidden).size(), denied_roles);
  EXPECT_EQ(denied_roles, 41u);
}

TEST_F(OfficerApiTest, LoginSetsACookieThatAuthenticatesUntilLogout) {
  HttpResponse login = PostLogin("Officer", kPassword);
  ASSERT_EQ(login.status, 200) << login.body;
  json::object o = Body(login);
  const std::string token(o.at("token").as_string());
  EXPECT_EQ(o.at("expires_at").as_string(), FormatLocalIso(testing::kT0 + 2 * kMsPerHour));
  EXPECT_EQ(o.at("user").at("username").as_string(), "officer");
  EXPECT_EQ(o.at("user").at("role").as_string(), "officer");
  EXPECT_EQ(o.at("user").at("unit").as_string(), kUnit);
  EXPECT_EQ(login.Header("Set-Cookie"),
            "hoso_session=" + token + "; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict");
  EXPECT_EQ(login.Header("Cache-Control"), "no-store");

  const Headers cookie = {{"Cookie", "lang=vi; hoso_session=" + token}};
  HttpResponse me = Send("GET", "/api/auth/me", "", cookie);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(Body(me).at("user").at("username").as_string(), "officer");
  EXPECT_TRUE(Body(me).at("session").as_object().contains("absolute_expires_at"));

  HttpResponse out = Send("POST", "/api/auth/logout", "", cookie);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.Header("Set-Cookie"), ClearedSessionCookie());
  HttpResponse after = Send("GET", "/api/auth/me", "", cookie);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(Code(after), "session_revoked");
  // The browser is told to drop the dead cookie.
  EXPECT_EQ(after.Header("Set-Cookie"), ClearedSessionCookie());
  EXPECT_EQ(Code(Get("/api/auth/me", token)), "session_revoked");
}

TEST_F(OfficerApiTest, WrongPasswordAndUnknownUserAreTheSameOverHttp) {
  HttpResponse wrong = PostLogin("officer", "Sai mật khẩu rồi");
  HttpResponse unknown = PostLogin("nobody", "Sai mật khẩu rồi");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Code(wrong), "invalid_credentials");
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(unknown.Header("Set-Cookie"), "");
  // Failures are counted per address: the test client's.
  auto failed = Audit(kAuditLoginFailed);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].actor.remote_address, "127.0.0.1");
}

TEST_F(OfficerApiTest, MalformedLoginsAreRefusedPrecisely) {
  HttpResponse not_json = Send("POST", "/api/auth/login", "username=an");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(Code(not_json), "bad_request");
  HttpResponse no_password = Send("POST", "/api/auth/login", "{\"username\":\"an\"}");
  EXPECT_EQ(no_password.status, 400);
  EXPECT_EQ(Code(no_password), "invalid_argument");
  EXPECT_EQ(Body(no_password).at("error").at("field").as_string(), "password");
  HttpResponse big =
      Send("POST", "/api/auth/login", std::string(OfficerApi::kMaxJsonBytes + 1, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Code(big), "body_too_large");
  EXPECT_EQ(Send("GET", "/api/auth/login").status, 405);
}

TEST_F(OfficerApiTest, TooManyFailuresAre429WithRetryAfter) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(PostLogin("officer", "Sai mật khẩu rồi").status, 401);
  HttpResponse r = PostLogin("officer", kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Code(r), "too_many_attempts");
  EXPECT_EQ(r.Header("Retry-After"), "900");
  EXPECT_EQ(Body(r).at("error").at("retry_after").as_int64(), 900);
}

TEST_F(OfficerApiTest, DisabledUserGets403AtLogin) {
  ASSERT_TRUE(users_->Disable("officer", Actor::Cli()).ok());
  HttpResponse r = PostLogin("officer", kPassword);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), "account_disabled");
}

TEST_F(OfficerApiTest, ExpiredSessionIs401SessionExpired) {
  const std::string token = LoginToken("officer");
  clock_.Advance(2 * kMsPerHour);
  HttpResponse r = Get("/api/auth/me", token);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "session_expired");
}

TEST_F(OfficerApiTest, AdminListsUsersWithoutTheirHashes) {
  AddUser("an", Role::kOfficer, kUnit, "Nguyễn Văn An");
  HttpResponse r = Get("/api/admin/users", LoginToken("admin"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("argon2"), std::string::npos);
  const json::object body = Body(r);
  const json::array& users = body.at("users").as_array();
  ASSERT_EQ(users.size(), 5u);
  EXPECT_EQ(users[1].at("username").as_string(), "an");
  EXPECT_EQ(users[1].at("display_name").as_string(), "Nguyễn Văn An");
  EXPECT_EQ(users[1].at("unit").as_string(), kUnit);
  EXPECT_TRUE(users[0].at("unit").is_null());  // admin
}

TEST_F(OfficerApiTest, AdminAuditFiltersAndPagesNewestFirst) {
  const std::string admin = LoginToken("admin");
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(kMsPerMinute);
    LoginToken("officer");
  }
  ASSERT_EQ(PostLogin("nobody", "Sai mật khẩu rồi").status, 401);

  HttpResponse first = Get("/api/admin/audit?action=auth.&limit=2", admin);
  ASSERT_EQ(first.status, 200) << first.body;
  json::object p1 = Body(first);
  EXPECT_EQ(Actions(p1), (std::vector<std::string>{"auth.login_failed", "auth.login"}));
  ASSERT_TRUE(p1.at("next_before").is_int64());
  HttpResponse second = Get("/api/admin/audit?action=auth.&limit=2&before=" +
                                std::to_string(p1.at("next_before").as_int64()),
                            admin);
  json::object p2 = Body(second);
  EXPECT_EQ(Actions(p2), (std::vector<std::string>{"auth.login", "auth.login"}));
  HttpResponse third = Get("/api/admin/audit?action=auth.&limit=2&before=" +
                               std::to_string(p2.at("next_before").as_int64()),
                           admin);
  json::object p3 = Body(third);
  EXPECT_EQ(Actions(p3), (std::vector<std::string>{"auth.login"}));  // the admin's own
  EXPECT_TRUE(p3.at("next_before").is_null());

  json::object mine = Body(Get("/api/admin/audit?user=officer&action=auth.login", admin));
  EXPECT_EQ(mine.at("entries").as_array().size(), 3u);
  json::object recent = Body(Get("/api/admin/audit?action=auth.login&since=" +
                                     UrlEncode(FormatLocalIso(testing::kT0 + 2 * kMsPerMinute)),
                                 admin));
  EXPECT_EQ(recent.at("entries").as_array().size(), 2u);
  json::object adds = Body(Get("/api/admin/audit?action=user.add", admin));
  EXPECT_EQ(adds.at("entries").as_array().size(), 4u);
  EXPECT_EQ(std::string(adds.at("entries").at(0).at("actor").as_string()).substr(0, 4), "cli:");

  HttpResponse bad = Get("/api/admin/audit?limit=5000", admin);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad).at("error").at("field").as_string(), "limit");
  EXPECT_EQ(
      Body(Get("/api/admin/audit?since=yesterday", admin)).at("error").at("field").as_string(),
      "since");
  // Reading the audit log is itself written to it (the six reads that were
  // answered).
  EXPECT_EQ(Audit("audit.read").size(), 6u);
  EXPECT_EQ(Audit("audit.read")[0].target, "/api/admin/audit");
}

TEST_F(OfficerApiTest, SupervisorSeesTheAuditOfTheirOwnUnitOnly) {
  AddUser("other.officer", Role::kOfficer, kOtherUnit);
  LoginToken("officer");
  LoginToken("other.officer");
  const std::string supervisor = LoginToken("supervisor");
  json::object page = Body(Get("/api/audit?action=auth.login", supervisor));
  std::set<std::string> actors;
  for (const auto& e : page.at("entries").as_array()) {
    EXPECT_EQ(e.at("unit").as_string(), kUnit);
    actors.insert(std::string(e.at("actor").as_string()));
  }
  EXPECT_EQ(actors, (std::set<std::string>{"officer", "supervisor"}));
  HttpResponse other = Get("/api/audit?unit=" + std::string(kOtherUnit), supervisor);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(Code(other), "forbidden");

  json::object all = Body(Get("/api/audit?action=auth.login", LoginToken("admin")));
  EXPECT_EQ(all.at("entries").as_array().size(), 4u);
  json::object theirs = Body(
      Get("/api/audit?action=auth.login&unit=" + std::string(kOtherUnit), LoginToken("admin")));
  ASSERT_EQ(theirs.at("entries").as_array().size(), 1u);
  EXPECT_EQ(theirs.at("entries").at(0).at("actor").as_string(), "other.officer");
}

TEST_F(OfficerApiTest, SyncRoutesStayOutsideTheTable) {
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  HttpResponse batch = Send("POST", "/api/sync/batches", "not a batch");
  EXPECT_EQ(batch.status, 400);
  EXPECT_EQ(Code(batch), "bad_request");
  for (const RouteRule& rule : OfficerRoutes()) {
    EXPECT_NE(std::string(rule.pattern).rfind("/api/sync/", 0), 0u) << rule.pattern;
  }
}

TEST(AccessTest, NamesTheRolesOfARow) {
  EXPECT_EQ(AccessToString(kPublic), "anyone");
  EXPECT_EQ(AccessToString(kAnyRole), "admin, supervisor, officer, dispatcher");
  EXPECT_EQ(AccessToString(RoleBit(Role::kAdmin) | RoleBit(Role::kSupervisor)),
            "admin, supervisor");
}

}  // namespace
}  // namespace hoso::central
