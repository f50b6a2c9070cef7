#include "node/courier.h"

#include <utility>

#include "node/attachments.h"
#include "node/dossier.h"
#include "node/outbox.h"
#include "schema/attachment.h"
#include "schema/events.h"
#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::node {

namespace {

constexpr char kSelect[] =
    "SELECT waybill, assignment_id, dossier_code, recipient_name, phone, address, postal_fee_vnd, "
    "procedure_name, assigned_at_ms, state, attempts, last_event_seq, updated_at_ms, "
    "unassigned_at_ms, proof_hash, purged_at_ms, "
    "COALESCE(last_event_seq <= (SELECT acked_seq FROM outbox_ack), 0) "
    "FROM courier_shipments ";

Result<CourierShipment> FromRow(const Statement& st) {
  CourierShipment s;
  s.waybill = st.ColumnText(0);
  s.assignment_id = st.ColumnText(1);
  s.dossier_code = st.ColumnText(2);
  s.recipient_name = st.ColumnOptText(3);
  s.phone = st.ColumnOptText(4);
  s.address = st.ColumnOptText(5);
  s.postal_fee_vnd = st.ColumnInt(6);
  s.procedure_name = st.ColumnText(7);
  s.assigned_at = st.ColumnInt(8);
  HOSO_ASSIGN_OR_RETURN(s.state, ShipmentStateFromName(st.ColumnText(9)));
  s.attempts = st.ColumnInt(10);
  s.last_event_seq = st.ColumnOptInt(11);
  s.updated_at = st.ColumnInt(12);
  s.unassigned_at = st.ColumnOptInt(13);
  s.proof_hash = st.ColumnOptText(14);
  s.purged_at = st.ColumnOptInt(15);
  s.synced = st.ColumnInt(16) != 0;
  return s;
}

Result<std::optional<CourierShipment>> Load(Database& db, const std::string& waybill) {
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSelect) + "WHERE waybill = ?1"));
  st.Bind(1, waybill);
  HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<CourierShipment>();
  HOSO_ASSIGN_OR_RETURN(CourierShipment s, FromRow(st));
  return std::optional<CourierShipment>(std::move(s));
}

Status RecordItem(Database& db, const std::string& assignment_id, const std::string& kind,
                  const std::string& waybill, bool applied, bool conflict,
                  const std::string& note, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO courier_items (assignment_id, kind, waybill, applied, conflict, "
                 "note, received_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  return ins.Bind(1, assignment_id)
      .Bind(2, kind)
      .Bind(3, waybill)
      .Bind(4, applied ? 1 : 0)
      .Bind(5, conflict ? 1 : 0)
      .Bind(6, note)
      .Bind(7, now)
      .Run();
}

Result<bool> ApplyAssignment(Database& db, const json::object& item, const std::string& id,
                             const std::string& waybill, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(std::string dossier_code, GetString(item, "dossier_code"));
  HOSO_ASSIGN_OR_RETURN(std::string name, GetString(item, "recipient_name"));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> phone, GetOptString(item, "phone"));
  HOSO_ASSIGN_OR_RETURN(std::string address, GetString(item, "address"));
  HOSO_ASSIGN_OR_RETURN(int64_t fee, GetInt(item, "postal_fee_vnd"));
  HOSO_ASSIGN_OR_RETURN(std::string procedure, GetString(item, "procedure_name"));
  HOSO_ASSIGN_OR_RETURN(int64_t assigned_at, GetInt(item, "assigned_at_ms"));
  if (fee < 0) return Status::InvalidArgument("postal_fee_vnd is negative", "postal_fee_vnd");
  // Its cancellation came first (down-syncs applied out of order): it never
  // becomes work here.
  HOSO_ASSIGN_OR_RETURN(Statement cancelled,
                        db.Prepare("SELECT 1 FROM courier_items WHERE assignment_id = ?1 AND "
                                   "kind = 'unassignment'"));
  cancelled.Bind(1, id);
  HOSO_ASSIGN_OR_RETURN(bool was_cancelled, cancelled.Step());
  if (was_cancelled) {
    HOSO_RETURN_IF_ERROR(RecordItem(db, id, "assignment", waybill, false, false,
                                    "cancelled before it arrived", now));
    return false;
  }
  HOSO_ASSIGN_OR_RETURN(std::optional<CourierShipment> held, Load(db, waybill));
  if (held && !held->unassigned_at && held->state != ShipmentState::kRequested) {
    // Already moving here under an earlier assignment: the new one (the
    // same courier again) must not reset what was recorded.
    HOSO_RETURN_IF_ERROR(RecordItem(db, id, "assignment", waybill, false, true,
                                    "the shipment is already " +
                                        std::string(ShipmentStateName(held->state)) + " here",
                                    now));
    return false;
  }
  // A waybill assigned here again (after an unassignment) starts afresh.
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("INSERT INTO courier_shipments (waybill, assignment_id, dossier_code, "
                 "recipient_name, phone, address, postal_fee_vnd, procedure_name, assigned_at_ms, "
                 "received_at_ms, state, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                 "?9, ?10, 'requested', ?10) ON CONFLICT (waybill) DO UPDATE SET "
                 "assignment_id = ?2, dossier_code = ?3, recipient_name = ?4, phone = ?5, "
                 "address = ?6, postal_fee_vnd = ?7, procedure_name = ?8, assigned_at_ms = ?9, "
                 "received_at_ms = ?10, state = 'requested', attempts = 0, last_event_seq = NULL, "
                 "updated_at_ms = ?10, unassigned_at_ms = NULL, unassigned_reason = NULL, "
                 "proof_hash = NULL, purged_at_ms = NULL, proof_purged_at_ms = NULL"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, waybill)
                           .Bind(2, id)
                           .Bind(3, dossier_code)
                           .Bind(4, name)
                           .Bind(5, phone)
                           .Bind(6, address)
                           .Bind(7, fee)
                           .Bind(8, procedure)
                           .Bind(9, assigned_at)
                           .Bind(10, now)
                           .Run());
  HOSO_RETURN_IF_ERROR(RecordItem(db, id, "assignment", waybill, true, false, "", now));
  return true;
}

