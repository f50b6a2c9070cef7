// OnlineDesk after submission: the applicant's lookup, receipt and
// completion uploads, and the officers' reception (inbox, checklist, accept,
// completion request, refusal, Forms 01 and 02, filings per filer).
#include <algorithm>
#include <utility>

#include "central/dossiers.h"
#include "central/json_fields.h"
#include "central/online.h"
#include "central/online_internal.h"
#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::central {

using namespace online_internal;  // NOLINT: the shared helpers of OnlineDesk

namespace {

std::vector<std::string> StringList(const json::value& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json::value& x : v.as_array()) {
    if (x.is_string()) out.emplace_back(x.as_string());
  }
  return out;
}

std::string PageHead(const std::string& title) {
  return "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width,initial-scale=1\"><title>" +
         HtmlEscape(title) +
         "</title><style>body{font-family:serif;max-width:18cm;margin:1cm auto;padding:0 1em}"
         "h1{font-size:1.2em;text-align:center}.c{text-align:center}td{padding:2px 8px;"
         "vertical-align:top}</style></head><body>"
         "<p class=\"c\"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh "
         "phúc</p>";
}

std::string DateLine(UnixMs t) {
  const Date d = LocalDateOf(t);
  return "<p>Ngày " + std::to_string(d.day) + " tháng " + std::to_string(d.month) + " năm " +
         std::to_string(d.year) + "</p>";
}

}  // namespace

Outcome<OnlineDesk::Submitted> OnlineDesk::LoadSubmitted(Database& db, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT procedure_id, kind, filer_key, applicant_name, secret_hash, fields, "
                 "report_period, submitted_at_ms, completion_round, completion_items FROM "
                 "online_dossiers WHERE dossier_code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return hoso::central::Refuse(404, "not_found", "no dossier " + code + " was submitted online");
  }
  Submitted s;
  s.code = code;
  s.procedure_id = q.ColumnText(0);
  s.filing = q.ColumnText(1) == "filing";
  s.filer_key = q.ColumnText(2);
  s.applicant_name = q.ColumnText(3);
  s.secret_hash = q.ColumnText(4);
  HOSO_ASSIGN_OR_RETURN(s.fields, ParseJsonObject(q.ColumnText(5)));
  s.report_period = q.ColumnOptInt(6);
  s.submitted_at_ms = q.ColumnInt(7);
  s.completion_round = static_cast<int>(q.ColumnInt(8));
  if (auto items = q.ColumnOptText(9)) {
    HOSO_ASSIGN_OR_RETURN(json::value v, ParseJson(*items));
    s.completion_items = StringList(v);
  }
  return s;
}

namespace {

// The checklist items of `ids` with their names.
json::array NamedItems(const Catalog& catalog, const std::string& procedure_id, UnixMs at,
                       const std::vector<std::string>& ids) {
  json::array out;
  auto p = catalog.Find(procedure_id, LocalDateOf(at));
  for (const std::string& id : ids) {
    json::object o{{"id", id}, {"name_vi", id}, {"name_en", id}};
    if (p.ok()) {
      for (const RequiredDocument& d : (*p)->required_documents) {
        if (d.id != id) continue;
        o["name_vi"] = d.name_vi;
        o["name_en"] = d.name_en;
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<json::array> FilesOf(Database& db, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare(std::string("SELECT ") + kFileColumns +
                                   " FROM online_files WHERE dossier_code = ?1 ORDER BY file_id"));
  q.Bind(1, code);
  json::array out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(FileJson(q));
  }
  return out;
}

}  // namespace

Outcome<json::object> OnlineDesk::Lookup(const std::string& code, const std::string& secret,
                                         const std::string& address) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<Submitted> s = Authorise(*db, code, secret, address);
  if (!s.ok()) return s.refusal();
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> p, LoadDossier(*db, code));
  json::object o{{"code", code}, {"procedure_id", s->procedure_id}, {"filing", s->filing}};
  if (p && p->state.status) {
    o["status"] = StatusNumber(*p->state.status);
    o["status_name_vi"] = DossierStatusNameVi(*p->state.status);
    o["status_name_en"] = DossierStatusNameEn(*p->state.status);
    o["appointment"] = OptTime(p->state.appointment_ms);
  }
  auto proc = catalog_.Find(s->procedure_id, LocalDateOf(s->submitted_at_ms));
  if (proc.ok()) {
    o["procedure_name_vi"] = (*proc)->name_vi;
    o["procedure_name_en"] = (*proc)->name_en;
  }
  o["submitted_at"] = FormatLocalIso(s->submitted_at_ms);
  if (s->completion_items) {
    HOSO_ASSIGN_OR_RETURN(Statement r,
                          db->Prepare("SELECT payload FROM central_events WHERE dossier_code = ?1 "
                                      "AND type = 'online_completion_requested' ORDER BY seq "
                                      "DESC LIMIT 1"));
    r.Bind(1, code);
    std::string reason;
    HOSO_ASSIGN_OR_RETURN(bool row, r.Step());
    if (row) {
      HOSO_ASSIGN_OR_RETURN(json::object payload, ParseJsonObject(r.ColumnText(0)));
      reason = Str(payload, "reason");
    }
    o["completion"] = json::object{
        {"round", s->completion_round},
        {"reason", reason},
        {"items", NamedItems(catalog_, s->procedure_id, s->submitted_at_ms, *s->completion_items)}};
  } else {
    o["completion"] = nullptr;
  }
  HOSO_ASSIGN_OR_RETURN(json::array files, FilesOf(*db, code));
  o["files"] = std::move(files);
  return o;
}

