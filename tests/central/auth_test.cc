#include "central/auth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sync/keys.h"
#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kAddress;
using testing::kPassword;
using testing::kUnit;
using testing::UsersFixture;

class AuthTest : public UsersFixture {};

HttpRequest WithHeaders(std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest r;
  r.headers = std::move(headers);
  return r;
}

TEST_F(AuthTest, LoginOpensASessionWhoseTokenIsStoredOnlyAsAHash) {
  AddUser("an", Role::kOfficer, kUnit, "Nguyễn Văn An");
  LoginAttempt a = auth_->Login("  AN ", kPassword, kAddress);
  ASSERT_TRUE(a.ok()) << a.refusal.ToString();
  const std::string& token = a.result->token;
  EXPECT_EQ(token.size(), kSessionTokenChars);
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                    "0123456789-_"),
            std::string::npos);
  EXPECT_EQ(a.result->session.user.display_name, "Nguyễn Văn An");
  EXPECT_EQ(a.result->session.expires_at_ms, testing::kT0 + auth_options_.session_idle_ms);
  EXPECT_EQ(a.result->session.absolute_expires_at_ms,
            testing::kT0 + auth_options_.session_absolute_ms);

  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT token_hash, remote_address FROM sessions");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->ColumnBlob(0), sync::Blake2b256(token));
  EXPECT_EQ(q->ColumnText(1), kAddress);
  EXPECT_FALSE(*q->Step());

  Outcome<Session> s = auth_->Authenticate(token);
  ASSERT_TRUE(s.ok()) << s.refusal().ToString();
  EXPECT_EQ(s->user.username, "an");
  EXPECT_EQ(s->user.role, Role::kOfficer);
  EXPECT_EQ(s->session_id, a.result->session.session_id);
  // Two logins, two different tokens.
  EXPECT_NE(LoginToken("an"), token);
}

TEST_F(AuthTest, WrongPasswordAndUnknownUserGetTheSameAnswer) {
  AddUser("an", Role::kOfficer);
  LoginAttempt wrong = auth_->Login("an", "Sai mật khẩu rồi", kAddress);
  LoginAttempt unknown = auth_->Login("khong.co.ai", "Sai mật khẩu rồi", kAddress);
  LoginAttempt garbage = auth_->Login("không có ai", "Sai mật khẩu rồi", kAddress);
  for (const LoginAttempt* a : {&wrong, &unknown, &garbage}) {
    ASSERT_FALSE(a->ok());
    EXPECT_EQ(a->refusal.http_status, 401);
    EXPECT_EQ(a->refusal.code, "invalid_credentials");
    EXPECT_EQ(a->ToHttp().body, wrong.ToHttp().body);
    EXPECT_EQ(a->ToHttp().headers, wrong.ToHttp().headers);
  }
}

