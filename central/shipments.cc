#include "central/shipments.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "central/waybills.h"
#include "schema/ids.h"

namespace hoso::central {
namespace {

using T = EventType;
using S = ShipmentState;

std::optional<int64_t> OptInt(const json::object& o, std::string_view key) {
  auto v = GetOptInt(o, key);
  return v.ok() ? *v : std::nullopt;
}
std::optional<std::string> OptString(const json::object& o, std::string_view key) {
  auto v = GetOptString(o, key);
  return v.ok() ? *v : std::nullopt;
}
json::value OptJson(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value();
}
json::value OptJson(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(); }
json::value OptTime(const std::optional<UnixMs>& v) {
  return v ? json::value(FormatLocalIso(*v)) : json::value();
}

// Fold order (shipments.h): shipment_created first, then the chains merged
// by device time, the central's events first at a tie, then by author id;
// a courier's events never before the first assignment to that courier.
std::vector<ShipmentEvent> FoldOrder(std::vector<ShipmentEvent> events) {
  std::map<std::string, std::vector<ShipmentEvent>> chains;
  std::set<std::string> assigned;  // couriers some assignment names
  for (ShipmentEvent& e : events) {
    if (e.type == T::kShipmentAssigned) {
      if (auto c = OptString(e.payload, "courier_node_id")) assigned.insert(*c);
    }
    chains[e.node_id].push_back(std::move(e));
  }
  for (auto& [node, chain] : chains) {
    std::sort(chain.begin(), chain.end(),
              [](const ShipmentEvent& a, const ShipmentEvent& b) { return a.seq < b.seq; });
  }
  auto key = [](const ShipmentEvent& e) {
    return std::make_tuple(e.type != T::kShipmentCreated, e.device_time_ms, !e.by_central);
  };
  std::set<std::string> released;  // couriers whose first assignment is out
  std::map<std::string, size_t> next;
  std::vector<ShipmentEvent> out;
  for (;;) {
    const std::string* best = nullptr;
    const std::string* fallback = nullptr;  // when every head waits (never in practice)
    for (auto& [node, chain] : chains) {
      const size_t i = next[node];
      if (i >= chain.size()) continue;
      if (fallback == nullptr || key(chain[i]) < key(chains[*fallback][next[*fallback]])) {
        fallback = &node;
      }
      // A courier acts on the assignment it was sent: its events wait for it.
      if (!chain[i].by_central && assigned.count(node) > 0 && released.count(node) == 0) continue;
      if (best == nullptr || key(chain[i]) < key(chains[*best][next[*best]])) best = &node;
    }
    if (best == nullptr) best = fallback;
    if (best == nullptr) break;
    ShipmentEvent& e = chains[*best][next[*best]++];
    if (e.type == T::kShipmentAssigned) {
      if (auto c = OptString(e.payload, "courier_node_id")) released.insert(*c);
    }
    out.push_back(std::move(e));
  }
  return out;
}

const char kColumns[] =
    "waybill, dossier_code, state, courier_node_id, assignment_id, origin_node_id, "
    "recipient_name, phone, address, procedure_name, postal_fee_vnd, fee_collected_vnd, "
    "attempts, created_at_ms, assigned_at_ms, picked_up_at_ms, delivered_at_ms, returned_at_ms, "
    "last_event_id, last_event_type, last_event_at_ms, event_count, conflict_count";

ShipmentProjection ReadRow(const Statement& q) {
  ShipmentProjection p;
  p.waybill = q.ColumnText(0);
  p.dossier_code = q.ColumnOptText(1);
  if (auto s = q.ColumnOptText(2)) {
    auto st = ShipmentStateFromName(*s);
    if (st.ok()) p.state = *st;
  }
  p.courier_node_id = q.ColumnOptText(3);
  p.assignment_id = q.ColumnOptText(4);
  p.origin_node_id = q.ColumnOptText(5);
  p.recipient_name = q.ColumnOptText(6);
  p.phone = q.ColumnOptText(7);
  p.address = q.ColumnOptText(8);
  p.procedure_name = q.ColumnOptText(9);
  p.postal_fee_vnd = q.ColumnOptInt(10);
  p.fee_collected_vnd = q.ColumnOptInt(11);
  p.attempts = static_cast<int>(q.ColumnInt(12));
  p.created_at_ms = q.ColumnOptInt(13);
  p.assigned_at_ms = q.ColumnOptInt(14);
  p.picked_up_at_ms = q.ColumnOptInt(15);
  p.delivered_at_ms = q.ColumnOptInt(16);
  p.returned_at_ms = q.ColumnOptInt(17);
  p.last_event_id = q.ColumnText(18);
  p.last_event_type = q.ColumnText(19);
  p.last_event_at_ms = q.ColumnInt(20);
  p.event_count = static_cast<int>(q.ColumnInt(21));
  p.conflict_count = q.ColumnInt(22);
  return p;
}

Status WriteRow(Database& db, const ShipmentProjection& p, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare(std::string("INSERT OR REPLACE INTO shipments (") + kColumns +
                 ", updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                 "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"));
  up.Bind(1, p.waybill).Bind(2, p.dossier_code);
  if (p.state) {
    up.Bind(3, ShipmentStateName(*p.state));
  } else {
    up.BindNull(3);
  }
  up.Bind(4, p.courier_node_id)
      .Bind(5, p.assignment_id)
      .Bind(6, p.origin_node_id)
      .Bind(7, p.recipient_name)
      .Bind(8, p.phone)
      .Bind(9, p.address)
      .Bind(10, p.procedure_name)
      .Bind(11, p.postal_fee_vnd)
      .Bind(12, p.fee_collected_vnd)
      .Bind(13, p.attempts)
      .Bind(14, p.created_at_ms)
      .Bind(15, p.assigned_at_ms)
      .Bind(16, p.picked_up_at_ms)
      .Bind(17, p.delivered_at_ms)
      .Bind(18, p.returned_at_ms)
      .Bind(19, p.last_event_id)
      .Bind(20, p.last_event_type)
      .Bind(21, p.last_event_at_ms)
      .Bind(22, p.event_count)
      .Bind(23, static_cast<int64_t>(p.conflicts.size()))
      .Bind(24, now);
  HOSO_RETURN_IF_ERROR(up.Run());
  // Conflicts keep the time they were first seen; one that the full set of
  // events no longer produces goes.
  HOSO_ASSIGN_OR_RETURN(Statement old,
                        db.Prepare("SELECT event_id FROM shipment_conflicts WHERE waybill = ?1"));
  old.Bind(1, p.waybill);
  std::vector<std::string> stale;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, old.Step());
    if (!row) break;
    std::string id = old.ColumnText(0);
    if (std::none_of(p.conflicts.begin(), p.conflicts.end(),
                     [&](const ShipmentConflict& c) { return c.event_id == id; })) {
      stale.push_back(std::move(id));
    }
  }
  HOSO_ASSIGN_OR_RETURN(Statement drop,
                        db.Prepare("DELETE FROM shipment_conflicts WHERE event_id = ?1"));
  for (const std::string& id : stale) {
    HOSO_RETURN_IF_ERROR(drop.Bind(1, id).Run());
    drop.Reset();
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement add,
      db.Prepare("INSERT INTO shipment_conflicts (event_id, waybill, node_id, seq, type, reason, "
                 "detected_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (event_id) DO "
                 "UPDATE SET reason = excluded.reason"));
  for (const ShipmentConflict& c : p.conflicts) {
    HOSO_RETURN_IF_ERROR(add.Bind(1, c.event_id)
                             .Bind(2, p.waybill)
                             .Bind(3, c.node_id)
                             .Bind(4, c.seq)
                             .Bind(5, c.type)
                             .Bind(6, c.reason)
                             .Bind(7, now)
                             .Run());
    add.Reset();
  }
  return Status::OK();
}

Result<std::vector<ShipmentEvent>> StoredEvents(Database& db, const std::string& waybill) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT node_id, seq, event_id, type, payload, device_time_ms, actor, 0, "
                 "dossier_code, NULL FROM events WHERE waybill = ?1 UNION ALL "
                 "SELECT node_id, seq, event_id, type, payload, device_time_ms, actor, 1, "
                 "dossier_code, origin_node_id FROM central_events WHERE waybill = ?1"));
  q.Bind(1, waybill);
  std::vector<ShipmentEvent> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto type = EventTypeFromName(q.ColumnText(3));
    if (!type.ok()) continue;  // a type this build does not know means nothing to the fold
    ShipmentEvent e;
    e.node_id = q.ColumnText(0);
    e.seq = q.ColumnInt(1);
    e.event_id = q.ColumnText(2);
    e.type = *type;
    HOSO_ASSIGN_OR_RETURN(e.payload, ParseJsonObject(q.ColumnText(4)));
    e.device_time_ms = q.ColumnInt(5);
    e.actor = q.ColumnOptText(6);
    e.by_central = q.ColumnInt(7) != 0;
    e.dossier_code = q.ColumnOptText(8);
    e.origin_node_id = q.ColumnOptText(9);
    out.push_back(std::move(e));
  }
  return out;
}

