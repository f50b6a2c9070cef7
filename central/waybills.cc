#include "central/waybills.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "schema/ids.h"
#include "schema/time.h"

namespace hoso::central {
namespace {

constexpr int64_t kMaxSetting = kMaxWaybillSerial + 1;

std::string Serial8(int64_t serial) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%08lld", static_cast<long long>(serial));
  return buf;
}

json::value TimeOrNull(const std::optional<UnixMs>& t) {
  return t ? json::value(FormatLocalIso(*t)) : json::value();
}

json::object BlockItem(int64_t block_id, const std::string& prefix, int64_t first, int64_t last) {
  return json::object{{"kind", "waybill_block"},
                      {"block_id", block_id},
                      {"prefix", prefix},
                      {"first", first},
                      {"last", last}};
}

// How many serials of prefix first..last the received events carry. Every
// stored waybill is a valid S10 number (events are validated on ingest), so
// "PP" + 8 digits orders them by serial and the waybill index answers this
// with a range scan.
Result<int64_t> UsedSerials(Database& db, const std::string& prefix, int64_t first, int64_t last) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT COUNT(DISTINCT waybill) FROM events "
                                   "WHERE waybill IS NOT NULL AND waybill >= ?1 AND waybill < ?2"));
  // ':' sorts right after '9', so "PP:" bounds every serial of the prefix.
  const std::string hi = last >= kMaxWaybillSerial ? prefix + ":" : prefix + Serial8(last + 1);
  q.Bind(1, prefix + Serial8(first)).Bind(2, hi);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  return row ? q.ColumnInt(0) : 0;
}

Status PutSetting(Database& db, const char* key, const std::string& value) {
  HOSO_ASSIGN_OR_RETURN(Statement st,
                        db.Prepare("INSERT INTO central_settings (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  return st.Bind(1, key).Bind(2, value).Run();
}

Status ValidateSettings(const WaybillSettings& s) {
  if (s.block_size < 1 || s.block_size > kMaxSetting) {
    return Status::InvalidArgument("the block size must be 1..100000000", "block_size");
  }
  if (s.low_water < 1 || s.low_water > kMaxSetting) {
    return Status::InvalidArgument("the low-water mark must be 1..100000000", "low_water");
  }
  for (const std::string& r : s.roles) {
    if (r != "desk" && r != "courier") {
      return Status::InvalidArgument("roles may only be desk and courier", "roles");
    }
  }
  return Status::OK();
}

std::string JoinRoles(const std::vector<std::string>& roles) {
  std::string out;
  for (const std::string& r : roles) out += (out.empty() ? "" : ",") + r;
  return out;
}

Result<int64_t> IntSetting(Database& db, const char* key, int64_t fallback) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT value FROM central_settings "
                                                "WHERE key = ?1"));
  q.Bind(1, key);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return fallback;
  const std::string v = q.ColumnText(0);
  if (v.empty() || v.size() > 10 || v.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Corruption(std::string("central setting ") + key + " is not a number");
  }
  return std::stoll(v);
}

}  // namespace

// ---- Values ---------------------------------------------------------------------

