#include "central/reconcile.h"

#include <algorithm>
#include <array>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "schema/attachment.h"
#include "schema/calendar.h"
#include "schema/catalog.h"
#include "schema/events.h"
#include "schema/holidays.h"
#include "schema/tariff.h"

namespace hoso::central {
namespace {

constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;
constexpr int64_t kHourMs = int64_t{3600} * 1000;
constexpr size_t kMaxNoteChars = 2000;
constexpr size_t kMaxResolutionChars = 200;

struct RuleInfo {
  const char* id;
  const char* vi;
  const char* en;
};
constexpr std::array<RuleInfo, 9> kRules = {{
    {kRuleDeliveredBeforeResult, "Đã giao trước khi có kết quả", "Delivered before the result"},
    {kRuleResultNotDispatched, "Có kết quả nhưng chưa chuyển phát",
     "Result ready but not dispatched"},
    {kRuleDispatchedNotDelivered, "Đã nhận đi giao nhưng chưa phát",
     "Picked up but not delivered"},
    {kRuleFailedAttemptsNoReturn, "Phát không thành công nhiều lần, chưa hoàn trả",
     "Failed attempts without a return"},
    {kRuleTwoDeliveries, "Hai bản ghi trả kết quả khác nhau", "Two different delivery records"},
    {kRulePostalFee, "Cước bưu chính không khớp", "Postal fee mismatch"},
    {kRuleAppointmentMismatch, "Ngày hẹn trên phiếu khác lịch của trung tâm",
     "Receipt appointment differs from the central's calendar"},
    {kRuleOverdueNoApology, "Quá hạn chưa có thư xin lỗi", "Overdue without an apology"},
    {kRuleNodeSilentBacklog, "Điểm tiếp nhận im lặng còn tồn sự kiện",
     "Node silent with a backlog"},
}};

// One event a rule reads: the fact as listed, plus the figures compared.
struct Ev {
  ReconcileFact fact;
  std::optional<std::string> dossier_code;
  std::optional<std::string> waybill;
  UnixMs time = 0;
  std::optional<int64_t> fee;  // postal_fee_vnd (created) / fee_collected_vnd (delivered)
};

struct Received {
  ReconcileFact fact;
  std::string code;
  std::string procedure_id;
  std::optional<int64_t> appointment_ms;
  std::string catalog_version;
  std::string calendar_version;
  std::string return_method;
  std::optional<int64_t> quoted_fee;
  UnixMs time = 0;  // the event's device time
  // The intake time the desk computed the appointment from: the payload's
  // received_at_ms (a clerk may enter a paper intake later, and the event is
  // always written a moment after it), the device time when absent.
  UnixMs received_at = 0;
};

struct DossierFacts {
  const Received* received = nullptr;
  std::vector<const Ev*> results;
  std::vector<const Ev*> deliveries;  // result_returned and shipment_delivered
  std::set<std::string> waybills;
};

struct WaybillFacts {
  const Ev* created = nullptr;
  std::optional<std::string> dossier_code;
  std::vector<const Ev*> picked, delivered, failed, returned;
};

std::string Iso(std::optional<UnixMs> t) { return t ? FormatLocalIso(*t) : std::string(); }

bool ByTime(const Ev* a, const Ev* b) {
  if (a->time != b->time) return a->time < b->time;
  return a->fact.event_id < b->fact.event_id;
}

std::string Who(const ReconcileFact& f) { return f.author; }

// Builds and finishes an item: facts sorted, hashed.
ReconcileItem NewItem(const char* rule, const char* kind, const std::string& subject) {
  ReconcileItem it;
  it.rule = rule;
  it.subject_kind = kind;
  it.subject = subject;
  it.item_id = std::string(rule) + ":" + subject;
  if (std::string_view(kind) == "dossier") it.dossier_code = subject;
  if (std::string_view(kind) == "waybill") it.waybill = subject;
  if (std::string_view(kind) == "node") it.node_id = subject;
  return it;
}

void Finish(ReconcileItem& it) {
  std::stable_sort(it.facts.begin(), it.facts.end(),
                   [](const ReconcileFact& a, const ReconcileFact& b) {
                     const UnixMs ta = a.device_time_ms.value_or(a.received_at_ms.value_or(0));
                     const UnixMs tb = b.device_time_ms.value_or(b.received_at_ms.value_or(0));
                     if (ta != tb) return ta < tb;
                     return a.event_id.value_or("") < b.event_id.value_or("");
                   });
  json::array arr;
  for (const ReconcileFact& f : it.facts) arr.push_back(f.ToJson());
  it.facts_hash = Blake2bHex(it.item_id + "\n" + CanonicalJsonValue(arr));
}

ReconcileFact WithValues(const ReconcileFact& f, json::object values) {
  ReconcileFact out = f;
  out.values = std::move(values);
  return out;
}

const std::string kShipmentTypes =
    "('result_recorded','result_returned','shipment_created','shipment_picked_up',"
    "'shipment_delivered','shipment_failed_attempt','shipment_returned')";

Status LoadEvents(Database& db, std::vector<std::unique_ptr<Ev>>& out) {
  const std::string cols =
      "node_id, seq, event_id, type, dossier_code, waybill, actor, device_time_ms, ";
  // Only the payloads that hold a fee are parsed.
  const std::string extract =
      ", CASE type WHEN 'shipment_created' THEN json_extract(payload, '$.postal_fee_vnd') "
      "WHEN 'shipment_delivered' THEN json_extract(payload, '$.fee_collected_vnd') END";
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT 0, " + cols + "received_at_ms" + extract + " FROM events WHERE type IN " +
                 kShipmentTypes + " UNION ALL SELECT 1, " + cols + "NULL" + extract +
                 " FROM central_events WHERE type IN " + kShipmentTypes));
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto e = std::make_unique<Ev>();
    const bool central = q.ColumnInt(0) == 1;
    e->fact.source = central ? "central_event" : "event";
    e->fact.author = q.ColumnText(1);
    e->fact.seq = q.ColumnInt(2);
    e->fact.event_id = q.ColumnText(3);
    e->fact.type = q.ColumnText(4);
    e->dossier_code = q.ColumnOptText(5);
    e->waybill = q.ColumnOptText(6);
    e->fact.actor = q.ColumnOptText(7);
    e->time = q.ColumnInt(8);
    e->fact.device_time_ms = e->time;
    e->fact.received_at_ms = q.ColumnOptInt(9);
    e->fee = q.ColumnOptInt(10);
    out.push_back(std::move(e));
  }
  return Status::OK();
}