std::string StateLabel(const std::optional<ShipmentState>& s) {
  return s ? ShipmentStateName(*s) : "not created";
}

// The procedure's official name from the published catalog, if it is there.
Result<std::optional<std::string>> ProcedureName(Database& db, const std::string& procedure_id) {
  // By id or national code, as intake accepts either.
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT json_extract(value, '$.name.vi') FROM data_versions, "
                                   "json_each(body, '$.procedures') WHERE kind = 'catalog' AND "
                                   "(json_extract(value, '$.id') = ?1 OR json_extract(value, "
                                   "'$.code') = ?1) LIMIT 1"));
  q.Bind(1, procedure_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return q.ColumnOptText(0);
}

// The next waybill of the central's own blocks, allocating a block from the
// pool when none is left; nullopt when the pool is empty.
struct CentralWaybill {
  std::string block_id;
  std::string waybill;
};
Result<std::optional<CentralWaybill>> NextCentralWaybill(Database& db, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT block_id, prefix, first, last, next FROM "
                                   "central_waybill_blocks WHERE next <= last ORDER BY block_id "
                                   "LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool have, q.Step());
  WaybillBlock block;
  int64_t next = 0;
  if (have) {
    block = WaybillBlock{std::to_string(q.ColumnInt(0)), q.ColumnText(1), q.ColumnInt(2),
                         q.ColumnInt(3)};
    next = q.ColumnInt(4);
  } else {
    HOSO_ASSIGN_OR_RETURN(WaybillSettings settings, ReadWaybillSettings(db));
    HOSO_ASSIGN_OR_RETURN(Statement range,
                          db.Prepare("SELECT range_id, prefix, next, last FROM waybill_ranges "
                                     "WHERE next <= last ORDER BY range_id LIMIT 1"));
    HOSO_ASSIGN_OR_RETURN(bool free, range.Step());
    if (!free) return std::optional<CentralWaybill>();
    const int64_t first = range.ColumnInt(2);
    const int64_t last = std::min(range.ColumnInt(3), first + settings.block_size - 1);
    HOSO_ASSIGN_OR_RETURN(Statement ins,
                          db.Prepare("INSERT INTO central_waybill_blocks (prefix, first, last, "
                                     "next, allocated_at_ms) VALUES (?1, ?2, ?3, ?2, ?4)"));
    HOSO_RETURN_IF_ERROR(
        ins.Bind(1, range.ColumnText(1)).Bind(2, first).Bind(3, last).Bind(4, now).Run());
    block = WaybillBlock{std::to_string(db.LastInsertRowId()), range.ColumnText(1), first, last};
    next = first;
    HOSO_ASSIGN_OR_RETURN(Statement advance, db.Prepare("UPDATE waybill_ranges SET next = ?2 "
                                                        "WHERE range_id = ?1"));
    HOSO_RETURN_IF_ERROR(advance.Bind(1, range.ColumnInt(0)).Bind(2, last + 1).Run());
  }
  HOSO_ASSIGN_OR_RETURN(std::string waybill, FormatWaybill(block, next));
  HOSO_ASSIGN_OR_RETURN(Statement bump, db.Prepare("UPDATE central_waybill_blocks SET next = ?2 "
                                                   "WHERE block_id = ?1"));
  HOSO_RETURN_IF_ERROR(bump.Bind(1, block.block_id).Bind(2, next + 1).Run());
  return std::optional<CentralWaybill>(CentralWaybill{"central-" + block.block_id, waybill});
}