Result<bool> ApplyUnassignment(Database& db, const json::object& item, const std::string& id,
                               const std::string& waybill, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> reason, GetOptString(item, "reason"));
  HOSO_ASSIGN_OR_RETURN(std::optional<CourierShipment> held, Load(db, waybill));
  std::string note;
  if (!held || held->assignment_id != id) {
    note = "no such assignment here";
  } else if (held->state != ShipmentState::kRequested || held->last_event_seq) {
    note = "the courier already recorded " + std::string(ShipmentStateName(held->state));
    HOSO_RETURN_IF_ERROR(RecordItem(db, id, "unassignment", waybill, false, true, note, now));
    return false;
  }
  if (!note.empty()) {
    HOSO_RETURN_IF_ERROR(RecordItem(db, id, "unassignment", waybill, false, false, note, now));
    return false;
  }
  // Nothing was done with it: the personal data goes at once.
  HOSO_RETURN_IF_ERROR(db.Exec("PRAGMA secure_delete = ON"));
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("UPDATE courier_shipments SET unassigned_at_ms = ?2, unassigned_reason = ?3, "
                 "recipient_name = NULL, phone = NULL, address = NULL, purged_at_ms = ?2, "
                 "updated_at_ms = ?2 WHERE waybill = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, waybill).Bind(2, now).Bind(3, reason.value_or("")).Run());
  HOSO_RETURN_IF_ERROR(RecordItem(db, id, "unassignment", waybill, true, false, "", now));
  return true;
}

const char* EventFor(ShipmentAction a) {
  switch (a) {
    case ShipmentAction::kPickUp: return "shipment_picked_up";
    case ShipmentAction::kGoOutForDelivery: return "shipment_out_for_delivery";
    case ShipmentAction::kDeliver: return "shipment_delivered";
    case ShipmentAction::kFailAttempt: return "shipment_failed_attempt";
    case ShipmentAction::kHoldAtPostOffice: return "shipment_held";
    case ShipmentAction::kReturnToAgency: return "shipment_returned";
    case ShipmentAction::kCreate: break;
  }
  return "";
}

Status CheckProof(std::string_view proof) {
  if (proof.empty()) {
    return Status::InvalidArgument("a delivery needs a signature or photo as proof", "proof");
  }
  if (static_cast<int64_t>(proof.size()) > kMaxProofBytes) {
    return Status::ResourceExhausted("the proof of " + std::to_string(proof.size()) +
                                     " bytes is over the limit of " +
                                     std::to_string(kMaxProofBytes) + " bytes (5 MiB)");
  }
  Result<std::string> type = SniffMediaType(proof);
  if (!type.ok() || (*type != "image/jpeg" && *type != "image/png")) {
    return Status::InvalidArgument("unsupported content: the proof must be a JPEG or PNG image",
                                   "proof");
  }
  return Status::OK();
}

