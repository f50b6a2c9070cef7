#include "central/dossiers.h"

#include <algorithm>
#include <future>
#include <system_error>
#include <tuple>
#include <utility>

#include "central/json_fields.h"
#include "central/shipments.h"

namespace hoso::central {
namespace {

using A = DossierAction;
using T = EventType;

// The chains of every author, merged by device time (see dossiers.h).
std::vector<DossierEvent> FoldOrder(std::vector<DossierEvent> events) {
  std::map<std::string, std::vector<DossierEvent>> chains;
  for (DossierEvent& e : events) chains[e.node_id].push_back(std::move(e));
  for (auto& [node, chain] : chains) {
    std::sort(chain.begin(), chain.end(),
              [](const DossierEvent& a, const DossierEvent& b) { return a.seq < b.seq; });
  }
  std::map<std::string, size_t> next;
  std::vector<DossierEvent> out;
  for (;;) {
    const std::string* best = nullptr;
    for (auto& [node, chain] : chains) {
      const size_t i = next[node];
      if (i >= chain.size()) continue;
      const DossierEvent& e = chain[i];
      if (best == nullptr) {
        best = &node;
        continue;
      }
      const DossierEvent& b = chains[*best][next[*best]];
      // Map order breaks the remaining ties by author id.
      if (std::tie(e.device_time_ms, e.by_central) < std::tie(b.device_time_ms, b.by_central)) {
        best = &node;
      }
    }
    if (best == nullptr) break;
    out.push_back(std::move(chains[*best][next[*best]++]));
  }
  return out;
}

void CloseStep(DossierProjection& p, UnixMs at) {
  if (p.steps.empty() || p.steps.back().ended_at_ms) return;
  DossierStep& s = p.steps.back();
  s.ended_at_ms = at;
  if (s.deadline_ms) s.outcome = StepOutcome(at, *s.deadline_ms);
}

void OpenStep(DossierProjection& p, const DossierEvent& e, std::optional<std::string> unit,
              std::string handler_id, std::string handler_name) {
  CloseStep(p, e.device_time_ms);
  DossierStep s;
  s.step_no = static_cast<int>(p.steps.size()) + 1;
  s.unit_code = std::move(unit);
  s.from_handler_id = p.handler_id;
  s.handler_id = handler_id;
  s.handler_name = handler_name;
  s.handed_by = e.actor;
  s.started_at_ms = e.device_time_ms;
  s.deadline_ms = OptInt(e.payload, "step_deadline_ms");
  s.event_id = e.event_id;
  p.steps.push_back(std::move(s));
  p.handler_id = std::move(handler_id);
  p.handler_name = std::move(handler_name);
}

// What an applied event does beyond the status.
void ApplyEffects(DossierProjection& p, const DossierEvent& e,
                  const std::map<std::string, std::string>& node_units) {
  const UnixMs t = e.device_time_ms;
  switch (e.type) {
    case T::kDossierSubmittedOnline:
    case T::kDossierReceived:
    case T::kDossierRefused: {
      p.procedure_id = OptString(e.payload, "procedure_id");
      if (e.by_central) {
        // An online submission: held by the online unit, and flowing down
        // to the ward desk where the result is collected, if one was chosen.
        if (e.type == T::kDossierSubmittedOnline) {
          p.origin_node_id = OptString(e.payload, "desk_node_id");
          if (auto unit = OptString(e.payload, "unit_code")) p.unit_code = std::move(unit);
        }
      } else if (!p.origin_node_id) {
        p.origin_node_id = e.node_id;
        if (auto it = node_units.find(e.node_id); it != node_units.end() && !p.unit_code) {
          p.unit_code = it->second;
        }
      }
      if (e.type == T::kDossierReceived) p.received_at_ms = t;
      break;
    }
    case T::kHandlerAssigned:
      p.unit_code = OptString(e.payload, "unit_code");
      OpenStep(p, e, p.unit_code, OptString(e.payload, "handler_id").value_or(""),
               OptString(e.payload, "handler_name").value_or(""));
      break;
    case T::kHandlerTransferred:
      p.unit_code = OptString(e.payload, "to_unit_code");
      OpenStep(p, e, p.unit_code, OptString(e.payload, "to_handler_id").value_or(""),
               OptString(e.payload, "to_handler_name").value_or(""));
      break;
    case T::kSupplementRequested:
      p.paused_since_ms = t;
      break;
    case T::kSupplementReceived:
      if (p.paused_since_ms) {
        const int64_t paused = std::max<int64_t>(0, t - *p.paused_since_ms);
        p.paused_total_ms += paused;
        if (!p.steps.empty() && !p.steps.back().ended_at_ms && p.steps.back().deadline_ms) {
          *p.steps.back().deadline_ms += paused;
        }
        p.paused_since_ms.reset();
      }
      break;
    case T::kResultRecorded:
    case T::kDossierStopped:
    case T::kDossierWithdrawn:
      CloseStep(p, t);
      break;
    default:
      break;
  }
}

// Statements prepared once for a whole refold, keyed by their SQL; each is
// reset (bindings cleared) when handed out again.
class StatementCache {
 public:
  Result<Statement*> Get(Database& db, const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
      it = statements_.emplace(sql, std::move(st)).first;
    } else {
      it->second.Reset();
    }
    return &it->second;
  }

