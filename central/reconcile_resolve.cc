// The reconciliation report's JSON and CSV forms, and resolving an item
// (central/reconcile.h).
#include <utility>

#include "central/reconcile.h"
#include "schema/events.h"
#include "schema/text.h"

namespace hoso::central {
namespace {

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

json::value OptText(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value();
}

std::string FactLine(const ReconcileFact& f) {
  std::string s = f.type + " by " + f.author;
  if (f.actor) s += " (" + *f.actor + ")";
  if (f.seq) s += " #" + std::to_string(*f.seq);
  if (f.device_time_ms) s += " at " + FormatLocalIso(*f.device_time_ms);
  if (f.received_at_ms) s += ", received " + FormatLocalIso(*f.received_at_ms);
  if (!f.values.empty()) s += " " + ToJson(json::value(f.values));
  return s;
}

}  // namespace

Result<ReconcileOptions> ReconcileOptionsFrom(const std::map<std::string, std::string>& values,
                                              UnixMs now) {
  ReconcileOptions o;
  o.as_of_ms = now;
  if (auto it = values.find("as_of"); it != values.end() && !it->second.empty()) {
    auto t = ParseIsoTime(it->second);
    if (!t.ok()) {
      return Status::InvalidArgument("as_of must be an ISO 8601 time such as "
                                     "2026-03-12T08:00:00+07:00, not '" + it->second + "'",
                                     "as_of");
    }
    o.as_of_ms = *t;
  }
  const std::pair<const char*, int*> ints[] = {
      {"not_dispatched_working_days", &o.not_dispatched_working_days},
      {"not_delivered_days", &o.not_delivered_days},
      {"failed_attempts", &o.failed_attempts},
      {"silent_hours", &o.silent_hours}};
  for (const auto& [name, field] : ints) {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) continue;
    const std::string& v = it->second;
    if (v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(v) < 1 || std::stoi(v) > 3660) {
      return Status::InvalidArgument(
          std::string(name) + " must be a whole number from 1 to 3660, not '" + v + "'", name);
    }
    *field = std::stoi(v);
  }
  return o;
}

json::object ReconcileOptions::ToJson() const {
  return json::object{{"as_of", FormatLocalIso(as_of_ms)},
                      {"not_dispatched_working_days", not_dispatched_working_days},
                      {"not_delivered_days", not_delivered_days},
                      {"failed_attempts", failed_attempts},
                      {"silent_hours", silent_hours}};
}

json::object ReconcileFact::ToJson() const {
  json::object o{{"source", source}, {"type", type}, {"author", author}};
  o["event_id"] = OptText(event_id);
  o["actor"] = OptText(actor);
  o["seq"] = seq ? json::value(*seq) : json::value();
  o["device_time"] = device_time_ms ? json::value(FormatLocalIso(*device_time_ms)) : json::value();
  o["received_at"] = received_at_ms ? json::value(FormatLocalIso(*received_at_ms)) : json::value();
  o["values"] = values;
  return o;
}

json::object ReconcileResolution::ToJson() const {
  return json::object{{"event_id", event_id},     {"seq", seq},
                      {"by", actor},              {"at", FormatLocalIso(resolved_at_ms)},
                      {"resolution", resolution}, {"note", note},
                      {"facts_hash", facts_hash}};
}

json::object ReconcileItem::ToJson() const {
  json::object o{{"item_id", item_id},
                 {"rule", rule},
                 {"title_vi", RuleTitleVi(rule) ? RuleTitleVi(rule) : rule.c_str()},
                 {"title_en", RuleTitleEn(rule) ? RuleTitleEn(rule) : rule.c_str()},
                 {"status", resolved() ? "resolved" : "open"},
                 {"subject_kind", subject_kind},
                 {"subject", subject}};
  o["dossier_code"] = OptText(dossier_code);
  o["waybill"] = OptText(waybill);
  o["node_id"] = OptText(node_id);
  o["summary"] = summary;
  json::array facts_json;
  for (const ReconcileFact& f : facts) facts_json.push_back(f.ToJson());
  o["facts"] = std::move(facts_json);
  o["measured"] = measured;
  o["facts_hash"] = facts_hash;
  o["resolution"] = resolution ? json::value(resolution->ToJson()) : json::value();
  o["superseded_resolution"] = superseded ? json::value(superseded->ToJson()) : json::value();
  return o;
}

std::map<std::string, int64_t> ReconcileReport::OpenByRule() const {
  std::map<std::string, int64_t> out;
  for (std::string_view r : ReconcileRules()) out[std::string(r)] = 0;
  for (const ReconcileItem& it : items) {
    if (!it.resolved()) ++out[it.rule];
  }
  return out;
}