Status MarkPending(Database& db, const std::string& dossier_code,
                   const std::string& result_event_id, const Refusal& why, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("INSERT INTO pending_shipments (dossier_code, result_event_id, since_ms, "
                 "error_code, message) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dossier_code) DO "
                 "UPDATE SET error_code = excluded.error_code, message = excluded.message"));
  return st.Bind(1, dossier_code)
      .Bind(2, result_event_id)
      .Bind(3, now)
      .Bind(4, why.code)
      .Bind(5, why.message)
      .Run();
}

}  // namespace

json::object ShipmentProjection::ToJson() const {
  json::object o;
  o["waybill"] = waybill;
  o["dossier_code"] = OptJson(dossier_code);
  o["state"] = state ? json::value(ShipmentStateName(*state)) : json::value();
  o["courier_node_id"] = OptJson(courier_node_id);
  o["assignment_id"] = OptJson(assignment_id);
  o["origin_node_id"] = OptJson(origin_node_id);
  o["recipient_name"] = OptJson(recipient_name);
  o["phone"] = OptJson(phone);
  o["address"] = OptJson(address);
  o["procedure_name"] = OptJson(procedure_name);
  o["postal_fee_vnd"] = OptJson(postal_fee_vnd);
  o["fee_collected_vnd"] = OptJson(fee_collected_vnd);
  o["attempts"] = attempts;
  o["created_at"] = OptTime(created_at_ms);
  o["assigned_at"] = OptTime(assigned_at_ms);
  o["picked_up_at"] = OptTime(picked_up_at_ms);
  o["delivered_at"] = OptTime(delivered_at_ms);
  o["returned_at"] = OptTime(returned_at_ms);
  o["last_event"] = json::object{
      {"id", last_event_id}, {"type", last_event_type}, {"at", FormatLocalIso(last_event_at_ms)}};
  o["event_count"] = event_count;
  o["conflict_count"] = conflict_count;
  json::array c;
  for (const ShipmentConflict& x : conflicts) {
    c.push_back(json::object{{"event_id", x.event_id},
                             {"node_id", x.node_id},
                             {"seq", x.seq},
                             {"type", x.type},
                             {"reason", x.reason}});
  }
  o["conflicts"] = std::move(c);
  return o;
}