Status LoadReceived(Database& db, std::vector<std::unique_ptr<Received>>& out) {
  // One json_extract with several paths parses each payload once and
  // answers a small array.
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT node_id, seq, event_id, dossier_code, actor, device_time_ms, "
                 "received_at_ms, json_extract(payload, '$.procedure_id', '$.appointment_ms', "
                 "'$.catalog_version', '$.calendar_version', '$.return_method', "
                 "'$.postal_fee_vnd', '$.received_at_ms') "
                 "FROM events WHERE type = 'dossier_received' AND dossier_code IS NOT NULL"));
  auto text = [](const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
  };
  auto integer = [](const json::value& v) {
    return v.is_int64() ? std::optional<int64_t>(v.as_int64()) : std::nullopt;
  };
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    auto r = std::make_unique<Received>();
    r->fact.source = "event";
    r->fact.type = "dossier_received";
    r->fact.author = q.ColumnText(0);
    r->fact.seq = q.ColumnInt(1);
    r->fact.event_id = q.ColumnText(2);
    r->code = q.ColumnText(3);
    r->fact.actor = q.ColumnOptText(4);
    r->time = q.ColumnInt(5);
    r->fact.device_time_ms = r->time;
    r->fact.received_at_ms = q.ColumnInt(6);
    std::error_code ec;
    json::value fields = json::parse(q.ColumnText(7), ec);
    r->received_at = r->time;
    if (!ec && fields.is_array() && fields.as_array().size() == 7) {
      const json::array& f = fields.as_array();
      r->procedure_id = text(f[0]);
      r->appointment_ms = integer(f[1]);
      r->catalog_version = text(f[2]);
      r->calendar_version = text(f[3]);
      r->return_method = text(f[4]);
      r->quoted_fee = integer(f[5]);
      r->received_at = integer(f[6]).value_or(r->time);
    }
    out.push_back(std::move(r));
  }
  return Status::OK();
}

