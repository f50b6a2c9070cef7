// The central's shipment projection (postal return of results), the
// shipments it creates and the dispatchers' assignments to courier nodes.
//
// Projection: table `shipments` (schema/sql/central/008_shipments.sql), one
// row per waybill, folded from every event carrying the waybill: the
// central's own (shipment_created, shipment_assigned in `central_events`)
// and the nodes' (couriers' pick-ups, deliveries ... in `events`), in the
// transaction that stores them. Like the dossier fold (central/dossiers.h)
// it is a function of the SET of events, not of their arrival order:
//   - shipment_created goes first (nothing can happen to a shipment before
//     it exists, whatever a courier's clock says); then each author's events
//     keep their chain order (seq) and the chains are merged by device time,
//     ties broken by the central's events first, then by author id; and a
//     courier's events never fold before the first assignment naming that
//     courier (it learnt of the shipment from that assignment, whatever its
//     clock says);
//   - each event goes through the state machine (schema/shipment_state.h);
//     an assignment is allowed only while the shipment waits at the agency
//     (requested). An event refused there is recorded in
//     `shipment_conflicts` and never applied: a second, different
//     shipment_delivered is kept (both events stay in the log) as a
//     conflict naming the delivery in force.
//
// Creation (CreateShipmentForResult): when an officer records the result of
// a dossier whose dossier_received says return_method = post, the central
// authors shipment_created in the same transaction, with the next waybill of
// a block it allocates to itself from the pool (central_waybill_blocks). An
// empty pool never loses the result: the result is recorded, the dossier is
// listed in `pending_shipments` with the code waybill_pool_empty, and
// CreatePendingShipments (POST /api/dispatch/pending/create, `hoso-central
// shipment create-pending`) creates the shipment once the pool is refilled.
//
// Assignment (AssignShipment): a dispatcher's shipment_assigned event, its
// audit row and the down-sync items it causes (an `assignment` for the new
// courier, an `unassignment` for the one it replaces) in one transaction.
// The items are sent by TakeCourierItems (sync/FORMAT.md).
//
// Thread-safety: values and reentrant functions on the Database they are
// given (one thread at a time, see schema/sqlite.h).
#ifndef HOSO_CENTRAL_SHIPMENTS_H_
#define HOSO_CENTRAL_SHIPMENTS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "central/audit.h"
#include "central/refusal.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/shipment_state.h"
#include "schema/sqlite.h"
#include "schema/time.h"
#include "sync/batch.h"

namespace hoso::central {

// One shipment event as the fold reads it.
struct ShipmentEvent {
  std::string node_id;  // the author: a node, or the central
  int64_t seq = 0;
  std::string event_id;
  EventType type = EventType::kShipmentCreated;
  json::object payload;
  UnixMs device_time_ms = 0;
  std::optional<std::string> actor;
  std::optional<std::string> dossier_code;
  std::optional<std::string> origin_node_id;  // central events: the dossier's desk
  bool by_central = false;
};

// An event the fold refused.
struct ShipmentConflict {
  std::string event_id;
  std::string node_id;
  int64_t seq = 0;
  std::string type;
  std::string reason;
};

struct ShipmentProjection {
  std::string waybill;
  std::optional<std::string> dossier_code;
  std::optional<ShipmentState> state;  // nullopt: no shipment_created applied
  std::optional<std::string> courier_node_id;
  std::optional<std::string> assignment_id;  // event id of the assignment in force
  std::optional<std::string> origin_node_id;
  std::optional<std::string> recipient_name;
  std::optional<std::string> phone;
  std::optional<std::string> address;
  std::optional<std::string> procedure_name;
  std::optional<int64_t> postal_fee_vnd;
  std::optional<int64_t> fee_collected_vnd;
  int attempts = 0;  // applied shipment_out_for_delivery events
  std::optional<UnixMs> created_at_ms;
  std::optional<UnixMs> assigned_at_ms;
  std::optional<UnixMs> picked_up_at_ms;
  std::optional<UnixMs> delivered_at_ms;
  std::optional<UnixMs> returned_at_ms;
  std::string last_event_id;
  std::string last_event_type;
  UnixMs last_event_at_ms = 0;
  int event_count = 0;
  int64_t conflict_count = 0;
  std::vector<ShipmentConflict> conflicts;  // loaded by LoadShipment only

