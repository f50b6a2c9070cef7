// Courier: what a courier node (node role "courier") does with the shipments
// the central assigns to it (schema/sql/node/006_courier.sql).
//
// Assignments arrive in the down-sync as {"kind":"assignment"} and
// {"kind":"unassignment"} items (sync/FORMAT.md); ApplyCourierItem applies
// each once by assignment_id inside the down-sync's transaction. An
// unassignment of a shipment the courier already acted on is not applied: it
// is kept as a conflict (courier_items.conflict) for the central to resolve
// from the courier's events, which it receives anyway.
//
// Each courier action is checked against the shipment state machine
// (schema/shipment_state.h) and written with its shipment_* event (envelope
// with both waybill and dossier_code) in ONE transaction. A delivery's proof
// (signature drawn on the page, or a photo) is first stored as an attachment
// of the dossier (node/attachments.h, attachment_added event, uploaded like a
// desk scan); its BLAKE2b-256 is the event's proof_hash.
//
// Purge: once the central has acknowledged the event that ended a shipment
// (delivered or returned_to_agency), the recipient's name, phone and address
// are cleared with SQLite's secure_delete on and the WAL is checkpointed and
// truncated, so the bytes are gone from node.db and node.db-wal; the proof
// file is removed once all its chunks are confirmed uploaded. The waybill,
// state and times remain. The node never holds an ID number: a delivery takes
// only the last 4 digits.
//
// Thread-safety: not thread-safe; one Courier per thread, like Desk.
#ifndef HOSO_NODE_COURIER_H_
#define HOSO_NODE_COURIER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/node_store.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/shipment_state.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::node {

// A delivery proof is an image: JPEG or PNG, at most this size.
inline constexpr int64_t kMaxProofBytes = int64_t{5} << 20;

// Applies one "assignment" or "unassignment" item. True when it changed
// something here (new), false when the same item was already applied or the
// unassignment was kept as a conflict. kInvalidArgument (with the field) for
// an item that does not follow sync/FORMAT.md.
// REQUIRES: called inside the transaction that applies the down-sync, on a
// node whose role is courier (a desk node ignores these items).
Result<bool> ApplyCourierItem(Database& db, const json::object& item, UnixMs now);

struct CourierShipment {
  std::string waybill;
  std::string assignment_id;
  std::string dossier_code;
  // Absent once purged (phone may also be absent from the assignment).
  std::optional<std::string> recipient_name;
  std::optional<std::string> phone;
  std::optional<std::string> address;
  int64_t postal_fee_vnd = 0;
  std::string procedure_name;
  UnixMs assigned_at = 0;
  ShipmentState state = ShipmentState::kRequested;
  int64_t attempts = 0;  // times it went out for delivery
  std::optional<int64_t> last_event_seq;
  UnixMs updated_at = 0;
  std::optional<UnixMs> unassigned_at;
  std::optional<std::string> proof_hash;
  std::optional<UnixMs> purged_at;
  // The central holds the last event recorded here.
  bool synced = false;
};

// One courier action. Which fields matter depends on `action`:
//   kPickUp: note?  kGoOutForDelivery: nothing  kFailAttempt: reason, note
//   (required when reason is other)  kHoldAtPostOffice: post_office, note?
//   kReturnToAgency: return_reason  kDeliver: recipient_name,
//   recipient_relation?, id_suffix (exactly 4 digits), proof (image bytes),
//   fee_collected_vnd?
struct CourierActionRequest {
  ShipmentAction action = ShipmentAction::kPickUp;
  std::optional<std::string> actor;  // the courier's name, the event's actor
  std::optional<FailureReason> reason;
  std::string note;
  std::string post_office;
  std::string return_reason;
  std::string recipient_name;
  std::string recipient_relation;
  std::string id_suffix;
  std::string proof;
  std::string proof_file_name;
  std::optional<int64_t> fee_collected_vnd;
};

struct PurgeReport {
  int shipments = 0;  // whose personal data was cleared now
  int proofs = 0;     // proof files removed now
};

class Courier {
 public:
  struct Options {
    Clock* clock = SystemClock();
  };
  // REQUIRES: store is open and outlives this object.
  Courier(NodeStore* store, Options options);

  // Today's work: every assigned shipment not yet ended, and those ended
  // today (local date), by assignment time; cancelled assignments are left
  // out. `all` lists every one, cancelled ones included.
  Result<std::vector<CourierShipment>> List(bool all = false);
  // kNotFound "no shipment WAYBILL assigned to this node".
  Result<CourierShipment> Get(const std::string& waybill);

  // Records one action. Errors: kNotFound for an unknown (or unassigned)
  // waybill; kConflict for a move the state machine forbids (its message);
  // kInvalidArgument with the field for a missing or bad field ("reason",
  // "note", "post_office", "return_reason", "recipient_name", "id_suffix",
  // "proof"; a proof that is not JPEG or PNG has field "proof" and a message
  // starting "unsupported content"); kResourceExhausted for a proof over
  // kMaxProofBytes. Nothing is recorded on error.
  Result<CourierShipment> Record(const std::string& waybill, const CourierActionRequest& request);

  // Clears the personal data of every ended shipment whose terminal event
  // the central acknowledged, and removes proof files whose chunks are all
  // uploaded. Idempotent.
  Result<PurgeReport> Purge();

  // {"waybill","assignment_id","dossier_code","recipient_name","phone",
  //  "address","postal_fee_vnd","procedure_name","assigned_at","state",
  //  "attempts","updated_at","proof_hash","purged","synced","allowed"}:
  // docs/API.md. Absent texts are null; "allowed" lists the action names
  // the state machine permits next.
  static json::object ToJson(const CourierShipment& s);

 private:
  NodeStore* store_;
  Options options_;
};

// Purge as a free function, for the sync side (after a down-sync and after
// attachment uploads). Does nothing on a node whose role is not courier.
Result<PurgeReport> PurgeEndedShipments(NodeStore& store, Clock* clock);

}  // namespace hoso::node

#endif  // HOSO_NODE_COURIER_H_