bool WaybillSettings::IssuesWaybills(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

json::object WaybillSettings::ToJson() const {
  json::array r;
  for (const std::string& role : roles) r.push_back(json::value(role));
  return json::object{{"block_size", block_size}, {"low_water", low_water}, {"roles", r}};
}

json::object WaybillRangeInfo::ToJson() const {
  return json::object{{"range_id", range_id},
                      {"prefix", prefix},
                      {"first", first},
                      {"last", last},
                      {"next", next},
                      {"free_serials", free_serials()},
                      {"added_at", FormatLocalIso(added_at_ms)}};
}

json::object WaybillBlockInfo::ToJson() const {
  json::object o{{"block_id", block_id}, {"node_id", node_id},
                 {"prefix", prefix},     {"first", first},
                 {"last", last},         {"allocated_at", FormatLocalIso(allocated_at_ms)}};
  o["confirmed_at"] = TimeOrNull(confirmed_at_ms);
  o["used_up_at"] = TimeOrNull(used_up_at_ms);
  return o;
}

json::object NodeWaybillStock::ToJson() const {
  json::object o{{"node_id", node_id},
                 {"unused_serials", unused_serials},
                 {"checked_at", FormatLocalIso(checked_at_ms)}};
  o["short_since"] = TimeOrNull(short_since_ms);
  return o;
}

json::object WaybillPool::ToJson() const {
  json::array r, b, s;
  for (const auto& x : ranges) r.push_back(x.ToJson());
  for (const auto& x : blocks) b.push_back(x.ToJson());
  for (const auto& x : stock) s.push_back(x.ToJson());
  return json::object{{"settings", settings.ToJson()},
                      {"free_serials", free_serials},
                      {"ranges", r},
                      {"blocks", b},
                      {"nodes", s}};
}

Result<std::vector<std::string>> ParseWaybillRoles(const std::string& text) {
  std::vector<std::string> roles;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string role = text.substr(start, comma - start);
    role.erase(0, role.find_first_not_of(' '));
    role.erase(role.find_last_not_of(' ') + 1);
    if (!role.empty()) {
      if (role != "desk" && role != "courier") {
        return Status::InvalidArgument("unknown role '" + role + "': roles are desk and courier",
                                       "roles");
      }
      if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
    }
    start = comma + 1;
  }
  return roles;
}

Result<WaybillSettings> ReadWaybillSettings(Database& db) {
  WaybillSettings s;
  HOSO_ASSIGN_OR_RETURN(s.block_size,
                        IntSetting(db, kSettingWaybillBlockSize, kDefaultWaybillBlockSize));
  HOSO_ASSIGN_OR_RETURN(s.low_water,
                        IntSetting(db, kSettingWaybillLowWater, kDefaultWaybillLowWater));
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT value FROM central_settings "
                                                "WHERE key = ?1"));
  q.Bind(1, kSettingWaybillRoles);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  HOSO_ASSIGN_OR_RETURN(s.roles, ParseWaybillRoles(row ? q.ColumnText(0) : kDefaultWaybillRoles));
  return s;
}

// ---- The down-sync ------------------------------------------------------------

