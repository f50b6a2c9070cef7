#include "node/collections.h"

#include <utility>

#include "node/dossier.h"
#include "node/outbox.h"
#include "schema/dossier_state.h"

namespace hoso::node {
namespace {

constexpr char kColumns[] =
    "code, procedure_id, procedure_name_vi, procedure_name_en, applicant_name, status, "
    "appointment_ms, return_method, submitted_at_ms, received_at_ms, result_outcome, result_note, "
    "result_at_ms, returned_recipient_name, returned_recipient_id_suffix, returned_on_behalf, "
    "returned_clerk, returned_at_ms";

Collection FromRow(const Statement& q) {
  Collection c;
  c.code = q.ColumnText(0);
  c.procedure_id = q.ColumnText(1);
  c.procedure_name_vi = q.ColumnText(2);
  c.procedure_name_en = q.ColumnText(3);
  c.applicant_name = q.ColumnText(4);
  c.status = static_cast<int>(q.ColumnInt(5));
  c.appointment_ms = q.ColumnOptInt(6);
  c.return_method = q.ColumnText(7);
  c.submitted_at_ms = q.ColumnOptInt(8);
  c.received_at_ms = q.ColumnOptInt(9);
  c.result_outcome = q.ColumnText(10);
  c.result_note = q.ColumnText(11);
  c.result_at_ms = q.ColumnOptInt(12);
  c.returned_recipient_name = q.ColumnText(13);
  c.returned_recipient_id_suffix = q.ColumnText(14);
  c.returned_on_behalf = q.ColumnInt(15) != 0;
  c.returned_clerk = q.ColumnText(16);
  c.returned_at_ms = q.ColumnOptInt(17);
  return c;
}

// The procedure's names as the catalog gives them on `day`, or any row of
// that id when none is in force then; empty when the catalog lacks it.
std::pair<std::string, std::string> ProcedureNames(const Catalog* catalog, const std::string& id,
                                                   UnixMs at) {
  if (catalog == nullptr) return {};
  Result<const Procedure*> p = catalog->Find(id, LocalDateOf(at));
  if (p.ok()) return {(*p)->name_vi, (*p)->name_en};
  for (const Procedure& row : catalog->procedures()) {
    if (row.id == id || row.code == id) return {row.name_vi, row.name_en};
  }
  return {};
}

Result<std::optional<DossierStatus>> CollectionStatus(Database& db, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT status FROM collections WHERE code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<DossierStatus>();
  HOSO_ASSIGN_OR_RETURN(DossierStatus s, StatusFromInt(q.ColumnInt(0)));
  return std::optional<DossierStatus>(s);
}

// Creates the collection of a dossier this desk returns, in `status`.
Status Create(Database& db, const Event& e, DossierStatus status, const Catalog* catalog,
              UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(std::string procedure_id, GetString(e.payload, "procedure_id"));
  HOSO_ASSIGN_OR_RETURN(const json::object* applicant, GetObject(e.payload, "applicant"));
  HOSO_ASSIGN_OR_RETURN(std::string applicant_name, GetString(*applicant, "name", "applicant"));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> method,
                        GetOptString(e.payload, "return_method"));
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> appointment, GetOptInt(e.payload, "appointment_ms"));
  const bool received = e.type == EventType::kDossierReceived;
  auto [name_vi, name_en] = ProcedureNames(catalog, procedure_id, e.device_time_ms);
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO collections (code, procedure_id, procedure_name_vi, "
                 "procedure_name_en, applicant_name, status, appointment_ms, return_method, "
                 "submitted_at_ms, received_at_ms, created_at_ms, updated_at_ms) VALUES (?1, ?2, "
                 "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)"));
  ins.Bind(1, *e.dossier_code).Bind(2, procedure_id).Bind(3, name_vi).Bind(4, name_en);
  ins.Bind(5, applicant_name).Bind(6, StatusNumber(status)).Bind(7, appointment);
  ins.Bind(8, method.value_or("desk"));
  ins.Bind(9, received ? std::nullopt : std::optional<int64_t>(e.device_time_ms));
  ins.Bind(10, received ? std::optional<int64_t>(e.device_time_ms) : std::nullopt);
  ins.Bind(11, now);
  return ins.Run();
}

}  // namespace