// The stand-in hash makes an unknown username cost a whole Argon2id check.
// At this cost (16 MiB) the hash is most of a login, so skipping it would
// make an unknown username several times faster; the bound allows for a
// busy machine.
TEST_F(AuthTest, UnknownUserTakesAsLongAsAWrongPassword) {
  const PasswordHashCost cost{2, size_t{16} << 20};
  UserAdminOptions uo;
  uo.clock = &clock_;
  uo.hash_cost = cost;
  UserAdmin users(store_.get(), uo);
  NewUser nu;
  nu.username = "an";
  nu.role = Role::kOfficer;
  nu.unit_code = kUnit;
  ASSERT_TRUE(users.AddUser(nu, kPassword, Actor::Cli()).ok());
  auth_options_.hash_cost = cost;
  auth_options_.max_failures_per_username = 100;
  auth_options_.max_failures_per_address = 100;
  RebuildAuth();
  // The two kinds alternate, so that a machine busy with other work slows
  // both alike; medians of 7 each.
  std::vector<double> wrong_ms, unknown_ms;
  auto time_ms = [&](const std::string& username) {
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(auth_->Login(username, "Sai mật khẩu rồi", kAddress).ok());
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  for (int i = 0; i < 7; ++i) {
    wrong_ms.push_back(time_ms("an"));
    unknown_ms.push_back(time_ms("khong.co.ai"));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double wrong = median(wrong_ms);
  const double unknown = median(unknown_ms);
  EXPECT_GT(unknown, wrong * 0.5) << "unknown " << unknown << " ms, wrong " << wrong << " ms";
  EXPECT_GT(wrong, unknown * 0.5) << "unknown " << unknown << " ms, wrong " << wrong << " ms";
}

TEST_F(AuthTest, SessionExpiresAfterTwoIdleHours) {
  AddUser("an", Role::kOfficer);
  const std::string token = LoginToken("an");
  clock_.Advance(auth_options_.session_idle_ms - kMsPerMinute);
  ASSERT_TRUE(auth_->Authenticate(token).ok());  // used: the idle clock restarts
  clock_.Advance(auth_options_.session_idle_ms - kMsPerMinute);
  Outcome<Session> used = auth_->Authenticate(token);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(used->expires_at_ms, clock_.NowMs() + auth_options_.session_idle_ms);
  clock_.Advance(auth_options_.session_idle_ms);
  Outcome<Session> idle = auth_->Authenticate(token);
  ASSERT_FALSE(idle.ok());
  EXPECT_EQ(idle.refusal().http_status, 401);
  EXPECT_EQ(idle.refusal().code, "session_expired");
}

TEST_F(AuthTest, LastUseIsWrittenAtMostOncePerTouchInterval) {
  AddUser("an", Role::kOfficer);
  const std::string token = LoginToken("an");
  clock_.Advance(30'000);
  ASSERT_TRUE(auth_->Authenticate(token).ok());
  EXPECT_EQ(Int("SELECT last_seen_ms FROM sessions"), testing::kT0);
  clock_.Advance(30'000);
  ASSERT_TRUE(auth_->Authenticate(token).ok());
  EXPECT_EQ(Int("SELECT last_seen_ms FROM sessions"), testing::kT0 + 60'000);
}

TEST_F(AuthTest, SessionEndsAtTheAbsoluteLimitEvenWhenUsedAllDay) {
  AddUser("an", Role::kOfficer);
  const std::string token = LoginToken("an");
  for (int hour = 1; hour < 12; ++hour) {
    clock_.Advance(kMsPerHour);
    Outcome<Session> s = auth_->Authenticate(token);
    ASSERT_TRUE(s.ok()) << "hour " << hour;
    EXPECT_LE(s->expires_at_ms, testing::kT0 + auth_options_.session_absolute_ms);
  }
  clock_.Advance(kMsPerHour);
  Outcome<Session> s = auth_->Authenticate(token);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.refusal().code, "session_expired");
}

TEST_F(AuthTest, LogoutEndsThatSessionOnlyAndIsAuditedOnce) {
  AddUser("an", Role::kOfficer);
  const std::string first = LoginToken("an");
  const std::string second = LoginToken("an");
  Outcome<Session> s = auth_->Authenticate(first);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(auth_->Logout(*s, kAddress).ok());
  ASSERT_TRUE(auth_->Logout(*s, kAddress).ok());
  Outcome<Session> after = auth_->Authenticate(first);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.refusal().http_status, 401);
  EXPECT_EQ(after.refusal().code, "session_revoked");
  EXPECT_NE(after.refusal().message.find("logged out"), std::string::npos);
  EXPECT_TRUE(auth_->Authenticate(second).ok());
  auto rows = Audit(kAuditLogout);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].actor.name, "an");
  EXPECT_EQ(rows[0].target, "an");
  EXPECT_EQ(rows[0].detail.at("session_id").as_int64(), s->session_id);
}

TEST_F(AuthTest, DisabledUserCannotLogInAndLosesTheirSessions) {
  AddUser("an", Role::kOfficer);
  const std::string token = LoginToken("an");
  ASSERT_TRUE(users_->Disable("an", Actor::Cli()).ok());

  Outcome<Session> s = auth_->Authenticate(token);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.refusal().code, "session_revoked");
  EXPECT_NE(s.refusal().message.find("user disabled"), std::string::npos);

  LoginAttempt right = auth_->Login("an", kPassword, kAddress);
  ASSERT_FALSE(right.ok());
  EXPECT_EQ(right.refusal.http_status, 403);
  EXPECT_EQ(right.refusal.code, "account_disabled");
  // Without the right password, a disabled account looks like any other.
  LoginAttempt wrong = auth_->Login("an", "Sai mật khẩu rồi", kAddress);
  EXPECT_EQ(wrong.refusal.code, "invalid_credentials");

  ASSERT_TRUE(users_->Enable("an", Actor::Cli()).ok());
  EXPECT_TRUE(auth_->Login("an", kPassword, kAddress).ok());
}

TEST_F(AuthTest, SessionOfAUserDisabledBehindItsBackIsRefused) {
  AddUser("an", Role::kOfficer);
  const std::string token = LoginToken("an");
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("UPDATE users SET disabled = 1").ok());
  Outcome<Session> s = auth_->Authenticate(token);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.refusal().http_status, 403);
  EXPECT_EQ(s.refusal().code, "account_disabled");
}

