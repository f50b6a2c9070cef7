// The postal shipment state machine: how a dossier's result travels from the
// agency to the applicant by post and what a courier may record on the way.
// The central and courier nodes fold shipment events through
// ApplyShipmentAction; the table is in docs/STATES.md.
//
// Allowed moves (anything else is refused):
//   requested           -> picked_up
//   picked_up           -> out_for_delivery
//   out_for_delivery    -> delivered | failed_attempt | held_at_post_office
//   failed_attempt      -> out_for_delivery | held_at_post_office | returned_to_agency
//   held_at_post_office -> out_for_delivery | delivered (collected) | returned_to_agency
//
// Thread-safety: pure functions and plain values.
#ifndef HOSO_SCHEMA_SHIPMENT_STATE_H_
#define HOSO_SCHEMA_SHIPMENT_STATE_H_

#include <optional>
#include <span>
#include <string_view>

#include "schema/status.h"

namespace hoso {

enum class ShipmentState {
  kRequested,         // requested: created at the agency, waiting for the courier
  kPickedUp,          // picked_up: the courier has it
  kOutForDelivery,    // out_for_delivery: on the way to the recipient
  kDelivered,         // delivered: handed to the recipient (terminal)
  kFailedAttempt,     // failed_attempt: an attempt failed, with a reason
  kHeldAtPostOffice,  // held_at_post_office: waiting for collection or another try
  kReturnedToAgency,  // returned_to_agency: back at the agency (terminal)
};

std::span<const ShipmentState> AllShipmentStates();
const char* ShipmentStateName(ShipmentState s);
// kInvalidArgument "unknown shipment state 'x'" (field "state").
Result<ShipmentState> ShipmentStateFromName(std::string_view name);
// delivered and returned_to_agency.
bool IsTerminal(ShipmentState s);

// What a courier or the central records. Each action leads to one state, so
// the action names mirror the state names.
enum class ShipmentAction {
  kCreate,            // create:               none -> requested
  kPickUp,            // pick_up:              requested -> picked_up
  kGoOutForDelivery,  // go_out_for_delivery:  picked_up | failed_attempt | held -> out_for_delivery
  kDeliver,           // deliver:              out_for_delivery | held -> delivered
  kFailAttempt,       // fail_attempt:         out_for_delivery -> failed_attempt (reason needed)
  kHoldAtPostOffice,  // hold_at_post_office:  out_for_delivery | failed_attempt -> held
  kReturnToAgency,    // return_to_agency:     failed_attempt | held -> returned_to_agency
};

std::span<const ShipmentAction> AllShipmentActions();
const char* ShipmentActionName(ShipmentAction a);
// kInvalidArgument "unknown shipment action 'x'" (field "action").
Result<ShipmentAction> ShipmentActionFromName(std::string_view name);
// The state the action leads to when it is allowed.
ShipmentState TargetState(ShipmentAction a);

// Why a delivery attempt failed. Names are the wire names.
enum class FailureReason {
  kNotHome,           // not_home
  kWrongAddress,      // wrong_address
  kRefused,           // refused: the recipient refused the item
  kUnreachablePhone,  // unreachable_phone
  kOther,             // other: the event's note says what
};

std::span<const FailureReason> AllFailureReasons();
const char* FailureReasonName(FailureReason r);
// kInvalidArgument "unknown failure reason 'x'" (field "reason").
Result<FailureReason> FailureReasonFromName(std::string_view name);

// The state after `action` from `from` (nullopt: no shipment yet).
// kConflict when the machine forbids it, naming the action, the current state
// and why ("cannot deliver (to delivered): shipment is picked_up; it must go
// out for delivery first"). kInvalidArgument (field "reason") when fail_attempt comes without a
// reason or another action comes with one.
Result<ShipmentState> ApplyShipmentAction(std::optional<ShipmentState> from, ShipmentAction action,
                                          std::optional<FailureReason> reason = std::nullopt);

}  // namespace hoso

#endif  // HOSO_SCHEMA_SHIPMENT_STATE_H_