Result<std::optional<std::string>> ApplyToCollection(Database& db, const Event& e,
                                                     const std::string& node_id,
                                                     const Catalog* catalog, UnixMs now) {
  using Reason = std::optional<std::string>;
  const std::string& code = *e.dossier_code;
  const std::optional<DossierAction> action = DossierActionFor(e.type);
  if (!action) return Reason("not a dossier action");
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierStatus> from, CollectionStatus(db, code));
  if (!from) {
    // Only the dossier's start makes it one this desk returns.
    bool ours = false;
    if (!node_id.empty() && e.node_id != node_id) {
      HOSO_ASSIGN_OR_RETURN(std::optional<std::string> desk,
                            GetOptString(e.payload, "desk_node_id"));
      HOSO_ASSIGN_OR_RETURN(std::optional<std::string> method,
                            GetOptString(e.payload, "return_method"));
      if (e.type == EventType::kDossierSubmittedOnline) {
        ours = desk == node_id && method.value_or("desk") == "desk";
      } else if (e.type == EventType::kDossierReceived) {
        // The acceptance carries no desk: the central sends it to the origin
        // only, so a desk dossier that reaches this node is returned here.
        ours = (!desk || desk == node_id) && method.value_or("desk") == "desk";
      }
    }
    if (!ours) return Reason("the dossier was not received at this node");
    Result<DossierStatus> to = ApplyDossierAction(std::nullopt, *action);
    if (!to.ok()) return Reason(to.status().message());
    HOSO_RETURN_IF_ERROR(Create(db, e, *to, catalog, now));
    return Reason();
  }
  Result<DossierStatus> to = ApplyDossierAction(*from, *action);
  if (!to.ok()) return Reason(to.status().message());
  HOSO_ASSIGN_OR_RETURN(Statement up, db.Prepare("UPDATE collections SET status = ?2, "
                                                 "updated_at_ms = ?3 WHERE code = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, code).Bind(2, StatusNumber(*to)).Bind(3, now).Run());
  if (e.type == EventType::kDossierReceived) {
    HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> appointment,
                          GetOptInt(e.payload, "appointment_ms"));
    HOSO_ASSIGN_OR_RETURN(Statement rc,
                          db.Prepare("UPDATE collections SET received_at_ms = ?2, appointment_ms "
                                     "= coalesce(?3, appointment_ms) WHERE code = ?1"));
    HOSO_RETURN_IF_ERROR(rc.Bind(1, code).Bind(2, e.device_time_ms).Bind(3, appointment).Run());
  }
  if (e.type == EventType::kApologyIssued) {
    HOSO_ASSIGN_OR_RETURN(int64_t appointment, GetInt(e.payload, "new_appointment_ms"));
    HOSO_ASSIGN_OR_RETURN(Statement ap, db.Prepare("UPDATE collections SET appointment_ms = ?2 "
                                                   "WHERE code = ?1"));
    HOSO_RETURN_IF_ERROR(ap.Bind(1, code).Bind(2, appointment).Run());
  }
  if (e.type == EventType::kResultRecorded) {
    HOSO_ASSIGN_OR_RETURN(std::string outcome, GetString(e.payload, "outcome"));
    HOSO_ASSIGN_OR_RETURN(std::optional<std::string> reason, GetOptString(e.payload, "reason"));
    HOSO_ASSIGN_OR_RETURN(Statement rs,
                          db.Prepare("UPDATE collections SET result_outcome = ?2, result_note = "
                                     "?3, result_at_ms = ?4 WHERE code = ?1"));
    HOSO_RETURN_IF_ERROR(rs.Bind(1, code)
                             .Bind(2, outcome)
                             .Bind(3, reason.value_or(""))
                             .Bind(4, e.device_time_ms)
                             .Run());
  }
  return Reason();
}

Collections::Collections(NodeStore* store, Clock* clock) : store_(store), clock_(clock) {}

Result<std::vector<Collection>> Collections::List(std::optional<int> status, int limit) {
  if (status && (*status < 1 || *status > 10)) {
    return Status::InvalidArgument("status must be 1..10", "status");
  }
  if (limit < 1 || limit > 500) return Status::InvalidArgument("limit must be 1..500", "limit");
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        store_->db().Prepare(std::string("SELECT ") + kColumns +
                                             " FROM collections WHERE ?1 IS NULL OR status = ?1 "
                                             "ORDER BY updated_at_ms DESC, code LIMIT ?2"));
  q.Bind(1, status ? std::optional<int64_t>(*status) : std::nullopt).Bind(2, int64_t{limit});
  std::vector<Collection> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(FromRow(q));
  }
  return out;
}