 private:
  std::map<std::string, Statement> statements_;
};

const char kProjectionColumns[] =
    "dossier_code, unit_code, procedure_id, status, received_at_ms, appointment_ms, "
    "handler_id, handler_name, paused_since_ms, paused_total_ms, apology_count, "
    "origin_node_id, last_event_id, last_event_type, last_event_at_ms, event_count";

DossierProjection ReadProjectionRow(const Statement& q) {
  DossierProjection p;
  p.dossier_code = q.ColumnText(0);
  p.unit_code = q.ColumnOptText(1);
  p.procedure_id = q.ColumnOptText(2);
  if (auto s = q.ColumnOptInt(3)) {
    auto st = StatusFromInt(*s);
    if (st.ok()) p.state.status = *st;
  }
  p.received_at_ms = q.ColumnOptInt(4);
  p.state.appointment_ms = q.ColumnOptInt(5);
  p.handler_id = q.ColumnOptText(6);
  p.handler_name = q.ColumnOptText(7);
  p.paused_since_ms = q.ColumnOptInt(8);
  p.paused_total_ms = q.ColumnInt(9);
  p.state.apology_count = static_cast<int>(q.ColumnInt(10));
  p.origin_node_id = q.ColumnOptText(11);
  p.last_event_id = q.ColumnText(12);
  p.last_event_type = q.ColumnText(13);
  p.last_event_at_ms = q.ColumnInt(14);
  p.event_count = static_cast<int>(q.ColumnInt(15));
  return p;
}

// Writes the rows of `p`. `fresh`: the dossier has no rows yet (its first
// events are being stored), so there are no old steps or conflicts to clear.
Status WriteProjection(Database& db, StatementCache& cache, const DossierProjection& p,
                       bool fresh, UnixMs now) {
  static const std::string kUpsert =
      std::string("INSERT OR REPLACE INTO dossiers (") + kProjectionColumns +
      ", conflict_count, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
      "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
  HOSO_ASSIGN_OR_RETURN(Statement * up, cache.Get(db, kUpsert));
  up->Bind(1, p.dossier_code).Bind(2, p.unit_code).Bind(3, p.procedure_id);
  if (p.state.status) {
    up->Bind(4, StatusNumber(*p.state.status));
  } else {
    up->BindNull(4);
  }
  up->Bind(5, p.received_at_ms)
      .Bind(6, p.state.appointment_ms)
      .Bind(7, p.handler_id)
      .Bind(8, p.handler_name)
      .Bind(9, p.paused_since_ms)
      .Bind(10, p.paused_total_ms)
      .Bind(11, p.state.apology_count)
      .Bind(12, p.origin_node_id)
      .Bind(13, p.last_event_id)
      .Bind(14, p.last_event_type)
      .Bind(15, p.last_event_at_ms)
      .Bind(16, p.event_count)
      .Bind(17, static_cast<int64_t>(p.conflicts.size()))
      .Bind(18, now);
  HOSO_RETURN_IF_ERROR(up->Run());

  if (!fresh) {
    HOSO_ASSIGN_OR_RETURN(Statement * del,
                          cache.Get(db, "DELETE FROM dossier_steps WHERE dossier_code = ?1"));
    HOSO_RETURN_IF_ERROR(del->Bind(1, p.dossier_code).Run());
  }
  if (p.steps.empty() && p.conflicts.empty() && fresh) return Status::OK();
  HOSO_ASSIGN_OR_RETURN(
      Statement * step,
      cache.Get(db,
                "INSERT INTO dossier_steps (dossier_code, step_no, unit_code, handler_id, "
                "handler_name, from_handler_id, handed_by, started_at_ms, deadline_ms, "
                "ended_at_ms, outcome, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                "?10, ?11, ?12)"));
  for (const DossierStep& s : p.steps) {
    step->Bind(1, p.dossier_code)
        .Bind(2, s.step_no)
        .Bind(3, s.unit_code)
        .Bind(4, s.handler_id)
        .Bind(5, s.handler_name)
        .Bind(6, s.from_handler_id)
        .Bind(7, s.handed_by)
        .Bind(8, s.started_at_ms)
        .Bind(9, s.deadline_ms)
        .Bind(10, s.ended_at_ms)
        .Bind(11, s.outcome)
        .Bind(12, s.event_id);
    HOSO_RETURN_IF_ERROR(step->Run());
  }

  // Conflicts keep the time they were first seen; one that a later event
  // resolved (the order changed) goes.
  std::vector<std::string> stale;
  if (!fresh) {
    HOSO_ASSIGN_OR_RETURN(
        Statement * old,
        cache.Get(db, "SELECT event_id FROM dossier_conflicts WHERE dossier_code = ?1"));
    old->Bind(1, p.dossier_code);
    for (;;) {
      HOSO_ASSIGN_OR_RETURN(bool row, old->Step());
      if (!row) break;
      std::string id = old->ColumnText(0);
      if (std::none_of(p.conflicts.begin(), p.conflicts.end(),
                       [&](const DossierConflict& c) { return c.event_id == id; })) {
        stale.push_back(std::move(id));
      }
    }
  }
  HOSO_ASSIGN_OR_RETURN(Statement * drop,
                        cache.Get(db, "DELETE FROM dossier_conflicts WHERE event_id = ?1"));
  for (const std::string& id : stale) HOSO_RETURN_IF_ERROR(drop->Bind(1, id).Run());
  HOSO_ASSIGN_OR_RETURN(
      Statement * add,
      cache.Get(db,
                "INSERT INTO dossier_conflicts (event_id, dossier_code, node_id, seq, type, "
                "reason, detected_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                "ON CONFLICT (event_id) DO UPDATE SET reason = excluded.reason"));
  for (const DossierConflict& c : p.conflicts) {
    HOSO_RETURN_IF_ERROR(add->Bind(1, c.event_id)
                             .Bind(2, p.dossier_code)
                             .Bind(3, c.node_id)
                             .Bind(4, c.seq)
                             .Bind(5, c.type)
                             .Bind(6, c.reason)
                             .Bind(7, now)
                             .Run());
  }
  return Status::OK();
}

Result<std::map<std::string, std::string>> NodeUnits(Database& db) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT node_id, unit_code FROM nodes"));
  std::map<std::string, std::string> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out[q.ColumnText(0)] = q.ColumnText(1);
  }
  return out;
}

Result<std::vector<DossierEvent>> StoredEvents(Database& db, StatementCache& cache,
                                               const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(
      Statement * q,
      cache.Get(db,
                "SELECT node_id, seq, event_id, type, payload, device_time_ms, actor, 0 "
                "FROM events WHERE dossier_code = ?1 UNION ALL "
                "SELECT node_id, seq, event_id, type, payload, device_time_ms, actor, 1 "
                "FROM central_events WHERE dossier_code = ?1"));
  q->Bind(1, code);
  std::vector<DossierEvent> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q->Step());
    if (!row) break;
    auto type = EventTypeFromName(q->ColumnText(3));
    if (!type.ok()) continue;  // a type this build does not know means nothing to the fold
    DossierEvent e;
    e.node_id = q->ColumnText(0);
    e.seq = q->ColumnInt(1);
    e.event_id = q->ColumnText(2);
    e.type = *type;
    HOSO_ASSIGN_OR_RETURN(e.payload, ParseJsonObject(q->ColumnText(4)));
    e.device_time_ms = q->ColumnInt(5);
    e.actor = q->ColumnOptText(6);
    e.by_central = q->ColumnInt(7) != 0;
    out.push_back(std::move(e));
  }
  return out;
}