TEST_F(AuthTest, PasswordChangeEndsEverySessionOfTheUser) {
  AddUser("an", Role::kOfficer);
  AddUser("binh", Role::kOfficer);
  const std::string a1 = LoginToken("an");
  const std::string a2 = LoginToken("an");
  const std::string b = LoginToken("binh");
  ASSERT_TRUE(users_->SetPassword("an", "Một mật khẩu mới", Actor::Cli()).ok());
  for (const std::string& t : {a1, a2}) {
    Outcome<Session> s = auth_->Authenticate(t);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.refusal().message.find("password changed"), std::string::npos);
  }
  EXPECT_TRUE(auth_->Authenticate(b).ok());
  EXPECT_EQ(Audit(kAuditUserPasswd)[0].detail.at("sessions_ended").as_int64(), 2);
}

TEST_F(AuthTest, MalformedAndUnknownTokensAreUnauthenticated) {
  for (const std::string& t :
       {std::string(), std::string("abc"), std::string(43, '*'), NewSessionToken()}) {
    Outcome<Session> s = auth_->Authenticate(t);
    ASSERT_FALSE(s.ok()) << t;
    EXPECT_EQ(s.refusal().http_status, 401);
    EXPECT_EQ(s.refusal().code, "unauthenticated");
  }
}

TEST_F(AuthTest, FiveFailuresLockTheUsernameForFifteenMinutes) {
  AddUser("an", Role::kOfficer);
  AddUser("binh", Role::kOfficer);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(auth_->Login("an", "Sai mật khẩu rồi", kAddress).refusal.code, "invalid_credentials");
    clock_.Advance(kMsPerMinute);
  }
  // Even the right password: the limit is checked before the password.
  LoginAttempt locked = auth_->Login("AN", kPassword, kAddress);
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.refusal.http_status, 429);
  EXPECT_EQ(locked.refusal.code, "too_many_attempts");
  // The oldest of the five failures was 5 minutes ago: 10 minutes to go.
  EXPECT_EQ(locked.retry_after_s, 600);
  HttpResponse r = locked.ToHttp();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("Retry-After"), "600");
  EXPECT_EQ(ParseJsonObject(r.body)->at("error").at("retry_after").as_int64(), 600);
  // Another user at the same address is not affected.
  EXPECT_TRUE(auth_->Login("binh", kPassword, kAddress).ok());
  // Refusals by the limit are not written one by one.
  EXPECT_EQ(Audit(kAuditLoginFailed).size(), 5u);

  clock_.Advance(10 * kMsPerMinute - 1000);
  EXPECT_EQ(auth_->Login("an", kPassword, kAddress).retry_after_s, 1);
  clock_.Advance(1000);
  EXPECT_TRUE(auth_->Login("an", kPassword, kAddress).ok());
}

TEST_F(AuthTest, SuccessfulLoginRestartsTheUsernameCount) {
  AddUser("an", Role::kOfficer);
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(auth_->Login("an", "Sai mật khẩu rồi", "").ok());
  ASSERT_TRUE(auth_->Login("an", kPassword, "").ok());
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(auth_->Login("an", "Sai mật khẩu rồi", "").ok());
  EXPECT_TRUE(auth_->Login("an", kPassword, "").ok());
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(auth_->Login("an", "Sai mật khẩu rồi", "").ok());
  EXPECT_EQ(auth_->Login("an", kPassword, "").refusal.code, "too_many_attempts");
}

TEST_F(AuthTest, FailuresFromOneAddressLockThatAddressForEveryUsername) {
  auth_options_.max_failures_per_address = 3;
  RebuildAuth();
  AddUser("an", Role::kOfficer);
  for (const char* name : {"x1", "x2", "x3"}) {
    EXPECT_EQ(auth_->Login(name, "Sai mật khẩu rồi", "10.9.9.9").refusal.code,
              "invalid_credentials");
  }
  LoginAttempt locked = auth_->Login("an", kPassword, "10.9.9.9");
  EXPECT_EQ(locked.refusal.code, "too_many_attempts");
  EXPECT_EQ(locked.retry_after_s, 15 * 60);
  EXPECT_TRUE(auth_->Login("an", kPassword, "10.9.9.10").ok());
}

