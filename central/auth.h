// Authenticator: logins, sessions and logouts of the central's users.
//
// Login checks a username and password against the Argon2id hash in table
// users and opens a session. The session token is 32 random bytes
// (libsodium), base64url without padding (43 characters); only its
// BLAKE2b-256 is stored (table sessions), so a copy of the database does not
// let anyone in. A session ends at the first of: AuthOptions.session_idle_ms
// after its last use, session_absolute_ms after login, logout, the user being
// disabled, or a password change.
//
// Wrong passwords and unknown usernames get the same refusal, after the same
// work: an unknown username is checked against a stand-in hash of the same
// cost. Failed logins are counted per username and per remote address from
// the audit log (action "auth.login_failed"), so the limit holds across
// restarts and processes; past the limit, attempts are refused without
// hashing until the oldest counted failure leaves the window. A successful
// login restarts the username's count (not the address's).
//
// Argon2id at the interactive cost takes 100-200 ms of one core and 64 MiB
// (docs/PERFORMANCE.md), on a server thread. At most
// options.max_concurrent_hashes logins hash at once, and a login that cannot
// get a turn within hash_wait_ms is refused 503 (Retry-After: 1), so logins
// hold at most that many threads for a hash and the others for at most
// hash_wait_ms: the rest of the server keeps answering, and memory stays
// bounded.
//
// Thread-safety: safe for concurrent use; each call takes its own database
// connection from the CentralStore.
#ifndef HOSO_CENTRAL_AUTH_H_
#define HOSO_CENTRAL_AUTH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include "central/audit.h"
#include "central/central_store.h"
#include "central/refusal.h"
#include "central/users.h"
#include "schema/env.h"
#include "sync/http.h"

namespace hoso::central {

inline constexpr char kSessionCookieName[] = "hoso_session";
inline constexpr size_t kSessionTokenChars = 43;  // base64url of 32 bytes, no padding

struct AuthOptions {
  Clock* clock = SystemClock();
  // The cost of the stand-in hash for unknown usernames and of re-hashing a
  // password stored at another cost after a successful login. Production:
  // Interactive(); tests: Minimum().
  PasswordHashCost hash_cost = PasswordHashCost::Interactive();
  // Two hours covers the lunch break (11:30-13:30); twelve hours is one
  // working day, so everyone logs in each morning.
  int64_t session_idle_ms = 2 * kMsPerHour;
  int64_t session_absolute_ms = 12 * kMsPerHour;
  // last_seen_ms is written at most this often per session, so reads do not
  // each cost a write; the idle timeout is exact to this much.
  int64_t session_touch_interval_ms = kMsPerMinute;
  // Failed logins allowed within failure_window_ms.
  int max_failures_per_username = 5;
  int max_failures_per_address = 20;
  int64_t failure_window_ms = 15 * kMsPerMinute;
  int max_concurrent_hashes = 1;  // 1..kMaxConcurrentHashes
  int hash_wait_ms = 250;
};

inline constexpr int kMaxConcurrentHashes = 16;

// A live session and its user.
struct Session {
  int64_t session_id = 0;
  User user;
  UnixMs created_at_ms = 0;
  UnixMs last_seen_ms = 0;
  UnixMs absolute_expires_at_ms = 0;
  // When the session ends if not used again: min(last use + idle, absolute).
  UnixMs expires_at_ms = 0;

  // {"created_at","expires_at","absolute_expires_at"}.
  json::object ToJson() const;
};

struct LoginResult {
  std::string token;  // shown once; only its hash is stored
  Session session;
};

// The outcome of a login: a session, or a refusal with, for
// "too_many_attempts", the seconds until an attempt may succeed again.
struct LoginAttempt {
  std::optional<LoginResult> result;
  Refusal refusal;
  int64_t retry_after_s = 0;

  bool ok() const { return result.has_value(); }
  // The refusal as an HTTP error; "retry_after" inside "error" and a
  // Retry-After header when retry_after_s > 0. REQUIRES: !ok()
  HttpResponse ToHttp() const;
};

class Authenticator {
 public:
  // Computes the stand-in hash (one hash at options.hash_cost).
  // REQUIRES: store and options.clock outlive the Authenticator;
  // 1 <= options.max_concurrent_hashes <= kMaxConcurrentHashes.
  explicit Authenticator(CentralStore* store, AuthOptions options = {});
  ~Authenticator();

  // Refusals: 400 invalid_argument (a field missing), 401
  // invalid_credentials (unknown username or wrong password, alike), 403
  // account_disabled (right password, disabled user), 429 too_many_attempts,
  // 503 unavailable (no hashing turn, or the database is busy). Audit:
  // "auth.login" or "auth.login_failed" (detail.reason: unknown_user,
  // wrong_password, disabled); attempts refused by the rate limit are not
  // written one by one.
  LoginAttempt Login(std::string_view username, std::string_view password,
                     const std::string& remote_address);

  // The live session of `token`. Refusals: 401 unauthenticated (unknown or
  // malformed token), 401 session_revoked (logged out, user disabled,
  // password changed; the message says which), 401 session_expired, 403
  // account_disabled.
  Outcome<Session> Authenticate(std::string_view token);

  // Ends the session; audit "auth.logout". OK when it had already ended.
  Status Logout(const Session& session, const std::string& remote_address);

  const AuthOptions& options() const { return options_; }

 private:
  // REQUIRES: the caller holds a hashing turn.
  bool VerifyTimed(const std::optional<std::string>& hash, std::string_view password) const;
  // kResourceExhausted with the retry time when over a limit.
  Result<int64_t> ThrottleSeconds(Database& db, const std::string& target,
                                  const std::string& remote_address, UnixMs now);

  CentralStore* store_;
  AuthOptions options_;
  std::string stand_in_hash_;
  std::unique_ptr<std::counting_semaphore<kMaxConcurrentHashes>> hash_turns_;
};

// A fresh token: 32 random bytes, base64url without padding.
std::string NewSessionToken();
// BLAKE2b-256 of the token as sent (32 raw bytes, as sessions stores it).
std::string SessionTokenHash(std::string_view token);

// The session token a request carries: "Authorization: Bearer <token>", or
// else the hoso_session cookie.
struct RequestToken {
  std::string token;
  bool from_cookie = false;
};
std::optional<RequestToken> TokenOf(const HttpRequest& request);

// Set-Cookie values: the session cookie (HttpOnly, SameSite=Strict, Path=/,
// Max-Age in seconds) and one that deletes it.
std::string SessionCookie(std::string_view token, int64_t max_age_s);
std::string ClearedSessionCookie();

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_AUTH_H_
