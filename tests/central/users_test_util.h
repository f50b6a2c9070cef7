// Fixture of the tests of users, sessions, authorisation and the audit log:
// a central (CentralFixture) with a UserAdmin and an Authenticator on the
// fixture's fake clock, hashing at the minimum Argon2id cost.
//
// Thread-safety: test code; the fixture belongs to the test's main thread.
#ifndef HOSO_TESTS_CENTRAL_USERS_TEST_UTIL_H_
#define HOSO_TESTS_CENTRAL_USERS_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "central/api.h"
#include "central/audit.h"
#include "central/auth.h"
#include "central/users.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/central_test_util.h"

namespace hoso::central::testing {

constexpr char kPassword[] = "Mùa xuân 2026!";  // valid for every test user
constexpr char kUnit[] = "000.00.17.H29";
constexpr char kOtherUnit[] = "000.00.18.H29";
constexpr char kAddress[] = "10.0.0.7";

class UsersFixture : public CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    UserAdminOptions uo;
    uo.clock = &clock_;
    uo.hash_cost = PasswordHashCost::Minimum();
    users_ = std::make_unique<UserAdmin>(store_.get(), uo);
    auth_options_.clock = &clock_;
    auth_options_.hash_cost = PasswordHashCost::Minimum();
    auth_ = std::make_unique<Authenticator>(store_.get(), auth_options_);
  }

  // Adds a user with kPassword; admins get no unit, others `unit`.
  User AddUser(const std::string& username, Role role, const std::string& unit = kUnit,
               const std::string& display_name = "") {
    NewUser nu;
    nu.username = username;
    nu.display_name = display_name;
    nu.role = role;
    if (role != Role::kAdmin) nu.unit_code = unit;
    auto u = users_->AddUser(nu, kPassword, Actor::Cli());
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User();
  }

  // Logs in with kPassword and returns the token ("" on failure).
  std::string LoginToken(const std::string& username, const std::string& address = kAddress) {
    LoginAttempt a = auth_->Login(username, kPassword, address);
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.refusal.ToString());
    return a.ok() ? a.result->token : "";
  }

  // The audit rows, newest first, optionally of one action.
  std::vector<AuditEntry> Audit(const std::optional<std::string>& action = std::nullopt) {
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return {};
    AuditQuery q;
    q.action = action;
    q.limit = kMaxAuditPageSize;
    auto page = ListAudit(**db, q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->entries : std::vector<AuditEntry>();
  }

  // Serves `api` over real HTTP on an ephemeral port of 127.0.0.1 as
  // server_, with client_ connected to it.
  void Serve(const CentralApi* api) {
    HttpServerOptions so;
    so.threads = 2;
    // Nothing is in flight when a test ends. When Stop() finds the I/O
    // threads already out of work, it waits out the whole grace period.
    so.stop_grace_ms = 100;
    auto server = HttpServer::Start(so, [api](const HttpRequest& r) { return api->Handle(r); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  // After changing auth_options_, to test other limits.
  void RebuildAuth() { auth_ = std::make_unique<Authenticator>(store_.get(), auth_options_); }

  AuthOptions auth_options_;
  std::unique_ptr<UserAdmin> users_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<HttpServer> server_;  // after Serve()
  std::unique_ptr<HttpClient> client_;
};

}  // namespace hoso::central::testing

#endif  // HOSO_TESTS_CENTRAL_USERS_TEST_UTIL_H_