Outcome<std::string> OnlineDesk::ReceiptHtml(const std::string& code, const std::string& secret,
                                             const std::string& address) {
  Outcome<json::object> d = Lookup(code, secret, address);
  if (!d.ok()) return d.refusal();
  const json::object& o = *d;
  auto text = [&](const char* key) {
    const json::value* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  std::string files;
  for (const json::value& f : o.at("files").as_array()) {
    files += "<li>" + HtmlEscape(std::string(f.at("name").as_string())) + " (" +
             HtmlEscape(std::string(f.at("document_id").as_string())) + ")</li>";
  }
  const bool filing = o.at("filing").as_bool();
  const Result<std::string> canonical = NormaliseLookupSecret(secret);
  return PageHead("Biên nhận hồ sơ trực tuyến " + code) +
         "<h1>BIÊN NHẬN HỒ SƠ NỘP TRỰC TUYẾN</h1><table>"
         "<tr><td>Mã hồ sơ</td><td><b id=\"receipt-code\">" +
         HtmlEscape(code) + "</b></td></tr><tr><td>Mã tra cứu</td><td><b>" +
         HtmlEscape(canonical.ok() ? FormatLookupSecret(*canonical) : "") +
         "</b></td></tr><tr><td>Thủ tục</td><td>" + HtmlEscape(text("procedure_name_vi")) +
         "</td></tr><tr><td>Nộp lúc</td><td>" + HtmlEscape(text("submitted_at")) +
         "</td></tr><tr><td>Trạng thái</td><td>" + HtmlEscape(text("status_name_vi")) +
         "</td></tr></table><p>Tệp đã nộp:</p><ul>" + files + "</ul>" +
         (filing ? "<p>Thông báo/báo cáo đã được tiếp nhận khi nộp.</p>"
                 : "<p>Hồ sơ sẽ được cán bộ kiểm tra; ngày hẹn trả kết quả được tính từ lúc "
                   "tiếp nhận. Tra cứu tại trang /track với mã hồ sơ và mã tra cứu.</p>") +
         "</body></html>";
}

Outcome<json::object> OnlineDesk::AddCompletionFile(
    const std::string& code, const std::string& secret, const std::string& address,
    const std::string& document_id, const std::string& file_name, std::string_view bytes) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<Submitted> s = Authorise(*db, code, secret, address);
  if (!s.ok()) return s.refusal();
  if (Outcome<bool> ok = CountDraftWrite("dossier:" + code); !ok.ok()) return ok.refusal();
  if (!s->completion_items || std::find(s->completion_items->begin(), s->completion_items->end(),
                                        document_id) == s->completion_items->end()) {
    return Refusal{409, "no_completion_requested",
                   "no completion of '" + document_id + "' is asked for dossier " + code,
                   "document_id", std::nullopt};
  }
  std::string name;
  Outcome<std::string> type =
      CheckUpload(nullptr, document_id, file_name, bytes, options_.max_file_bytes, &name);
  if (!type.ok()) return type.refusal();
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(std::string hash, StoreFileBytes(*store_, *db, bytes, *type, now, nullptr));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db->Prepare("INSERT INTO online_files (dossier_code, round, document_id, file_name, "
                  "attachment_hash, media_type, size_bytes, added_at_ms) VALUES (?1, ?2, ?3, ?4, "
                  "?5, ?6, ?7, ?8)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, code)
                           .Bind(2, s->completion_round)
                           .Bind(3, document_id)
                           .Bind(4, name)
                           .Bind(5, hash)
                           .Bind(6, *type)
                           .Bind(7, static_cast<int64_t>(bytes.size()))
                           .Bind(8, now)
                           .Run());
  const int64_t id = db->LastInsertRowId();
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"file_id", id},
                      {"document_id", document_id},
                      {"name", name},
                      {"hash", hash},
                      {"media_type", *type},
                      {"size_bytes", static_cast<int64_t>(bytes.size())},
                      {"round", s->completion_round}};
}