// The status `action` leads to from wherever it is allowed.
std::optional<DossierStatus> TargetOf(DossierAction action) {
  for (DossierStatus s : AllDossierStatuses()) {
    auto to = ApplyDossierAction(s, action);
    if (to.ok()) return *to;
  }
  return std::nullopt;
}

std::string StatusLabel(const std::optional<DossierStatus>& s) {
  if (!s) return "none";
  return std::to_string(StatusNumber(*s)) + " (" + DossierStatusNameEn(*s) + ")";
}

bool IsOfficerEvent(EventType t) {
  switch (t) {
    case T::kHandlerAssigned:
    case T::kHandlerTransferred:
    case T::kSupplementRequested:
    case T::kPaymentRequested:
    case T::kResultRecorded:
    case T::kApologyIssued:
    case T::kDossierStopped:
    case T::kDossierWithdrawn:
      return true;
    default:
      return false;
  }
}

}  // namespace

const char* StepOutcome(UnixMs ended, UnixMs deadline) {
  if (ended > deadline) return "late";
  if (LocalDateOf(ended) < LocalDateOf(deadline)) return "early";
  return "on_time";
}

DossierProjection FoldDossier(const std::string& dossier_code, std::vector<DossierEvent> events,
                              const std::map<std::string, std::string>& node_units) {
  DossierProjection p;
  p.dossier_code = dossier_code;
  for (const DossierEvent& e : FoldOrder(std::move(events))) {
    ++p.event_count;
    const std::optional<DossierAction> action = DossierActionFor(e.type);
    if (action) {
      std::optional<UnixMs> appointment;
      if (*action == A::kReceive) appointment = OptInt(e.payload, "appointment_ms");
      if (*action == A::kIssueApology) appointment = OptInt(e.payload, "new_appointment_ms");
      if (*action == A::kSupplementReceived) {
        appointment = OptInt(e.payload, "new_appointment_ms");
        if (!appointment && p.state.appointment_ms && p.paused_since_ms) {
          appointment =
              *p.state.appointment_ms + std::max<int64_t>(0, e.device_time_ms - *p.paused_since_ms);
        }
      }
      Status s = p.state.Apply(*action, appointment);
      if (!s.ok()) {
        p.conflicts.push_back(
            DossierConflict{e.event_id, e.node_id, e.seq, EventTypeName(e.type), s.message()});
        continue;
      }
      ApplyEffects(p, e, node_units);
    }
    p.last_event_id = e.event_id;
    p.last_event_type = EventTypeName(e.type);
    p.last_event_at_ms = e.device_time_ms;
  }
  return p;
}

