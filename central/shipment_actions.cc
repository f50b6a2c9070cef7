// Creation of shipments with the results returned by post, the pending
// ones, the courier nodes, assignments and their down-sync items (the
// second half of central/shipments.h; the fold is in shipments.cc).
#include <algorithm>
#include <utility>

#include "central/json_fields.h"
#include "central/shipments.h"
#include "central/waybills.h"
#include "schema/ids.h"

namespace hoso::central {
namespace {

using T = EventType;
using S = ShipmentState;

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