ShipmentProjection FoldShipment(const std::string& waybill, std::vector<ShipmentEvent> events) {
  ShipmentProjection p;
  p.waybill = waybill;
  std::optional<std::string> delivered_by;  // the delivery in force
  for (const ShipmentEvent& e : FoldOrder(std::move(events))) {
    ++p.event_count;
    auto refuse = [&](std::string reason) {
      p.conflicts.push_back(
          ShipmentConflict{e.event_id, e.node_id, e.seq, EventTypeName(e.type), std::move(reason)});
    };
    if (e.type == T::kShipmentAssigned) {
      if (p.state != S::kRequested) {
        refuse("cannot assign: shipment is " + StateLabel(p.state) +
               "; only a shipment waiting at the agency (requested) can be assigned");
        continue;
      }
      p.courier_node_id = OptString(e.payload, "courier_node_id");
      p.assignment_id = e.event_id;
      p.assigned_at_ms = e.device_time_ms;
    } else {
      const std::optional<ShipmentAction> action = ShipmentActionFor(e.type);
      if (!action) continue;
      if (e.type == T::kShipmentDelivered && delivered_by) {
        refuse("a second delivery record: the shipment was already delivered by event " +
               *delivered_by);
        continue;
      }
      std::optional<FailureReason> reason;
      if (*action == ShipmentAction::kFailAttempt) {
        auto r = FailureReasonFromName(OptString(e.payload, "reason").value_or(""));
        if (r.ok()) reason = *r;
      }
      Result<ShipmentState> to = ApplyShipmentAction(p.state, *action, reason);
      if (!to.ok()) {
        refuse(to.status().message());
        continue;
      }
      p.state = *to;
      const UnixMs t = e.device_time_ms;
      switch (e.type) {
        case T::kShipmentCreated:
          p.dossier_code = e.dossier_code;
          p.origin_node_id = e.by_central ? e.origin_node_id : std::optional(e.node_id);
          p.recipient_name = OptString(e.payload, "recipient_name");
          p.phone = OptString(e.payload, "phone");
          p.address = OptString(e.payload, "address");
          p.procedure_name = OptString(e.payload, "procedure_name");
          p.postal_fee_vnd = OptInt(e.payload, "postal_fee_vnd");
          p.courier_node_id = OptString(e.payload, "courier_node_id");
          p.created_at_ms = t;
          break;
        case T::kShipmentPickedUp:
          p.picked_up_at_ms = t;
          break;
        case T::kShipmentOutForDelivery:
          ++p.attempts;
          break;
        case T::kShipmentDelivered:
          p.delivered_at_ms = t;
          p.fee_collected_vnd = OptInt(e.payload, "fee_collected_vnd");
          delivered_by = e.event_id;
          break;
        case T::kShipmentReturned:
          p.returned_at_ms = t;
          break;
        default:
          break;
      }
    }
    p.last_event_id = e.event_id;
    p.last_event_type = EventTypeName(e.type);
    p.last_event_at_ms = e.device_time_ms;
  }
  p.conflict_count = static_cast<int64_t>(p.conflicts.size());
  return p;
}

Status RefoldShipments(Database& db, const std::set<std::string>& waybills, UnixMs now) {
  for (const std::string& waybill : waybills) {
    HOSO_ASSIGN_OR_RETURN(std::vector<ShipmentEvent> events, StoredEvents(db, waybill));
    if (events.empty()) continue;
    ShipmentProjection p = FoldShipment(waybill, std::move(events));
    if (p.last_event_id.empty()) {
      // Every event was refused: keep the conflicts visible on a bare row.
      p.last_event_id = p.conflicts.front().event_id;
      p.last_event_type = p.conflicts.front().type;
    }
    HOSO_RETURN_IF_ERROR(WriteRow(db, p, now).WithContext("folding shipment " + waybill));
  }
  return Status::OK();
}

Status FoldIngestedShipmentEvents(Database& db, const std::vector<sync::BatchEvent>& events,
                                  int64_t after_seq, UnixMs now) {
  std::set<std::string> waybills;
  for (const sync::BatchEvent& be : events) {
    if (be.event.seq > after_seq && be.event.waybill) waybills.insert(*be.event.waybill);
  }
  return RefoldShipments(db, waybills, now);
}