Outcome<json::object> OnlineDesk::SubmitCompletion(const std::string& code,
                                                   const std::string& secret,
                                                   const std::string& address) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<Submitted> s = Authorise(*db, code, secret, address);
  if (!s.ok()) return s.refusal();
  if (!s->completion_items) {
    return hoso::central::Refuse(409, "no_completion_requested",
                                 "no completion is asked for dossier " + code);
  }
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT DISTINCT document_id FROM online_files "
                                                 "WHERE dossier_code = ?1 AND round = ?2"));
  q.Bind(1, code).Bind(2, s->completion_round);
  std::vector<std::string> uploaded;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    uploaded.push_back(q.ColumnText(0));
  }
  for (const std::string& item : *s->completion_items) {
    if (std::find(uploaded.begin(), uploaded.end(), item) == uploaded.end()) {
      return Refusal{422, "validation_failed", "attach a file of '" + item + "' first",
                     "documents." + item, std::nullopt};
    }
  }
  json::array docs;
  for (const std::string& item : *s->completion_items) docs.push_back(json::value(item));
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> p, LoadDossier(*db, code));
  HOSO_ASSIGN_OR_RETURN(
      Event e, AppendCentralEvent(*db, store_->central_id(), "online", code,
                                  EventType::kOnlineCompletionSubmitted,
                                  json::object{{"documents", docs}, {"round", s->completion_round}},
                                  std::max(now, p ? p->last_event_at_ms : now),
                                  p ? p->origin_node_id : std::nullopt));
  HOSO_ASSIGN_OR_RETURN(Statement up, db->Prepare("UPDATE online_dossiers SET completion_items = "
                                                  "NULL WHERE dossier_code = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, code).Run());
  HOSO_RETURN_IF_ERROR(RefoldDossiers(*db, {code}, now));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"code", code}, {"event_id", e.event_id}, {"round", s->completion_round}};
}

// ---- Reception ---------------------------------------------------------------

Result<json::object> OnlineDesk::Inbox() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db->Prepare("SELECT o.dossier_code, o.procedure_id, o.applicant_name, o.submitted_at_ms, "
                  "o.completion_round, o.completion_items FROM online_dossiers o JOIN dossiers d "
                  "ON d.dossier_code = o.dossier_code WHERE d.status = 1 ORDER BY "
                  "o.submitted_at_ms, o.dossier_code LIMIT 500"));
  json::array out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::optional<std::string> items = q.ColumnOptText(5);
    std::string state = "to_check";
    if (items)
      state = "completion_requested";
    else if (q.ColumnInt(4) > 0)
      state = "completed";
    json::object o{{"code", q.ColumnText(0)},
                   {"procedure_id", q.ColumnText(1)},
                   {"applicant", q.ColumnText(2)},
                   {"submitted_at", FormatLocalIso(q.ColumnInt(3))},
                   {"completion_round", q.ColumnInt(4)},
                   {"state", state}};
    if (auto p = catalog_.Find(q.ColumnText(1), LocalDateOf(q.ColumnInt(3))); p.ok()) {
      o["procedure_name_vi"] = (*p)->name_vi;
      o["procedure_name_en"] = (*p)->name_en;
    }
    out.push_back(std::move(o));
  }
  return json::object{{"dossiers", std::move(out)}};
}

