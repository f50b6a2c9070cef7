#include "central/users.h"

#include <sodium.h>

#include <utility>

#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::central {
namespace {

std::string SelectUser() { return std::string("SELECT ") + kUserColumns + " FROM users u"; }

size_t CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLowerString(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool IsUsernameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Result<std::string> NormaliseDisplayName(std::string_view typed, const std::string& username) {
  if (!IsValidUtf8(typed)) {
    return Status::InvalidArgument("the display name is not valid UTF-8", "display_name");
  }
  std::string name = NormaliseSpaces(typed);
  if (name.empty()) name = username;
  if (CodePoints(name) > kMaxDisplayNameChars) {
    return Status::InvalidArgument(
        "the display name is longer than " + std::to_string(kMaxDisplayNameChars) + " characters",
        "display_name");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("the display name contains a control character",
                                     "display_name");
    }
  }
  return name;
}

Status ValidateUnitFor(Role role, const std::optional<std::string>& unit_code) {
  if (role == Role::kAdmin) {
    if (unit_code) {
      return Status::InvalidArgument("an admin belongs to no unit; leave the unit out",
                                     "unit_code");
    }
    return Status::OK();
  }
  if (!unit_code || unit_code->empty()) {
    return Status::InvalidArgument(
        std::string("the role ") + RoleName(role) + " needs a unit code (the user's department)",
        "unit_code");
  }
  Status s = ValidateUnitCode(*unit_code);
  if (!s.ok()) return Status::InvalidArgument(s.message(), "unit_code");
  return Status::OK();
}

Result<User> FindUserIn(Database& db, const std::string& username) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(SelectUser() + " WHERE u.username = ?1"));
  q.Bind(1, username);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no user " + username);
  return UserFromRow(q);
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kSupervisor:
      return "supervisor";
    case Role::kOfficer:
      return "officer";
    case Role::kDispatcher:
      return "dispatcher";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : kAllRoles) {
    if (name == RoleName(r)) return r;
  }
  return Status::InvalidArgument(
      "role must be one of admin, supervisor, officer, dispatcher (not '" + std::string(name) +
          "')",
      "role");
}

