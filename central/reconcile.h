// Reconciliation: the central's list of mismatches between what desks,
// officers and couriers recorded, for a person to look at and resolve
// (docs/OPERATIONS.md "Reconciliation", docs/API.md "Reconciliation").
//
// The report is folded straight from the event log (node events in `events`,
// the central's in `central_events`), the dossier projection (`dossiers`)
// and the node register (`nodes`), so it needs no projection of its own and
// gives the same items whatever order the events arrived in. Each rule has a
// stable id (kRule*), each item a stable id "<rule>:<subject>" where the
// subject is a dossier code, a waybill or a node id, and lists the facts
// side by side: which event, from which author, recorded when (device time)
// and received when.
//
// Resolution: a person resolves an item with a note. That is a
// reconciliation_resolved event the central authors (docs/EVENTS.md), kept in
// its own chain in `reconcile_resolutions` (schema 010) with the hash of the
// facts the person saw. The item is listed as resolved (who, when, note)
// while its facts hash the same; a new conflicting fact changes the hash and
// the item is open again, with the earlier resolution shown beside it.
//
// Thread-safety: plain values and reentrant functions on the Database they
// are given (one thread at a time, see schema/sqlite.h).
#ifndef HOSO_CENTRAL_RECONCILE_H_
#define HOSO_CENTRAL_RECONCILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "central/audit.h"
#include "central/refusal.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::central {

// Rule ids: stable, used in item ids, the CSV, /metrics and the API.
inline constexpr char kRuleDeliveredBeforeResult[] = "delivered_before_result";
inline constexpr char kRuleResultNotDispatched[] = "result_not_dispatched";
inline constexpr char kRuleDispatchedNotDelivered[] = "dispatched_not_delivered";
inline constexpr char kRuleFailedAttemptsNoReturn[] = "failed_attempts_no_return";
inline constexpr char kRuleTwoDeliveries[] = "two_deliveries";
inline constexpr char kRulePostalFee[] = "postal_fee_mismatch";
inline constexpr char kRuleAppointmentMismatch[] = "appointment_mismatch";
inline constexpr char kRuleOverdueNoApology[] = "overdue_without_apology";
inline constexpr char kRuleNodeSilentBacklog[] = "node_silent_with_backlog";

// Every rule id, in report order.
const std::vector<std::string_view>& ReconcileRules();
// The rule's title for people ("Giao trước khi có kết quả"), nullptr for an
// unknown id.
const char* RuleTitleVi(std::string_view rule);
const char* RuleTitleEn(std::string_view rule);

// The thresholds. Defaults are the ones docs/OPERATIONS.md explains.
struct ReconcileOptions {
  UnixMs as_of_ms = 0;  // the report's "now"
  // A post-return result not picked up by a courier after this many working
  // days (schema/calendar.h, the central's calendar).
  int not_dispatched_working_days = 2;
  // A shipment picked up and neither delivered nor returned after this many
  // (calendar) days.
  int not_delivered_days = 5;
  // This many failed attempts without a return to the agency (or delivery).
  int failed_attempts = 3;
  // A node with a backlog not heard from for more than this many hours.
  int silent_hours = 24;

  json::object ToJson() const;
};

// The options from named values (query parameters, or command-line flags
// with '-' for '_'): "as_of" (ISO 8601; default `now`),
// "not_dispatched_working_days", "not_delivered_days", "failed_attempts",
// "silent_hours" (integers 1..3660). kInvalidArgument names the field.
Result<ReconcileOptions> ReconcileOptionsFrom(const std::map<std::string, std::string>& values,
                                              UnixMs now);

// One fact of an item: an event as stored, or (for a node) what the central
// knows of it.
struct ReconcileFact {
  std::string source;                 // "event" (a node's), "central_event", "node"
  std::optional<std::string> event_id;
  std::string type;                   // event type, or "node_report"
  std::string author;                 // node id, or the central id
  std::optional<std::string> actor;   // officer or courier when recorded
  std::optional<int64_t> seq;
  std::optional<UnixMs> device_time_ms;  // the author's clock
  std::optional<UnixMs> received_at_ms;  // when the central stored it (nodes' events)
  json::object values;                   // the values the rule compared

  json::object ToJson() const;
};

struct ReconcileResolution {
  int64_t seq = 0;  // in the reconciliation chain
  std::string event_id;
  std::string actor;
  UnixMs resolved_at_ms = 0;
  std::string resolution;
  std::string note;
  std::string facts_hash;

  json::object ToJson() const;
};

struct ReconcileItem {
  std::string item_id;       // "<rule>:<subject>"
  std::string rule;
  std::string subject_kind;  // dossier | waybill | node
  std::string subject;
  std::optional<std::string> dossier_code;
  std::optional<std::string> waybill;
  std::optional<std::string> node_id;
  std::string summary;       // one English line with the figures compared
  std::vector<ReconcileFact> facts;  // ordered by device time, then event id
  json::object measured;     // figures that move with as_of (not hashed)
  std::string facts_hash;    // hex BLAKE2b-256 of the canonical facts
  // The newest resolution when it was made on these very facts.
  std::optional<ReconcileResolution> resolution;
  // The newest resolution when it was made on other facts (the item is open
  // again because something new arrived).
  std::optional<ReconcileResolution> superseded;

  bool resolved() const { return resolution.has_value(); }
  json::object ToJson() const;
};

struct ReconcileReport {
  ReconcileOptions options;
  std::vector<ReconcileItem> items;  // by rule (report order), then subject
  // Receipts whose catalog or calendar version the central no longer holds,
  // so their appointment could not be recomputed.
  int64_t appointments_unchecked = 0;

  // {"as_of","options","counts":{"open","resolved","by_rule":{...}},
  //  "appointments_unchecked","items":[...]}
  json::object ToJson() const;
  // RFC 4180: CRLF line ends, every field quoted when it holds a comma, a
  // quote or a line break (quotes doubled); UTF-8 with no byte-order mark.
  std::string ToCsv() const;
  // Open items per rule (every rule present, 0 when none).
  std::map<std::string, int64_t> OpenByRule() const;
};

// Builds the report as of options.as_of_ms with the catalog, calendar and
// tariff the central holds (table data_versions).
Result<ReconcileReport> BuildReconcileReport(Database& db, const ReconcileOptions& options);

// One CSV field, quoted when it must be.
std::string CsvField(std::string_view text);

struct ResolveRequest {
  std::string item_id;
  std::string note;  // required
  // What was decided; defaults to "resolved".
  std::string resolution;
  // The facts_hash the person saw; when given and the item's facts have
  // changed since, the resolution is refused (409 facts_changed).
  std::optional<std::string> facts_hash;

  // From the JSON body {"note","resolution"?,"facts_hash"?}.
  static Result<ResolveRequest> FromJson(std::string item_id, const json::object& body);
};

// Resolves one open item of the report built with `options` (as of `now`
// when options.as_of_ms is 0): appends the reconciliation_resolved event and
// its audit row ("reconcile.resolve") in one IMMEDIATE transaction. Returns
// the item as now listed. Refusals:
//   400 bad_request       an empty note or an over-long field
//   404 unknown_item      no such item in the report (never was, or its
//                         mismatch is gone)
//   409 already_resolved  resolved already on these very facts
//   409 facts_changed     the facts_hash given is not the item's now
Outcome<ReconcileItem> ResolveItem(Database& db, const std::string& central_id,
                                   const Actor& actor, const ResolveRequest& request,
                                   ReconcileOptions options, UnixMs now);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_RECONCILE_H_
