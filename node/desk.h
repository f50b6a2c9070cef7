// Desk: everything a desk (or courier) node does with its local SQLite
// database, offline: intake, refusal, queue tickets, search, reading
// dossiers, result arrival and hand-back, the ID-number view log.
//
// Every state change is written in ONE SQLite transaction together with its
// event in the append-only outbox (sync/event_log.h), so a crash at any point
// leaves either both or neither.
//
// The HTTP API (node/api.cc) and the CLI (node/main.cc) are thin layers over
// this class; both speak the JSON documented in docs/API.md, so the JSON
// (de)serialisation lives here too.
//
// Thread-safety: not thread-safe; one Desk per thread (the HTTP server runs
// its handlers on one thread). Two processes may open the same data
// directory: SQLite's locking and busy timeout serialise them.
#ifndef HOSO_NODE_DESK_H_
#define HOSO_NODE_DESK_H_

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/dossier.h"
#include "node/node_store.h"
#include "schema/calendar.h"
#include "schema/catalog.h"
#include "schema/env.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/status.h"

namespace hoso::node {

struct IntakeResult {
  Dossier dossier;
};

// Intake refused because mandatory documents are missing.
struct MissingDocument {
  std::string id, name_vi, name_en, form;
  int count_required = 1;
  int count_received = 0;
};

struct SearchQuery {
  std::string text;  // code, accent-free name, ID number, phone, tax code
  std::optional<int> status;
  std::optional<Date> from, to;  // received date range (local), inclusive
  int limit = 50;
};

// A queue ticket. Numbers restart at 1 every local day in every counter
// group; display is the group and the number padded to 3 digits ("A007",
// "A1000" past 999).
struct Ticket {
  int64_t id = 0;
  std::string day;            // YYYY-MM-DD local
  std::string counter_group;  // "A"
  int number = 0;             // 1, 2, ...
  std::string display;        // "A007"
  std::string state;          // waiting | called | done | skipped
  std::string counter;        // where it was called
  UnixMs issued_at = 0;
  std::optional<UnixMs> called_at;
};

struct TimelineEntry {
  int64_t seq = 0;
  std::string type;
  UnixMs at = 0;
  std::string summary_vi, summary_en;
};

class Desk {
 public:
  struct Options {
    Clock* clock = SystemClock();
  };
  // REQUIRES: store is open; outlives the Desk.
  Desk(NodeStore* store, Options options);

  // Validates and records a complete dossier (status 2). Errors:
  // kInvalidArgument with the field; "unknown procedure" (kNotFound);
  // "not in force" (kConflict); incomplete -> kInvalidArgument with field
  // "documents" and `*missing` filled (callers answer 422 incomplete_dossier).
  Result<Dossier> Intake(const IntakeRequest& req, std::vector<MissingDocument>* missing);
  // Records a dossier refused at intake (status 3) with its reason.
  Result<Dossier> RefuseAtIntake(const IntakeRequest& req, const std::string& reason);
  // The documents `req` lacks (empty when complete); errors as Intake for an
  // unknown procedure.
  Result<std::vector<MissingDocument>> CheckDocuments(const IntakeRequest& req);

  Result<Dossier> Get(const std::string& code);
  Result<std::vector<TimelineEntry>> Timeline(const std::string& code);
  Result<std::vector<Dossier>> Search(const SearchQuery& q);
  // The full national ID number of the applicant; the view is logged.
  Result<std::string> RevealIdNumber(const std::string& code, const std::string& viewer,
                                     const std::string& reason);
  Result<json::array> IdViewLog(int limit);

  // The result papers reached the desk: status 9.
  Result<Dossier> ResultArrived(const std::string& code, const std::string& clerk,
                                const std::string& outcome, const std::string& note);
  // Hand-back at the desk: status 10. REQUIRES status 9.
  Result<Dossier> HandBackAtDesk(const std::string& code, const HandBack& hb,
                                 const std::string& recipient_id_number);

  // Queue.
  Result<Ticket> IssueTicket(const std::string& counter_group);
  Result<Ticket> CallNext(const std::string& counter_group, const std::string& counter);
  Result<Ticket> Recall(int64_t ticket_id, const std::string& counter);
  Result<Ticket> Skip(int64_t ticket_id);
  Result<Ticket> Done(int64_t ticket_id);
  Result<std::vector<Ticket>> TicketsOfDay(const Date& day);

  // JSON forms used by the API and CLI (docs/API.md).
  // Checks types and shape, then ValidateIntakeRequest; errors name the field
  // ("applicant.id_number", "documents[2].count", "return.address.street").
  static Result<IntakeRequest> ParseIntakeRequest(const json::object& body);
  // Every check that needs no catalog: required fields, formats (ID number,
  // phone, tax code, email), enumerations, lengths. Returns the request with
  // names, phones and numbers normalised. Intake runs it again, so a request
  // built in code is held to the same rules as one parsed from JSON.
  static Result<IntakeRequest> ValidateIntakeRequest(const IntakeRequest& req);
  static json::object DossierToJson(const Dossier& d);
  static json::object TicketToJson(const Ticket& t);

 private:
  // A fresh event of this node at the clock's time (the outbox assigns seq).
  Event NewDeskEvent(EventType type, json::object payload, std::optional<std::string> dossier_code,
                     std::optional<std::string> actor) const;
  // The next number of a per-day counter (daily_counters), from 1.
  // REQUIRES: inside a write transaction.
  Result<int> NextDailyNumber(const std::string& scope, const Date& day);
  // Intake and refusal share everything but the status and the event.
  Result<Dossier> Record(const IntakeRequest& req, bool refused, const std::string& reason,
                         std::vector<MissingDocument>* missing);
  Result<Ticket> LoadTicket(int64_t id);
  // Moves a ticket to `to` when its state is one of `from` (kConflict
  // naming both otherwise), recording `event` when set.
  Result<Ticket> MoveTicket(int64_t id, std::initializer_list<const char*> from, const char* to,
                            const std::string& counter, std::optional<EventType> event);

  NodeStore* store_;
  Options options_;
};

}  // namespace hoso::node

#endif  // HOSO_NODE_DESK_H_