Outcome<json::object> OnlineDesk::Detail(const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<Submitted> s = LoadSubmitted(*db, code);
  if (!s.ok()) return s.refusal();
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> p, LoadDossier(*db, code));
  HOSO_ASSIGN_OR_RETURN(json::array files, FilesOf(*db, code));
  json::array checklist;
  if (auto proc = catalog_.Find(s->procedure_id, LocalDateOf(s->submitted_at_ms)); proc.ok()) {
    for (const RequiredDocument& d : (*proc)->required_documents) {
      int attached = 0;
      for (const json::value& f : files) {
        if (f.at("document_id").as_string() == d.id) ++attached;
      }
      checklist.push_back(json::object{{"id", d.id},
                                       {"name_vi", d.name_vi},
                                       {"name_en", d.name_en},
                                       {"optional", d.optional},
                                       {"files", attached}});
    }
  }
  json::object o{{"code", code},
                 {"procedure_id", s->procedure_id},
                 {"filing", s->filing},
                 {"applicant", s->applicant_name},
                 {"fields", s->fields},
                 {"submitted_at", FormatLocalIso(s->submitted_at_ms)},
                 {"completion_round", s->completion_round},
                 {"checklist", std::move(checklist)},
                 {"files", std::move(files)}};
  if (s->completion_items) {
    json::array items;
    for (const std::string& i : *s->completion_items) items.push_back(json::value(i));
    o["completion_items"] = std::move(items);
  } else {
    o["completion_items"] = nullptr;
  }
  o["dossier"] = p ? json::value(p->ToJson(options_.clock->NowMs())) : json::value();
  return o;
}

Outcome<OnlineFile> OnlineDesk::File(const std::string& code, const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db->Prepare("SELECT media_type, file_name FROM online_files WHERE "
                                    "dossier_code = ?1 AND attachment_hash = ?2 LIMIT 1"));
  q.Bind(1, code).Bind(2, hash);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return hoso::central::Refuse(404, "not_found", "dossier " + code + " has no file " + hash);
  }
  OnlineFile f;
  f.media_type = q.ColumnText(0);
  f.file_name = q.ColumnText(1);
  CentralAttachments attachments(store_, options_.clock);
  HOSO_ASSIGN_OR_RETURN(f.bytes, attachments.Assemble(hash));
  return f;
}

namespace {

// The status-1 check every reception action starts with.
Outcome<DossierProjection> NewOnline(Database& db, const std::string& code, const char* action) {
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> p, LoadDossier(db, code));
  if (!p) return hoso::central::Refuse(404, "not_found", "the central holds no dossier " + code);
  if (p->state.status != DossierStatus::kNewOnline) {
    const std::string now = p->state.status ? std::to_string(StatusNumber(*p->state.status)) +
                                                  " (" + DossierStatusNameEn(*p->state.status) + ")"
                                            : "none";
    return hoso::central::Refuse(409, "invalid_transition",
                                 std::string(action) +
                                     " is allowed only in status 1 (new online); "
                                     "dossier " +
                                     code + " is in status " + now);
  }
  return std::move(*p);
}

}  // namespace

