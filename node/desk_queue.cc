// Desk: queue tickets. Numbers come from daily_counters (scope
// "queue:<group>", the local day), so they restart at 1 each day in each
// counter group and a rolled-back issue never skips a number.
//
// States: waiting -> called -> done | skipped; called | skipped -> called
// (recall). Every step is an outbox event: ticket_issued, ticket_called,
// ticket_skipped, ticket_recalled, ticket_served.
//
// Also the Desk constructor and what every desk_*.cc file shares: the
// event envelope and the per-day counters.
#include <cstdio>
#include <utility>

#include "node/desk.h"
#include "node/outbox.h"

namespace hoso::node {

namespace {

constexpr size_t kMaxCounterBytes = 16;

constexpr char kTicketColumns[] =
    "SELECT id, day, counter_group, number, state, counter, issued_at_ms, called_at_ms "
    "FROM tickets ";

Status ValidateGroup(const std::string& group) {
  bool ok = !group.empty() && group.size() <= 3;
  for (char c : group) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) {
    return Status::InvalidArgument(
        "counter_group must be 1 to 3 upper-case letters (A, B, VIP...), not '" + group + "'",
        "counter_group");
  }
  return Status::OK();
}

Status ValidateCounter(const std::string& counter) {
  if (counter.empty() || counter.size() > kMaxCounterBytes) {
    return Status::InvalidArgument(
        "counter must be 1.." + std::to_string(kMaxCounterBytes) + " characters", "counter");
  }
  if (!IsValidUtf8(counter)) {
    return Status::InvalidArgument("counter is not valid UTF-8", "counter");
  }
  return Status::OK();
}

std::string Display(const std::string& group, int number) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%03d", number);
  return group + digits;
}

Ticket TicketFromRow(const Statement& st) {
  Ticket t;
  t.id = st.ColumnInt(0);
  t.day = st.ColumnText(1);
  t.counter_group = st.ColumnText(2);
  t.number = static_cast<int>(st.ColumnInt(3));
  t.state = st.ColumnText(4);
  t.counter = st.ColumnText(5);
  t.issued_at = st.ColumnInt(6);
  t.called_at = st.ColumnOptInt(7);
  t.display = Display(t.counter_group, t.number);
  return t;
}

json::object TicketPayload(const Ticket& t) {
  return json::object{
      {"ticket_number", t.number}, {"counter_group", t.counter_group}, {"service_date", t.day}};
}

}  // namespace

// ---- Shared by every desk_*.cc file ------------------------------------------

Desk::Desk(NodeStore* store, Options options) : store_(store), options_(options) {}

Event Desk::NewDeskEvent(EventType type, json::object payload,
                         std::optional<std::string> dossier_code,
                         std::optional<std::string> actor) const {
  Event ev =
      NewEvent(type, store_->identity().node_id, options_.clock->NowMs(), std::move(payload));
  ev.dossier_code = std::move(dossier_code);
  ev.actor = std::move(actor);
  return ev;
}

Result<int> Desk::NextDailyNumber(const std::string& scope, const Date& day) {
  HOSO_ASSIGN_OR_RETURN(
      Statement st,
      store_->db().Prepare("INSERT INTO daily_counters (scope, day, last_value) VALUES (?1, ?2, 1) "
                           "ON CONFLICT (scope, day) DO UPDATE SET last_value = last_value + 1 "
                           "RETURNING last_value"));
  st.Bind(1, scope).Bind(2, FormatDate(day));
  HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::Internal("daily counter " + scope + " returned no value");
  const int64_t v = st.ColumnInt(0);
  HOSO_RETURN_IF_ERROR(st.Run());  // finish the statement before the transaction goes on
  return static_cast<int>(v);
}

// ---- Queue -------------------------------------------------------------------

Result<Ticket> Desk::IssueTicket(const std::string& counter_group) {
  HOSO_RETURN_IF_ERROR(ValidateGroup(counter_group));
  const UnixMs now = options_.clock->NowMs();
  const Date day = LocalDateOf(now);
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(int number, NextDailyNumber("queue:" + counter_group, day));
  Ticket t;
  t.day = FormatDate(day);
  t.counter_group = counter_group;
  t.number = number;
  t.display = Display(counter_group, number);
  t.state = "waiting";
  t.issued_at = now;
  HOSO_ASSIGN_OR_RETURN(Statement ins,
                        db.Prepare("INSERT INTO tickets (day, counter_group, number, state, "
                                   "issued_at_ms) VALUES (?1, ?2, ?3, 'waiting', ?4)"));
  ins.Bind(1, t.day).Bind(2, counter_group).Bind(3, number).Bind(4, now);
  HOSO_RETURN_IF_ERROR(ins.Run());
  t.id = db.LastInsertRowId();
  Event ev = NewDeskEvent(EventType::kTicketIssued, TicketPayload(t), std::nullopt, std::nullopt);
  HOSO_RETURN_IF_ERROR(AppendEvent(db, ev).status());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return t;
}