Result<std::vector<json::object>> TakeWaybillBlockItems(Database& db, const std::string& node_id,
                                                        UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(WaybillSettings settings, ReadWaybillSettings(db));
  HOSO_ASSIGN_OR_RETURN(Statement role_q, db.Prepare("SELECT role FROM nodes WHERE node_id = ?1"));
  role_q.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool known, role_q.Step());
  if (!known) return Status::NotFound("no node " + node_id);
  const bool issues = settings.IssuesWaybills(role_q.ColumnText(0));

  std::vector<json::object> items;
  int64_t unused = 0;
  HOSO_ASSIGN_OR_RETURN(Statement blocks,
                        db.Prepare("SELECT block_id, prefix, first, last, confirmed_at_ms "
                                   "FROM waybill_blocks WHERE node_id = ?1 "
                                   "AND used_up_at_ms IS NULL ORDER BY block_id"));
  HOSO_ASSIGN_OR_RETURN(Statement confirm,
                        db.Prepare("UPDATE waybill_blocks SET confirmed_at_ms = ?2 "
                                   "WHERE block_id = ?1"));
  HOSO_ASSIGN_OR_RETURN(Statement used_up, db.Prepare("UPDATE waybill_blocks SET used_up_at_ms = "
                                                      "?2 WHERE block_id = ?1"));
  struct Held {
    int64_t block_id, first, last;
    std::string prefix;
    bool confirmed;
  };
  std::vector<Held> held;
  blocks.Bind(1, node_id);
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, blocks.Step());
    if (!row) break;
    held.push_back(Held{blocks.ColumnInt(0), blocks.ColumnInt(2), blocks.ColumnInt(3),
                        blocks.ColumnText(1), !blocks.IsNull(4)});
  }
  for (Held& b : held) {
    HOSO_ASSIGN_OR_RETURN(int64_t used, UsedSerials(db, b.prefix, b.first, b.last));
    if (used > 0 && !b.confirmed) {
      HOSO_RETURN_IF_ERROR(confirm.Bind(1, b.block_id).Bind(2, now).Run());
      b.confirmed = true;
    }
    const int64_t size = b.last - b.first + 1;
    if (used >= size) HOSO_RETURN_IF_ERROR(used_up.Bind(1, b.block_id).Bind(2, now).Run());
    unused += std::max<int64_t>(0, size - used);
    if (!b.confirmed) items.push_back(BlockItem(b.block_id, b.prefix, b.first, b.last));
  }
  if (!issues) return items;

  bool pool_empty = false;
  HOSO_ASSIGN_OR_RETURN(Statement range_q,
                        db.Prepare("SELECT range_id, prefix, next, last FROM waybill_ranges "
                                   "WHERE next <= last ORDER BY range_id LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(Statement ins,
                        db.Prepare("INSERT INTO waybill_blocks (node_id, prefix, first, last, "
                                   "allocated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)"));
  HOSO_ASSIGN_OR_RETURN(Statement advance, db.Prepare("UPDATE waybill_ranges SET next = ?2 "
                                                      "WHERE range_id = ?1"));
  for (int allocated = 0; unused < settings.low_water && allocated < kMaxBlocksPerDownSync;
       ++allocated) {
    range_q.Reset();
    HOSO_ASSIGN_OR_RETURN(bool free, range_q.Step());
    if (!free) {
      pool_empty = true;
      break;
    }
    const int64_t range_id = range_q.ColumnInt(0);
    const std::string prefix = range_q.ColumnText(1);
    const int64_t first = range_q.ColumnInt(2);
    const int64_t last = std::min(range_q.ColumnInt(3), first + settings.block_size - 1);
    HOSO_RETURN_IF_ERROR(
        ins.Bind(1, node_id).Bind(2, prefix).Bind(3, first).Bind(4, last).Bind(5, now).Run());
    const int64_t block_id = db.LastInsertRowId();
    HOSO_RETURN_IF_ERROR(advance.Bind(1, range_id).Bind(2, last + 1).Run());
    items.push_back(BlockItem(block_id, prefix, first, last));
    unused += last - first + 1;
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement stock,
      db.Prepare("INSERT INTO node_waybill_stock (node_id, unused_serials, checked_at_ms, "
                 "short_since_ms) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (node_id) DO UPDATE SET "
                 "unused_serials = excluded.unused_serials, checked_at_ms = "
                 "excluded.checked_at_ms, short_since_ms = CASE WHEN excluded.short_since_ms "
                 "IS NULL THEN NULL ELSE COALESCE(node_waybill_stock.short_since_ms, "
                 "excluded.short_since_ms) END"));
  stock.Bind(1, node_id).Bind(2, unused).Bind(3, now);
  if (pool_empty) {
    stock.Bind(4, now);
  } else {
    stock.BindNull(4);
  }
  HOSO_RETURN_IF_ERROR(stock.Run());
  return items;
}

Result<std::vector<std::string>> WaybillWarnings(Database& db) {
  std::vector<std::string> out;
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> free,
                        db.QueryInt("SELECT SUM(last - next + 1) FROM waybill_ranges"));
  // With serials in the pool a short node gets a block at its next sync.
  if (free.value_or(0) > 0) return out;
  HOSO_ASSIGN_OR_RETURN(WaybillSettings settings, ReadWaybillSettings(db));
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT s.node_id, s.unused_serials FROM node_waybill_stock s "
                                   "JOIN nodes n ON n.node_id = s.node_id "
                                   "WHERE s.short_since_ms IS NOT NULL AND n.state = 'active' "
                                   "ORDER BY s.node_id"));
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back("waybill pool empty: node " + q.ColumnText(0) + " has " +
                  std::to_string(q.ColumnInt(1)) + " unused waybill serials (low water " +
                  std::to_string(settings.low_water) +
                  "); add a range with hoso-central waybill add-range");
  }
  return out;
}

// ---- WaybillAdmin ---------------------------------------------------------------

WaybillAdmin::WaybillAdmin(CentralStore* store, Clock* clock) : store_(store), clock_(clock) {}