// Checks the request's fields for its action and builds the payload.
Result<json::object> PayloadFor(const CourierShipment& s, const CourierActionRequest& r) {
  json::object p;
  switch (r.action) {
    case ShipmentAction::kPickUp:
      if (!NormaliseSpaces(r.note).empty()) p["note"] = NormaliseSpaces(r.note);
      break;
    case ShipmentAction::kGoOutForDelivery:
      p["attempt"] = s.attempts + 1;
      break;
    case ShipmentAction::kFailAttempt: {
      if (!r.reason) return Status::InvalidArgument("a failed attempt needs a reason", "reason");
      p["reason"] = FailureReasonName(*r.reason);
      const std::string note = NormaliseSpaces(r.note);
      if (*r.reason == FailureReason::kOther && note.empty()) {
        return Status::InvalidArgument("reason other needs a note saying what happened", "note");
      }
      if (!note.empty()) p["note"] = note;
      break;
    }
    case ShipmentAction::kHoldAtPostOffice: {
      const std::string office = NormaliseSpaces(r.post_office);
      if (office.empty()) {
        return Status::InvalidArgument("say which post office holds the item", "post_office");
      }
      p["post_office"] = office;
      if (!NormaliseSpaces(r.note).empty()) p["note"] = NormaliseSpaces(r.note);
      break;
    }
    case ShipmentAction::kReturnToAgency: {
      const std::string reason = NormaliseSpaces(r.return_reason);
      if (reason.empty()) {
        return Status::InvalidArgument("say why the item goes back to the agency",
                                       "return_reason");
      }
      p["reason"] = reason;
      break;
    }
    case ShipmentAction::kDeliver: {
      if (NormaliseSpaces(r.recipient_name).empty()) {
        return Status::InvalidArgument("who took the item? the recipient's name is missing",
                                       "recipient_name");
      }
      HOSO_ASSIGN_OR_RETURN(std::string name, NormaliseName(r.recipient_name, "recipient_name"));
      // Exactly the last 4 digits: a full ID number is never taken.
      if (r.id_suffix.size() != 4 || DigitsOnly(r.id_suffix) != r.id_suffix) {
        return Status::InvalidArgument(
            "give exactly the last 4 digits of the recipient's ID (never the whole number)",
            "id_suffix");
      }
      p["recipient_name"] = name;
      p["recipient_id_suffix"] = r.id_suffix;
      const std::string relation = NormaliseSpaces(r.recipient_relation);
      if (!relation.empty()) {
        HOSO_ASSIGN_OR_RETURN(std::string rel,
                              NormaliseName(relation, "recipient_relation", 100));
        p["recipient_relation"] = rel;
      }
      if (s.state == ShipmentState::kHeldAtPostOffice) p["collected_at_post_office"] = true;
      if (r.fee_collected_vnd) {
        if (*r.fee_collected_vnd < 0) {
          return Status::InvalidArgument("fee_collected_vnd is negative", "fee_collected_vnd");
        }
        p["fee_collected_vnd"] = *r.fee_collected_vnd;
      }
      HOSO_RETURN_IF_ERROR(CheckProof(r.proof));
      break;
    }
    case ShipmentAction::kCreate:
      return Status::InvalidArgument("a courier does not create shipments", "action");
  }
  return p;
}

}  // namespace

Result<bool> ApplyCourierItem(Database& db, const json::object& item, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(std::string kind, GetString(item, "kind"));
  HOSO_ASSIGN_OR_RETURN(std::string id, GetString(item, "assignment_id"));
  HOSO_ASSIGN_OR_RETURN(std::string waybill, GetString(item, "waybill"));
  if (kind != "assignment" && kind != "unassignment") {
    return Status::InvalidArgument("not a courier item: '" + kind + "'", "kind");
  }
  if (id.empty()) return Status::InvalidArgument("empty assignment_id", "assignment_id");
  HOSO_RETURN_IF_ERROR(ValidateWaybill(waybill));
  HOSO_ASSIGN_OR_RETURN(Statement seen, db.Prepare("SELECT 1 FROM courier_items WHERE "
                                                   "assignment_id = ?1 AND kind = ?2"));
  seen.Bind(1, id).Bind(2, kind);
  HOSO_ASSIGN_OR_RETURN(bool already, seen.Step());
  if (already) return false;
  if (kind == "assignment") return ApplyAssignment(db, item, id, waybill, now);
  return ApplyUnassignment(db, item, id, waybill, now);
}