// The catalog, calendar and tariff the central holds (data_versions).
struct Reference {
  std::optional<Catalog> catalog;
  std::optional<WorkingCalendar> calendar;
  std::optional<Tariff> tariff;
};

Result<Reference> LoadReference(Database& db) {
  Reference ref;
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT kind, body FROM data_versions"));
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string kind = q.ColumnText(0);
    const std::string body = q.ColumnText(1);
    if (kind == "catalog") {
      HOSO_ASSIGN_OR_RETURN(Catalog c, Catalog::Parse(body));
      ref.catalog = std::move(c);
    } else if (kind == "calendar") {
      HOSO_ASSIGN_OR_RETURN(CalendarData d, ParseCalendarData(body));
      HOSO_ASSIGN_OR_RETURN(WorkingCalendar wc, WorkingCalendar::ForSite(std::move(d)));
      ref.calendar = std::move(wc);
    } else if (kind == "tariff") {
      HOSO_ASSIGN_OR_RETURN(Tariff t, Tariff::Parse(body));
      ref.tariff = std::move(t);
    }
  }
  return ref;
}

struct Latest {
  std::map<std::string, ReconcileResolution> by_item;
};

Result<Latest> LoadResolutions(Database& db) {
  Latest l;
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT item_id, seq, event_id, actor, resolved_at_ms, "
                                   "resolution, note, facts_hash FROM reconcile_resolutions "
                                   "ORDER BY seq"));
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    ReconcileResolution r;
    r.seq = q.ColumnInt(1);
    r.event_id = q.ColumnText(2);
    r.actor = q.ColumnText(3);
    r.resolved_at_ms = q.ColumnInt(4);
    r.resolution = q.ColumnText(5);
    r.note = q.ColumnText(6);
    r.facts_hash = q.ColumnText(7);
    l.by_item[q.ColumnText(0)] = std::move(r);
  }
  return l;
}

json::object EvValues(const Ev& e) {
  json::object v;
  if (e.waybill) v["waybill"] = *e.waybill;
  if (e.dossier_code) v["dossier_code"] = *e.dossier_code;
  return v;
}

// The rules over the folded facts, appending to `items`.
class Rules {
 public:
  Rules(const ReconcileOptions& o, const Reference& ref) : o_(o), ref_(ref) {}

  void Dossiers(const std::map<std::string, DossierFacts>& dossiers,
                const std::map<std::string, WaybillFacts>& waybills,
                std::vector<ReconcileItem>& items, int64_t& unchecked) const;
  void Waybills(const std::map<std::string, WaybillFacts>& waybills,
                const std::map<std::string, DossierFacts>& dossiers,
                std::vector<ReconcileItem>& items) const;

 private:
  const ReconcileOptions& o_;
  const Reference& ref_;
};