Result<std::optional<ShipmentProjection>> LoadShipment(Database& db, const std::string& waybill) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string("SELECT ") + kColumns +
                                                " FROM shipments WHERE waybill = ?1"));
  q.Bind(1, waybill);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<ShipmentProjection>();
  ShipmentProjection p = ReadRow(q);
  HOSO_ASSIGN_OR_RETURN(Statement c, db.Prepare("SELECT event_id, node_id, seq, type, reason FROM "
                                                "shipment_conflicts WHERE waybill = ?1 ORDER BY "
                                                "detected_at_ms, event_id"));
  c.Bind(1, waybill);
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, c.Step());
    if (!more) break;
    p.conflicts.push_back(ShipmentConflict{c.ColumnText(0), c.ColumnText(1), c.ColumnInt(2),
                                           c.ColumnText(3), c.ColumnText(4)});
  }
  return std::optional<ShipmentProjection>(std::move(p));
}

Result<std::vector<ShipmentEvent>> ShipmentEvents(Database& db, const std::string& waybill) {
  HOSO_ASSIGN_OR_RETURN(std::vector<ShipmentEvent> events, StoredEvents(db, waybill));
  return FoldOrder(std::move(events));
}

Result<std::vector<ShipmentProjection>> ListShipments(Database& db, const ShipmentQuery& q) {
  HOSO_ASSIGN_OR_RETURN(
      Statement s,
      db.Prepare(std::string("SELECT ") + kColumns +
                 " FROM shipments WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR "
                 "courier_node_id = ?2) AND (?3 = 0 OR courier_node_id IS NULL) AND (?4 IS NULL "
                 "OR dossier_code = ?4) ORDER BY created_at_ms IS NULL, created_at_ms, waybill "
                 "LIMIT ?5"));
  if (q.state) {
    s.Bind(1, ShipmentStateName(*q.state));
  } else {
    s.BindNull(1);
  }
  s.Bind(2, q.courier_node_id)
      .Bind(3, q.unassigned_only ? 1 : 0)
      .Bind(4, q.dossier_code)
      .Bind(5, q.limit);
  std::vector<ShipmentProjection> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadRow(s));
  }
  return out;
}

