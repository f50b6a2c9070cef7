#include "schema/shipment_state.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

namespace hoso {
namespace {

using St = ShipmentState;
using Ac = ShipmentAction;
using R = FailureReason;

// Columns: no shipment yet, then the states in declaration order:
// requested, picked_up, out_for_delivery, delivered, failed_attempt,
// held_at_post_office, returned_to_agency. 1 = allowed.
struct Row {
  Ac action;
  int allowed[8];
};
// clang-format off
constexpr Row kExpected[] = {
    //                        none req pick out  dlv fail held ret
    {Ac::kCreate,            {1,   0,  0,   0,   0,  0,   0,   0}},
    {Ac::kPickUp,            {0,   1,  0,   0,   0,  0,   0,   0}},
    {Ac::kGoOutForDelivery,  {0,   0,  1,   0,   0,  1,   1,   0}},
    {Ac::kDeliver,           {0,   0,  0,   1,   0,  0,   1,   0}},
    {Ac::kFailAttempt,       {0,   0,  0,   1,   0,  0,   0,   0}},
    {Ac::kHoldAtPostOffice,  {0,   0,  0,   1,   0,  1,   0,   0}},
    {Ac::kReturnToAgency,    {0,   0,  0,   0,   0,  1,   1,   0}},
};
// clang-format on

std::optional<St> Column(int col) {
  if (col == 0) return std::nullopt;
  return AllShipmentStates()[static_cast<size_t>(col - 1)];
}

std::optional<R> ReasonFor(Ac a) {
  return a == Ac::kFailAttempt ? std::optional<R>(R::kNotHome) : std::nullopt;
}

TEST(ShipmentStateTest, EveryStateActionPairMatchesTheDocumentedTable) {
  ASSERT_EQ(AllShipmentStates().size(), 7u);
  ASSERT_EQ(std::size(kExpected), AllShipmentActions().size());
  int allowed = 0;
  for (const Row& row : kExpected) {
    for (int col = 0; col < 8; ++col) {
      const std::optional<St> from = Column(col);
      Result<St> got = ApplyShipmentAction(from, row.action, ReasonFor(row.action));
      const std::string where = std::string(ShipmentActionName(row.action)) + " from " +
                                (from ? ShipmentStateName(*from) : "none");
      if (row.allowed[col]) {
        ASSERT_TRUE(got.ok()) << where << ": " << got.status().ToString();
        EXPECT_EQ(*got, TargetState(row.action)) << where;
        ++allowed;
      } else {
        ASSERT_FALSE(got.ok()) << where << " should be refused";
        EXPECT_TRUE(got.status().IsConflict()) << where;
      }
    }
  }
  EXPECT_EQ(allowed, 12);
}

TEST(ShipmentStateTest, RefusalMessageNamesFromToAndWhy) {
  for (const Row& row : kExpected) {
    for (int col = 0; col < 8; ++col) {
      if (row.allowed[col]) continue;
      const std::optional<St> from = Column(col);
      const std::string msg =
          ApplyShipmentAction(from, row.action, ReasonFor(row.action)).status().message();
      const std::string head = std::string("cannot ") + ShipmentActionName(row.action) + " (to " +
                               ShipmentStateName(TargetState(row.action)) + "): " +
                               (from ? std::string("shipment is ") + ShipmentStateName(*from)
                                     : std::string("shipment does not exist yet")) +
                               "; ";
      ASSERT_EQ(msg.rfind(head, 0), 0u) << msg;
      EXPECT_GT(msg.size(), head.size()) << "no reason given: " << msg;
    }
  }
}

TEST(ShipmentStateTest, DeliverBeforeGoingOutSaysItMustGoOutFirst) {
  EXPECT_EQ(ApplyShipmentAction(St::kPickedUp, Ac::kDeliver).status().message(),
            "cannot deliver (to delivered): shipment is picked_up; it must go out for "
            "delivery first");
}

TEST(ShipmentStateTest, DeliveredAndReturnedAreFinal) {
  for (St s : AllShipmentStates()) {
    EXPECT_EQ(IsTerminal(s), s == St::kDelivered || s == St::kReturnedToAgency)
        << ShipmentStateName(s);
  }
  EXPECT_NE(ApplyShipmentAction(St::kDelivered, Ac::kReturnToAgency)
                .status()
                .message()
                .find("shipment is delivered; that state is final"),
            std::string::npos);
}

TEST(ShipmentStateTest, FailedAttemptRequiresAReason) {
  Result<St> r = ApplyShipmentAction(St::kOutForDelivery, Ac::kFailAttempt);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().field(), "reason");
  for (R reason : AllFailureReasons()) {
    Result<St> ok = ApplyShipmentAction(St::kOutForDelivery, Ac::kFailAttempt, reason);
    ASSERT_TRUE(ok.ok()) << FailureReasonName(reason);
    EXPECT_EQ(*ok, St::kFailedAttempt);
  }
}

TEST(ShipmentStateTest, OtherActionsRefuseAFailureReason) {
  Result<St> r = ApplyShipmentAction(St::kOutForDelivery, Ac::kDeliver, R::kRefused);
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().field(), "reason");
}

TEST(ShipmentStateTest, RepeatedAttemptsThenReturnFollowTheMachine) {
  std::optional<St> s;
  const std::pair<Ac, std::optional<R>> steps[] = {
      {Ac::kCreate, std::nullopt},           {Ac::kPickUp, std::nullopt},
      {Ac::kGoOutForDelivery, std::nullopt}, {Ac::kFailAttempt, R::kNotHome},
      {Ac::kGoOutForDelivery, std::nullopt}, {Ac::kFailAttempt, R::kUnreachablePhone},
      {Ac::kHoldAtPostOffice, std::nullopt}, {Ac::kReturnToAgency, std::nullopt},
  };
  for (const auto& [action, reason] : steps) {
    Result<St> next = ApplyShipmentAction(s, action, reason);
    ASSERT_TRUE(next.ok()) << ShipmentActionName(action) << ": " << next.status().ToString();
    s = *next;
  }
  EXPECT_EQ(s, St::kReturnedToAgency);
}

TEST(ShipmentStateTest, HeldItemCanBeCollectedAtThePostOffice) {
  Result<St> r = ApplyShipmentAction(St::kHeldAtPostOffice, Ac::kDeliver);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, St::kDelivered);
}

TEST(ShipmentStateTest, NamesRoundTripAndUnknownNamesAreRefused) {
  std::set<std::string> names;
  for (St s : AllShipmentStates()) {
    names.insert(ShipmentStateName(s));
    EXPECT_EQ(*ShipmentStateFromName(ShipmentStateName(s)), s);
  }
  EXPECT_EQ(names.size(), 7u);
  for (Ac a : AllShipmentActions()) EXPECT_EQ(*ShipmentActionFromName(ShipmentActionName(a)), a);
  for (R r : AllFailureReasons()) EXPECT_EQ(*FailureReasonFromName(FailureReasonName(r)), r);
  EXPECT_EQ(ShipmentStateFromName("lost").status().message(), "unknown shipment state 'lost'");
  EXPECT_EQ(ShipmentActionFromName("fly").status().field(), "action");
  EXPECT_EQ(FailureReasonFromName("dog").status().field(), "reason");
}

TEST(ShipmentStateTest, FailureReasonWireNamesAreStable) {
  std::set<std::string> names;
  for (R r : AllFailureReasons()) names.insert(FailureReasonName(r));
  EXPECT_EQ(names, (std::set<std::string>{"not_home", "wrong_address", "refused",
                                          "unreachable_phone", "other"}));
}

}  // namespace
}  // namespace hoso
