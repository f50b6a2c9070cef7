// Desk: intake, refusal at intake, result arrival and hand-back. Each state
// change is one IMMEDIATE transaction holding the state rows and the outbox
// event; anything that can be computed without the write lock (validation,
// catalog look-up, appointment, fees) is done before it is taken.
#include <utility>

#include "node/desk.h"
#include "node/outbox.h"
#include "schema/dossier_state.h"
#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::node {

namespace {

constexpr size_t kMaxReasonChars = 1000;

// Everything about a dossier that follows from the request and the catalog.
struct Plan {
  IntakeRequest req;  // validated and normalised
  const Procedure* proc = nullptr;
  UnixMs received_at = 0;
  Date day;
  UnixMs counted_from = 0;
  UnixMs appointment = 0;  // 0: no date is promised
  int processing_days = 0;
  std::optional<int64_t> fee_vnd;
  std::optional<int64_t> postal_fee_vnd;
};

Status MapFindError(const Status& s, const std::string& id) {
  if (s.IsNotFound()) {
    return Status(Status::Code::kNotFound, "unknown procedure '" + id + "'", "procedure_id");
  }
  return Status(s.code(), s.message(), "procedure_id");
}

const RequiredDocument* FindDocument(const Procedure& p, const std::string& id) {
  for (const RequiredDocument& d : p.required_documents) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

// Checks the request against the procedure; fills what the receipt needs.
Status CheckAgainstProcedure(const Plan& plan) {
  const Procedure& p = *plan.proc;
  for (size_t i = 0; i < plan.req.documents.size(); ++i) {
    const std::string& id = plan.req.documents[i].first;
    if (FindDocument(p, id) == nullptr) {
      const std::string field = "documents[" + std::to_string(i) + "].id";
      return Status::InvalidArgument(
          field + ": '" + id + "' is not on the checklist of procedure " + p.id, field);
    }
  }
  if (plan.req.return_method.method == "post" && !p.postal_return) {
    return Status::InvalidArgument("procedure " + p.id +
                                       " does not offer return of the result by "
                                       "post; the result must be collected at the desk",
                                   "return.method");
  }
  return Status::OK();
}

std::vector<MissingDocument> Missing(const Plan& plan) {
  std::vector<MissingDocument> out;
  for (const RequiredDocument* d : MissingDocuments(*plan.proc, plan.req.documents)) {
    MissingDocument m{d->id, d->name_vi, d->name_en, DocumentFormName(d->form), d->count, 0};
    for (const auto& [id, count] : plan.req.documents) {
      if (id == d->id) m.count_received += count;
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::string AddressLine(const Address& a) {
  std::string out = a.street;
  for (const std::string* part : {&a.ward, &a.province}) {
    if (!part->empty()) out += (out.empty() ? "" : ", ") + *part;
  }
  return out;
}

std::string Last4(const std::string& id) {
  return id.size() >= 4 ? id.substr(id.size() - 4) : std::string();
}

// "0312345678-001" is searchable as "0312345678", "001" and the digits run.
std::string TaxCodeSearchText(const std::string& tax_code) {
  if (tax_code.empty()) return "";
  const std::string digits = DigitsOnly(tax_code);
  return digits == tax_code ? tax_code : tax_code + " " + digits;
}

json::object ReceivedPayload(const Plan& plan, const std::string& code, const std::string& secret,
                             const NodeStore& store) {
  const IntakeRequest& r = plan.req;
  const Applicant& a = r.applicant;
  const bool business = a.kind == "business";
  json::object applicant{{"name", business ? a.business_name : a.full_name},
                         {"kind", business ? "organisation" : "citizen"},
                         {"phone", a.phone}};
  if (business) {
    applicant["representative_name"] = a.full_name;
    applicant["tax_code"] = a.tax_code;
  }
  // Only the last digits: the clear number stays encrypted on this node.
  if (!a.id_number.empty()) applicant["id_last4"] = Last4(a.id_number);
  json::array docs;
  for (const auto& [id, count] : r.documents) docs.push_back(json::value(id));
  json::object p{{"procedure_id", plan.proc->id},
                 {"applicant", std::move(applicant)},
                 {"appointment_ms", plan.appointment},
                 {"counted_from_ms", plan.counted_from},
                 {"received_at_ms", plan.received_at},
                 {"lookup_secret_hash", LookupSecretHash(code, secret)},
                 // The secret itself travels too: the central answers public
                 // tracking with it, and batches are signed and sealed for
                 // transport, so it is never readable in transit or on a USB
                 // stick. The hash lets the central check it arrived intact.
                 {"lookup_secret", secret},
                 {"catalog_version", store.catalog().version()},
                 {"calendar_version", store.calendar_data().version},
                 {"tariff_version", store.tariff().version()},
                 {"processing_kind", ProcessingKindName(plan.proc->processing.kind)},
                 {"processing_days", plan.processing_days},
                 {"channel", r.channel},
                 {"return_method", r.return_method.method},
                 {"documents", std::move(docs)}};
  if (plan.proc->code) p["procedure_code"] = *plan.proc->code;
  if (plan.fee_vnd) p["fee_vnd"] = *plan.fee_vnd;
  if (r.return_method.method == "post") {
    p["delivery_address"] = AddressLine(r.return_method.address);
    p["recipient_name"] = r.return_method.recipient_name;
    p["recipient_phone"] = r.return_method.recipient_phone;
    if (plan.postal_fee_vnd) p["postal_fee_vnd"] = *plan.postal_fee_vnd;
  }
  return p;
}

constexpr const char* kDossierInsertColumns[] = {"code",
                                                 "lookup_secret",
                                                 "status",
                                                 "procedure_id",
                                                 "procedure_code",
                                                 "procedure_name_vi",
                                                 "procedure_name_en",
                                                 "applicant_kind",
                                                 "applicant_name",
                                                 "business_name",
                                                 "tax_code",
                                                 "phone",
                                                 "email",
                                                 "address_province",
                                                 "address_ward",
                                                 "address_street",
                                                 "applicant_id_cipher",
                                                 "applicant_id_last4",
                                                 "applicant_id_lookup",
                                                 "rep_name",
                                                 "rep_id_cipher",
                                                 "rep_id_last4",
                                                 "rep_id_lookup",
                                                 "rep_authorisation",
                                                 "applicant_type",
                                                 "area",
                                                 "channel",
                                                 "return_method",
                                                 "return_recipient_name",
                                                 "return_recipient_phone",
                                                 "return_province",
                                                 "return_ward",
                                                 "return_street",
                                                 "clerk",
                                                 "received_at_ms",
                                                 "counted_from_ms",
                                                 "appointment_ms",
                                                 "processing_kind",
                                                 "processing_days",
                                                 "fee_vnd",
                                                 "postal_fee_vnd",
                                                 "catalog_version",
                                                 "calendar_version",
                                                 "tariff_version",
                                                 "refusal_reason",
                                                 "note",
                                                 "updated_at_ms"};

// "INSERT INTO dossiers (code, ...) VALUES (:code, ...)": every column is
// bound by name, so the list and the binds cannot drift apart silently.
const std::string& InsertDossierSql() {
  static const std::string sql = [] {
    std::string cols, params;
    for (const char* c : kDossierInsertColumns) {
      cols += (cols.empty() ? "" : ", ") + std::string(c);
      params += (params.empty() ? ":" : ", :") + std::string(c);
    }
    return "INSERT INTO dossiers (" + cols + ") VALUES (" + params + ")";
  }();
  return sql;
}

Result<DossierStatus> CurrentStatus(Database& db, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT status FROM dossiers WHERE code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no dossier " + code);
  auto s = StatusFromInt(q.ColumnInt(0));
  if (!s.ok()) return Status::Corruption("dossier " + code + ": " + s.status().message());
  return *s;
}

std::string StatusWords(DossierStatus s) {
  return std::to_string(StatusNumber(s)) + " (" + DossierStatusNameEn(s) + ")";
}

}  // namespace

Result<Dossier> Desk::Intake(const IntakeRequest& req, std::vector<MissingDocument>* missing) {
  if (missing) missing->clear();
  return Record(req, /*refused=*/false, "", missing);
}

Result<Dossier> Desk::RefuseAtIntake(const IntakeRequest& req, const std::string& reason) {
  return Record(req, /*refused=*/true, reason, nullptr);
}

Result<std::vector<MissingDocument>> Desk::CheckDocuments(const IntakeRequest& in) {
  Plan plan;
  HOSO_ASSIGN_OR_RETURN(plan.req, ValidateIntakeRequest(in));
  const UnixMs received = plan.req.received_at.value_or(options_.clock->NowMs());
  auto proc = store_->catalog().Find(plan.req.procedure_id, LocalDateOf(received));
  if (!proc.ok()) return MapFindError(proc.status(), plan.req.procedure_id);
  plan.proc = *proc;
  HOSO_RETURN_IF_ERROR(CheckAgainstProcedure(plan));
  return Missing(plan);
}

Result<Dossier> Desk::Record(const IntakeRequest& in, bool refused, const std::string& reason_in,
                             std::vector<MissingDocument>* missing) {
  Plan plan;
  HOSO_ASSIGN_OR_RETURN(plan.req, ValidateIntakeRequest(in));
  const IntakeRequest& r = plan.req;
  std::string reason;
  if (refused) {
    HOSO_ASSIGN_OR_RETURN(reason, NormaliseName(reason_in, "reason", kMaxReasonChars));
  }
  plan.received_at = r.received_at.value_or(options_.clock->NowMs());
  plan.day = LocalDateOf(plan.received_at);
  auto proc = store_->catalog().Find(r.procedure_id, plan.day);
  if (!proc.ok()) return MapFindError(proc.status(), r.procedure_id);
  plan.proc = *proc;
  const Procedure& p = **proc;
  HOSO_RETURN_IF_ERROR(CheckAgainstProcedure(plan));
  std::vector<MissingDocument> lacking = Missing(plan);
  if (!refused && !lacking.empty()) {
    const size_t n = lacking.size();
    if (missing) *missing = std::move(lacking);
    return Status::InvalidArgument(std::to_string(n) + (n == 1 ? " required document is missing"
                                                               : " required documents are missing"),
                                   "documents");
  }

  const WorkingCalendar& cal = store_->working_calendar();
  plan.counted_from = refused ? plan.received_at : cal.NormaliseIntake(plan.received_at);
  const std::optional<int> days = ProcessingDays(p, /*online=*/false);
  plan.processing_days = days.value_or(0);
  if (!refused && days && p.processing.kind == ProcessingKind::kWorkingDays) {
    HOSO_ASSIGN_OR_RETURN(plan.appointment, cal.DueWorkingDays(plan.received_at, *days));
  } else if (!refused && days && p.processing.kind == ProcessingKind::kCalendarDays) {
    HOSO_ASSIGN_OR_RETURN(plan.appointment, cal.DueCalendarDays(plan.received_at, *days));
  }
  if (!refused) {
    // A figure the catalog has not verified is not quoted as a promise.
    const Fee* fee = FindFee(p, *ParseApplicantType(r.applicant_type), *ParseFeeArea(r.area));
    if (fee && fee->verified && fee->amount_vnd) plan.fee_vnd = *fee->amount_vnd;
    if (r.return_method.method == "post") {
      plan.postal_fee_vnd =
          store_->tariff()
              .PostalReturnFee(store_->identity().province, r.return_method.address.province)
              .amount_vnd;
    }
  }

  Database& db = store_->db();
  const std::string& unit = store_->identity().unit_code;
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(int number, NextDailyNumber("dossier:" + unit, plan.day));
  // The 10,000th number of a day is refused here; the transaction rolls back
  // and leaves the counter at 9999.
  HOSO_ASSIGN_OR_RETURN(std::string code, FormatDossierCode(unit, plan.day, number));
  const std::string secret = NewLookupSecret();

  const Applicant& a = r.applicant;
  const Representative* rep = r.representative ? &*r.representative : nullptr;
  HOSO_ASSIGN_OR_RETURN(Statement ins, db.Prepare(InsertDossierSql()));
  auto bind = [&ins](const char* name, const auto& value) {
    // An unknown name binds index 0, which fails the Run below.
    ins.Bind(ins.ParamIndex(name), value);
  };
  auto bind_id = [&](const char* cipher, const char* last4, const char* lookup,
                     const std::string& id) {
    if (id.empty()) {
      ins.BindNull(ins.ParamIndex(cipher));
      ins.BindNull(ins.ParamIndex(lookup));
      bind(last4, "");
    } else {
      ins.BindBlob(ins.ParamIndex(cipher), store_->EncryptPii(id));
      bind(lookup, store_->PiiLookupHash(id));
      bind(last4, Last4(id));
    }
  };
  bind(":code", code);
  bind(":lookup_secret", secret);
  bind(":status", refused ? 3 : 2);
  bind(":procedure_id", p.id);
  bind(":procedure_code", p.code.value_or(""));
  bind(":procedure_name_vi", p.name_vi);
  bind(":procedure_name_en", p.name_en);
  bind(":applicant_kind", a.kind);
  bind(":applicant_name", a.full_name);
  bind(":business_name", a.business_name);
  bind(":tax_code", a.tax_code);
  bind(":phone", a.phone);
  bind(":email", a.email);
  bind(":address_province", a.address.province);
  bind(":address_ward", a.address.ward);
  bind(":address_street", a.address.street);
  bind_id(":applicant_id_cipher", ":applicant_id_last4", ":applicant_id_lookup", a.id_number);
  if (rep) {
    bind(":rep_name", rep->full_name);
  } else {
    ins.BindNull(ins.ParamIndex(":rep_name"));
  }
  bind_id(":rep_id_cipher", ":rep_id_last4", ":rep_id_lookup", rep ? rep->id_number : "");
  bind(":rep_authorisation", rep ? rep->authorisation : std::string());
  bind(":applicant_type", r.applicant_type);
  bind(":area", r.area);
  bind(":channel", r.channel);
  const ReturnMethod& ret = r.return_method;
  bind(":return_method", ret.method);
  bind(":return_recipient_name", ret.recipient_name);
  bind(":return_recipient_phone", ret.recipient_phone);
  bind(":return_province", ret.address.province);
  bind(":return_ward", ret.address.ward);
  bind(":return_street", ret.address.street);
  bind(":clerk", r.clerk);
  bind(":received_at_ms", plan.received_at);
  bind(":counted_from_ms", plan.counted_from);
  bind(":appointment_ms", plan.appointment);
  bind(":processing_kind", ProcessingKindName(p.processing.kind));
  bind(":processing_days", plan.processing_days);
  bind(":fee_vnd", plan.fee_vnd);
  bind(":postal_fee_vnd", plan.postal_fee_vnd);
  bind(":catalog_version", store_->catalog().version());
  bind(":calendar_version", store_->calendar_data().version);
  bind(":tariff_version", store_->tariff().version());
  bind(":refusal_reason", reason);
  bind(":note", r.note);
  bind(":updated_at_ms", options_.clock->NowMs());
  HOSO_RETURN_IF_ERROR(ins.Run());
  const int64_t rowid = db.LastInsertRowId();

  HOSO_ASSIGN_OR_RETURN(
      Statement doc,
      db.Prepare("INSERT INTO dossier_documents (dossier_code, position, document_id, name_vi, "
                 "name_en, form, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (size_t k = 0; k < r.documents.size(); ++k) {
    const RequiredDocument* d = FindDocument(p, r.documents[k].first);
    doc.Bind(1, code).Bind(2, static_cast<int64_t>(k)).Bind(3, d->id).Bind(4, d->name_vi);
    doc.Bind(5, d->name_en).Bind(6, DocumentFormName(d->form)).Bind(7, r.documents[k].second);
    HOSO_RETURN_IF_ERROR(doc.Run());
    doc.Reset();
  }

  HOSO_ASSIGN_OR_RETURN(
      Statement idx,
      db.Prepare("INSERT INTO dossier_search (rowid, code, applicant_name, business_name, "
                 "representative_name, phone, tax_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  idx.Bind(1, rowid).Bind(2, code).Bind(3, FoldForSearch(a.full_name));
  idx.Bind(4, FoldForSearch(a.business_name)).Bind(5, rep ? FoldForSearch(rep->full_name) : "");
  idx.Bind(6, a.phone).Bind(7, TaxCodeSearchText(a.tax_code));
  HOSO_RETURN_IF_ERROR(idx.Run());

  json::object payload;
  if (refused) {
    json::array ids;
    for (const MissingDocument& m : lacking) ids.push_back(json::value(m.id));
    payload = json::object{
        {"procedure_id", p.id},
        {"applicant", json::object{{"name", a.kind == "business" ? a.business_name : a.full_name}}},
        {"reason", reason},
        {"missing_documents", std::move(ids)},
        {"received_at_ms", plan.received_at},
        {"lookup_secret_hash", LookupSecretHash(code, secret)},
        {"lookup_secret", secret}};
  } else {
    payload = ReceivedPayload(plan, code, secret, *store_);
  }
  Event ev = NewDeskEvent(refused ? EventType::kDossierRefused : EventType::kDossierReceived,
                          std::move(payload), code, r.clerk);
  HOSO_RETURN_IF_ERROR(AppendEvent(db, ev).status());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return Get(code);
}

Result<Dossier> Desk::ResultArrived(const std::string& code, const std::string& clerk_in,
                                    const std::string& outcome, const std::string& note_in) {
  HOSO_ASSIGN_OR_RETURN(std::string clerk, NormaliseName(clerk_in, "clerk"));
  if (outcome != "approved" && outcome != "refused") {
    return Status::InvalidArgument("outcome must be approved or refused, not '" + outcome + "'",
                                   "outcome");
  }
  std::string note;
  if (!NormaliseSpaces(note_in).empty()) {
    HOSO_ASSIGN_OR_RETURN(note, NormaliseName(note_in, "note", kMaxReasonChars));
  }
  if (outcome == "refused" && note.empty()) {
    return Status::InvalidArgument("a refused result needs its reason in note", "note");
  }
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(DossierStatus from, CurrentStatus(db, code));
  // Papers that reach the desk prove the central processed the dossier,
  // even if the status change to 4 has not been down-synced yet: from 2 the
  // desk steps through "processing" and records only the result event.
  DossierStatus at = from;
  if (from == DossierStatus::kReceived) {
    HOSO_ASSIGN_OR_RETURN(at, ApplyDossierAction(from, DossierAction::kAssignHandler));
  }
  auto to = ApplyDossierAction(at, DossierAction::kRecordResult);
  if (!to.ok()) {
    return Status::Conflict("cannot record the result of dossier " + code + ": it is in status " +
                            StatusWords(from) + "; " + to.status().message());
  }
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(Statement up,
                        db.Prepare("UPDATE dossiers SET status = ?2, result_outcome = ?3, "
                                   "result_note = ?4, result_at_ms = ?5, updated_at_ms = ?5 "
                                   "WHERE code = ?1"));
  up.Bind(1, code).Bind(2, StatusNumber(*to)).Bind(3, outcome).Bind(4, note).Bind(5, now);
  HOSO_RETURN_IF_ERROR(up.Run());
  json::object payload{{"outcome", outcome}, {"source", "desk"}, {"note", note}};
  if (outcome == "refused") payload["reason"] = note;
  Event ev = NewDeskEvent(EventType::kResultRecorded, std::move(payload), code, clerk);
  HOSO_RETURN_IF_ERROR(AppendEvent(db, ev).status());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return Get(code);
}

Result<Dossier> Desk::HandBackAtDesk(const std::string& code, const HandBack& hb_in,
                                     const std::string& recipient_id_number) {
  HandBack hb = hb_in;
  if (hb.recipient_kind != "owner" && hb.recipient_kind != "authorised") {
    return Status::InvalidArgument(
        "recipient_kind must be owner or authorised, not '" + hb.recipient_kind + "'",
        "recipient_kind");
  }
  HOSO_ASSIGN_OR_RETURN(hb.recipient_name, NormaliseName(hb.recipient_name, "recipient_name"));
  HOSO_ASSIGN_OR_RETURN(std::string id,
                        NormaliseIdNumber(recipient_id_number, "recipient_id_number"));
  hb.recipient_id_masked = MaskIdNumber(id);
  if (hb.recipient_kind == "authorised") {
    HOSO_ASSIGN_OR_RETURN(hb.authorisation,
                          NormaliseName(hb.authorisation, "authorisation", kMaxReasonChars));
  } else {
    hb.authorisation.clear();
  }
  HOSO_ASSIGN_OR_RETURN(hb.clerk, NormaliseName(hb.clerk, "clerk"));
  hb.returned_at = options_.clock->NowMs();

  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(DossierStatus from, CurrentStatus(db, code));
  auto to = ApplyDossierAction(from, DossierAction::kReturnResult);
  if (!to.ok()) {
    return Status::Conflict("cannot hand back dossier " + code + ": it is in status " +
                            StatusWords(from) +
                            "; only a dossier whose result is ready (9) "
                            "can be handed back");
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("UPDATE dossiers SET status = ?2, handback_recipient_kind = ?3, "
                 "handback_recipient_name = ?4, handback_recipient_id_masked = ?5, "
                 "handback_authorisation = ?6, handback_clerk = ?7, handback_at_ms = ?8, "
                 "updated_at_ms = ?8 WHERE code = ?1"));
  up.Bind(1, code).Bind(2, StatusNumber(*to)).Bind(3, hb.recipient_kind);
  up.Bind(4, hb.recipient_name).Bind(5, hb.recipient_id_masked).Bind(6, hb.authorisation);
  up.Bind(7, hb.clerk).Bind(8, hb.returned_at);
  HOSO_RETURN_IF_ERROR(up.Run());
  json::object payload{{"recipient_name", hb.recipient_name},
                       {"recipient_id_suffix", Last4(id)},
                       {"on_behalf", hb.recipient_kind == "authorised"},
                       {"method", "desk"},
                       {"recipient_kind", hb.recipient_kind},
                       {"clerk", hb.clerk}};
  Event ev = NewDeskEvent(EventType::kResultReturned, std::move(payload), code, hb.clerk);
  HOSO_RETURN_IF_ERROR(AppendEvent(db, ev).status());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return Get(code);
}

}  // namespace hoso::node