Result<Event> AppendCentralEvent(Database& db, Event e,
                                 const std::optional<std::string>& origin_node_id) {
  HOSO_ASSIGN_OR_RETURN(Statement last,
                        db.Prepare("SELECT seq, hash FROM central_events ORDER BY seq DESC "
                                   "LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool has_last, last.Step());
  e.seq = has_last ? last.ColumnInt(0) + 1 : 1;
  const std::string prev = has_last ? last.ColumnBlob(1) : GenesisHash();
  HOSO_RETURN_IF_ERROR(ValidateEvent(e));
  const std::string hash = ChainHash(prev, CanonicalJson(e));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO central_events (seq, node_id, event_id, type, schema_version, "
                 "dossier_code, payload, device_time_ms, actor, hash, origin_node_id, waybill) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, e.seq)
                           .Bind(2, e.node_id)
                           .Bind(3, e.event_id)
                           .Bind(4, EventTypeName(e.type))
                           .Bind(5, e.schema_version)
                           .Bind(6, e.dossier_code)
                           .Bind(7, json::serialize(e.payload))
                           .Bind(8, e.device_time_ms)
                           .Bind(9, e.actor)
                           .BindBlob(10, hash)
                           .Bind(11, origin_node_id)
                           .Bind(12, e.waybill)
                           .Run());
  return e;
}

json::value ShipmentCreation::ToJson() const {
  if (shipment) {
    return json::object{
        {"waybill", shipment->waybill},
        {"state",
         OptJson(shipment->state ? std::optional<std::string>(ShipmentStateName(*shipment->state))
                                 : std::nullopt)}};
  }
  if (pending) {
    return json::object{
        {"pending", json::object{{"code", pending->code}, {"message", pending->message}}}};
  }
  return nullptr;
}

Result<ShipmentCreation> CreateShipmentForResult(Database& db, const std::string& central_id,
                                                 const std::string& actor,
                                                 const std::string& dossier_code,
                                                 const std::string& result_event_id, UnixMs at,
                                                 UnixMs now) {
  ShipmentCreation out;
  HOSO_ASSIGN_OR_RETURN(Statement rec,
                        db.Prepare("SELECT payload, node_id FROM events WHERE dossier_code = ?1 "
                                   "AND type = 'dossier_received' ORDER BY received_at_ms, "
                                   "node_id, seq LIMIT 1"));
  rec.Bind(1, dossier_code);
  HOSO_ASSIGN_OR_RETURN(bool received, rec.Step());
  if (!received) return out;
  HOSO_ASSIGN_OR_RETURN(json::object intake, ParseJsonObject(rec.ColumnText(0)));
  const std::string origin = rec.ColumnText(1);
  if (OptString(intake, "return_method") != "post") return out;
  out.by_post = true;

  HOSO_ASSIGN_OR_RETURN(Statement has,
                        db.Prepare("SELECT waybill FROM shipments WHERE dossier_code = ?1 "
                                   "ORDER BY created_at_ms LIMIT 1"));
  has.Bind(1, dossier_code);
  HOSO_ASSIGN_OR_RETURN(bool exists, has.Step());
  if (exists) {
    const std::string waybill = has.ColumnText(0);
    HOSO_ASSIGN_OR_RETURN(out.shipment, LoadShipment(db, waybill));
    return out;
  }

  json::object payload;
  std::optional<std::string> name;
  std::optional<std::string> phone;
  if (auto a = intake.if_contains("applicant"); a && a->is_object()) {
    name = OptString(a->as_object(), "name");
    phone = OptString(a->as_object(), "phone");
  }
  const std::optional<std::string> address = OptString(intake, "delivery_address");
  if (!name || !address || address->empty()) {
    out.pending = Refuse(422, "delivery_address_missing",
                         "dossier " + dossier_code +
                             " is to be returned by post but its intake names no delivery "
                             "address or recipient");
    HOSO_RETURN_IF_ERROR(MarkPending(db, dossier_code, result_event_id, *out.pending, now));
    return out;
  }
  HOSO_ASSIGN_OR_RETURN(std::optional<CentralWaybill> wb, NextCentralWaybill(db, now));
  if (!wb) {
    out.pending = Refuse(409, "waybill_pool_empty",
                         "the waybill pool is empty: the result of " + dossier_code +
                             " is recorded and its shipment waits; add a range with "
                             "hoso-central waybill add-range, then create the pending shipments "
                             "(POST /api/dispatch/pending/create)");
    HOSO_RETURN_IF_ERROR(MarkPending(db, dossier_code, result_event_id, *out.pending, now));
    return out;
  }
  payload["block_id"] = wb->block_id;
  payload["recipient_name"] = *name;
  payload["address"] = *address;
  if (phone && !phone->empty()) payload["phone"] = *phone;
  payload["postal_fee_vnd"] = OptInt(intake, "postal_fee_vnd").value_or(0);
  if (auto pid = OptString(intake, "procedure_id")) {
    HOSO_ASSIGN_OR_RETURN(std::optional<std::string> pname, ProcedureName(db, *pid));
    if (pname && !pname->empty()) payload["procedure_name"] = *pname;
  }
  Event e = NewEvent(T::kShipmentCreated, central_id, at, std::move(payload));
  e.dossier_code = dossier_code;
  e.waybill = wb->waybill;
  e.actor = actor;
  HOSO_ASSIGN_OR_RETURN(Event stored, AppendCentralEvent(db, std::move(e), origin));
  HOSO_ASSIGN_OR_RETURN(Statement done,
                        db.Prepare("DELETE FROM pending_shipments WHERE dossier_code = ?1"));
  HOSO_RETURN_IF_ERROR(done.Bind(1, dossier_code).Run());
  HOSO_RETURN_IF_ERROR(RefoldShipments(db, {*stored.waybill}, now));
  HOSO_ASSIGN_OR_RETURN(out.shipment, LoadShipment(db, *stored.waybill));
  return out;
}

json::object PendingShipment::ToJson() const {
  return json::object{{"dossier_code", dossier_code},
                      {"result_event_id", result_event_id},
                      {"since", FormatLocalIso(since_ms)},
                      {"code", error_code},
                      {"message", message}};
}

Result<std::vector<PendingShipment>> ListPendingShipments(Database& db) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT dossier_code, result_event_id, since_ms, error_code, "
                                   "message FROM pending_shipments ORDER BY since_ms, "
                                   "dossier_code"));
  std::vector<PendingShipment> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(PendingShipment{q.ColumnText(0), q.ColumnText(1), q.ColumnInt(2), q.ColumnText(3),
                                  q.ColumnText(4)});
  }
  return out;
}

