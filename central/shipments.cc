#include "central/shipments.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "central/json_fields.h"

namespace hoso::central {
namespace {

using T = EventType;
using S = ShipmentState;

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

}  // namespace hoso::central
