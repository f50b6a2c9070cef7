#include "central/audit.h"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <utility>

namespace hoso::central {
namespace {

json::value OptText(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value();
}

Result<int64_t> ParsePositive(const std::string& text, const std::string& param) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1) {
    return Status::InvalidArgument(param + " must be a positive whole number", param);
  }
  return v;
}

}  // namespace

Actor Actor::Cli() {
  // getpwuid_r, not getpwuid: other threads may look users up too.
  std::string name = std::to_string(::geteuid());
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr &&
      found->pw_name != nullptr && *found->pw_name != '\0') {
    name = found->pw_name;
  }
  Actor a;
  a.name = "cli:" + name;
  return a;
}

Actor Actor::Node(const std::string& node_id) {
  Actor a;
  a.name = "node:" + node_id;
  return a;
}

Actor Actor::Anonymous(std::string remote_address) {
  Actor a;
  a.name = "anonymous";
  a.remote_address = std::move(remote_address);
  return a;
}

json::object AuditEntry::ToJson() const {
  json::object o{
      {"id", audit_id},      {"at", FormatLocalIso(at_ms)}, {"at_ms", at_ms},
      {"actor", actor.name}, {"role", OptText(actor.role)}, {"unit", OptText(actor.unit_code)},
      {"action", action}};
  o["target"] = target.empty() ? json::value() : json::value(target);
  o["detail"] = detail;
  o["remote_address"] =
      actor.remote_address.empty() ? json::value() : json::value(actor.remote_address);
  return o;
}

Status AppendAudit(Database& db, UnixMs at_ms, const Actor& actor, std::string_view action,
                   std::string_view target, const json::object& detail) {
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO audit_log (at_ms, actor, user_id, role, unit_code, action, target, "
                 "detail, remote_address) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  ins.Bind(1, at_ms).Bind(2, actor.name).Bind(3, actor.user_id).Bind(4, actor.role);
  ins.Bind(5, actor.unit_code).Bind(6, action);
  if (target.empty()) {
    ins.BindNull(7);
  } else {
    ins.Bind(7, target);
  }
  ins.Bind(8, ToJson(detail));
  if (actor.remote_address.empty()) {
    ins.BindNull(9);
  } else {
    ins.Bind(9, actor.remote_address);
  }
  return ins.Run();
}

Result<AuditPage> ListAudit(Database& db, const AuditQuery& q) {
  if (q.limit < 1 || q.limit > kMaxAuditPageSize) {
    return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxAuditPageSize),
                                   "limit");
  }
  // One statement for every combination of filters: a NULL parameter turns
  // its condition off. An action ending in '.' selects everything under it.
  HOSO_ASSIGN_OR_RETURN(
      Statement s,
      db.Prepare("SELECT audit_id, at_ms, actor, user_id, role, unit_code, action, target, detail, "
                 "remote_address FROM audit_log "
                 "WHERE (?1 IS NULL OR actor = ?1) "
                 "AND (?2 IS NULL OR action = ?2 OR (substr(?2, -1) = '.' "
                 "     AND substr(action, 1, length(?2)) = ?2)) "
                 "AND (?3 IS NULL OR at_ms >= ?3) "
                 "AND (?4 IS NULL OR unit_code = ?4) "
                 "AND (?5 IS NULL OR audit_id < ?5) "
                 "ORDER BY audit_id DESC LIMIT ?6"));
  s.Bind(1, q.actor).Bind(2, q.action).Bind(3, q.since_ms).Bind(4, q.unit_code);
  s.Bind(5, q.before_id).Bind(6, static_cast<int64_t>(q.limit) + 1);
  AuditPage page;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (static_cast<int>(page.entries.size()) == q.limit) {
      // One row more than the page: there is a next page, starting below the
      // last row shown.
      page.next_before_id = page.entries.back().audit_id;
      break;
    }
    AuditEntry e;
    e.audit_id = s.ColumnInt(0);
    e.at_ms = s.ColumnInt(1);
    e.actor.name = s.ColumnText(2);
    e.actor.user_id = s.ColumnOptInt(3);
    e.actor.role = s.ColumnOptText(4);
    e.actor.unit_code = s.ColumnOptText(5);
    e.action = s.ColumnText(6);
    e.target = s.ColumnOptText(7).value_or("");
    auto detail = ParseJsonObject(s.ColumnText(8));
    if (!detail.ok())
      return Status::Corruption("audit row " + std::to_string(e.audit_id) +
                                " has a malformed detail");
    e.detail = std::move(detail).value();
    e.actor.remote_address = s.ColumnOptText(9).value_or("");
    page.entries.push_back(std::move(e));
  }
  return page;
}

Result<AuditQuery> AuditQueryFromParams(const std::map<std::string, std::string>& params) {
  AuditQuery q;
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = params.find(name);
    if (it == params.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  q.actor = get("user");
  q.action = get("action");
  if (auto since = get("since")) {
    if (since->size() == 10) {
      auto d = ParseDate(*since);
      if (!d.ok()) return Status::InvalidArgument(d.status().message(), "since");
      q.since_ms = LocalToUnixMs(*d, 0);
    } else {
      auto t = ParseIsoTime(*since);
      if (!t.ok()) return Status::InvalidArgument(t.status().message(), "since");
      q.since_ms = *t;
    }
  }
  if (auto before = get("before")) {
    HOSO_ASSIGN_OR_RETURN(q.before_id, ParsePositive(*before, "before"));
  }
  if (auto limit = get("limit")) {
    HOSO_ASSIGN_OR_RETURN(int64_t n, ParsePositive(*limit, "limit"));
    if (n > kMaxAuditPageSize) {
      return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxAuditPageSize),
                                     "limit");
    }
    q.limit = static_cast<int>(n);
  }
  return q;
}

json::object AuditPageToJson(const AuditPage& page) {
  json::array entries;
  for (const AuditEntry& e : page.entries) entries.push_back(e.ToJson());
  json::object o{{"entries", std::move(entries)}};
  o["next_before"] = page.next_before_id ? json::value(*page.next_before_id) : json::value();
  return o;
}

}  // namespace hoso::central