namespace {

// FoldDossier, and the row of a dossier whose every event was refused keeps
// the conflicts visible on a bare row.
DossierProjection FoldForRow(const std::string& code, std::vector<DossierEvent> events,
                             const std::map<std::string, std::string>& units) {
  DossierProjection p = FoldDossier(code, std::move(events), units);
  if (p.last_event_id.empty()) {
    p.last_event_id = p.conflicts.front().event_id;
    p.last_event_type = p.conflicts.front().type;
  }
  return p;
}

// Folds one dossier from `events` (all of its events) and writes its rows.
Status FoldAndWrite(Database& db, StatementCache& cache,
                    const std::map<std::string, std::string>& units, const std::string& code,
                    std::vector<DossierEvent> events, bool fresh, UnixMs now) {
  if (events.empty()) return Status::OK();
  DossierProjection p = FoldForRow(code, std::move(events), units);
  return WriteProjection(db, cache, p, fresh, now).WithContext("folding dossier " + code);
}

// The new events (seq > after_seq) of each dossier `events` names, in chain
// order.
std::map<std::string, std::vector<const Event*>> NewEventsByCode(
    const std::vector<sync::BatchEvent>& events, int64_t after_seq) {
  std::map<std::string, std::vector<const Event*>> by_code;
  for (const sync::BatchEvent& be : events) {
    if (be.event.seq > after_seq && be.event.dossier_code) {
      by_code[*be.event.dossier_code].push_back(&be.event);
    }
  }
  return by_code;
}

std::vector<DossierEvent> ToDossierEvents(const std::vector<const Event*>& mine) {
  std::vector<DossierEvent> out;
  out.reserve(mine.size());
  for (const Event* e : mine) {
    DossierEvent d;
    d.node_id = e->node_id;
    d.seq = e->seq;
    d.event_id = e->event_id;
    d.type = e->type;
    d.payload = e->payload;
    d.device_time_ms = e->device_time_ms;
    d.actor = e->actor;
    out.push_back(std::move(d));
  }
  return out;
}

// Below this many new events a batch is folded on the committing thread:
// starting a thread would cost more than it saves.
constexpr size_t kFoldAheadMinEvents = 256;

}  // namespace