Result<Collection> Collections::Get(const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(Statement q, store_->db().Prepare(std::string("SELECT ") + kColumns +
                                                          " FROM collections WHERE code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no collection " + code + " at this desk");
  return FromRow(q);
}

Result<Collection> Collections::Return(const std::string& code, const CollectionReturn& in) {
  CollectionReturn r = in;
  HOSO_ASSIGN_OR_RETURN(r.recipient_name, NormaliseName(r.recipient_name, "recipient_name"));
  if (r.recipient_id_last4.size() != 4 ||
      r.recipient_id_last4.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("recipient_id_last4 must be the last 4 digits of the ID card",
                                   "recipient_id_last4");
  }
  HOSO_ASSIGN_OR_RETURN(r.clerk, NormaliseName(r.clerk, "clerk"));
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierStatus> from, CollectionStatus(db, code));
  if (!from) return Status::NotFound("no collection " + code + " at this desk");
  Result<DossierStatus> to = ApplyDossierAction(*from, DossierAction::kReturnResult);
  if (!to.ok()) {
    return Status::Conflict("cannot hand over dossier " + code + ": it is in status " +
                            std::to_string(StatusNumber(*from)) + " (" +
                            DossierStatusNameEn(*from) +
                            "); only a dossier whose result is ready (9) can be handed over");
  }
  const UnixMs now = clock_->NowMs();
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("UPDATE collections SET status = ?2, returned_recipient_name = ?3, "
                 "returned_recipient_id_suffix = ?4, returned_on_behalf = ?5, returned_clerk = "
                 "?6, returned_at_ms = ?7, updated_at_ms = ?7 WHERE code = ?1"));
  up.Bind(1, code).Bind(2, StatusNumber(*to)).Bind(3, r.recipient_name);
  up.Bind(4, r.recipient_id_last4).Bind(5, int64_t{r.on_behalf ? 1 : 0}).Bind(6, r.clerk);
  up.Bind(7, now);
  HOSO_RETURN_IF_ERROR(up.Run());
  // The same payload as the desk's own hand-back (Desk::HandBackAtDesk).
  json::object payload{{"recipient_name", r.recipient_name},
                       {"recipient_id_suffix", r.recipient_id_last4},
                       {"on_behalf", r.on_behalf},
                       {"method", "desk"},
                       {"recipient_kind", r.on_behalf ? "authorised" : "owner"},
                       {"clerk", r.clerk}};
  Event ev =
      NewEvent(EventType::kResultReturned, store_->identity().node_id, now, std::move(payload));
  ev.dossier_code = code;
  ev.actor = r.clerk;
  HOSO_RETURN_IF_ERROR(AppendEvent(db, ev).status());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return Get(code);
}

json::object Collections::ToJson(const Collection& c) {
  auto opt = [](const std::optional<UnixMs>& v) { return v ? json::value(*v) : json::value(); };
  const DossierStatus s = static_cast<DossierStatus>(c.status);
  json::object o{{"code", c.code},
                 {"procedure_id", c.procedure_id},
                 {"procedure_name_vi", c.procedure_name_vi},
                 {"procedure_name_en", c.procedure_name_en},
                 {"applicant_name", c.applicant_name},
                 {"status", c.status},
                 {"status_name_vi", DossierStatusNameVi(s)},
                 {"status_name_en", DossierStatusNameEn(s)},
                 {"appointment_ms", opt(c.appointment_ms)},
                 {"return_method", c.return_method},
                 {"submitted_at_ms", opt(c.submitted_at_ms)},
                 {"received_at_ms", opt(c.received_at_ms)},
                 {"result_outcome", c.result_outcome},
                 {"result_note", c.result_note},
                 {"result_at_ms", opt(c.result_at_ms)}};
  if (c.returned_at_ms) {
    o["returned"] = json::object{{"recipient_name", c.returned_recipient_name},
                                 {"recipient_id_suffix", c.returned_recipient_id_suffix},
                                 {"on_behalf", c.returned_on_behalf},
                                 {"clerk", c.returned_clerk},
                                 {"at_ms", *c.returned_at_ms}};
  } else {
    o["returned"] = nullptr;
  }
  return o;
}

Result<CollectionReturn> Collections::ParseReturn(const json::object& body) {
  CollectionReturn r;
  HOSO_ASSIGN_OR_RETURN(r.recipient_name, GetString(body, "recipient_name"));
  HOSO_ASSIGN_OR_RETURN(r.recipient_id_last4, GetString(body, "recipient_id_last4"));
  HOSO_ASSIGN_OR_RETURN(std::optional<bool> behalf, GetOptBool(body, "on_behalf"));
  r.on_behalf = behalf.value_or(false);
  HOSO_ASSIGN_OR_RETURN(r.clerk, GetString(body, "clerk"));
  return r;
}

}  // namespace hoso::node