TEST_F(AuthTest, LoginsAndFailuresAreAuditedWithWhoWhenAndWhere) {
  AddUser("an", Role::kSupervisor, kUnit);
  ASSERT_FALSE(auth_->Login("an", "Sai mật khẩu rồi", kAddress).ok());
  ASSERT_FALSE(auth_->Login("Khong.Co.Ai", "Sai mật khẩu rồi", kAddress).ok());
  clock_.Advance(1000);
  ASSERT_TRUE(auth_->Login("an", kPassword, kAddress).ok());

  auto failed = Audit(kAuditLoginFailed);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].target, "khong.co.ai");
  EXPECT_EQ(failed[0].detail.at("reason").as_string(), "unknown_user");
  EXPECT_EQ(failed[1].target, "an");
  EXPECT_EQ(failed[1].detail.at("reason").as_string(), "wrong_password");
  for (const AuditEntry& e : failed) {
    EXPECT_EQ(e.actor.name, "anonymous");
    EXPECT_EQ(e.actor.remote_address, kAddress);
    EXPECT_EQ(e.at_ms, testing::kT0);
  }
  auto ok = Audit(kAuditLogin);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].actor.name, "an");
  EXPECT_EQ(ok[0].actor.role, "supervisor");
  EXPECT_EQ(ok[0].actor.unit_code, kUnit);
  EXPECT_EQ(ok[0].actor.remote_address, kAddress);
  EXPECT_EQ(ok[0].at_ms, testing::kT0 + 1000);
  EXPECT_TRUE(ok[0].detail.contains("session_id"));
  // Anything may be typed as a username; the log keeps it printable and short.
  ASSERT_FALSE(auth_->Login(std::string(300, 'Z') + "\x01", "x", kAddress).ok());
  EXPECT_EQ(Audit(kAuditLoginFailed)[0].target, std::string(64, 'z'));
}

TEST_F(AuthTest, MissingUsernameOrPasswordIs400) {
  EXPECT_EQ(auth_->Login("", kPassword, "").refusal.field, "username");
  EXPECT_EQ(auth_->Login("an", "", "").refusal.http_status, 400);
  EXPECT_TRUE(Audit().empty());
}

TEST_F(AuthTest, PasswordStoredAtAnotherCostIsRehashedAtLogin) {
  AddUser("an", Role::kOfficer);  // hashed at the minimum cost
  auth_options_.hash_cost = PasswordHashCost{1, size_t{1} << 20};
  RebuildAuth();
  ASSERT_TRUE(auth_->Login("an", kPassword, "").ok());
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT password_hash FROM users");
  ASSERT_TRUE(q.ok() && *q->Step());
  EXPECT_EQ(q->ColumnText(0).rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << q->ColumnText(0);
  EXPECT_TRUE(Audit(kAuditLogin)[0].detail.at("rehashed").as_bool());
  EXPECT_TRUE(auth_->Login("an", kPassword, "").ok());
}

// At most max_concurrent_hashes logins hash at once; one that cannot get a
// turn within hash_wait_ms is told to retry.
TEST_F(AuthTest, LoginsBeyondTheHashingTurnsAreToldToRetry) {
  auth_options_.hash_cost = PasswordHashCost{2, size_t{16} << 20};
  auth_options_.max_concurrent_hashes = 1;
  auth_options_.hash_wait_ms = 0;
  RebuildAuth();
  constexpr int kThreads = 6;
  std::atomic<int> ready{0};
  std::atomic<int> busy{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      LoginAttempt a = auth_->Login("user" + std::to_string(i), "Sai mật khẩu rồi",
                                    "10.0.0." + std::to_string(i));
      if (a.refusal.code == "unavailable") {
        EXPECT_EQ(a.refusal.http_status, 503);
        EXPECT_EQ(a.retry_after_s, 1);
        busy.fetch_add(1);
      } else {
        EXPECT_EQ(a.refusal.code, "invalid_credentials");
        answered.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(busy.load(), 1);
  EXPECT_GE(answered.load(), 1);
}

TEST(TokenOfTest, ReadsTheBearerHeaderFirstThenTheCookie) {
  auto both = TokenOf(WithHeaders(
      {{"Cookie", "lang=vi; hoso_session=fromcookie"}, {"Authorization", "Bearer fromheader"}}));
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(both->token, "fromheader");
  EXPECT_FALSE(both->from_cookie);
  auto cookie = TokenOf(WithHeaders({{"Cookie", "lang=vi;hoso_session=abc; theme=dark"}}));
  ASSERT_TRUE(cookie.has_value());
  EXPECT_EQ(cookie->token, "abc");
  EXPECT_TRUE(cookie->from_cookie);
  auto lower = TokenOf(WithHeaders({{"authorization", "bearer xyz"}}));
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->token, "xyz");
  EXPECT_FALSE(TokenOf(WithHeaders({{"Authorization", "Basic YWJjOmRlZg=="}})).has_value());
  EXPECT_FALSE(TokenOf(WithHeaders({{"Cookie", "not_hoso_session=abc"}})).has_value());
}

TEST(SessionCookieTest, IsHttpOnlyAndSameSiteStrict) {
  EXPECT_EQ(SessionCookie("tok", 43200),
            "hoso_session=tok; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict");
  EXPECT_EQ(ClearedSessionCookie(), "hoso_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

}  // namespace
}  // namespace hoso::central