Status RefoldDossiers(Database& db, const std::set<std::string>& codes, UnixMs now) {
  if (codes.empty()) return Status::OK();
  HOSO_ASSIGN_OR_RETURN(auto units, NodeUnits(db));
  StatementCache cache;
  for (const std::string& code : codes) {
    HOSO_ASSIGN_OR_RETURN(std::vector<DossierEvent> events, StoredEvents(db, cache, code));
    HOSO_RETURN_IF_ERROR(FoldAndWrite(db, cache, units, code, std::move(events), false, now));
  }
  return Status::OK();
}

struct IngestFold::Work {
  std::map<std::string, std::vector<const Event*>> by_code;
  std::map<std::string, std::string> units;
  // One projection per by_code entry, in its order, each folded from the
  // batch's events alone; not valid when the batch is folded in Finish.
  std::future<std::vector<DossierProjection>> ahead;
};

IngestFold::IngestFold(std::unique_ptr<Work> work) : work_(std::move(work)) {}
IngestFold::IngestFold(IngestFold&&) noexcept = default;
IngestFold& IngestFold::operator=(IngestFold&&) noexcept = default;

IngestFold::~IngestFold() {
  if (work_ && work_->ahead.valid()) work_->ahead.wait();
}

Result<IngestFold> IngestFold::Start(Database& db, const std::vector<sync::BatchEvent>& events,
                                     int64_t after_seq) {
  auto work = std::make_unique<Work>();
  work->by_code = NewEventsByCode(events, after_seq);
  if (work->by_code.empty()) return IngestFold(std::move(work));
  HOSO_ASSIGN_OR_RETURN(work->units, NodeUnits(db));
  size_t new_events = 0;
  for (const auto& [code, mine] : work->by_code) new_events += mine.size();
  if (new_events < kFoldAheadMinEvents) return IngestFold(std::move(work));
  // The thread reads only by_code (the batch's events, which the caller
  // keeps unchanged) and units, neither of which changes until Finish.
  const Work* w = work.get();
  try {
    work->ahead = std::async(std::launch::async, [w] {
      std::vector<DossierProjection> out;
      out.reserve(w->by_code.size());
      for (const auto& [code, mine] : w->by_code) {
        out.push_back(FoldForRow(code, ToDossierEvents(mine), w->units));
      }
      return out;
    });
  } catch (const std::system_error&) {
    // No thread to be had: Finish folds on the caller's thread.
  }
  return IngestFold(std::move(work));
}

Status IngestFold::Finish(Database& db, UnixMs now) {
  Work& w = *work_;
  std::vector<DossierProjection> ahead;
  if (w.ahead.valid()) ahead = w.ahead.get();
  if (w.by_code.empty()) return Status::OK();
  StatementCache cache;
  // The events are stored already: when the central holds no others of the
  // dossier (most batches bring a dossier's first event), the fold is the one
  // made from the batch instead of reading back and parsing what was just
  // written, and there are no older rows to clear. Counting through the
  // dossier indexes also covers events stored before the projection existed.
  HOSO_ASSIGN_OR_RETURN(
      Statement stored,
      db.Prepare("SELECT (SELECT count(*) FROM events WHERE dossier_code = ?1) + "
                 "(SELECT count(*) FROM central_events WHERE dossier_code = ?1)"));
  size_t index = 0;
  for (const auto& [code, mine] : w.by_code) {
    const size_t i = index++;
    stored.Reset();
    stored.Bind(1, code);
    HOSO_ASSIGN_OR_RETURN(bool row, stored.Step());
    if (!row || stored.ColumnInt(0) != static_cast<int64_t>(mine.size())) {
      HOSO_ASSIGN_OR_RETURN(std::vector<DossierEvent> all, StoredEvents(db, cache, code));
      HOSO_RETURN_IF_ERROR(FoldAndWrite(db, cache, w.units, code, std::move(all), false, now));
      continue;
    }
    DossierProjection p =
        ahead.empty() ? FoldForRow(code, ToDossierEvents(mine), w.units) : std::move(ahead[i]);
    HOSO_RETURN_IF_ERROR(
        WriteProjection(db, cache, p, true, now).WithContext("folding dossier " + code));
  }
  return Status::OK();
}

