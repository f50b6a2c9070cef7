// The central's dossier projection and the officers' actions on it.
//
// Projection: table `dossiers` (schema/sql/central/006_dossiers.sql) holds
// the current state of each dossier, folded from all of its events, the
// nodes' (table `events`) and the officers' (table `central_events`), in the
// transaction that stores them. The fold is a function of the SET of events,
// not of the order they arrived in:
//   - each author's events keep their chain order (seq); the chains are
//     merged by device time, ties broken by node events first (an officer
//     acts on what the nodes reported), then by author id;
//   - each event goes through the state machine (schema/dossier_state.h);
//     one it refuses there is recorded in `dossier_conflicts` and not
//     applied, so a late event never overwrites a state it contradicts.
// Whatever order batches and officers' actions arrive in, the same events
// give the same row.
//
// The clock pauses while a supplement is awaited (status 5): when the
// supplement arrives the appointment moves to the event's
// new_appointment_ms (the desk computes it with the working calendar), or,
// when it carries none, later by the paused time; an open Form 05 step's
// deadline moves by the paused time as well.
//
// Officers' actions (RecordOfficerAction) are events the central authors:
// its own chain in `central_events` (node_id = the central id, actor = the
// officer's username), checked against the state machine before they are
// written, and stored with their audit row and the refolded projection in
// one transaction.
//
// Thread-safety: values and reentrant functions on the Database they are
// given (one thread at a time, see schema/sqlite.h).
#ifndef HOSO_CENTRAL_DOSSIERS_H_
#define HOSO_CENTRAL_DOSSIERS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "central/audit.h"
#include "central/refusal.h"
#include "schema/dossier_state.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/time.h"
#include "sync/batch.h"

namespace hoso::central {

// One dossier event as the fold reads it.
struct DossierEvent {
  std::string node_id;  // the author: a node, or the central for officers
  int64_t seq = 0;
  std::string event_id;
  EventType type = EventType::kDossierReceived;
  json::object payload;
  UnixMs device_time_ms = 0;
  std::optional<std::string> actor;
  bool by_central = false;  // an officer's event, from `central_events`
};

// One row of the process-control log (Form 05).
struct DossierStep {
  int step_no = 0;
  std::optional<std::string> unit_code;
  std::string handler_id;
  std::string handler_name;
  std::optional<std::string> from_handler_id;
  std::optional<std::string> handed_by;  // the actor who assigned or transferred
  UnixMs started_at_ms = 0;
  std::optional<UnixMs> deadline_ms;
  std::optional<UnixMs> ended_at_ms;
  std::optional<std::string> outcome;  // early | on_time | late
  std::string event_id;
};

// An event the state machine refused in fold order.
struct DossierConflict {
  std::string event_id;
  std::string node_id;
  int64_t seq = 0;
  std::string type;
  std::string reason;
};

struct DossierProjection {
  std::string dossier_code;
  std::optional<std::string> unit_code;
  std::optional<std::string> procedure_id;
  DossierState state;  // status, apology count, appointment in force
  std::optional<UnixMs> received_at_ms;
  std::optional<std::string> handler_id;
  std::optional<std::string> handler_name;
  std::optional<UnixMs> paused_since_ms;
  int64_t paused_total_ms = 0;
  std::optional<std::string> origin_node_id;
  std::string last_event_id;
  std::string last_event_type;
  UnixMs last_event_at_ms = 0;
  int event_count = 0;
  std::vector<DossierStep> steps;
  std::vector<DossierConflict> conflicts;