Result<Ticket> Desk::CallNext(const std::string& counter_group, const std::string& counter) {
  HOSO_RETURN_IF_ERROR(ValidateGroup(counter_group));
  HOSO_RETURN_IF_ERROR(ValidateCounter(counter));
  const Date day = LocalDateOf(options_.clock->NowMs());
  int64_t id = 0;
  {
    HOSO_ASSIGN_OR_RETURN(Statement q,
                          store_->db().Prepare("SELECT id FROM tickets WHERE counter_group = ?1 "
                                               "AND day = ?2 AND state = 'waiting' "
                                               "ORDER BY number LIMIT 1"));
    q.Bind(1, counter_group).Bind(2, FormatDate(day));
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::NotFound("no ticket waiting in group " + counter_group);
    id = q.ColumnInt(0);
  }
  // Another desk process may call the same ticket first: MoveTicket re-reads
  // its state under the write lock and answers kConflict then.
  return MoveTicket(id, {"waiting"}, "called", counter, EventType::kTicketCalled);
}

Result<Ticket> Desk::Recall(int64_t ticket_id, const std::string& counter) {
  HOSO_RETURN_IF_ERROR(ValidateCounter(counter));
  return MoveTicket(ticket_id, {"called", "skipped"}, "called", counter,
                    EventType::kTicketRecalled);
}

Result<Ticket> Desk::Skip(int64_t ticket_id) {
  return MoveTicket(ticket_id, {"called"}, "skipped", "", EventType::kTicketSkipped);
}

Result<Ticket> Desk::Done(int64_t ticket_id) {
  return MoveTicket(ticket_id, {"called"}, "done", "", EventType::kTicketServed);
}

Result<std::vector<Ticket>> Desk::TicketsOfDay(const Date& day) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        store_->db().Prepare(std::string(kTicketColumns) +
                                             "WHERE day = ?1 ORDER BY counter_group, number"));
  q.Bind(1, FormatDate(day));
  std::vector<Ticket> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(TicketFromRow(q));
  }
}

Result<Ticket> Desk::LoadTicket(int64_t id) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        store_->db().Prepare(std::string(kTicketColumns) + "WHERE id = ?1"));
  q.Bind(1, id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no ticket " + std::to_string(id));
  return TicketFromRow(q);
}

Result<Ticket> Desk::MoveTicket(int64_t id, std::initializer_list<const char*> from, const char* to,
                                const std::string& counter, std::optional<EventType> event) {
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(Ticket t, LoadTicket(id));
  bool allowed = false;
  std::string allowed_names;
  for (const char* f : from) {
    allowed = allowed || t.state == f;
    allowed_names += (allowed_names.empty() ? "" : " or ") + std::string(f);
  }
  if (!allowed) {
    return Status::Conflict("ticket " + t.display + " cannot go from " + t.state + " to " + to +
                            " (only from " + allowed_names + ")");
  }
  const UnixMs now = options_.clock->NowMs();
  t.state = to;
  if (!counter.empty()) {
    t.counter = counter;
    t.called_at = now;
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare("UPDATE tickets SET state = ?2, counter = ?3, called_at_ms = ?4, "
                 "finished_at_ms = CASE WHEN ?2 IN ('done', 'skipped') THEN ?5 END WHERE id = ?1"));
  up.Bind(1, id).Bind(2, t.state).Bind(3, t.counter).Bind(4, t.called_at).Bind(5, now);
  HOSO_RETURN_IF_ERROR(up.Run());
  if (event) {
    json::object payload = TicketPayload(t);
    if (!t.counter.empty()) payload["counter"] = t.counter;
    Event ev = NewDeskEvent(*event, std::move(payload), std::nullopt, std::nullopt);
    HOSO_RETURN_IF_ERROR(AppendEvent(db, ev).status());
  }
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return t;
}

}  // namespace hoso::node