void Rules::Dossiers(const std::map<std::string, DossierFacts>& dossiers,
                     const std::map<std::string, WaybillFacts>& waybills,
                     std::vector<ReconcileItem>& items, int64_t& unchecked) const {
  for (const auto& [code, d] : dossiers) {
    std::vector<const Ev*> results = d.results, deliveries = d.deliveries;
    std::sort(results.begin(), results.end(), ByTime);
    std::sort(deliveries.begin(), deliveries.end(), ByTime);
    const bool has_result = !results.empty();
    const UnixMs result_at = has_result ? results.front()->time : 0;

    // Delivered (over the counter or by post) before the result was recorded.
    std::vector<const Ev*> early;
    for (const Ev* e : deliveries) {
      if (!has_result || e->time < result_at) early.push_back(e);
    }
    if (!early.empty()) {
      ReconcileItem it = NewItem(kRuleDeliveredBeforeResult, "dossier", code);
      for (const Ev* e : early) it.facts.push_back(WithValues(e->fact, EvValues(*e)));
      if (has_result) it.facts.push_back(WithValues(results.front()->fact, {}));
      it.summary = early.front()->fact.type + " by " + Who(early.front()->fact) + " at " +
                   Iso(early.front()->time) +
                   (has_result ? ", before the result recorded at " + Iso(result_at)
                              : ", and no result is recorded");
      Finish(it);
      items.push_back(std::move(it));
    }

    // Two different delivery records.
    if (deliveries.size() >= 2) {
      ReconcileItem it = NewItem(kRuleTwoDeliveries, "dossier", code);
      for (const Ev* e : deliveries) it.facts.push_back(WithValues(e->fact, EvValues(*e)));
      it.summary = std::to_string(deliveries.size()) + " delivery records: " +
                   deliveries[0]->fact.type + " by " + Who(deliveries[0]->fact) + " at " +
                   Iso(deliveries[0]->time) + " and " + deliveries[1]->fact.type + " by " +
                   Who(deliveries[1]->fact) + " at " + Iso(deliveries[1]->time);
      Finish(it);
      items.push_back(std::move(it));
    }

    // A post-return result nobody picked up after N working days.
    if (d.received && d.received->return_method == "post" && has_result && deliveries.empty() &&
        ref_.calendar) {
      bool picked = false;
      std::vector<const Ev*> created;
      for (const std::string& w : d.waybills) {
        auto wit = waybills.find(w);
        if (wit == waybills.end()) continue;
        picked = picked || !wit->second.picked.empty() || !wit->second.returned.empty();
        if (wit->second.created) created.push_back(wit->second.created);
      }
      const int64_t day_ms = int64_t{ref_.calendar->OfficeMinutesPerDay()} * 60'000;
      const int64_t elapsed = ref_.calendar->WorkingMsBetween(result_at, o_.as_of_ms);
      if (!picked && elapsed > o_.not_dispatched_working_days * day_ms) {
        ReconcileItem it = NewItem(kRuleResultNotDispatched, "dossier", code);
        it.facts.push_back(WithValues(d.received->fact, {{"return_method", "post"}}));
        it.facts.push_back(WithValues(results.front()->fact, {}));
        for (const Ev* c : created) it.facts.push_back(WithValues(c->fact, EvValues(*c)));
        it.measured["working_hours_since_result"] = elapsed / kHourMs;
        it.measured["threshold_working_days"] = o_.not_dispatched_working_days;
        it.summary = "result recorded at " + Iso(result_at) + " to go back by post; no pick-up " +
                     "after " + std::to_string(elapsed / kHourMs) +
                     " working hours (threshold " +
                     std::to_string(o_.not_dispatched_working_days) + " working days)" +
                     (created.empty() ? "; no shipment created" : "");
        Finish(it);
        items.push_back(std::move(it));
      }
    }

    // The receipt's appointment against the central's calendar.
    if (d.received && d.received->appointment_ms && ref_.catalog && ref_.calendar) {
      const Received& r = *d.received;
      if (r.catalog_version != ref_.catalog->version() ||
          r.calendar_version != ref_.calendar->version()) {
        ++unchecked;
      } else if (auto proc = ref_.catalog->Find(r.procedure_id, LocalDateOf(r.received_at));
                 proc.ok()) {
        const Processing& p = (*proc)->processing;
        std::optional<UnixMs> due;
        if (p.days && p.kind == ProcessingKind::kWorkingDays) {
          if (auto v = ref_.calendar->DueWorkingDays(r.received_at, *p.days); v.ok()) due = *v;
        } else if (p.days && p.kind == ProcessingKind::kCalendarDays) {
          if (auto v = ref_.calendar->DueCalendarDays(r.received_at, *p.days); v.ok()) due = *v;
        }
        if (due && *due != *r.appointment_ms) {
          ReconcileItem it = NewItem(kRuleAppointmentMismatch, "dossier", code);
          it.facts.push_back(WithValues(
              r.fact, {{"procedure_id", r.procedure_id},
                       {"appointment_printed", Iso(*r.appointment_ms)},
                       {"appointment_computed", Iso(*due)},
                       {"processing_days", *p.days},
                       {"processing_kind", ProcessingKindName(p.kind)},
                       {"catalog_version", r.catalog_version},
                       {"calendar_version", r.calendar_version}}));
          it.summary = "the receipt printed " + Iso(*r.appointment_ms) + "; " +
                       std::to_string(*p.days) + " " + ProcessingKindName(p.kind) + " from " +
                       Iso(r.received_at) + " make " + Iso(*due) + " (catalog " +
                       r.catalog_version + ", calendar " + r.calendar_version + ")";
          Finish(it);
          items.push_back(std::move(it));
        }
      }
    }
  }
}