  // {"waybill","dossier_code","state","courier_node_id","assignment_id",
  //  "origin_node_id","recipient_name","phone","address","procedure_name",
  //  "postal_fee_vnd","fee_collected_vnd","attempts","created_at",
  //  "assigned_at","picked_up_at","delivered_at","returned_at",
  //  "last_event":{id,type,at},"event_count","conflict_count","conflicts"};
  // instants as local ISO 8601, absent values null.
  json::object ToJson() const;
};

// Folds `events` (any order) as described at the top.
// REQUIRES: all carry `waybill`.
ShipmentProjection FoldShipment(const std::string& waybill, std::vector<ShipmentEvent> events);

// Rebuilds the rows (shipments, shipment_conflicts) of `waybills` from their
// stored events. Call inside the transaction that stores the events.
Status RefoldShipments(Database& db, const std::set<std::string>& waybills, UnixMs now);

// The ingest's call: refolds the shipments whose waybill the events of
// `events` with seq > after_seq carry.
Status FoldIngestedShipmentEvents(Database& db, const std::vector<sync::BatchEvent>& events,
                                  int64_t after_seq, UnixMs now);

// The stored row of one shipment with its conflicts; nullopt when unknown.
Result<std::optional<ShipmentProjection>> LoadShipment(Database& db, const std::string& waybill);

// Every stored event of the shipment, in fold order.
Result<std::vector<ShipmentEvent>> ShipmentEvents(Database& db, const std::string& waybill);

struct ShipmentQuery {
  std::optional<ShipmentState> state;
  std::optional<std::string> courier_node_id;
  bool unassigned_only = false;
  std::optional<std::string> dossier_code;
  int limit = 500;
};
// Shipments matching the query, oldest first (no conflicts loaded).
Result<std::vector<ShipmentProjection>> ListShipments(Database& db, const ShipmentQuery& q);

// ---- The central's own chain -----------------------------------------------

// Appends `e` (seq 0) to the central's chain in `central_events`: the next
// seq, chained to the last hash, validated, stored with its waybill and
// `origin_node_id` (the node it flows down to as an `event` item; nullopt:
// none). Returns the stored event. REQUIRES: a write transaction is open.
Result<Event> AppendCentralEvent(Database& db, Event e,
                                 const std::optional<std::string>& origin_node_id);

// ---- Creation ---------------------------------------------------------------

struct ShipmentCreation {
  bool by_post = false;                        // the dossier's return_method is post
  std::optional<ShipmentProjection> shipment;  // created now (or already)
  std::optional<Refusal> pending;              // why it waits in pending_shipments
  // {"waybill":...,"state":...} | {"pending":{"code","message"}} | null
  json::value ToJson() const;
};

// For the dossier whose result was just recorded (inside that transaction):
// nothing unless its dossier_received says return_method = post; else the
// shipment_created event (device time `at`, actor `actor`, origin the
// dossier's desk) with the next waybill of the central's blocks, or, when the
// pool is empty, a pending_shipments row with 409 waybill_pool_empty ("add a
// range with hoso-central waybill add-range, then create the pending
// shipments"). A dossier that already has a shipment gets no second one.
// REQUIRES: a write transaction is open.
Result<ShipmentCreation> CreateShipmentForResult(Database& db, const std::string& central_id,
                                                 const std::string& actor,
                                                 const std::string& dossier_code,
                                                 const std::string& result_event_id, UnixMs at,
                                                 UnixMs now);

struct PendingShipment {
  std::string dossier_code;
  std::string result_event_id;
  UnixMs since_ms = 0;
  std::string error_code;
  std::string message;
  json::object ToJson() const;
};
Result<std::vector<PendingShipment>> ListPendingShipments(Database& db);

struct PendingRun {
  std::vector<ShipmentProjection> created;
  std::vector<PendingShipment> still_pending;
};
// Creates the shipment of every pending dossier it can, each with its audit
// row ("shipment.create"), in one IMMEDIATE transaction.
Result<PendingRun> CreatePendingShipments(Database& db, const std::string& central_id,
                                          const Actor& actor, UnixMs now);

// ---- Couriers and assignment -------------------------------------------------

struct CourierNode {
  std::string node_id;
  std::string unit_code;
  std::string state;  // pending | active | revoked
  std::optional<UnixMs> last_seen_ms;
  int64_t open_shipments = 0;  // assigned to it and not delivered or returned
  json::object ToJson() const;
};
Result<std::vector<CourierNode>> ListCouriers(Database& db);

// Gives the shipment to the courier node, as described at the top, in one
// IMMEDIATE transaction with the audit row ("shipment.assign", or
// "shipment.reassign" when another courier held it). Refusals:
//   404 not_found           no shipment with that waybill
//   422 unknown_courier     no node with that id
//   422 not_a_courier       the node is not of role courier
//   422 courier_revoked     the node was revoked
//   409 already_assigned    the shipment is assigned to that courier already
//   409 invalid_transition  the courier picked it up already (or it ended)
//   400 bad_request         an empty courier id or a note that is not text
Outcome<ShipmentProjection> AssignShipment(Database& db, const std::string& central_id,
                                           const Actor& actor, const std::string& waybill,
                                           const std::string& courier_node_id,
                                           const std::optional<std::string>& note, UnixMs now);

// The assignment / unassignment items of a down-sync answering `node_id`
// (sync/FORMAT.md): every item queued for the node that it is not yet proven
// to hold, in queue order, by the rule of event items (TakeEventItems in
// central/dossiers.h, same arguments); an assignment is also no longer sent
// once it was superseded by a reassignment or once an event of that node
// carrying the waybill arrived. Never any personal field beyond the
// recipient's name, phone and address. Call inside the transaction that
// answers the request.
Result<std::vector<json::object>> TakeCourierItems(Database& db, const std::string& node_id,
                                                   int64_t prior_high_water, int64_t new_high_water,
                                                   bool proves_receipt);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_SHIPMENTS_H_