Outcome<json::object> OnlineDesk::Accept(const Actor& actor, const std::string& code,
                                         std::optional<UnixMs> appointment_ms) {
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  Outcome<Submitted> s = LoadSubmitted(*db, code);
  if (!s.ok()) return s.refusal();
  Outcome<DossierProjection> p = NewOnline(*db, code, "accept");
  if (!p.ok()) return p.refusal();
  if (s->completion_items) {
    return hoso::central::Refuse(409, "completion_pending",
                                 "the applicant has not yet supplied what was asked in round " +
                                     std::to_string(s->completion_round));
  }
  auto proc = catalog_.Find(s->procedure_id, LocalDateOf(now));
  if (!proc.ok()) return proc.status();
  const Procedure& pr = **proc;
  // Online processing times apply where the catalog gives one.
  const std::optional<int> days = ProcessingDays(pr, /*online=*/true);
  UnixMs appointment = 0;
  if (appointment_ms) {
    appointment = *appointment_ms;
  } else if (days && pr.processing.kind == ProcessingKind::kWorkingDays) {
    HOSO_ASSIGN_OR_RETURN(appointment, calendar_->DueWorkingDays(now, *days));
  } else if (days && pr.processing.kind == ProcessingKind::kCalendarDays) {
    HOSO_ASSIGN_OR_RETURN(appointment, calendar_->DueCalendarDays(now, *days));
  } else {
    return Refusal{400, "bad_request",
                   "the catalog gives no processing time for " + pr.id +
                       "; give the appointment (ISO 8601) yourself",
                   "appointment", std::nullopt};
  }
  const json::object& f = s->fields;
  json::array docs;
  HOSO_ASSIGN_OR_RETURN(Statement q, db->Prepare("SELECT DISTINCT document_id FROM online_files "
                                                 "WHERE dossier_code = ?1 ORDER BY document_id"));
  q.Bind(1, code);
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    docs.push_back(json::value(q.ColumnText(0)));
  }
  json::object payload{
      {"procedure_id", pr.id},
      {"applicant",
       json::object{
           {"name", s->applicant_name},
           {"kind", Str(f, "applicant.kind") == "organisation" ? "organisation" : "citizen"},
           {"phone", Str(f, "applicant.phone")}}},
      {"appointment_ms", appointment},
      {"lookup_secret_hash", s->secret_hash},
      {"catalog_version", catalog_.version()},
      {"calendar_version", calendar_->version()},
      {"return_method", Str(f, "return.method") == "post" ? "post" : "desk"},
      {"documents", std::move(docs)}};
  if (Str(f, "return.method") == "post") {
    payload["delivery_address"] = Str(f, "return.address") + ", " + Str(f, "return.province");
    payload["postal_fee_vnd"] = PostalFee(Str(f, "return.province")).at("amount_vnd");
    payload["recipient_name"] = Str(f, "return.recipient_name");
    payload["recipient_phone"] = Str(f, "return.phone");
  }
  const UnixMs at = std::max(now, p->last_event_at_ms);
  HOSO_ASSIGN_OR_RETURN(
      Event e, AppendCentralEvent(*db, store_->central_id(), actor.name, code,
                                  EventType::kDossierReceived, payload, at, p->origin_node_id));
  HOSO_RETURN_IF_ERROR(RefoldDossiers(*db, {code}, now));
  HOSO_RETURN_IF_ERROR(
      AppendAudit(*db, now, actor, "online.accept", code,
                  json::object{{"event_id", e.event_id}, {"appointment_ms", appointment}}));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"code", code},
                      {"event_id", e.event_id},
                      {"status", 2},
                      {"appointment", FormatLocalIso(appointment)},
                      {"form01", "/api/reception/dossiers/" + code + "/form01"}};
}

Outcome<json::object> OnlineDesk::RequestCompletion(const Actor& actor, const std::string& code,
                                                    const std::vector<std::string>& items,
                                                    const std::string& reason) {
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  Outcome<Submitted> s = LoadSubmitted(*db, code);
  if (!s.ok()) return s.refusal();
  Outcome<DossierProjection> p = NewOnline(*db, code, "a completion request");
  if (!p.ok()) return p.refusal();
  if (s->completion_items) {
    return hoso::central::Refuse(
        409, "completion_pending",
        "round " + std::to_string(s->completion_round) + " of completion is still open");
  }
  auto proc = catalog_.Find(s->procedure_id, LocalDateOf(s->submitted_at_ms));
  if (!proc.ok()) return proc.status();
  if (items.empty()) {
    return Refusal{400, "bad_request", "name at least one checklist item to complete", "items",
                   std::nullopt};
  }
  json::array list;
  for (const std::string& i : items) {
    if (std::none_of((*proc)->required_documents.begin(), (*proc)->required_documents.end(),
                     [&](const RequiredDocument& d) { return d.id == i; })) {
      return Refusal{400, "bad_request", "'" + i + "' is not on the checklist of " + (*proc)->id,
                     "items", std::nullopt};
    }
    list.push_back(json::value(i));
  }
  const int round = s->completion_round + 1;
  json::object payload{{"items", list}, {"round", round}};
  if (!NormaliseSpaces(reason).empty()) payload["reason"] = NormaliseSpaces(reason);
  HOSO_ASSIGN_OR_RETURN(
      Event e, AppendCentralEvent(*db, store_->central_id(), actor.name, code,
                                  EventType::kOnlineCompletionRequested, std::move(payload),
                                  std::max(now, p->last_event_at_ms), p->origin_node_id));
  HOSO_ASSIGN_OR_RETURN(Statement up,
                        db->Prepare("UPDATE online_dossiers SET completion_round = ?2, "
                                    "completion_items = ?3 WHERE dossier_code = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, code).Bind(2, round).Bind(3, ToJson(json::value(list))).Run());
  HOSO_RETURN_IF_ERROR(RefoldDossiers(*db, {code}, now));
  HOSO_RETURN_IF_ERROR(AppendAudit(*db, now, actor, "online.completion_requested", code,
                                   json::object{{"event_id", e.event_id}, {"items", list}}));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"code", code},
                      {"event_id", e.event_id},
                      {"round", round},
                      {"items", NamedItems(catalog_, s->procedure_id, s->submitted_at_ms, items)},
                      {"form02", "/api/reception/dossiers/" + code + "/form02"}};
}