Status FoldIngestedEvents(Database& db, const std::vector<sync::BatchEvent>& events,
                          int64_t after_seq, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(IngestFold fold, IngestFold::Start(db, events, after_seq));
  return fold.Finish(db, now);
}

Result<std::vector<DossierEvent>> DossierEvents(Database& db, const std::string& code) {
  StatementCache cache;
  HOSO_ASSIGN_OR_RETURN(std::vector<DossierEvent> events, StoredEvents(db, cache, code));
  return FoldOrder(std::move(events));
}

Result<std::optional<DossierProjection>> LoadDossier(Database& db, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(std::string("SELECT ") + kProjectionColumns +
                                                " FROM dossiers WHERE dossier_code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<DossierProjection>();
  DossierProjection p = ReadProjectionRow(q);
  HOSO_ASSIGN_OR_RETURN(
      Statement steps,
      db.Prepare("SELECT step_no, unit_code, handler_id, handler_name, from_handler_id, "
                 "handed_by, started_at_ms, deadline_ms, ended_at_ms, outcome, event_id "
                 "FROM dossier_steps WHERE dossier_code = ?1 ORDER BY step_no"));
  steps.Bind(1, code);
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, steps.Step());
    if (!more) break;
    DossierStep s;
    s.step_no = static_cast<int>(steps.ColumnInt(0));
    s.unit_code = steps.ColumnOptText(1);
    s.handler_id = steps.ColumnText(2);
    s.handler_name = steps.ColumnText(3);
    s.from_handler_id = steps.ColumnOptText(4);
    s.handed_by = steps.ColumnOptText(5);
    s.started_at_ms = steps.ColumnInt(6);
    s.deadline_ms = steps.ColumnOptInt(7);
    s.ended_at_ms = steps.ColumnOptInt(8);
    s.outcome = steps.ColumnOptText(9);
    s.event_id = steps.ColumnText(10);
    p.steps.push_back(std::move(s));
  }
  HOSO_ASSIGN_OR_RETURN(Statement conflicts,
                        db.Prepare("SELECT event_id, node_id, seq, type, reason FROM "
                                   "dossier_conflicts WHERE dossier_code = ?1 ORDER BY "
                                   "detected_at_ms, event_id"));
  conflicts.Bind(1, code);
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, conflicts.Step());
    if (!more) break;
    p.conflicts.push_back(DossierConflict{conflicts.ColumnText(0), conflicts.ColumnText(1),
                                          conflicts.ColumnInt(2), conflicts.ColumnText(3),
                                          conflicts.ColumnText(4)});
  }
  return std::optional<DossierProjection>(std::move(p));
}

Result<std::vector<DossierProjection>> ListInbox(Database& db, const InboxQuery& q) {
  HOSO_ASSIGN_OR_RETURN(
      Statement s,
      db.Prepare(std::string("SELECT ") + kProjectionColumns +
                 " FROM dossiers WHERE (?1 IS NULL OR unit_code = ?1) AND (?2 IS NULL OR "
                 "status = ?2) AND (?3 IS NULL OR handler_id = ?3) ORDER BY "
                 "appointment_ms IS NULL, appointment_ms, dossier_code LIMIT ?4"));
  s.Bind(1, q.unit_code);
  if (q.status) {
    s.Bind(2, *q.status);
  } else {
    s.BindNull(2);
  }
  s.Bind(3, q.handler_id).Bind(4, q.limit);
  std::vector<DossierProjection> out;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadProjectionRow(s));
  }
  return out;
}

