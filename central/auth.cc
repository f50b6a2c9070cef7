#include "central/auth.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "sync/keys.h"

namespace hoso::central {
namespace {

constexpr size_t kSessionTokenBytes = 32;
constexpr size_t kMaxAuditedUsernameChars = 64;
constexpr char kInvalidCredentials[] = "the username or the password is wrong";

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// What the audit log and the per-username limit call a typed username: the
// normalised username when it is one, else the typed text made printable and
// short (it may be anything, even a password typed in the wrong field).
std::string AuditedUsername(std::string_view typed) {
  auto norm = NormaliseUsername(typed);
  if (norm.ok()) return *norm;
  if (!IsValidUtf8(typed)) return "(not UTF-8)";
  std::string out;
  size_t chars = 0;
  for (char c : typed) {
    const auto u = static_cast<unsigned char>(c);
    if ((u & 0xC0) != 0x80 && ++chars > kMaxAuditedUsernameChars) break;
    out.push_back(u < 0x20 || u == 0x7f ? '?' : AsciiLower(c));
  }
  return out.empty() ? "(empty)" : out;
}

int64_t CeilSeconds(int64_t ms) { return std::max<int64_t>(1, (ms + 999) / 1000); }

Refusal Unavailable(const Status& s) { return Refuse(503, "unavailable", s.message()); }

LoginAttempt Refused(Refusal r, int64_t retry_after_s = 0) {
  LoginAttempt a;
  a.refusal = std::move(r);
  a.retry_after_s = retry_after_s;
  return a;
}

// A refusal for a database error during login: busy is worth retrying.
LoginAttempt DbRefused(const Status& s) {
  if (s.IsUnavailable()) return Refused(Unavailable(s), 1);
  return Refused(Refusal::FromStatus(s));
}

struct UserRow {
  User user;
  std::string password_hash;
};

Result<std::optional<UserRow>> FindLoginUser(Database& db, const std::string& username) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string("SELECT ") + kUserColumns +
                                                ", u.password_hash FROM users u "
                                                "WHERE u.username = ?1"));
  q.Bind(1, username);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<UserRow>();
  HOSO_ASSIGN_OR_RETURN(User u, UserFromRow(q));
  return std::optional<UserRow>(UserRow{std::move(u), q.ColumnText(kUserColumnCount)});
}

// The at_ms of the failure that keeps the limit in force (the `max`-th most
// recent counted one), if there are `max` failures in the window.
Result<std::optional<UnixMs>> LimitingFailure(Statement& q) {
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<UnixMs>();
  return std::optional<UnixMs>(q.ColumnInt(0));
}

}  // namespace

json::object Session::ToJson() const {
  return json::object{{"created_at", FormatLocalIso(created_at_ms)},
                      {"expires_at", FormatLocalIso(expires_at_ms)},
                      {"absolute_expires_at", FormatLocalIso(absolute_expires_at_ms)}};
}