Outcome<json::object> OnlineDesk::Refuse(const Actor& actor, const std::string& code,
                                         const std::string& reason) {
  const UnixMs now = options_.clock->NowMs();
  if (NormaliseSpaces(reason).empty()) {
    return Refusal{400, "bad_request", "say why the dossier is refused", "reason", std::nullopt};
  }
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  Outcome<Submitted> s = LoadSubmitted(*db, code);
  if (!s.ok()) return s.refusal();
  Outcome<DossierProjection> p = NewOnline(*db, code, "refusal");
  if (!p.ok()) return p.refusal();
  json::object payload{{"procedure_id", s->procedure_id},
                       {"applicant", json::object{{"name", s->applicant_name}}},
                       {"reason", NormaliseSpaces(reason)}};
  if (s->completion_items) {
    json::array missing;
    for (const std::string& i : *s->completion_items) missing.push_back(json::value(i));
    payload["missing_documents"] = std::move(missing);
  }
  HOSO_ASSIGN_OR_RETURN(Event e,
                        AppendCentralEvent(*db, store_->central_id(), actor.name, code,
                                           EventType::kDossierRefused, std::move(payload),
                                           std::max(now, p->last_event_at_ms), p->origin_node_id));
  HOSO_ASSIGN_OR_RETURN(Statement up, db->Prepare("UPDATE online_dossiers SET completion_items = "
                                                  "NULL WHERE dossier_code = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, code).Run());
  HOSO_RETURN_IF_ERROR(RefoldDossiers(*db, {code}, now));
  HOSO_RETURN_IF_ERROR(
      AppendAudit(*db, now, actor, "online.refuse", code, json::object{{"event_id", e.event_id}}));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return json::object{{"code", code}, {"event_id", e.event_id}, {"status", 3}};
}

Outcome<std::string> OnlineDesk::Form01Html(const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<Submitted> s = LoadSubmitted(*db, code);
  if (!s.ok()) return s.refusal();
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> p, LoadDossier(*db, code));
  if (!p || !p->received_at_ms || !p->state.appointment_ms) {
    return hoso::central::Refuse(404, "not_found", "dossier " + code + " has not been accepted");
  }
  HOSO_ASSIGN_OR_RETURN(json::array files, FilesOf(*db, code));
  std::string docs;
  for (const json::value& f : files) {
    docs += "<li>" + HtmlEscape(std::string(f.at("name").as_string())) + "</li>";
  }
  std::string proc_name = s->procedure_id;
  if (auto proc = catalog_.Find(s->procedure_id, LocalDateOf(s->submitted_at_ms)); proc.ok()) {
    proc_name = (*proc)->name_vi;
  }
  return PageHead("Mẫu số 01 - " + code) +
         "<p class=\"c\">Mẫu số 01</p><h1>GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ</h1>"
         "<p>Mã hồ sơ: <b>" +
         HtmlEscape(code) + "</b> (nộp trực tuyến lúc " +
         HtmlEscape(FormatLocalIso(s->submitted_at_ms)) +
         ")</p><p>Tiếp nhận hồ sơ của: " + HtmlEscape(s->applicant_name) +
         "</p><p>Nội dung yêu cầu giải quyết: " + HtmlEscape(proc_name) +
         "</p><p>Thành phần hồ sơ:</p><ol>" + docs +
         "</ol><p>Thời gian nhận hồ sơ: " + HtmlEscape(FormatLocalIso(*p->received_at_ms)) +
         "</p><p>Thời gian trả kết quả: <b id=\"form01-appointment\">" +
         HtmlEscape(FormatLocalIso(*p->state.appointment_ms)) + "</b></p>" +
         DateLine(*p->received_at_ms) + "</body></html>";
}

Outcome<std::string> OnlineDesk::Form02Html(const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<Submitted> s = LoadSubmitted(*db, code);
  if (!s.ok()) return s.refusal();
  HOSO_ASSIGN_OR_RETURN(Statement r,
                        db->Prepare("SELECT payload, device_time_ms, actor FROM central_events "
                                    "WHERE dossier_code = ?1 AND type = "
                                    "'online_completion_requested' ORDER BY seq DESC LIMIT 1"));
  r.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, r.Step());
  if (!row) {
    return hoso::central::Refuse(404, "not_found", "no completion was asked for dossier " + code);
  }
  HOSO_ASSIGN_OR_RETURN(json::object payload, ParseJsonObject(r.ColumnText(0)));
  const UnixMs at = r.ColumnInt(1);
  std::string items;
  for (const json::value& i :
       NamedItems(catalog_, s->procedure_id, s->submitted_at_ms, StringList(payload["items"]))) {
    items += "<li>" + HtmlEscape(std::string(i.at("name_vi").as_string())) + "</li>";
  }
  return PageHead("Mẫu số 02 - " + code) +
         "<p class=\"c\">Mẫu số 02</p><h1>PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ</h1>"
         "<p>Hồ sơ số: <b>" +
         HtmlEscape(code) + "</b></p><p>Kính gửi: " + HtmlEscape(s->applicant_name) +
         "</p><p>Lý do: " + HtmlEscape(Str(payload, "reason")) +
         "</p><p>Đề nghị bổ sung, hoàn thiện các nội dung sau:</p><ol id=\"form02-items\">" +
         items +
         "</ol><p>Tải tệp bổ sung tại trang /submit, mục \"Bổ sung hồ sơ\", với mã hồ sơ và mã "
         "tra cứu.</p>" +
         DateLine(at) + "<p>Người yêu cầu: " + HtmlEscape(r.ColumnText(2)) + "</p></body></html>";
}