Result<PendingRun> CreatePendingShipments(Database& db, const std::string& central_id,
                                          const Actor& actor, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(std::vector<PendingShipment> pending, ListPendingShipments(db));
  PendingRun run;
  for (const PendingShipment& ps : pending) {
    HOSO_ASSIGN_OR_RETURN(ShipmentCreation c,
                          CreateShipmentForResult(db, central_id, actor.name, ps.dossier_code,
                                                  ps.result_event_id, now, now));
    if (c.shipment) {
      HOSO_RETURN_IF_ERROR(AppendAudit(db, now, actor, "shipment.create", c.shipment->waybill,
                                       json::object{{"dossier_code", ps.dossier_code}}));
      run.created.push_back(std::move(*c.shipment));
    } else if (!c.by_post) {
      // No longer a post return (should not happen): nothing to wait for.
      HOSO_ASSIGN_OR_RETURN(Statement drop,
                            db.Prepare("DELETE FROM pending_shipments WHERE dossier_code = ?1"));
      HOSO_RETURN_IF_ERROR(drop.Bind(1, ps.dossier_code).Run());
    }
  }
  HOSO_ASSIGN_OR_RETURN(run.still_pending, ListPendingShipments(db));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return run;
}

json::object CourierNode::ToJson() const {
  return json::object{{"node_id", node_id},
                      {"unit_code", unit_code},
                      {"state", state},
                      {"last_seen", OptTime(last_seen_ms)},
                      {"open_shipments", open_shipments}};
}

Result<std::vector<CourierNode>> ListCouriers(Database& db) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT n.node_id, n.unit_code, n.state, n.last_seen_ms, (SELECT COUNT(*) FROM "
                 "shipments s WHERE s.courier_node_id = n.node_id AND (s.state IS NULL OR "
                 "s.state NOT IN ('delivered', 'returned_to_agency'))) FROM nodes n WHERE "
                 "n.role = 'courier' ORDER BY n.node_id"));
  std::vector<CourierNode> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(CourierNode{q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), q.ColumnOptInt(3),
                              q.ColumnInt(4)});
  }
  return out;
}