json::object ReconcileReport::ToJson() const {
  int64_t open = 0, resolved = 0;
  for (const ReconcileItem& it : items) (it.resolved() ? resolved : open) += 1;
  json::object by_rule;
  for (const auto& [rule, n] : OpenByRule()) by_rule[rule] = n;
  json::array arr;
  for (const ReconcileItem& it : items) arr.push_back(it.ToJson());
  return json::object{{"as_of", FormatLocalIso(options.as_of_ms)},
                      {"options", options.ToJson()},
                      {"counts", json::object{{"open", open},
                                              {"resolved", resolved},
                                              {"open_by_rule", std::move(by_rule)}}},
                      {"appointments_unchecked", appointments_unchecked},
                      {"items", std::move(arr)}};
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string ReconcileReport::ToCsv() const {
  static constexpr const char* kHeader[] = {
      "item_id",  "rule",        "title",       "status",     "subject_kind",
      "subject",  "dossier_code", "waybill",    "node_id",    "summary",
      "facts",    "resolved_by", "resolved_at", "resolution", "note"};
  std::string out;
  for (size_t i = 0; i < std::size(kHeader); ++i) {
    out += (i ? "," : "") + std::string(kHeader[i]);
  }
  out += "\r\n";
  for (const ReconcileItem& it : items) {
    std::string facts;
    for (const ReconcileFact& f : it.facts) facts += (facts.empty() ? "" : "\n") + FactLine(f);
    const ReconcileResolution* r = it.resolution ? &*it.resolution : nullptr;
    const std::string fields[] = {it.item_id,
                                  it.rule,
                                  RuleTitleVi(it.rule) ? RuleTitleVi(it.rule) : it.rule,
                                  it.resolved() ? "resolved" : "open",
                                  it.subject_kind,
                                  it.subject,
                                  it.dossier_code.value_or(""),
                                  it.waybill.value_or(""),
                                  it.node_id.value_or(""),
                                  it.summary,
                                  facts,
                                  r ? r->actor : "",
                                  r ? FormatLocalIso(r->resolved_at_ms) : "",
                                  r ? r->resolution : "",
                                  r ? r->note : ""};
    for (size_t i = 0; i < std::size(fields); ++i) {
      out += (i ? "," : "") + CsvField(fields[i]);
    }
    out += "\r\n";
  }
  return out;
}

Result<ResolveRequest> ResolveRequest::FromJson(std::string item_id, const json::object& body) {
  ResolveRequest r;
  r.item_id = std::move(item_id);
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> note, GetOptString(body, "note"));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> resolution, GetOptString(body, "resolution"));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> facts, GetOptString(body, "facts_hash"));
  r.note = note.value_or("");
  r.resolution = resolution.value_or("");
  r.facts_hash = std::move(facts);
  return r;
}

Outcome<ReconcileItem> ResolveItem(Database& db, const std::string& central_id,
                                   const Actor& actor, const ResolveRequest& request,
                                   ReconcileOptions options, UnixMs now) {
  const std::string note = std::string(Trim(request.note));
  std::string resolution = NormaliseSpaces(request.resolution);
  if (resolution.empty()) resolution = "resolved";
  if (note.empty()) {
    return Refusal{400, "bad_request", "a resolution needs a note saying what was done", "note",
                   std::nullopt};
  }
  if (note.size() > 2000 || resolution.size() > 200) {
    return Refusal{400, "bad_request",
                   "the note is limited to 2000 bytes and the resolution to 200", "note",
                   std::nullopt};
  }
  if (options.as_of_ms == 0) options.as_of_ms = now;
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(ReconcileReport report, BuildReconcileReport(db, options));
  ReconcileItem* item = nullptr;
  for (ReconcileItem& it : report.items) {
    if (it.item_id == request.item_id) item = &it;
  }
  if (item == nullptr) {
    return Refuse(404, "unknown_item",
                  "the report as of " + FormatLocalIso(options.as_of_ms) + " lists no item '" +
                      request.item_id + "'");
  }
  if (item->resolved()) {
    return Refuse(409, "already_resolved",
                  "item '" + item->item_id + "' was resolved by " + item->resolution->actor +
                      " at " + FormatLocalIso(item->resolution->resolved_at_ms) +
                      " and its facts have not changed since");
  }
  if (request.facts_hash && *request.facts_hash != item->facts_hash) {
    return Refuse(409, "facts_changed",
                  "the facts of item '" + item->item_id +
                      "' changed since they were shown; reload the report and look again");
  }

  // The next event of the reconciliation chain.
  HOSO_ASSIGN_OR_RETURN(Statement last, db.Prepare("SELECT seq, hash FROM reconcile_resolutions "
                                                   "ORDER BY seq DESC LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool has_last, last.Step());
  const int64_t seq = has_last ? last.ColumnInt(0) + 1 : 1;
  const std::string prev = has_last ? last.ColumnBlob(1) : GenesisHash();
  Event e = NewEvent(EventType::kReconciliationResolved, central_id, now,
                     json::object{{"mismatch_id", item->item_id},
                                  {"resolution", resolution},
                                  {"note", note},
                                  {"rule", item->rule},
                                  {"subject", item->subject},
                                  {"facts_hash", item->facts_hash}});
  e.seq = seq;
  e.actor = actor.name;
  e.dossier_code = item->dossier_code;
  e.waybill = item->waybill;
  if (Status s = ValidateEvent(e); !s.ok()) return Refusal::FromStatus(s);
  const std::string hash = ChainHash(prev, CanonicalJson(e));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO reconcile_resolutions (seq, event_id, item_id, rule, subject, "
                 "facts_hash, resolution, note, actor, resolved_at_ms, event_json, hash) VALUES "
                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, seq)
                           .Bind(2, e.event_id)
                           .Bind(3, item->item_id)
                           .Bind(4, item->rule)
                           .Bind(5, item->subject)
                           .Bind(6, item->facts_hash)
                           .Bind(7, resolution)
                           .Bind(8, note)
                           .Bind(9, actor.name)
                           .Bind(10, now)
                           .Bind(11, EventToJson(e))
                           .BindBlob(12, hash)
                           .Run());
  HOSO_RETURN_IF_ERROR(AppendAudit(db, now, actor, "reconcile.resolve", item->item_id,
                                   json::object{{"event_id", e.event_id},
                                                {"facts_hash", item->facts_hash},
                                                {"resolution", resolution}}));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  ReconcileResolution r;
  r.seq = seq;
  r.event_id = e.event_id;
  r.actor = actor.name;
  r.resolved_at_ms = now;
  r.resolution = resolution;
  r.note = note;
  r.facts_hash = item->facts_hash;
  item->resolution = std::move(r);
  item->superseded.reset();
  return std::move(*item);
}

}  // namespace hoso::central