Result<json::object> OnlineDesk::Filings(const std::string& filer_in) {
  std::string filer = NormaliseSpaces(filer_in);
  const std::string digits = DigitsOnly(filer);
  if (digits.size() == 12 && digits == filer)
    filer = FilerKeyOfId(digits);
  else if (digits.size() >= 10 && filer.find(':') == std::string::npos)
    filer = digits;
  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db->Prepare("SELECT o.dossier_code, o.procedure_id, o.kind, o.report_period, "
                  "o.submitted_at_ms, d.status FROM online_dossiers o LEFT JOIN dossiers d ON "
                  "d.dossier_code = o.dossier_code WHERE o.filer_key = ?1 ORDER BY "
                  "o.submitted_at_ms"));
  q.Bind(1, filer);
  json::array filings;
  // Per yearly report: the periods filed and the first one.
  std::map<std::string, std::set<int64_t>> periods;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string proc_id = q.ColumnText(1);
    const std::optional<int64_t> period = q.ColumnOptInt(3);
    const UnixMs at = q.ColumnInt(4);
    json::object o{{"code", q.ColumnText(0)},
                   {"procedure_id", proc_id},
                   {"kind", q.ColumnText(2)},
                   {"submitted_at", FormatLocalIso(at)},
                   {"status", q.ColumnOptInt(5) ? json::value(*q.ColumnOptInt(5)) : json::value()},
                   {"report_period", period ? json::value(*period) : json::value()}};
    auto p = catalog_.Find(proc_id, LocalDateOf(at));
    if (p.ok() && period && (*p)->report_due) {
      Result<Date> due = ParseDate(std::to_string(*period + 1) + "-" + *(*p)->report_due);
      if (due.ok()) {
        o["due"] = FormatDate(*due);
        o["late"] = LocalDateOf(at) > *due;
      }
      periods[proc_id].insert(*period);
    }
    filings.push_back(std::move(o));
  }
  json::array overdue;
  const Date today = LocalDateOf(now);
  for (const auto& [proc_id, filed] : periods) {
    auto p = catalog_.Find(proc_id, today);
    if (!p.ok() || !(*p)->report_due) continue;
    for (int64_t year = *filed.begin(); year < today.year; ++year) {
      if (filed.count(year) != 0) continue;
      Result<Date> due = ParseDate(std::to_string(year + 1) + "-" + *(*p)->report_due);
      if (!due.ok() || !(today > *due)) continue;
      overdue.push_back(json::object{{"procedure_id", proc_id},
                                     {"procedure_name_vi", (*p)->name_vi},
                                     {"report_period", year},
                                     {"due", FormatDate(*due)}});
    }
  }
  return json::object{
      {"filer", filer}, {"filings", std::move(filings)}, {"overdue", std::move(overdue)}};
}

}  // namespace hoso::central
