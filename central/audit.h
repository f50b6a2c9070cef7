// The central's audit log: who did what, when and from where (table
// audit_log, schema/sql/central/004_users.sql). Rows are only ever appended;
// triggers make UPDATE and DELETE fail, so not even a bug can rewrite it.
//
// An action that changes state appends its row with AppendAudit() in the
// same transaction as the change, so the change and its record commit or
// roll back together. Actions are dotted names ("user.add", "auth.login");
// the list is in docs/API.md ("Audit log").
//
// Thread-safety: Actor and AuditEntry are values; the functions are
// reentrant and use the Database they are given (one thread at a time, see
// schema/sqlite.h).
#ifndef HOSO_CENTRAL_AUDIT_H_
#define HOSO_CENTRAL_AUDIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::central {

// Action names written by this module's callers.
inline constexpr char kAuditUserAdd[] = "user.add";
inline constexpr char kAuditUserDisable[] = "user.disable";
inline constexpr char kAuditUserEnable[] = "user.enable";
inline constexpr char kAuditUserPasswd[] = "user.passwd";
inline constexpr char kAuditLogin[] = "auth.login";
inline constexpr char kAuditLoginFailed[] = "auth.login_failed";
inline constexpr char kAuditLogout[] = "auth.logout";
inline constexpr char kAuditForbidden[] = "auth.forbidden";

// Audit queries answer at most this many rows per page.
inline constexpr int kMaxAuditPageSize = 1000;
inline constexpr int kDefaultAuditPageSize = 100;

// Who performs an action.
struct Actor {
  std::string name;                 // username, "cli:<os user>", "node:<node id>" or "anonymous"
  std::optional<int64_t> user_id;   // set for users only
  std::optional<std::string> role;  // the user's role at the time
  std::optional<std::string> unit_code;  // the user's unit at the time (none for admins)
  std::string remote_address;            // peer IP over HTTP; "" otherwise

  // "cli:" + the name of the OS user running this process (its uid when the
  // name cannot be found).
  static Actor Cli();
  static Actor Node(const std::string& node_id);
  static Actor Anonymous(std::string remote_address);
};

struct AuditEntry {
  int64_t audit_id = 0;
  UnixMs at_ms = 0;
  Actor actor;
  std::string action;
  std::string target;  // "" when the action has none
  json::object detail;

  // {"id","at","at_ms","actor","role","unit","action","target","detail",
  //  "remote_address"}; absent values are null.
  json::object ToJson() const;
};

// Appends one row. Call it inside the transaction that makes the change.
// Errors are those of SQLite (schema/sqlite.h).
Status AppendAudit(Database& db, UnixMs at_ms, const Actor& actor, std::string_view action,
                   std::string_view target, const json::object& detail = {});

struct AuditQuery {
  std::optional<std::string> actor;      // exactly this actor ("nguyen.van.an", "cli:root")
  std::optional<std::string> action;     // exactly, or every action under a prefix ending in '.'
  std::optional<UnixMs> since_ms;        // at_ms >= since_ms
  std::optional<std::string> unit_code;  // only rows whose actor belonged to this unit
  std::optional<int64_t> before_id;      // the page cursor: rows with audit_id < before_id
  int limit = kDefaultAuditPageSize;     // 1..kMaxAuditPageSize
};

struct AuditPage {
  std::vector<AuditEntry> entries;        // newest first
  std::optional<int64_t> next_before_id;  // the cursor of the next page; none at the end
};

// The rows matching `query`, newest first. kInvalidArgument for a limit out
// of range.
Result<AuditPage> ListAudit(Database& db, const AuditQuery& query);

// The query string of the audit routes: user, action, since (ISO 8601 time,
// or a date meaning local midnight), before (a cursor), limit.
// kInvalidArgument naming the parameter at fault.
Result<AuditQuery> AuditQueryFromParams(const std::map<std::string, std::string>& params);

// {"entries":[...],"next_before":N|null}.
json::object AuditPageToJson(const AuditPage& page);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_AUDIT_H_