void Rules::Waybills(const std::map<std::string, WaybillFacts>& waybills,
                     const std::map<std::string, DossierFacts>& dossiers,
                     std::vector<ReconcileItem>& items) const {
  for (const auto& [waybill, w] : waybills) {
    const bool ended = !w.delivered.empty() || !w.returned.empty();
    // Picked up and neither delivered nor returned after N days.
    if (!w.picked.empty() && !ended) {
      const Ev* first = *std::min_element(w.picked.begin(), w.picked.end(), ByTime);
      const int64_t elapsed = o_.as_of_ms - first->time;
      if (elapsed > o_.not_delivered_days * kDayMs) {
        ReconcileItem it = NewItem(kRuleDispatchedNotDelivered, "waybill", waybill);
        it.dossier_code = w.dossier_code;
        if (w.created) it.facts.push_back(WithValues(w.created->fact, EvValues(*w.created)));
        it.facts.push_back(WithValues(first->fact, EvValues(*first)));
        it.measured["hours_since_pick_up"] = elapsed / kHourMs;
        it.measured["threshold_days"] = o_.not_delivered_days;
        it.summary = "picked up by " + Who(first->fact) + " at " + Iso(first->time) +
                     "; neither delivered nor returned after " +
                     std::to_string(elapsed / kDayMs) + " days (threshold " +
                     std::to_string(o_.not_delivered_days) + ")";
        Finish(it);
        items.push_back(std::move(it));
      }
    }
    // Repeated failed attempts with no return to the agency.
    if (static_cast<int>(w.failed.size()) >= o_.failed_attempts && !ended) {
      ReconcileItem it = NewItem(kRuleFailedAttemptsNoReturn, "waybill", waybill);
      it.dossier_code = w.dossier_code;
      std::vector<const Ev*> failed = w.failed;
      std::sort(failed.begin(), failed.end(), ByTime);
      for (const Ev* e : failed) it.facts.push_back(WithValues(e->fact, EvValues(*e)));
      it.summary = std::to_string(failed.size()) + " failed attempts, the last by " +
                   Who(failed.back()->fact) + " at " + Iso(failed.back()->time) +
                   "; not returned to the agency";
      Finish(it);
      items.push_back(std::move(it));
    }
    // The fee: the tariff, the receipt's quote, the shipment, the courier.
    if (w.created && w.created->fee && ref_.tariff) {
      const int64_t expected = *w.created->fee;
      const int64_t same = ref_.tariff->PostalReturnFee("a", "a").amount_vnd;
      const int64_t other = ref_.tariff->PostalReturnFee("a", "b").amount_vnd;
      std::vector<std::string> problems;
      if (expected != same && expected != other) {
        problems.push_back("the shipment expects " + std::to_string(expected) +
                           " VND, the tariff " + ref_.tariff->version() + " says " +
                           std::to_string(same) + " (same province) or " + std::to_string(other) +
                           " (other province)");
      }
      const Received* received = nullptr;
      if (w.dossier_code) {
        auto dit = dossiers.find(*w.dossier_code);
        if (dit != dossiers.end()) received = dit->second.received;
      }
      const bool quote_differs = received && received->quoted_fee && *received->quoted_fee != expected;
      if (quote_differs) {
        problems.push_back("the receipt quoted " + std::to_string(*received->quoted_fee) +
                           " VND, the shipment expects " + std::to_string(expected));
      }
      std::vector<const Ev*> collected;
      for (const Ev* e : w.delivered) {
        if (e->fee && *e->fee != expected) {
          collected.push_back(e);
          problems.push_back(Who(e->fact) + " collected " + std::to_string(*e->fee) +
                             " VND, the shipment expects " + std::to_string(expected));
        }
      }
      if (!problems.empty()) {
        ReconcileItem it = NewItem(kRulePostalFee, "waybill", waybill);
        it.dossier_code = w.dossier_code;
        json::object cv = EvValues(*w.created);
        cv["postal_fee_vnd"] = expected;
        cv["tariff_version"] = ref_.tariff->version();
        cv["tariff_same_province_vnd"] = same;
        cv["tariff_other_province_vnd"] = other;
        it.facts.push_back(WithValues(w.created->fact, std::move(cv)));
        if (quote_differs) {
          it.facts.push_back(
              WithValues(received->fact, {{"postal_fee_vnd", *received->quoted_fee}}));
        }
        for (const Ev* e : collected) {
          it.facts.push_back(WithValues(e->fact, {{"fee_collected_vnd", *e->fee}}));
        }
        for (size_t i = 0; i < problems.size(); ++i) {
          it.summary += (i ? "; " : "") + problems[i];
        }
        Finish(it);
        items.push_back(std::move(it));
      }
    }
  }
}