json::object DossierProjection::ToJson(UnixMs now_ms) const {
  json::object o;
  o["code"] = dossier_code;
  o["unit"] = OptJson(unit_code);
  o["procedure_id"] = OptJson(procedure_id);
  if (state.status) {
    o["status"] = StatusNumber(*state.status);
    o["status_name_vi"] = DossierStatusNameVi(*state.status);
    o["status_name_en"] = DossierStatusNameEn(*state.status);
  } else {
    o["status"] = nullptr;
  }
  o["received_at"] = OptTime(received_at_ms);
  o["appointment"] = OptTime(state.appointment_ms);
  o["overdue"] = state.IsOverdue(now_ms);
  o["clock_paused"] = state.clock_paused();
  o["paused_total_ms"] = paused_total_ms;
  o["handler"] =
      handler_id
          ? json::value(json::object{{"id", *handler_id}, {"name", handler_name.value_or("")}})
          : json::value();
  o["apology_count"] = state.apology_count;
  o["origin_node"] = OptJson(origin_node_id);
  o["last_event"] = json::object{
      {"id", last_event_id}, {"type", last_event_type}, {"at", FormatLocalIso(last_event_at_ms)}};
  json::array steps_json;
  for (const DossierStep& s : steps) {
    steps_json.push_back(json::object{{"step", s.step_no},
                                      {"unit", OptJson(s.unit_code)},
                                      {"handler_id", s.handler_id},
                                      {"handler_name", s.handler_name},
                                      {"from_handler_id", OptJson(s.from_handler_id)},
                                      {"handed_by", OptJson(s.handed_by)},
                                      {"started_at", FormatLocalIso(s.started_at_ms)},
                                      {"deadline", OptTime(s.deadline_ms)},
                                      {"ended_at", OptTime(s.ended_at_ms)},
                                      {"outcome", OptJson(s.outcome)}});
  }
  o["steps"] = std::move(steps_json);
  json::array conflicts_json;
  for (const DossierConflict& c : conflicts) {
    conflicts_json.push_back(json::object{{"event_id", c.event_id},
                                          {"node_id", c.node_id},
                                          {"seq", c.seq},
                                          {"type", c.type},
                                          {"reason", c.reason}});
  }
  o["conflicts"] = std::move(conflicts_json);
  return o;
}

Result<std::vector<json::object>> TakeEventItems(Database& db, const std::string& node_id,
                                                 int64_t prior_high_water, int64_t new_high_water,
                                                 bool proves_receipt) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT confirmed_seq, answered_hw, answered_through FROM "
                                   "node_event_downflow WHERE node_id = ?1"));
  q.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  int64_t confirmed = row ? q.ColumnInt(0) : 0;
  const int64_t answered_hw = row ? q.ColumnInt(1) : 0;
  int64_t answered_through = row ? q.ColumnInt(2) : 0;
  if (proves_receipt && answered_hw == prior_high_water) {
    confirmed = std::max(confirmed, answered_through);
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement ev,
      db.Prepare("SELECT seq, node_id, event_id, type, schema_version, dossier_code, payload, "
                 "device_time_ms, actor, waybill FROM central_events WHERE origin_node_id = ?1 AND "
                 "seq > ?2 ORDER BY seq"));
  ev.Bind(1, node_id).Bind(2, confirmed);
  std::vector<json::object> items;
  int64_t through = confirmed;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool more, ev.Step());
    if (!more) break;
    HOSO_ASSIGN_OR_RETURN(json::object payload, ParseJsonObject(ev.ColumnText(6)));
    json::object e{{"event_id", ev.ColumnText(2)},
                   {"type", ev.ColumnText(3)},
                   {"schema_version", ev.ColumnInt(4)},
                   {"node_id", ev.ColumnText(1)},
                   {"seq", ev.ColumnInt(0)},
                   {"device_time_ms", ev.ColumnInt(7)},
                   {"dossier_code", ev.ColumnText(5)},
                   {"actor", ev.ColumnText(8)},
                   {"payload", std::move(payload)}};
    // shipment_created carries its waybill, part of the hashed envelope.
    if (auto waybill = ev.ColumnOptText(9)) e["waybill"] = *waybill;
    items.push_back(json::object{{"kind", "event"}, {"event", std::move(e)}});
    through = ev.ColumnInt(0);
  }
  if (new_high_water != prior_high_water) answered_through = through;
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("INSERT INTO node_event_downflow (node_id, confirmed_seq, answered_hw, "
                 "answered_through) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (node_id) DO UPDATE SET "
                 "confirmed_seq = excluded.confirmed_seq, answered_hw = excluded.answered_hw, "
                 "answered_through = excluded.answered_through"));
  HOSO_RETURN_IF_ERROR(
      up.Bind(1, node_id)
          .Bind(2, confirmed)
          .Bind(3, new_high_water != prior_high_water ? new_high_water : answered_hw)
          .Bind(4, answered_through)
          .Run());
  return items;
}

