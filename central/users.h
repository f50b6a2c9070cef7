// UserAdmin: the central's user accounts (table users): adding, listing,
// disabling and re-enabling users and setting passwords, each change written
// to the audit log in the same transaction. Roles, the username and password
// rules, and Argon2id password hashing (libsodium crypto_pwhash_str) live
// here too.
//
// Usernames are 1..64 ASCII characters [a-z0-9._-], starting with a letter
// or digit, and compared case-insensitively (stored lower-case). Display
// names are UTF-8 with spaces normalised ("Nguyễn Văn An"). Passwords: see
// ValidatePassword().
//
// Thread-safety: safe for concurrent use; each call takes its own database
// connection from the CentralStore.
#ifndef HOSO_CENTRAL_USERS_H_
#define HOSO_CENTRAL_USERS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "central/audit.h"
#include "central/central_store.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/status.h"

namespace hoso::central {

enum class Role { kAdmin, kSupervisor, kOfficer, kDispatcher };
inline constexpr Role kAllRoles[] = {Role::kAdmin, Role::kSupervisor, Role::kOfficer,
                                     Role::kDispatcher};

// "admin", "supervisor", "officer", "dispatcher".
const char* RoleName(Role role);
// kInvalidArgument (field "role") for anything else.
Result<Role> ParseRole(std::string_view name);

inline constexpr size_t kMinPasswordChars = 10;   // Unicode code points
inline constexpr size_t kMaxPasswordBytes = 256;  // UTF-8 bytes
inline constexpr size_t kMaxUsernameChars = 64;
inline constexpr size_t kMaxDisplayNameChars = 128;

// The Argon2id cost of new password hashes. Verification uses the cost
// recorded in each stored hash.
struct PasswordHashCost {
  uint64_t opslimit = 0;
  size_t memlimit_bytes = 0;

  // crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (2 passes,
  // 64 MiB): the production cost.
  static PasswordHashCost Interactive();
  // The least libsodium accepts (1 pass, 8 KiB): for tests only, where
  // hundreds of hashes must take milliseconds.
  static PasswordHashCost Minimum();
};

// crypto_pwhash_str with Argon2id at `cost`: "$argon2id$v=19$m=...". The
// password's bytes are hashed exactly as given. kResourceExhausted when the
// memory for the hash cannot be had.
Result<std::string> HashPassword(std::string_view password, const PasswordHashCost& cost);
// True when `hash` is a hash of `password`; false for a wrong password and
// for a malformed hash.
bool VerifyPassword(std::string_view hash, std::string_view password);
// True when `hash` was made at another cost than `cost` (or is malformed).
bool NeedsRehash(std::string_view hash, const PasswordHashCost& cost);

// "Nguyen.Van.An " -> "nguyen.van.an". kInvalidArgument (field "username")
// when the result breaks the username rules.
Result<std::string> NormaliseUsername(std::string_view typed);

// The password rules: valid UTF-8 without control characters,
// kMinPasswordChars..kMaxPasswordBytes, not one character repeated, and not
// containing the username. kInvalidArgument (field "password") saying which
// rule is broken; the message never repeats the password.
Status ValidatePassword(std::string_view password, std::string_view username);

struct User {
  int64_t user_id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kOfficer;
  std::optional<std::string> unit_code;  // none for admins only
  bool disabled = false;
  UnixMs created_at_ms = 0;
  UnixMs updated_at_ms = 0;

  // {"username","display_name","role","unit","disabled","created_at",
  //  "updated_at"}; never the password hash.
  json::object ToJson() const;
  // The audit actor for this user acting from `remote_address`.
  Actor AsActor(std::string remote_address = "") const;
};

struct NewUser {
  std::string username;      // normalised by AddUser
  std::string display_name;  // the username when empty
  Role role = Role::kOfficer;
  std::optional<std::string> unit_code;  // required for every role but admin, refused for admin
};

struct UserAdminOptions {
  Clock* clock = SystemClock();
  PasswordHashCost hash_cost = PasswordHashCost::Interactive();
};

class UserAdmin {
 public:
  // REQUIRES: store and options.clock outlive the UserAdmin.
  explicit UserAdmin(CentralStore* store, UserAdminOptions options = {});

  // Adds a user; audit "user.add". kInvalidArgument naming the field for a
  // bad username, display name, unit code (schema/ids.h rules) or password;
  // kConflict when the username is taken in any case.
  Result<User> AddUser(const NewUser& user, std::string_view password, const Actor& actor);

  // Disables the user and ends every session of theirs; audit
  // "user.disable". kNotFound for an unknown user; kConflict when already
  // disabled.
  Status Disable(std::string_view username, const Actor& actor);
  // Lets a disabled user log in again; audit "user.enable". kNotFound,
  // kConflict when not disabled.
  Status Enable(std::string_view username, const Actor& actor);
  // Sets a new password and ends every session of the user; audit
  // "user.passwd". kNotFound; kInvalidArgument for a password breaking the
  // rules.
  Status SetPassword(std::string_view username, std::string_view password, const Actor& actor);

  // Every user, by username.
  Result<std::vector<User>> ListUsers();
  // kNotFound for an unknown username.
  Result<User> FindUser(std::string_view username);

 private:
  Status SetDisabled(std::string_view username, bool disabled, const Actor& actor);

  CentralStore* store_;
  UserAdminOptions options_;
};

// The columns UserFromRow() reads, for SELECTs of other modules.
inline constexpr char kUserColumns[] =
    "u.user_id, u.username, u.display_name, u.role, u.unit_code, u.disabled, u.created_at_ms, "
    "u.updated_at_ms";
inline constexpr int kUserColumnCount = 8;
// A User from the kUserColumns starting at column `first`. kCorruption for a
// role the schema should not have let in.
Result<User> UserFromRow(const Statement& s, int first = 0);

// Revokes every live session of `user_id` with `reason`; returns how many.
// REQUIRES: a write transaction is open on `db`.
Result<int> RevokeSessionsOfUser(Database& db, int64_t user_id, UnixMs now,
                                 std::string_view reason);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_USERS_H_