Courier::Courier(NodeStore* store, Options options) : store_(store), options_(options) {}

Result<std::vector<CourierShipment>> Courier::List(bool all) {
  Database& db = store_->db();
  const UnixMs day_start = LocalToUnixMs(LocalDateOf(options_.clock->NowMs()), 0);
  std::string sql = std::string(kSelect);
  if (!all) {
    sql += "WHERE unassigned_at_ms IS NULL AND (state NOT IN ('delivered', "
           "'returned_to_agency') OR updated_at_ms >= ?1) ";
  }
  sql += "ORDER BY assigned_at_ms, waybill";
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  if (!all) st.Bind(1, day_start);
  std::vector<CourierShipment> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    HOSO_ASSIGN_OR_RETURN(CourierShipment s, FromRow(st));
    out.push_back(std::move(s));
  }
  return out;
}

Result<CourierShipment> Courier::Get(const std::string& waybill) {
  HOSO_ASSIGN_OR_RETURN(std::optional<CourierShipment> s, Load(store_->db(), waybill));
  if (!s || s->unassigned_at) {
    return Status::NotFound("no shipment " + waybill + " assigned to this node");
  }
  return *s;
}

Result<CourierShipment> Courier::Record(const std::string& waybill,
                                        const CourierActionRequest& request) {
  HOSO_ASSIGN_OR_RETURN(CourierShipment s, Get(waybill));
  HOSO_ASSIGN_OR_RETURN(ShipmentState to,
                        ApplyShipmentAction(s.state, request.action,
                                            request.action == ShipmentAction::kFailAttempt
                                                ? request.reason.value_or(FailureReason::kOther)
                                                : std::optional<FailureReason>()));
  HOSO_ASSIGN_OR_RETURN(json::object payload, PayloadFor(s, request));
  std::optional<std::string> actor;
  if (request.actor && !NormaliseSpaces(*request.actor).empty()) {
    HOSO_ASSIGN_OR_RETURN(actor, NormaliseName(*request.actor, "actor"));
  }
  const UnixMs now = options_.clock->NowMs();
  std::optional<std::string> proof_hash;
  if (request.action == ShipmentAction::kDeliver) {
    // Stored (with its own attachment_added event) before the delivery is
    // recorded: everything that could refuse the delivery was checked above,
    // and storing the same bytes again records nothing new.
    NodeAttachments attachments(store_, {options_.clock});
    AddAttachmentRequest ar;
    ar.file_name = request.proof_file_name;
    ar.clerk = actor;
    ar.shipment_proof = true;
    HOSO_ASSIGN_OR_RETURN(AttachmentInfo info, attachments.Add(s.dossier_code, request.proof, ar));
    proof_hash = info.hash;
    payload["proof_hash"] = info.hash;
  }
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  // Checked again under the write lock: another page may have moved it.
  HOSO_ASSIGN_OR_RETURN(CourierShipment cur, Get(waybill));
  if (cur.state != s.state || cur.assignment_id != s.assignment_id) {
    return Status::Conflict("shipment " + waybill + " changed while this was recorded; retry");
  }
  HOSO_ASSIGN_OR_RETURN(EventType type, EventTypeFromName(EventFor(request.action)));
  Event ev = NewEvent(type, store_->identity().node_id, now, std::move(payload));
  ev.waybill = waybill;
  ev.dossier_code = s.dossier_code;
  ev.actor = actor;
  HOSO_ASSIGN_OR_RETURN(int64_t seq, AppendEvent(db, ev));
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("UPDATE courier_shipments SET state = ?2, last_event_seq = ?3, updated_at_ms = ?4, "
                 "attempts = attempts + ?5, proof_hash = COALESCE(?6, proof_hash) "
                 "WHERE waybill = ?1"));
  HOSO_RETURN_IF_ERROR(
      up.Bind(1, waybill)
          .Bind(2, ShipmentStateName(to))
          .Bind(3, seq)
          .Bind(4, now)
          .Bind(5, request.action == ShipmentAction::kGoOutForDelivery ? 1 : 0)
          .Bind(6, proof_hash)
          .Run());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return Get(waybill);
}