PasswordHashCost PasswordHashCost::Interactive() {
  return PasswordHashCost{crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

PasswordHashCost PasswordHashCost::Minimum() {
  return PasswordHashCost{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost) {
  if (sodium_init() < 0) return Status::Internal("libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  // crypto_pwhash_str_alg pins Argon2id whatever libsodium's default is.
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost.opslimit,
                            cost.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("not enough memory to hash a password (" +
                                     std::to_string(cost.memlimit_bytes >> 10) + " KiB)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buf[crypto_pwhash_STRBYTES] = {};
  hash.copy(buf, hash.size());
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view hash, const PasswordHashCost& cost) {
  if (hash.size() >= crypto_pwhash_STRBYTES) return true;
  char buf[crypto_pwhash_STRBYTES] = {};
  hash.copy(buf, hash.size());
  return crypto_pwhash_str_needs_rehash(buf, cost.opslimit, cost.memlimit_bytes) != 0;
}

Result<std::string> NormaliseUsername(std::string_view typed) {
  std::string_view t = typed;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  std::string u = AsciiLowerString(t);
  if (u.empty() || u.size() > kMaxUsernameChars) {
    return Status::InvalidArgument(
        "a username is 1.." + std::to_string(kMaxUsernameChars) + " characters", "username");
  }
  for (char c : u) {
    if (!IsUsernameChar(c)) {
      return Status::InvalidArgument(
          "a username may only hold letters a-z, digits, '.', '_' and '-' (no accents or "
          "spaces)",
          "username");
    }
  }
  if (u.front() == '.' || u.front() == '_' || u.front() == '-') {
    return Status::InvalidArgument("a username starts with a letter or a digit", "username");
  }
  return u;
}

Status ValidatePassword(std::string_view password, std::string_view username) {
  if (!IsValidUtf8(password)) {
    return Status::InvalidArgument("the password is not valid UTF-8", "password");
  }
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("the password contains a control character", "password");
    }
  }
  if (CodePoints(password) < kMinPasswordChars) {
    return Status::InvalidArgument(
        "the password must have at least " + std::to_string(kMinPasswordChars) + " characters",
        "password");
  }
  if (password.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument(
        "the password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes", "password");
  }
  if (password.find_first_not_of(password.front()) == std::string_view::npos) {
    return Status::InvalidArgument("the password is one character repeated", "password");
  }
  if (username.size() >= 3 &&
      AsciiLowerString(password).find(AsciiLowerString(username)) != std::string::npos) {
    return Status::InvalidArgument("the password must not contain the username", "password");
  }
  return Status::OK();
}

json::object User::ToJson() const {
  json::object o{{"username", username}, {"display_name", display_name}, {"role", RoleName(role)}};
  o["unit"] = unit_code ? json::value(*unit_code) : json::value();
  o["disabled"] = disabled;
  o["created_at"] = FormatLocalIso(created_at_ms);
  o["updated_at"] = FormatLocalIso(updated_at_ms);
  return o;
}

Actor User::AsActor(std::string remote_address) const {
  Actor a;
  a.name = username;
  a.user_id = user_id;
  a.role = RoleName(role);
  a.unit_code = unit_code;
  a.remote_address = std::move(remote_address);
  return a;
}

Result<User> UserFromRow(const Statement& s, int first) {
  User u;
  u.user_id = s.ColumnInt(first);
  u.username = s.ColumnText(first + 1);
  u.display_name = s.ColumnText(first + 2);
  auto role = ParseRole(s.ColumnText(first + 3));
  if (!role.ok()) return Status::Corruption("user " + u.username + " has an unknown role");
  u.role = *role;
  u.unit_code = s.ColumnOptText(first + 4);
  u.disabled = s.ColumnInt(first + 5) != 0;
  u.created_at_ms = s.ColumnInt(first + 6);
  u.updated_at_ms = s.ColumnInt(first + 7);
  return u;
}

Result<int> RevokeSessionsOfUser(Database& db, int64_t user_id, UnixMs now,
                                 std::string_view reason) {
  HOSO_ASSIGN_OR_RETURN(Statement upd, db.Prepare("UPDATE sessions SET revoked_at_ms = ?2, "
                                                  "revoked_reason = ?3 WHERE user_id = ?1 "
                                                  "AND revoked_at_ms IS NULL"));
  HOSO_RETURN_IF_ERROR(upd.Bind(1, user_id).Bind(2, now).Bind(3, reason).Run());
  return db.Changes();
}

UserAdmin::UserAdmin(CentralStore* store, UserAdminOptions options)
    : store_(store), options_(options) {}

Result<User> UserAdmin::AddUser(const NewUser& nu, std::string_view password, const Actor& actor) {
  User u;
  HOSO_ASSIGN_OR_RETURN(u.username, NormaliseUsername(nu.username));
  HOSO_ASSIGN_OR_RETURN(u.display_name, NormaliseDisplayName(nu.display_name, u.username));
  u.role = nu.role;
  u.unit_code = nu.unit_code;
  HOSO_RETURN_IF_ERROR(ValidateUnitFor(u.role, u.unit_code));
  HOSO_RETURN_IF_ERROR(ValidatePassword(password, u.username));
  // Hash before the write lock is taken: the hash takes tens of milliseconds.
  HOSO_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.hash_cost));

  const UnixMs now = options_.clock->NowMs();
  u.created_at_ms = u.updated_at_ms = now;
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement taken, db->Prepare("SELECT 1 FROM users WHERE username = ?1"));
  taken.Bind(1, u.username);
  HOSO_ASSIGN_OR_RETURN(bool exists, taken.Step());
  if (exists) return Status::Conflict("user " + u.username + " already exists");
  HOSO_ASSIGN_OR_RETURN(Statement ins,
                        db->Prepare("INSERT INTO users (username, display_name, role, unit_code, "
                                    "password_hash, created_at_ms, updated_at_ms) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, u.username)
                           .Bind(2, u.display_name)
                           .Bind(3, RoleName(u.role))
                           .Bind(4, u.unit_code)
                           .Bind(5, hash)
                           .Bind(6, now)
                           .Run());
  u.user_id = db->LastInsertRowId();
  json::object detail{{"role", RoleName(u.role)}, {"display_name", u.display_name}};
  detail["unit"] = u.unit_code ? json::value(*u.unit_code) : json::value();
  HOSO_RETURN_IF_ERROR(AppendAudit(*db, now, actor, kAuditUserAdd, u.username, detail));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return u;
}

Status UserAdmin::Disable(std::string_view username, const Actor& actor) {
  return SetDisabled(username, true, actor);
}

Status UserAdmin::Enable(std::string_view username, const Actor& actor) {
  return SetDisabled(username, false, actor);
}

Status UserAdmin::SetDisabled(std::string_view username, bool disabled, const Actor& actor) {
  HOSO_ASSIGN_OR_RETURN(std::string name, NormaliseUsername(username));
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(User u, FindUserIn(*db, name));
  if (u.disabled == disabled) {
    return Status::Conflict("user " + name + " is already " + (disabled ? "disabled" : "enabled"));
  }
  HOSO_ASSIGN_OR_RETURN(Statement upd, db->Prepare("UPDATE users SET disabled = ?2, "
                                                   "updated_at_ms = max(updated_at_ms, ?3) "
                                                   "WHERE user_id = ?1"));
  HOSO_RETURN_IF_ERROR(upd.Bind(1, u.user_id).Bind(2, disabled ? 1 : 0).Bind(3, now).Run());
  json::object detail;
  if (disabled) {
    HOSO_ASSIGN_OR_RETURN(int ended, RevokeSessionsOfUser(*db, u.user_id, now, "user disabled"));
    detail["sessions_ended"] = ended;
  }
  HOSO_RETURN_IF_ERROR(
      AppendAudit(*db, now, actor, disabled ? kAuditUserDisable : kAuditUserEnable, name, detail));
  return txn.Commit();
}

Status UserAdmin::SetPassword(std::string_view username, std::string_view password,
                              const Actor& actor) {
  HOSO_ASSIGN_OR_RETURN(std::string name, NormaliseUsername(username));
  HOSO_RETURN_IF_ERROR(ValidatePassword(password, name));
  {
    // Fail fast for an unknown user before spending a hash on it.
    HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
    HOSO_RETURN_IF_ERROR(FindUserIn(*db, name).status());
  }
  HOSO_ASSIGN_OR_RETURN(std::string hash, HashPassword(password, options_.hash_cost));
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(User u, FindUserIn(*db, name));
  HOSO_ASSIGN_OR_RETURN(Statement upd, db->Prepare("UPDATE users SET password_hash = ?2, "
                                                   "updated_at_ms = max(updated_at_ms, ?3) "
                                                   "WHERE user_id = ?1"));
  HOSO_RETURN_IF_ERROR(upd.Bind(1, u.user_id).Bind(2, hash).Bind(3, now).Run());
  HOSO_ASSIGN_OR_RETURN(int ended, RevokeSessionsOfUser(*db, u.user_id, now, "password changed"));
  HOSO_RETURN_IF_ERROR(AppendAudit(*db, now, actor, kAuditUserPasswd, name,
                                   json::object{{"sessions_ended", ended}}));
  return txn.Commit();
}

Result<std::vector<User>> UserAdmin::ListUsers() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare(SelectUser() + " ORDER BY u.username"));
  std::vector<User> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    HOSO_ASSIGN_OR_RETURN(User u, UserFromRow(q));
    out.push_back(std::move(u));
  }
  return out;
}

Result<User> UserAdmin::FindUser(std::string_view username) {
  HOSO_ASSIGN_OR_RETURN(std::string name, NormaliseUsername(username));
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  return FindUserIn(*db, name);
}

}  // namespace hoso::central