Status OverdueItems(Database& db, const ReconcileOptions& o,
                    const std::map<std::string, DossierFacts>& dossiers,
                    std::vector<ReconcileItem>& items) {
  // Received, processing or awaiting payment: the clock runs (a supplement
  // pauses it) and no result is recorded yet.
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT dossier_code, appointment_ms, status, origin_node_id "
                                   "FROM dossiers WHERE status IN (2, 4, 6) AND apology_count = 0 "
                                   "AND appointment_ms IS NOT NULL AND appointment_ms < ?1"));
  q.Bind(1, o.as_of_ms);
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string code = q.ColumnText(0);
    const UnixMs appointment = q.ColumnInt(1);
    ReconcileItem it = NewItem(kRuleOverdueNoApology, "dossier", code);
    auto dit = dossiers.find(code);
    if (dit != dossiers.end() && dit->second.received) {
      it.facts.push_back(WithValues(dit->second.received->fact,
                                    {{"appointment_printed",
                                      Iso(dit->second.received->appointment_ms)}}));
    }
    ReconcileFact p;
    p.source = "dossier";
    p.type = "dossier_projection";
    p.author = q.ColumnOptText(3).value_or("");
    p.values["appointment_in_force"] = Iso(appointment);
    p.values["apology_count"] = 0;
    it.facts.push_back(std::move(p));
    it.measured["status"] = q.ColumnInt(2);
    it.measured["hours_overdue"] = (o.as_of_ms - appointment) / kHourMs;
    it.summary = "due " + Iso(appointment) + ", status " + std::to_string(q.ColumnInt(2)) +
                 ", no apology (Form 04) issued";
    Finish(it);
    items.push_back(std::move(it));
  }
  return Status::OK();
}

Status SilentNodeItems(Database& db, const ReconcileOptions& o, std::vector<ReconcileItem>& items) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT node_id, last_seen_ms, backlog_events, unacked_events, "
                                   "backlog_reported_at_ms FROM nodes WHERE state = 'active' AND "
                                   "backlog_events > 0 AND last_seen_ms < ?1 ORDER BY node_id"));
  q.Bind(1, o.as_of_ms - int64_t{o.silent_hours} * kHourMs);
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string node = q.ColumnText(0);
    const UnixMs last_seen = q.ColumnInt(1);
    ReconcileItem it = NewItem(kRuleNodeSilentBacklog, "node", node);
    ReconcileFact f;
    f.source = "node";
    f.type = "node_report";
    f.author = node;
    f.received_at_ms = last_seen;
    f.values["last_seen"] = Iso(last_seen);
    f.values["backlog_events"] = q.ColumnInt(2);
    f.values["unacked_events"] = q.ColumnInt(3);
    f.values["backlog_reported_at"] = Iso(q.ColumnOptInt(4));
    it.facts.push_back(std::move(f));
    it.measured["hours_silent"] = (o.as_of_ms - last_seen) / kHourMs;
    it.measured["threshold_hours"] = o.silent_hours;
    it.summary = "last heard from at " + Iso(last_seen) + " (" +
                 std::to_string((o.as_of_ms - last_seen) / kHourMs) + " hours ago) with " +
                 std::to_string(q.ColumnInt(2)) + " events not yet at the central";
    Finish(it);
    items.push_back(std::move(it));
  }
  return Status::OK();
}

}  // namespace