Result<PurgeReport> Courier::Purge() { return PurgeEndedShipments(*store_, options_.clock); }

Result<PurgeReport> PurgeEndedShipments(NodeStore& store, Clock* clock) {
  PurgeReport report;
  if (store.identity().role != "courier") return report;
  Database& db = store.db();
  const UnixMs now = clock->NowMs();
  // secure_delete zeroes the freed space of the rewritten rows, so the
  // cleared texts do not linger in node.db's pages.
  HOSO_RETURN_IF_ERROR(db.Exec("PRAGMA secure_delete = ON"));
  {
    HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
    HOSO_ASSIGN_OR_RETURN(
        Statement up,
        db.Prepare("UPDATE courier_shipments SET recipient_name = NULL, phone = NULL, "
                   "address = NULL, purged_at_ms = ?1 WHERE purged_at_ms IS NULL "
                   "AND state IN ('delivered', 'returned_to_agency') "
                   "AND last_event_seq <= (SELECT acked_seq FROM outbox_ack)"));
    HOSO_RETURN_IF_ERROR(up.Bind(1, now).Run());
    report.shipments = db.Changes();
    HOSO_RETURN_IF_ERROR(txn.Commit());
  }
  // Proof files whose chunks the central confirmed, of purged shipments.
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT waybill, proof_hash FROM courier_shipments s WHERE purged_at_ms IS NOT "
                 "NULL AND proof_hash IS NOT NULL AND proof_purged_at_ms IS NULL AND NOT EXISTS "
                 "(SELECT 1 FROM attachment_chunks c WHERE c.attachment_hash = s.proof_hash AND "
                 "c.uploaded_at_ms IS NULL)"));
  std::vector<std::pair<std::string, std::string>> proofs;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    proofs.emplace_back(q.ColumnText(0), q.ColumnText(1));
  }
  q.Reset();
  for (const auto& [waybill, hash] : proofs) {
    const std::string path = AttachmentPath(store, hash);
    if (store.fs()->Exists(path)) HOSO_RETURN_IF_ERROR(store.fs()->Remove(path));
    HOSO_ASSIGN_OR_RETURN(Statement up,
                          db.Prepare("UPDATE courier_shipments SET proof_purged_at_ms = ?2 "
                                     "WHERE waybill = ?1"));
    HOSO_RETURN_IF_ERROR(up.Bind(1, waybill).Bind(2, now).Run());
    ++report.proofs;
  }
  if (report.shipments > 0) {
    // The WAL still holds the pages as they were before: copy back and
    // truncate it. Busy (a reader is open) is not an error: the next purge
    // or an automatic checkpoint gets there.
    HOSO_ASSIGN_OR_RETURN(Statement cp, db.Prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    HOSO_RETURN_IF_ERROR(cp.Step().status());
  }
  return report;
}

json::object Courier::ToJson(const CourierShipment& s) {
  auto text = [](const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  json::array allowed;
  if (!s.unassigned_at) {
    for (ShipmentAction a : AllShipmentActions()) {
      if (a == ShipmentAction::kCreate) continue;
      std::optional<FailureReason> reason;
      if (a == ShipmentAction::kFailAttempt) reason = FailureReason::kOther;
      if (ApplyShipmentAction(s.state, a, reason).ok()) allowed.emplace_back(ShipmentActionName(a));
    }
  }
  return json::object{{"waybill", s.waybill},
                      {"assignment_id", s.assignment_id},
                      {"dossier_code", s.dossier_code},
                      {"recipient_name", text(s.recipient_name)},
                      {"phone", text(s.phone)},
                      {"address", text(s.address)},
                      {"postal_fee_vnd", s.postal_fee_vnd},
                      {"procedure_name", s.procedure_name},
                      {"assigned_at", FormatLocalIso(s.assigned_at)},
                      {"state", ShipmentStateName(s.state)},
                      {"attempts", s.attempts},
                      {"updated_at", FormatLocalIso(s.updated_at)},
                      {"proof_hash", text(s.proof_hash)},
                      {"purged", s.purged_at.has_value()},
                      {"synced", s.synced},
                      {"allowed", std::move(allowed)}};
}

}  // namespace hoso::node