HttpResponse LoginAttempt::ToHttp() const {
  json::object error{{"code", refusal.code}, {"message", refusal.message}};
  if (!refusal.field.empty()) error["field"] = refusal.field;
  if (retry_after_s > 0) error["retry_after"] = retry_after_s;
  HttpResponse r = JsonResponse(refusal.http_status, json::object{{"error", std::move(error)}});
  if (retry_after_s > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

std::string NewSessionToken() {
  unsigned char raw[kSessionTokenBytes];
  randombytes_buf(raw, sizeof raw);
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  char b64[sodium_base64_ENCODED_LEN(kSessionTokenBytes, kVariant)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, kVariant);
  sodium_memzero(raw, sizeof raw);
  std::string token(b64);
  sodium_memzero(b64, sizeof b64);
  return token;
}

std::string SessionTokenHash(std::string_view token) { return sync::Blake2b256(token); }

std::optional<RequestToken> TokenOf(const HttpRequest& request) {
  const std::string authorization = request.Header("Authorization");
  constexpr std::string_view kBearer = "bearer ";
  if (authorization.size() > kBearer.size() &&
      EqualsIgnoreCase(std::string_view(authorization).substr(0, kBearer.size()), kBearer)) {
    std::string token = authorization.substr(kBearer.size());
    while (!token.empty() && token.front() == ' ') token.erase(token.begin());
    while (!token.empty() && token.back() == ' ') token.pop_back();
    return RequestToken{std::move(token), false};
  }
  const std::string cookies = request.Header("Cookie");
  std::string_view rest = cookies;
  const std::string prefix = std::string(kSessionCookieName) + "=";
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.substr(0, prefix.size()) == prefix) {
      return RequestToken{std::string(pair.substr(prefix.size())), true};
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string SessionCookie(std::string_view token, int64_t max_age_s) {
  return std::string(kSessionCookieName) + "=" + std::string(token) +
         "; Path=/; Max-Age=" + std::to_string(max_age_s) + "; HttpOnly; SameSite=Strict";
}

std::string ClearedSessionCookie() {
  return std::string(kSessionCookieName) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";
}

Authenticator::Authenticator(CentralStore* store, AuthOptions options)
    : store_(store),
      options_(options),
      hash_turns_(std::make_unique<std::counting_semaphore<kMaxConcurrentHashes>>(
          std::clamp(options.max_concurrent_hashes, 1, kMaxConcurrentHashes))) {
  // The stand-in for unknown usernames: a hash of a random password nobody
  // knows, at the cost real hashes have, so that checking it takes as long.
  const std::string random_password = NewSessionToken();
  auto hash = HashPassword(random_password, options_.hash_cost);
  stand_in_hash_ = hash.ok() ? *hash : std::string();
}

Authenticator::~Authenticator() = default;

bool Authenticator::VerifyTimed(const std::optional<std::string>& hash,
                                std::string_view password) const {
  if (!hash) {
    (void)VerifyPassword(stand_in_hash_, password);
    return false;
  }
  return VerifyPassword(*hash, password);
}

Result<int64_t> Authenticator::ThrottleSeconds(Database& db, const std::string& target,
                                               const std::string& remote_address, UnixMs now) {
  const UnixMs window_start = now - options_.failure_window_ms;
  UnixMs until = 0;
  // Per username, counting only failures after the last successful login.
  HOSO_ASSIGN_OR_RETURN(Statement by_user,
                        db.Prepare("SELECT at_ms FROM audit_log WHERE action = 'auth.login_failed' "
                                   "AND target = ?1 AND at_ms > ?2 AND audit_id > "
                                   "coalesce((SELECT max(audit_id) FROM audit_log "
                                   "          WHERE action = 'auth.login' AND target = ?1), 0) "
                                   "ORDER BY at_ms DESC LIMIT 1 OFFSET ?3"));
  by_user.Bind(1, target).Bind(2, window_start).Bind(3, options_.max_failures_per_username - 1);
  HOSO_ASSIGN_OR_RETURN(std::optional<UnixMs> user_limit, LimitingFailure(by_user));
  if (user_limit) until = std::max(until, *user_limit + options_.failure_window_ms);
  if (!remote_address.empty()) {
    HOSO_ASSIGN_OR_RETURN(
        Statement by_address,
        db.Prepare("SELECT at_ms FROM audit_log WHERE action = 'auth.login_failed' "
                   "AND remote_address = ?1 AND at_ms > ?2 "
                   "ORDER BY at_ms DESC LIMIT 1 OFFSET ?3"));
    by_address.Bind(1, remote_address)
        .Bind(2, window_start)
        .Bind(3, options_.max_failures_per_address - 1);
    HOSO_ASSIGN_OR_RETURN(std::optional<UnixMs> address_limit, LimitingFailure(by_address));
    if (address_limit) until = std::max(until, *address_limit + options_.failure_window_ms);
  }
  return until > now ? CeilSeconds(until - now) : 0;
}

LoginAttempt Authenticator::Login(std::string_view username, std::string_view password,
                                  const std::string& remote_address) {
  if (username.empty()) {
    return Refused(
        Refusal{400, "invalid_argument", "the username is missing", "username", std::nullopt});
  }
  if (password.empty()) {
    return Refused(
        Refusal{400, "invalid_argument", "the password is missing", "password", std::nullopt});
  }
  const std::string target = AuditedUsername(username);
  const UnixMs now = options_.clock->NowMs();
  auto db = store_->Db();
  if (!db.ok()) return DbRefused(db.status());

  auto throttle = ThrottleSeconds(**db, target, remote_address, now);
  if (!throttle.ok()) return DbRefused(throttle.status());
  if (*throttle > 0) {
    return Refused(Refuse(429, "too_many_attempts",
                          "too many failed logins for this username or from this address; try "
                          "again in " +
                              std::to_string(*throttle) + " s"),
                   *throttle);
  }

  std::optional<UserRow> found;
  if (auto norm = NormaliseUsername(username); norm.ok()) {
    auto row = FindLoginUser(**db, *norm);
    if (!row.ok()) return DbRefused(row.status());
    found = std::move(row).value();
  }

  bool password_ok = false;
  std::optional<std::string> new_hash;
  {
    if (!hash_turns_->try_acquire_for(std::chrono::milliseconds(options_.hash_wait_ms))) {
      return Refused(Refuse(503, "unavailable", "too many logins at once; try again in a second"),
                     1);
    }
    password_ok = VerifyTimed(
        found ? std::optional<std::string>(found->password_hash) : std::nullopt, password);
    // A hash made at another cost (the cost was raised since) is replaced
    // now that the password is known to be right.
    if (password_ok && NeedsRehash(found->password_hash, options_.hash_cost)) {
      auto h = HashPassword(password, options_.hash_cost);
      if (h.ok()) new_hash = std::move(h).value();
    }
    hash_turns_->release();
  }

  const char* reason = !found                 ? "unknown_user"
                       : !password_ok         ? "wrong_password"
                       : found->user.disabled ? "disabled"
                                              : nullptr;
  auto txn = Transaction::Begin(**db);
  if (!txn.ok()) return DbRefused(txn.status());
  if (reason != nullptr) {
    Status s = AppendAudit(**db, now, Actor::Anonymous(remote_address), kAuditLoginFailed, target,
                           json::object{{"reason", reason}});
    if (s.ok()) s = txn->Commit();
    if (!s.ok()) return DbRefused(s);
    if (found && password_ok) {
      return Refused(
          Refuse(403, "account_disabled", "this account is disabled; ask an administrator"));
    }
    return Refused(Refuse(401, "invalid_credentials", kInvalidCredentials));
  }

  LoginResult result;
  result.token = NewSessionToken();
  Session& session = result.session;
  session.user = std::move(found->user);
  session.created_at_ms = session.last_seen_ms = now;
  session.absolute_expires_at_ms = now + options_.session_absolute_ms;
  session.expires_at_ms = std::min(now + options_.session_idle_ms, session.absolute_expires_at_ms);
  auto write = [&]() -> Status {
    HOSO_ASSIGN_OR_RETURN(
        Statement ins,
        (*db)->Prepare("INSERT INTO sessions (token_hash, user_id, created_at_ms, last_seen_ms, "
                       "expires_at_ms, remote_address) VALUES (?1, ?2, ?3, ?3, ?4, ?5)"));
    ins.BindBlob(1, SessionTokenHash(result.token)).Bind(2, session.user.user_id);
    ins.Bind(3, now).Bind(4, session.absolute_expires_at_ms);
    if (remote_address.empty()) {
      ins.BindNull(5);
    } else {
      ins.Bind(5, remote_address);
    }
    HOSO_RETURN_IF_ERROR(ins.Run());
    session.session_id = (*db)->LastInsertRowId();
    if (new_hash) {
      HOSO_ASSIGN_OR_RETURN(Statement upd, (*db)->Prepare("UPDATE users SET password_hash = ?2 "
                                                          "WHERE user_id = ?1"));
      HOSO_RETURN_IF_ERROR(upd.Bind(1, session.user.user_id).Bind(2, *new_hash).Run());
    }
    json::object detail{{"session_id", session.session_id}};
    if (new_hash) detail["rehashed"] = true;
    HOSO_RETURN_IF_ERROR(AppendAudit(**db, now, session.user.AsActor(remote_address), kAuditLogin,
                                     session.user.username, detail));
    return txn->Commit();
  };
  if (Status s = write(); !s.ok()) return DbRefused(s);
  LoginAttempt ok;
  ok.result = std::move(result);
  return ok;
}

Outcome<Session> Authenticator::Authenticate(std::string_view token) {
  if (token.size() != kSessionTokenChars ||
      !std::all_of(token.begin(), token.end(), IsBase64UrlChar)) {
    return Refuse(401, "unauthenticated", "the session token is malformed; log in again");
  }
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(
      Statement q, db->Prepare(std::string("SELECT s.session_id, s.created_at_ms, s.last_seen_ms, "
                                           "s.expires_at_ms, s.revoked_reason, ") +
                               kUserColumns +
                               " FROM sessions s JOIN users u ON u.user_id = s.user_id "
                               "WHERE s.token_hash = ?1"));
  q.BindBlob(1, SessionTokenHash(token));
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Refuse(401, "unauthenticated", "unknown session; log in again");
  Session s;
  s.session_id = q.ColumnInt(0);
  s.created_at_ms = q.ColumnInt(1);
  s.last_seen_ms = q.ColumnInt(2);
  s.absolute_expires_at_ms = q.ColumnInt(3);
  const std::optional<std::string> revoked = q.ColumnOptText(4);
  HOSO_ASSIGN_OR_RETURN(s.user, UserFromRow(q, 5));
  q.Reset();
  if (revoked) {
    return Refuse(401, "session_revoked", "the session was ended (" + *revoked + "); log in again");
  }
  if (now >= s.absolute_expires_at_ms || now >= s.last_seen_ms + options_.session_idle_ms) {
    return Refuse(401, "session_expired", "the session has expired; log in again");
  }
  if (s.user.disabled) {
    return Refuse(403, "account_disabled", "this account is disabled; ask an administrator");
  }
  if (now - s.last_seen_ms >= options_.session_touch_interval_ms) {
    // Best effort: a missed touch only brings the idle expiry forward by up
    // to one touch interval.
    auto touch = db->Prepare(
        "UPDATE sessions SET last_seen_ms = ?2 WHERE session_id = ?1 "
        "AND last_seen_ms < ?2");
    if (touch.ok() && touch->Bind(1, s.session_id).Bind(2, now).Run().ok()) s.last_seen_ms = now;
  }
  s.expires_at_ms = std::min(s.last_seen_ms + options_.session_idle_ms, s.absolute_expires_at_ms);
  return s;
}

Status Authenticator::Logout(const Session& session, const std::string& remote_address) {
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement upd, db->Prepare("UPDATE sessions SET revoked_at_ms = ?2, "
                                                   "revoked_reason = 'logged out' "
                                                   "WHERE session_id = ?1 "
                                                   "AND revoked_at_ms IS NULL"));
  HOSO_RETURN_IF_ERROR(upd.Bind(1, session.session_id).Bind(2, now).Run());
  if (db->Changes() == 0) return Status::OK();
  HOSO_RETURN_IF_ERROR(AppendAudit(*db, now, session.user.AsActor(remote_address), kAuditLogout,
                                   session.user.username,
                                   json::object{{"session_id", session.session_id}}));
  return txn.Commit();
}

}  // namespace hoso::central