const std::vector<std::string_view>& ReconcileRules() {
  static const std::vector<std::string_view> kIds = [] {
    std::vector<std::string_view> v;
    for (const RuleInfo& r : kRules) v.push_back(r.id);
    return v;
  }();
  return kIds;
}

const char* RuleTitleVi(std::string_view rule) {
  for (const RuleInfo& r : kRules) {
    if (rule == r.id) return r.vi;
  }
  return nullptr;
}

const char* RuleTitleEn(std::string_view rule) {
  for (const RuleInfo& r : kRules) {
    if (rule == r.id) return r.en;
  }
  return nullptr;
}

Result<ReconcileReport> BuildReconcileReport(Database& db, const ReconcileOptions& options) {
  ReconcileReport report;
  report.options = options;
  HOSO_ASSIGN_OR_RETURN(Reference ref, LoadReference(db));
  std::vector<std::unique_ptr<Ev>> events;
  HOSO_RETURN_IF_ERROR(LoadEvents(db, events));
  std::vector<std::unique_ptr<Received>> received;
  HOSO_RETURN_IF_ERROR(LoadReceived(db, received));

  std::map<std::string, DossierFacts> dossiers;
  std::map<std::string, WaybillFacts> waybills;
  for (const auto& r : received) {
    DossierFacts& d = dossiers[r->code];
    // The first intake of a code is the receipt (a second would be a conflict
    // the dossier projection keeps).
    if (!d.received || r->time < d.received->time) d.received = r.get();
  }
  // Waybills first, so every event finds its dossier through the shipment.
  for (const auto& e : events) {
    if (e->waybill && e->fact.type == "shipment_created") {
      WaybillFacts& w = waybills[*e->waybill];
      if (!w.created || ByTime(e.get(), w.created)) w.created = e.get();
      if (e->dossier_code) w.dossier_code = e->dossier_code;
    }
  }
  for (const auto& e : events) {
    const std::string& type = e->fact.type;
    std::optional<std::string> code = e->dossier_code;
    if (e->waybill) {
      WaybillFacts& w = waybills[*e->waybill];
      if (!w.dossier_code) w.dossier_code = e->dossier_code;
      if (!code) code = w.dossier_code;
      if (type == "shipment_picked_up") w.picked.push_back(e.get());
      if (type == "shipment_delivered") w.delivered.push_back(e.get());
      if (type == "shipment_failed_attempt") w.failed.push_back(e.get());
      if (type == "shipment_returned") w.returned.push_back(e.get());
    }
    if (!code) continue;
    DossierFacts& d = dossiers[*code];
    if (e->waybill) d.waybills.insert(*e->waybill);
    if (type == "result_recorded") d.results.push_back(e.get());
    if (type == "result_returned" || type == "shipment_delivered") d.deliveries.push_back(e.get());
  }

  Rules rules(options, ref);
  std::vector<ReconcileItem> items;
  rules.Dossiers(dossiers, waybills, items, report.appointments_unchecked);
  rules.Waybills(waybills, dossiers, items);
  HOSO_RETURN_IF_ERROR(OverdueItems(db, options, dossiers, items));
  HOSO_RETURN_IF_ERROR(SilentNodeItems(db, options, items));

  HOSO_ASSIGN_OR_RETURN(Latest latest, LoadResolutions(db));
  for (ReconcileItem& it : items) {
    auto r = latest.by_item.find(it.item_id);
    if (r == latest.by_item.end()) continue;
    if (r->second.facts_hash == it.facts_hash) {
      it.resolution = r->second;
    } else {
      it.superseded = r->second;
    }
  }
  const auto& order = ReconcileRules();
  auto rank = [&order](const std::string& rule) {
    return std::find(order.begin(), order.end(), rule) - order.begin();
  };
  std::sort(items.begin(), items.end(), [&](const ReconcileItem& a, const ReconcileItem& b) {
    if (a.rule != b.rule) return rank(a.rule) < rank(b.rule);
    return a.subject < b.subject;
  });
  report.items = std::move(items);
  return report;
}

}  // namespace hoso::central