Outcome<OfficerActionResult> RecordOfficerAction(Database& db, const std::string& central_id,
                                                 const Actor& actor,
                                                 const std::string& dossier_code, EventType type,
                                                 json::object payload, UnixMs now) {
  if (!IsOfficerEvent(type)) {
    return Refuse(400, "unsupported_action",
                  std::string(EventTypeName(type)) + " is not an officer's action");
  }
  const DossierAction action = *DossierActionFor(type);
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> current, LoadDossier(db, dossier_code));
  if (!current) {
    return Refuse(404, "not_found", "the central holds no event of dossier " + dossier_code);
  }
  if (Status s = ValidatePayload(type, CurrentSchemaVersion(type), payload); !s.ok()) {
    return Refusal::FromStatus(s);
  }
  // The state machine decides first, on a copy.
  DossierState next = current->state;
  std::optional<UnixMs> appointment;
  if (action == A::kIssueApology) appointment = OptInt(payload, "new_appointment_ms");
  if (action == A::kIssueApology && current->state.apology_count > 0) {
    return Refuse(
        409, "apology_already_issued",
        "an apology has already been issued for dossier " + dossier_code + "; only one is allowed");
  }
  if (Status s = next.Apply(action, appointment); !s.ok()) {
    if (s.code() != Status::Code::kConflict) return Refusal::FromStatus(s);
    const std::optional<DossierStatus> to = TargetOf(action);
    Refusal r = Refuse(409, "invalid_transition",
                       std::string(DossierActionName(action)) + " is not allowed from status " +
                           StatusLabel(current->state.status) + " to status " + StatusLabel(to) +
                           ": " + s.message());
    return r;
  }
  if (action == A::kIssueApology && current->state.appointment_ms &&
      now > *current->state.appointment_ms) {
    return Refuse(409, "apology_too_late",
                  "an apology must be issued before the appointment " +
                      FormatLocalIso(*current->state.appointment_ms) + " has passed");
  }

  // The next event of the central's chain.
  HOSO_ASSIGN_OR_RETURN(Statement last,
                        db.Prepare("SELECT seq, hash FROM central_events ORDER BY seq DESC "
                                   "LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool has_last, last.Step());
  const int64_t seq = has_last ? last.ColumnInt(0) + 1 : 1;
  const std::string prev = has_last ? last.ColumnBlob(1) : GenesisHash();
  // Never dated before what the officer saw, so that it folds after it even
  // when a desk's clock runs ahead of the central's.
  const UnixMs at = std::max(now, current->last_event_at_ms);
  Event e = NewEvent(type, central_id, at, std::move(payload));
  e.seq = seq;
  e.dossier_code = dossier_code;
  e.actor = actor.name;
  if (Status s = ValidateEvent(e); !s.ok()) return Refusal::FromStatus(s);
  const std::string hash = ChainHash(prev, CanonicalJson(e));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO central_events (seq, node_id, event_id, type, schema_version, "
                 "dossier_code, payload, device_time_ms, actor, hash, origin_node_id) VALUES "
                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, seq)
                           .Bind(2, central_id)
                           .Bind(3, e.event_id)
                           .Bind(4, EventTypeName(type))
                           .Bind(5, e.schema_version)
                           .Bind(6, dossier_code)
                           .Bind(7, ToJson(json::value(e.payload)))
                           .Bind(8, at)
                           .Bind(9, actor.name)
                           .BindBlob(10, hash)
                           .Bind(11, current->origin_node_id)
                           .Run());
  HOSO_RETURN_IF_ERROR(RefoldDossiers(db, {dossier_code}, now));
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> after, LoadDossier(db, dossier_code));
  for (const DossierConflict& c : after->conflicts) {
    if (c.event_id == e.event_id) {
      // A node event dated after the central's clock got there first.
      return Refuse(
          409, "invalid_transition",
          std::string(DossierActionName(action)) + " conflicts with a later event: " + c.reason);
    }
  }
  json::object audit{{"event_id", e.event_id}, {"seq", seq}, {"payload", e.payload}};
  // A result going back by post leaves with its shipment (central/shipments.h).
  std::optional<json::value> shipment;
  if (type == T::kResultRecorded) {
    HOSO_ASSIGN_OR_RETURN(
        ShipmentCreation created,
        CreateShipmentForResult(db, central_id, actor.name, dossier_code, e.event_id, at, now));
    if (created.by_post) {
      shipment = created.ToJson();
      audit["shipment"] = *shipment;
    }
  }
  HOSO_RETURN_IF_ERROR(AppendAudit(
      db, now, actor, std::string("dossier.") + DossierActionName(action), dossier_code, audit));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return OfficerActionResult{std::move(e), std::move(*after), std::move(shipment)};
}

}  // namespace hoso::central
