#include "schema/shipment_state.h"

#include <array>
#include <string>

namespace hoso {

namespace {

using St = ShipmentState;
using Ac = ShipmentAction;

constexpr std::array<ShipmentState, 7> kAllStates = {
    St::kRequested,     St::kPickedUp,         St::kOutForDelivery,   St::kDelivered,
    St::kFailedAttempt, St::kHeldAtPostOffice, St::kReturnedToAgency,
};

constexpr std::array<ShipmentAction, 7> kAllActions = {
    Ac::kCreate,      Ac::kPickUp,           Ac::kGoOutForDelivery, Ac::kDeliver,
    Ac::kFailAttempt, Ac::kHoldAtPostOffice, Ac::kReturnToAgency,
};

constexpr std::array<FailureReason, 5> kAllReasons = {
    FailureReason::kNotHome,          FailureReason::kWrongAddress, FailureReason::kRefused,
    FailureReason::kUnreachablePhone, FailureReason::kOther,
};

// The states each action may start from. Everything else is refused.
bool Allowed(std::optional<St> from, Ac action) {
  if (!from) return action == Ac::kCreate;
  switch (action) {
    case Ac::kCreate:
      return false;
    case Ac::kPickUp:
      return *from == St::kRequested;
    case Ac::kGoOutForDelivery:
      return *from == St::kPickedUp || *from == St::kFailedAttempt ||
             *from == St::kHeldAtPostOffice;
    case Ac::kDeliver:
      return *from == St::kOutForDelivery || *from == St::kHeldAtPostOffice;
    case Ac::kFailAttempt:
      return *from == St::kOutForDelivery;
    case Ac::kHoldAtPostOffice:
      return *from == St::kOutForDelivery || *from == St::kFailedAttempt;
    case Ac::kReturnToAgency:
      return *from == St::kFailedAttempt || *from == St::kHeldAtPostOffice;
  }
  return false;
}

// REQUIRES: !Allowed(from, action).
std::string WhyRefused(std::optional<St> from, Ac action) {
  if (!from) return "no shipment has been created under this waybill";
  const St s = *from;
  if (action == Ac::kCreate) return "the shipment already exists";
  if (IsTerminal(s)) return "that state is final";
  switch (action) {
    case Ac::kCreate:
      break;
    case Ac::kPickUp:
      return "it has already been picked up";
    case Ac::kGoOutForDelivery:
      if (s == St::kRequested) return "it must be picked up from the agency first";
      return "it is already out for delivery";
    case Ac::kDeliver:
      if (s == St::kRequested) return "it must be picked up and go out for delivery first";
      if (s == St::kPickedUp) return "it must go out for delivery first";
      return "after a failed attempt it must go out for delivery again or be held for collection";
    case Ac::kFailAttempt:
      if (s == St::kFailedAttempt) {
        return "it must go out for delivery again before another attempt can fail";
      }
      if (s == St::kHeldAtPostOffice) {
        return "an attempt needs it out for delivery again";
      }
      return "only an item out for delivery can have a failed attempt";
    case Ac::kHoldAtPostOffice:
      if (s == St::kHeldAtPostOffice) return "it is already held at the post office";
      return "only an item out for delivery or after a failed attempt can be held";
    case Ac::kReturnToAgency:
      if (s == St::kRequested) return "it has not left the agency";
      return "it goes back only after a failed attempt or a hold at the post office";
  }
  return "the action is not allowed in this state";
}

}  // namespace

std::span<const ShipmentState> AllShipmentStates() { return kAllStates; }

const char* ShipmentStateName(ShipmentState s) {
  switch (s) {
    case St::kRequested:
      return "requested";
    case St::kPickedUp:
      return "picked_up";
    case St::kOutForDelivery:
      return "out_for_delivery";
    case St::kDelivered:
      return "delivered";
    case St::kFailedAttempt:
      return "failed_attempt";
    case St::kHeldAtPostOffice:
      return "held_at_post_office";
    case St::kReturnedToAgency:
      return "returned_to_agency";
  }
  return "?";
}

Result<ShipmentState> ShipmentStateFromName(std::string_view name) {
  for (St s : kAllStates) {
    if (name == ShipmentStateName(s)) return s;
  }
  return Status::InvalidArgument("unknown shipment state '" + std::string(name) + "'", "state");
}

bool IsTerminal(ShipmentState s) { return s == St::kDelivered || s == St::kReturnedToAgency; }

std::span<const ShipmentAction> AllShipmentActions() { return kAllActions; }

const char* ShipmentActionName(ShipmentAction a) {
  switch (a) {
    case Ac::kCreate:
      return "create";
    case Ac::kPickUp:
      return "pick_up";
    case Ac::kGoOutForDelivery:
      return "go_out_for_delivery";
    case Ac::kDeliver:
      return "deliver";
    case Ac::kFailAttempt:
      return "fail_attempt";
    case Ac::kHoldAtPostOffice:
      return "hold_at_post_office";
    case Ac::kReturnToAgency:
      return "return_to_agency";
  }
  return "?";
}

Result<ShipmentAction> ShipmentActionFromName(std::string_view name) {
  for (Ac a : kAllActions) {
    if (name == ShipmentActionName(a)) return a;
  }
  return Status::InvalidArgument("unknown shipment action '" + std::string(name) + "'", "action");
}

ShipmentState TargetState(ShipmentAction a) {
  switch (a) {
    case Ac::kCreate:
      return St::kRequested;
    case Ac::kPickUp:
      return St::kPickedUp;
    case Ac::kGoOutForDelivery:
      return St::kOutForDelivery;
    case Ac::kDeliver:
      return St::kDelivered;
    case Ac::kFailAttempt:
      return St::kFailedAttempt;
    case Ac::kHoldAtPostOffice:
      return St::kHeldAtPostOffice;
    case Ac::kReturnToAgency:
      return St::kReturnedToAgency;
  }
  return St::kRequested;
}

std::span<const FailureReason> AllFailureReasons() { return kAllReasons; }

const char* FailureReasonName(FailureReason r) {
  switch (r) {
    case FailureReason::kNotHome:
      return "not_home";
    case FailureReason::kWrongAddress:
      return "wrong_address";
    case FailureReason::kRefused:
      return "refused";
    case FailureReason::kUnreachablePhone:
      return "unreachable_phone";
    case FailureReason::kOther:
      return "other";
  }
  return "?";
}

Result<FailureReason> FailureReasonFromName(std::string_view name) {
  for (FailureReason r : kAllReasons) {
    if (name == FailureReasonName(r)) return r;
  }
  return Status::InvalidArgument("unknown failure reason '" + std::string(name) + "'", "reason");
}

Result<ShipmentState> ApplyShipmentAction(std::optional<ShipmentState> from, ShipmentAction action,
                                          std::optional<FailureReason> reason) {
  if (action == Ac::kFailAttempt && !reason) {
    return Status::InvalidArgument(
        "fail_attempt needs a reason (not_home, wrong_address, "
        "refused, unreachable_phone or other)",
        "reason");
  }
  if (action != Ac::kFailAttempt && reason) {
    return Status::InvalidArgument(
        std::string(ShipmentActionName(action)) + " takes no failure reason", "reason");
  }
  if (Allowed(from, action)) return TargetState(action);
  const std::string where = from ? std::string("shipment is ") + ShipmentStateName(*from)
                                 : std::string("shipment does not exist yet");
  return Status::Conflict(std::string("cannot ") + ShipmentActionName(action) + " (to " +
                          ShipmentStateName(TargetState(action)) + "): " + where + "; " +
                          WhyRefused(from, action));
}

}  // namespace hoso