  // {"code","unit","procedure_id","status","status_name_vi","status_name_en",
  //  "received_at","appointment","overdue","clock_paused","paused_total_ms",
  //  "handler":{id,name}|null,"apology_count","origin_node","last_event",
  //  "steps":[...],"conflicts":[...]}; instants as local ISO 8601.
  json::object ToJson(UnixMs now_ms) const;
};

// Form 05's verdict on a step that ended at `ended` with `deadline`: "late"
// after the deadline, "early" on a local date before the deadline's,
// "on_time" otherwise.
const char* StepOutcome(UnixMs ended, UnixMs deadline);

// Folds `events` (any order) as described at the top. `node_units` gives the
// unit of each node, the dossier's unit until an assignment or transfer names
// another. REQUIRES: events is not empty and all are of `dossier_code`.
DossierProjection FoldDossier(const std::string& dossier_code, std::vector<DossierEvent> events,
                              const std::map<std::string, std::string>& node_units);

// Rebuilds the projection rows (dossiers, dossier_steps, dossier_conflicts)
// of `codes` from their stored events. Call inside the transaction that
// stores the events.
Status RefoldDossiers(Database& db, const std::set<std::string>& codes, UnixMs now);

// The one call of the ingest: refolds the dossiers that the events of
// `events` with seq > after_seq name, after they are stored. A dossier whose
// only stored events are these is folded from `events` as given.
Status FoldIngestedEvents(Database& db, const std::vector<sync::BatchEvent>& events,
                          int64_t after_seq, UnixMs now);

// FoldIngestedEvents in two halves, so that the fold of a batch's new
// dossiers runs on a second core while the events are inserted: Start (before
// the events are stored) reads the node units and, for a batch of 256 new
// events or more, folds every dossier the new events name from these events
// alone on a thread of its own (a pure computation on values; the thread
// never touches the database). Finish (after the events are stored) writes
// the rows: a dossier whose only stored events are the batch's takes the
// fold made ahead, any other is refolded from the tables as before. The
// result is the same as FoldIngestedEvents.
//
// Thread-safety: one thread calls Start, Finish and the destructor; the
// destructor waits for the fold thread. REQUIRES: `events` outlives the
// IngestFold and is not modified before Finish returns.
class IngestFold {
 public:
  static Result<IngestFold> Start(Database& db, const std::vector<sync::BatchEvent>& events,
                                  int64_t after_seq);
  Status Finish(Database& db, UnixMs now);

  IngestFold(IngestFold&&) noexcept;
  IngestFold& operator=(IngestFold&&) noexcept;
  ~IngestFold();

 private:
  struct Work;
  explicit IngestFold(std::unique_ptr<Work> work);
  std::unique_ptr<Work> work_;
};

// The stored projection of one dossier with its steps and conflicts;
// nullopt when the central has no event of it.
Result<std::optional<DossierProjection>> LoadDossier(Database& db, const std::string& code);

// Every stored event of the dossier in fold order (for the timeline).
Result<std::vector<DossierEvent>> DossierEvents(Database& db, const std::string& code);

struct InboxQuery {
  std::optional<std::string> unit_code;  // nullopt: every unit (admins)
  std::optional<int> status;
  std::optional<std::string> handler_id;
  int limit = 200;
};
// Dossiers matching the query, oldest appointment first (no steps or
// conflicts loaded).
Result<std::vector<DossierProjection>> ListInbox(Database& db, const InboxQuery& q);

// ---- Down-flow to the nodes ------------------------------------------------

// The {"kind":"event","event":{...}} items of a down-sync answering a
// request of `node_id`: every officer's event of a dossier the node received
// (central_events.origin_node_id) that the node is not yet proven to hold,
// in central seq order. `prior_high_water` is the node's high water before
// the request and `new_high_water` after it. `proves_receipt`: the request
// starts right after prior_high_water over HTTP, which a node does only once
// it holds an answer acknowledging prior_high_water; every answer that did
// carried the events of the answer that moved the high water there, so
// those are confirmed and not sent again. Files are written ahead and prove
// nothing. The node applies each event once by its event id, so sending one
// again is harmless. Call inside the transaction that answers the request.
Result<std::vector<json::object>> TakeEventItems(Database& db, const std::string& node_id,
                                                 int64_t prior_high_water, int64_t new_high_water,
                                                 bool proves_receipt);

// ---- Officers' actions -----------------------------------------------------

struct OfficerActionResult {
  Event event;                // as stored, with its seq in the central's chain
  DossierProjection dossier;  // after the action
  // result_recorded of a dossier returned by post: ShipmentCreation::ToJson()
  // (the shipment created with it, or why it is pending).
  std::optional<json::value> shipment;
};

// The officer's action `type` (one of handler_assigned, handler_transferred,
// supplement_requested, payment_requested, result_recorded, apology_issued,
// dossier_stopped, dossier_withdrawn) with `payload`, as one event of the
// central's chain, in one IMMEDIATE transaction with its audit row
// ("dossier.<action>") and the refolded projection. Refusals:
//   404 not_found            the central holds no event of the dossier
//   400 bad_request          a payload that does not fit the event type
//   409 invalid_transition   the state machine forbids it; the message names
//                            the current status and the one the action leads to
//   409 apology_already_issued / apology_too_late (after the appointment)
//   400 unsupported_action   a type officers do not record
Outcome<OfficerActionResult> RecordOfficerAction(Database& db, const std::string& central_id,
                                                 const Actor& actor,
                                                 const std::string& dossier_code, EventType type,
                                                 json::object payload, UnixMs now);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_DOSSIERS_H_
