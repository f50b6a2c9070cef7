// The event model: every change a desk, officer, courier or administrator
// makes is one immutable Event. Events are written in the same transaction as
// the state they change, chained by hash per node, shipped in batches and
// folded by the central through the dossier and shipment state machines.
//
// The envelope, the canonical form, the hash chain and every type's payload
// are documented in docs/EVENTS.md; the payload field lists below are the
// single source of truth that validation and that document follow.
//
// Thread-safety: pure functions and plain values; the tables are immutable.
#ifndef HOSO_SCHEMA_EVENTS_H_
#define HOSO_SCHEMA_EVENTS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "schema/dossier_state.h"
#include "schema/json_util.h"
#include "schema/shipment_state.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

// Wire names are the snake_case of the enumerator ("ticket_issued"). Never
// rename or reuse one; add a new type or a new version instead.
enum class EventType {
  // Queue.
  kTicketIssued,
  kTicketCalled,
  kTicketSkipped,
  kTicketRecalled,
  kTicketServed,
  // Dossier.
  kDossierSubmittedOnline,
  kDossierReceived,
  kDossierRefused,
  kHandlerAssigned,
  kHandlerTransferred,
  kSupplementRequested,
  kSupplementReceived,
  kPaymentRequested,
  kPaymentReceived,
  kResultRecorded,
  kApologyIssued,
  kDossierWithdrawn,
  kDossierStopped,
  kResultReturned,
  // Shipment of the result by post.
  kShipmentCreated,
  kShipmentPickedUp,
  kShipmentOutForDelivery,
  kShipmentDelivered,
  kShipmentFailedAttempt,
  kShipmentHeld,
  kShipmentReturned,
  // Administration.
  kCatalogPublished,
  kCalendarPublished,
  kNodeEnrolled,
  kNodeRevoked,
  kReconciliationResolved,
  // Attachments (scanned documents) of a dossier.
  kAttachmentAdded,
  // Reception of an online submission (status 1) at the central: the
  // officer asks for missing documents, the applicant uploads them. Neither
  // changes the status.
  kOnlineCompletionRequested,
  kOnlineCompletionSubmitted,
  // A dispatcher gives a postal shipment to a courier node (the central
  // authors it; grouped with the shipment events by NeedsWaybill).
  kShipmentAssigned,
};

std::span<const EventType> AllEventTypes();
const char* EventTypeName(EventType t);
// kInvalidArgument "unknown event type 'x'" (field "type").
Result<EventType> EventTypeFromName(std::string_view name);
// The newest payload version this build reads and writes for `t`.
int CurrentSchemaVersion(EventType t);

// Whether the envelope must carry a dossier code / waybill for `t`.
bool NeedsDossierCode(EventType t);
bool NeedsWaybill(EventType t);

// How the central folds an event into the state machines. Dossier events map
// to their action; shipment_delivered also maps to return_result, because
// delivering the result by post is how such a dossier is returned (the
// dossier is the one the shipment was created for). Others: nullopt.
std::optional<DossierAction> DossierActionFor(EventType t);
std::optional<ShipmentAction> ShipmentActionFor(EventType t);

// The envelope. Optional references are omitted from the JSON when absent.
struct Event {
  std::string event_id;  // lower-case UUIDv4 text, from NewEventId()
  EventType type = EventType::kTicketIssued;
  int schema_version = 1;     // of the payload layout for `type`
  std::string node_id;        // the node that recorded it
  int64_t seq = 0;            // per-node gapless sequence; 0 until assigned
  UnixMs device_time_ms = 0;  // the recording device's clock, not trusted
  std::optional<std::string> dossier_code;
  std::optional<std::string> waybill;
  std::optional<std::string> actor;  // user or courier id who did it
  json::object payload;

  bool operator==(const Event&) const = default;
};

// An event of `type` at the current version with a fresh event id and seq 0.
Event NewEvent(EventType type, std::string node_id, UnixMs device_time_ms, json::object payload);

// ---- Payload layouts -------------------------------------------------------

enum class FieldKind {
  kString,       // a string; non-empty when required
  kInt,          // a non-negative integer
  kBool,         // true or false
  kDate,         // "YYYY-MM-DD"
  kEnum,         // one of PayloadField::values
  kStringArray,  // an array of strings
};

struct PayloadField {
  std::string_view path;  // dotted, inside the payload: "applicant.name"
  FieldKind kind;
  bool required;
  // kEnum: the allowed values separated by '|' ("desk|post").
  std::string_view values;
  // "key=value": required only when the payload's string `key` equals value.
  std::string_view required_if;
  std::string_view meaning;
};

// The documented fields of `type` at `schema_version`. Payloads may carry
// further members; they are kept and hashed but mean nothing to Hoso.
// Errors as ValidatePayload's for unknown versions.
Result<std::span<const PayloadField>> PayloadFields(EventType type, int schema_version);

// Checks `payload` against the layout of (type, version): required fields
// present and non-empty, every documented field of the right kind, and no
// fractional numbers anywhere (they have no canonical form). Errors are
// kInvalidArgument with field "payload.<path>"; a version newer than this
// build knows is "event type x version 3 is newer than supported 1".
Status ValidatePayload(EventType type, int schema_version, const json::object& payload);

// Envelope checks (event id, version, node id, seq, references the type
// needs, valid dossier code and waybill) and then ValidatePayload.
Status ValidateEvent(const Event& event);

// ---- Encoding --------------------------------------------------------------

// Envelope members in documented order, absent optionals omitted.
json::object EventToJsonObject(const Event& event);
std::string EventToJson(const Event& event);

// Decodes and validates. Unknown envelope members are refused because they
// would be lost from the canonical form and break the hash chain.
Result<Event> EventFromJsonObject(const json::object& o);
// The same, taking the payload out of `o` instead of copying it.
Result<Event> EventFromJsonObject(json::object&& o);
Result<Event> ParseEvent(std::string_view json_text);

// The canonical encoding that is hashed and signed: objects with members
// sorted by the UTF-8 bytes of their keys, no whitespace, integers in plain
// decimal, strings with only '"', '\\' and control characters escaped (see
// docs/EVENTS.md). The same event always yields the same bytes, whatever the
// order its members arrived in.
std::string CanonicalJson(const Event& event);
// The same, and where in it the payload's canonical form lies (the payload
// object's own CanonicalJsonValue, byte for byte).
std::string CanonicalJson(const Event& event, size_t* payload_begin, size_t* payload_size);
std::string CanonicalJsonValue(const json::value& v);

// ---- Hash chain ------------------------------------------------------------

constexpr size_t kChainHashBytes = 32;

// 32 zero bytes: the prev_hash of a node's first event.
std::string GenesisHash();

// BLAKE2b-256 (libsodium crypto_generichash, no key) of prev_hash followed by
// canonical, as raw bytes.
// REQUIRES: prev_hash.size() == kChainHashBytes.
std::string ChainHash(std::string_view prev_hash, std::string_view canonical);

// Lower-case hex, and its inverse (kInvalidArgument on odd length or a
// non-hex character).
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);

}  // namespace hoso

#endif  // HOSO_SCHEMA_EVENTS_H_