Outcome<ShipmentProjection> AssignShipment(Database& db, const std::string& central_id,
                                           const Actor& actor, const std::string& waybill,
                                           const std::string& courier_node_id,
                                           const std::optional<std::string>& note, UnixMs now) {
  if (courier_node_id.empty()) {
    Refusal r = Refuse(400, "bad_request", "name the courier node");
    r.field = "courier";
    return r;
  }
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(std::optional<ShipmentProjection> current, LoadShipment(db, waybill));
  if (!current || !current->state) {
    return Refuse(404, "not_found", "the central holds no shipment with waybill " + waybill);
  }
  HOSO_ASSIGN_OR_RETURN(Statement node,
                        db.Prepare("SELECT role, state FROM nodes WHERE node_id = ?1"));
  node.Bind(1, courier_node_id);
  HOSO_ASSIGN_OR_RETURN(bool known, node.Step());
  if (!known) {
    return Refuse(422, "unknown_courier", "no node " + courier_node_id + " is registered");
  }
  if (node.ColumnText(0) != "courier") {
    return Refuse(422, "not_a_courier",
                  "node " + courier_node_id + " is a " + node.ColumnText(0) +
                      " node; shipments go to courier nodes");
  }
  if (node.ColumnText(1) == "revoked") {
    return Refuse(422, "courier_revoked", "courier node " + courier_node_id + " was revoked");
  }
  if (*current->state != S::kRequested) {
    return Refuse(409, "invalid_transition",
                  "shipment " + waybill + " is " + ShipmentStateName(*current->state) +
                      ": it can be assigned or reassigned only while it waits at the agency "
                      "(requested), before a courier picks it up");
  }
  if (current->courier_node_id == courier_node_id) {
    return Refuse(409, "already_assigned",
                  "shipment " + waybill + " is already assigned to " + courier_node_id);
  }
  json::object payload{{"courier_node_id", courier_node_id}};
  if (note && !note->empty()) payload["note"] = *note;
  // Never dated before what the dispatcher saw, so that it folds after it.
  const UnixMs at = std::max(now, current->last_event_at_ms);
  Event e = NewEvent(T::kShipmentAssigned, central_id, at, std::move(payload));
  e.dossier_code = current->dossier_code;
  e.waybill = waybill;
  e.actor = actor.name;
  auto stored = AppendCentralEvent(db, std::move(e), std::nullopt);
  if (!stored.ok()) return Refusal::FromStatus(stored.status());
  HOSO_ASSIGN_OR_RETURN(
      Statement item,
      db.Prepare("INSERT INTO courier_items (node_id, kind, assignment_id, waybill, reason, "
                 "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  const std::optional<std::string> previous = current->courier_node_id;
  if (previous && current->assignment_id) {
    HOSO_RETURN_IF_ERROR(item.Bind(1, *previous)
                             .Bind(2, "unassignment")
                             .Bind(3, *current->assignment_id)
                             .Bind(4, waybill)
                             .Bind(5, "reassigned")
                             .Bind(6, at)
                             .Run());
    item.Reset();
  }
  HOSO_RETURN_IF_ERROR(item.Bind(1, courier_node_id)
                           .Bind(2, "assignment")
                           .Bind(3, stored->event_id)
                           .Bind(4, waybill)
                           .BindNull(5)
                           .Bind(6, at)
                           .Run());
  HOSO_RETURN_IF_ERROR(RefoldShipments(db, {waybill}, now));
  HOSO_ASSIGN_OR_RETURN(std::optional<ShipmentProjection> after, LoadShipment(db, waybill));
  if (after->assignment_id != stored->event_id) {
    // A courier's event dated after the central's clock got there first.
    std::string why = "the assignment conflicts with a later event";
    for (const ShipmentConflict& c : after->conflicts) {
      if (c.event_id == stored->event_id) why = c.reason;
    }
    return Refuse(409, "invalid_transition", why);
  }
  json::object detail{{"event_id", stored->event_id}, {"courier_node_id", courier_node_id}};
  if (previous) detail["from_courier_node_id"] = *previous;
  if (current->dossier_code) detail["dossier_code"] = *current->dossier_code;
  HOSO_RETURN_IF_ERROR(AppendAudit(
      db, now, actor, previous ? "shipment.reassign" : "shipment.assign", waybill, detail));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return std::move(*after);
}

Result<std::vector<json::object>> TakeCourierItems(Database& db, const std::string& node_id,
                                                   int64_t prior_high_water, int64_t new_high_water,
                                                   bool proves_receipt) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT confirmed_id, answered_hw, answered_through FROM "
                                   "courier_item_downflow WHERE node_id = ?1"));
  q.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  int64_t confirmed = row ? q.ColumnInt(0) : 0;
  const int64_t answered_hw = row ? q.ColumnInt(1) : 0;
  int64_t answered_through = row ? q.ColumnInt(2) : 0;
  if (proves_receipt && answered_hw == prior_high_water) {
    confirmed = std::max(confirmed, answered_through);
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement items,
      db.Prepare("SELECT ci.item_id, ci.kind, ci.assignment_id, ci.waybill, ci.reason, "
                 "ci.created_at_ms, s.assignment_id, s.dossier_code, s.recipient_name, s.phone, "
                 "s.address, s.postal_fee_vnd, s.procedure_name, EXISTS (SELECT 1 FROM events ev "
                 "WHERE ev.waybill = ci.waybill AND ev.node_id = ci.node_id) FROM courier_items "
                 "ci LEFT JOIN shipments s ON s.waybill = ci.waybill WHERE ci.node_id = ?1 AND "
                 "ci.item_id > ?2 ORDER BY ci.item_id"));
  items.Bind(1, node_id).Bind(2, confirmed);
  std::vector<json::object> out;
  int64_t through = confirmed;
  bool any = false;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, items.Step());
    if (!more) break;
    any = true;
    through = items.ColumnInt(0);
    const std::string kind = items.ColumnText(1);
    const std::string assignment_id = items.ColumnText(2);
    const std::string waybill = items.ColumnText(3);
    if (kind == "unassignment") {
      out.push_back(json::object{{"kind", "unassignment"},
                                 {"assignment_id", assignment_id},
                                 {"waybill", waybill},
                                 {"reason", items.ColumnOptText(4).value_or("reassigned")}});
      continue;
    }
    // Superseded by a reassignment, or evidently held: the node recorded an
    // event of the shipment.
    if (items.ColumnOptText(6) != assignment_id || items.ColumnInt(13) != 0) continue;
    json::object a{{"kind", "assignment"},
                   {"assignment_id", assignment_id},
                   {"waybill", waybill},
                   {"dossier_code", items.ColumnText(7)},
                   {"recipient_name", items.ColumnText(8)}};
    if (auto phone = items.ColumnOptText(9); phone && !phone->empty()) a["phone"] = *phone;
    a["address"] = items.ColumnText(10);
    a["postal_fee_vnd"] = items.ColumnOptInt(11).value_or(0);
    a["procedure_name"] = items.ColumnOptText(12).value_or("");
    a["assigned_at_ms"] = items.ColumnInt(5);
    out.push_back(std::move(a));
  }
  if (!row && !any) return out;  // nothing ever queued for this node
  if (new_high_water != prior_high_water) answered_through = through;
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("INSERT INTO courier_item_downflow (node_id, confirmed_id, answered_hw, "
                 "answered_through) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (node_id) DO UPDATE SET "
                 "confirmed_id = excluded.confirmed_id, answered_hw = excluded.answered_hw, "
                 "answered_through = excluded.answered_through"));
  HOSO_RETURN_IF_ERROR(
      up.Bind(1, node_id)
          .Bind(2, confirmed)
          .Bind(3, new_high_water != prior_high_water ? new_high_water : answered_hw)
          .Bind(4, answered_through)
          .Run());
  return out;
}

}  // namespace hoso::central