Result<WaybillRangeInfo> WaybillAdmin::AddRange(const std::string& prefix, int64_t first,
                                                int64_t last) {
  HOSO_RETURN_IF_ERROR(ValidateWaybillBlock(WaybillBlock{"range", prefix, first, last}));
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  const char* const kOverlaps[] = {
      "SELECT first, last FROM waybill_ranges WHERE prefix = ?1 AND first <= ?3 AND ?2 <= last",
      "SELECT first, last FROM waybill_blocks WHERE prefix = ?1 AND first <= ?3 AND ?2 <= last",
  };
  for (const char* sql : kOverlaps) {
    HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare(sql));
    q.Bind(1, prefix).Bind(2, first).Bind(3, last);
    HOSO_ASSIGN_OR_RETURN(bool overlap, q.Step());
    if (overlap) {
      return Status::Conflict(prefix + " " + std::to_string(first) + ".." + std::to_string(last) +
                              " overlaps " + prefix + " " + std::to_string(q.ColumnInt(0)) + ".." +
                              std::to_string(q.ColumnInt(1)) + ", already in the pool");
    }
  }
  WaybillRangeInfo r;
  r.prefix = prefix;
  r.first = first;
  r.last = last;
  r.next = first;
  r.added_at_ms = clock_->NowMs();
  HOSO_ASSIGN_OR_RETURN(Statement ins,
                        db->Prepare("INSERT INTO waybill_ranges (prefix, first, last, next, "
                                    "added_at_ms) VALUES (?1, ?2, ?3, ?2, ?4)"));
  HOSO_RETURN_IF_ERROR(
      ins.Bind(1, prefix).Bind(2, first).Bind(3, last).Bind(4, r.added_at_ms).Run());
  r.range_id = db->LastInsertRowId();
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return r;
}

Result<WaybillPool> WaybillAdmin::List() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  WaybillPool pool;
  HOSO_ASSIGN_OR_RETURN(pool.settings, ReadWaybillSettings(*db));
  HOSO_ASSIGN_OR_RETURN(Statement rq, db->Prepare("SELECT range_id, prefix, first, last, next, "
                                                  "added_at_ms FROM waybill_ranges "
                                                  "ORDER BY range_id"));
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, rq.Step());
    if (!row) break;
    WaybillRangeInfo r{rq.ColumnInt(0), rq.ColumnText(1), rq.ColumnInt(2),
                       rq.ColumnInt(3), rq.ColumnInt(4),  rq.ColumnInt(5)};
    pool.free_serials += r.free_serials();
    pool.ranges.push_back(std::move(r));
  }
  HOSO_ASSIGN_OR_RETURN(Statement bq, db->Prepare("SELECT block_id, node_id, prefix, first, last, "
                                                  "allocated_at_ms, confirmed_at_ms, "
                                                  "used_up_at_ms FROM waybill_blocks "
                                                  "ORDER BY block_id"));
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, bq.Step());
    if (!row) break;
    pool.blocks.push_back(WaybillBlockInfo{bq.ColumnInt(0), bq.ColumnText(1), bq.ColumnText(2),
                                           bq.ColumnInt(3), bq.ColumnInt(4), bq.ColumnInt(5),
                                           bq.ColumnOptInt(6), bq.ColumnOptInt(7)});
  }
  HOSO_ASSIGN_OR_RETURN(Statement sq, db->Prepare("SELECT node_id, unused_serials, checked_at_ms, "
                                                  "short_since_ms FROM node_waybill_stock "
                                                  "ORDER BY node_id"));
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, sq.Step());
    if (!row) break;
    pool.stock.push_back(
        NodeWaybillStock{sq.ColumnText(0), sq.ColumnInt(1), sq.ColumnInt(2), sq.ColumnOptInt(3)});
  }
  return pool;
}

Result<WaybillSettings> WaybillAdmin::Settings() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  return ReadWaybillSettings(*db);
}

Status WaybillAdmin::Configure(const WaybillSettings& settings) {
  HOSO_RETURN_IF_ERROR(ValidateSettings(settings));
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_RETURN_IF_ERROR(
      PutSetting(*db, kSettingWaybillBlockSize, std::to_string(settings.block_size)));
  HOSO_RETURN_IF_ERROR(
      PutSetting(*db, kSettingWaybillLowWater, std::to_string(settings.low_water)));
  HOSO_RETURN_IF_ERROR(PutSetting(*db, kSettingWaybillRoles, JoinRoles(settings.roles)));
  return txn.Commit();
}

}  // namespace hoso::central
