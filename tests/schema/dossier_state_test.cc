#include "schema/dossier_state.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace hoso {
namespace {

using S = DossierStatus;
using A = DossierAction;

std::string FromName(std::optional<S> from) {
  return from ? std::to_string(StatusNumber(*from)) : std::string("none");
}

// The whole machine as the portal's status numbers. Columns: no dossier yet,
// then statuses 1..10. 0 means refused.
struct Row {
  A action;
  int to[11];
};
// clang-format off
constexpr Row kExpected[] = {
    //                         none 1  2  3  4  5  6  7  8  9  10
    {A::kSubmitOnline,        {1,   0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {A::kReceive,             {2,   2, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {A::kRefuseIntake,        {3,   3, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    {A::kAssignHandler,       {0,   0, 4, 0, 4, 0, 0, 0, 0, 0, 0}},
    {A::kTransferHandler,     {0,   0, 0, 0, 4, 0, 0, 0, 0, 0, 0}},
    {A::kRequestSupplement,   {0,   0, 5, 0, 5, 0, 0, 0, 0, 0, 0}},
    {A::kSupplementReceived,  {0,   0, 0, 0, 0, 4, 0, 0, 0, 0, 0}},
    {A::kRequestPayment,      {0,   0, 0, 0, 6, 0, 0, 0, 0, 0, 0}},
    {A::kPaymentReceived,     {0,   0, 0, 0, 0, 0, 4, 0, 0, 0, 0}},
    {A::kRecordResult,        {0,   0, 0, 0, 9, 0, 0, 0, 0, 0, 0}},
    {A::kWithdraw,            {0,   0, 7, 0, 7, 7, 7, 0, 0, 0, 0}},
    {A::kStop,                {0,   0, 0, 0, 8, 8, 8, 0, 0, 0, 0}},
    {A::kReturnResult,        {0,   0, 0, 0, 0, 0, 0, 0, 0, 10, 0}},
    {A::kIssueApology,        {0,   0, 2, 0, 4, 5, 6, 0, 0, 0, 0}},
};
// clang-format on

TEST(DossierStateTest, EveryStatusActionPairMatchesTheDocumentedTable) {
  ASSERT_EQ(std::size(kExpected), AllDossierActions().size());
  int allowed = 0;
  for (const Row& row : kExpected) {
    for (int col = 0; col <= 10; ++col) {
      const std::optional<S> from = col == 0 ? std::nullopt : std::optional<S>(static_cast<S>(col));
      Result<S> got = ApplyDossierAction(from, row.action);
      const std::string where =
          std::string(DossierActionName(row.action)) + " from " + FromName(from);
      if (row.to[col] == 0) {
        ASSERT_FALSE(got.ok()) << where << " should be refused";
        EXPECT_TRUE(got.status().IsConflict()) << where;
      } else {
        ASSERT_TRUE(got.ok()) << where << ": " << got.status().ToString();
        EXPECT_EQ(StatusNumber(*got), row.to[col]) << where;
        ++allowed;
      }
    }
  }
  EXPECT_EQ(allowed, 26);
}

TEST(DossierStateTest, EveryActionAppearsExactlyOnceInTheTable) {
  std::set<A> seen;
  for (const Row& row : kExpected) seen.insert(row.action);
  for (A a : AllDossierActions()) EXPECT_EQ(seen.count(a), 1u) << DossierActionName(a);
}

TEST(DossierStateTest, RefusalMessageNamesActionStatusAndReason) {
  for (const Row& row : kExpected) {
    for (int col = 0; col <= 10; ++col) {
      if (row.to[col] != 0) continue;
      const std::optional<S> from = col == 0 ? std::nullopt : std::optional<S>(static_cast<S>(col));
      const std::string msg = ApplyDossierAction(from, row.action).status().message();
      const std::string prefix = std::string("cannot ") + DossierActionName(row.action) + ": ";
      EXPECT_EQ(msg.rfind(prefix, 0), 0u) << msg;
      const std::string state = from ? "dossier is in status " + std::to_string(col) + " (" +
                                           DossierStatusNameEn(*from) + "); "
                                     : std::string("dossier does not exist yet; ");
      ASSERT_NE(msg.find(state), std::string::npos) << msg;
      EXPECT_GT(msg.size(), msg.find(state) + state.size()) << "no reason given: " << msg;
    }
  }
}

TEST(DossierStateTest, RecordResultDuringSupplementSaysSupplementMustComeFirst) {
  EXPECT_EQ(ApplyDossierAction(S::kSupplementRequested, A::kRecordResult).status().message(),
            "cannot record_result: dossier is in status 5 (supplement requested); the "
            "supplement must be received first");
}

TEST(DossierStateTest, RefusalReasonsPointAtWhatMustHappenFirst) {
  auto msg = [](std::optional<S> from, A a) {
    return ApplyDossierAction(from, a).status().message();
  };
  EXPECT_NE(msg(S::kPaymentRequested, A::kRecordResult).find("payment must be received first"),
            std::string::npos);
  EXPECT_NE(msg(S::kReceived, A::kRecordResult).find("no handler has been assigned"),
            std::string::npos);
  EXPECT_NE(msg(S::kProcessing, A::kReturnResult).find("not ready"), std::string::npos);
  EXPECT_NE(msg(S::kResultReturned, A::kWithdraw).find("that status is final"), std::string::npos);
  EXPECT_NE(msg(S::kNewOnline, A::kAssignHandler).find("received at the desk first"),
            std::string::npos);
  EXPECT_NE(msg(S::kResultReady, A::kIssueApology).find("result has already been recorded"),
            std::string::npos);
  EXPECT_NE(msg(std::nullopt, A::kRecordResult).find("no dossier"), std::string::npos);
  EXPECT_NE(msg(S::kProcessing, A::kReceive).find("already been received"), std::string::npos);
  EXPECT_NE(msg(S::kProcessing, A::kSupplementReceived).find("no supplement"), std::string::npos);
}

TEST(DossierStateTest, TerminalStatusesAreThreeSevenEightAndTen) {
  std::set<int> terminal;
  for (S s : AllDossierStatuses()) {
    if (IsTerminal(s)) terminal.insert(StatusNumber(s));
  }
  EXPECT_EQ(terminal, (std::set<int>{3, 7, 8, 10}));
}

TEST(DossierStateTest, NoActionLeavesATerminalStatus) {
  for (S s : AllDossierStatuses()) {
    if (!IsTerminal(s)) continue;
    for (A a : AllDossierActions()) {
      EXPECT_FALSE(ApplyDossierAction(s, a).ok())
          << DossierActionName(a) << " from " << StatusNumber(s);
    }
  }
}

TEST(DossierStateTest, StatusNumbersRoundTripThroughStatusFromInt) {
  ASSERT_EQ(AllDossierStatuses().size(), 10u);
  for (int i = 1; i <= 10; ++i) {
    Result<S> s = StatusFromInt(i);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(StatusNumber(*s), i);
  }
  EXPECT_TRUE(StatusFromInt(0).status().IsInvalidArgument());
  EXPECT_TRUE(StatusFromInt(11).status().IsInvalidArgument());
  EXPECT_EQ(StatusFromInt(-1).status().field(), "status");
}

TEST(DossierStateTest, VietnameseAndEnglishNamesFollowThePortal) {
  EXPECT_STREQ(DossierStatusNameVi(S::kNewOnline), "Mới đăng ký trực tuyến");
  EXPECT_STREQ(DossierStatusNameVi(S::kProcessing), "Đang xử lý");
  EXPECT_STREQ(DossierStatusNameVi(S::kPaymentRequested), "Yêu cầu thực hiện nghĩa vụ tài chính");
  EXPECT_STREQ(DossierStatusNameVi(S::kResultReturned), "Đã trả kết quả");
  EXPECT_STREQ(DossierStatusNameEn(S::kSupplementRequested), "supplement requested");
  std::set<std::string> vi, en;
  for (S s : AllDossierStatuses()) {
    vi.insert(DossierStatusNameVi(s));
    en.insert(DossierStatusNameEn(s));
  }
  EXPECT_EQ(vi.size(), 10u);
  EXPECT_EQ(en.size(), 10u);
}

TEST(DossierStateTest, ActionNamesRoundTripAndUnknownNamesAreRefused) {
  for (A a : AllDossierActions()) {
    Result<A> back = DossierActionFromName(DossierActionName(a));
    ASSERT_TRUE(back.ok()) << DossierActionName(a);
    EXPECT_EQ(*back, a);
  }
  Result<A> bad = DossierActionFromName("approve");
  EXPECT_EQ(bad.status().message(), "unknown dossier action 'approve'");
  EXPECT_EQ(bad.status().field(), "action");
}

TEST(DossierStateTest, OnlyTheSupplementWaitPausesTheClock) {
  for (S s : AllDossierStatuses()) {
    EXPECT_EQ(IsClockPaused(s), s == S::kSupplementRequested) << StatusNumber(s);
  }
}

// ---- DossierState -----------------------------------------------------------

constexpr UnixMs kDue = 1'780'000'000'000;

DossierState Processing() {
  DossierState d;
  EXPECT_TRUE(d.Apply(A::kReceive, kDue).ok());
  EXPECT_TRUE(d.Apply(A::kAssignHandler).ok());
  return d;
}

TEST(DossierStateStructTest, ReceiveSetsTheAppointment) {
  DossierState d;
  ASSERT_TRUE(d.Apply(A::kReceive, kDue).ok());
  EXPECT_EQ(d.status, S::kReceived);
  EXPECT_EQ(d.appointment_ms, kDue);
}

TEST(DossierStateStructTest, ClockPausesForSupplementAndResumesWithNewAppointment) {
  DossierState d = Processing();
  ASSERT_TRUE(d.Apply(A::kRequestSupplement).ok());
  EXPECT_TRUE(d.clock_paused());
  ASSERT_TRUE(d.Apply(A::kSupplementReceived, kDue + kMsPerDay).ok());
  EXPECT_FALSE(d.clock_paused());
  EXPECT_EQ(d.status, S::kProcessing);
  EXPECT_EQ(d.appointment_ms, kDue + kMsPerDay);
}

TEST(DossierStateStructTest, ApologyMovesTheAppointmentOnce) {
  DossierState d = Processing();
  ASSERT_TRUE(d.Apply(A::kIssueApology, kDue + 3 * kMsPerDay).ok());
  EXPECT_EQ(d.status, S::kProcessing);
  EXPECT_EQ(d.apology_count, 1);
  EXPECT_EQ(d.appointment_ms, kDue + 3 * kMsPerDay);
  Status second = d.Apply(A::kIssueApology, kDue + 5 * kMsPerDay);
  EXPECT_TRUE(second.IsConflict());
  EXPECT_NE(second.message().find("already been issued"), std::string::npos);
  EXPECT_EQ(d.apology_count, 1);
  EXPECT_EQ(d.appointment_ms, kDue + 3 * kMsPerDay);
}

TEST(DossierStateStructTest, ApologyNeedsALaterAppointment) {
  DossierState d = Processing();
  EXPECT_EQ(d.Apply(A::kIssueApology).field(), "appointment_ms");
  EXPECT_EQ(d.Apply(A::kIssueApology, kDue).field(), "appointment_ms");
  EXPECT_EQ(d.Apply(A::kIssueApology, kDue - 1).field(), "appointment_ms");
  EXPECT_EQ(d.apology_count, 0);
  EXPECT_EQ(d.appointment_ms, kDue);
}

TEST(DossierStateStructTest, ActionsThatDoNotScheduleRefuseAnAppointment) {
  DossierState d = Processing();
  Status s = d.Apply(A::kRecordResult, kDue + 1);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "appointment_ms");
  EXPECT_EQ(d.status, S::kProcessing);
}

TEST(DossierStateStructTest, RefusedTransitionLeavesStateUnchanged) {
  DossierState d = Processing();
  const DossierState before = d;
  EXPECT_TRUE(d.Apply(A::kReturnResult).IsConflict());
  EXPECT_EQ(d.status, before.status);
  EXPECT_EQ(d.appointment_ms, before.appointment_ms);
  EXPECT_EQ(d.apology_count, before.apology_count);
}

TEST(DossierStateStructTest, OverdueOnlyWhileInProgressWithTheClockRunning) {
  DossierState d = Processing();
  EXPECT_FALSE(d.IsOverdue(kDue));
  EXPECT_TRUE(d.IsOverdue(kDue + 1));
  ASSERT_TRUE(d.Apply(A::kRequestSupplement).ok());
  EXPECT_FALSE(d.IsOverdue(kDue + 1));
  ASSERT_TRUE(d.Apply(A::kSupplementReceived).ok());
  ASSERT_TRUE(d.Apply(A::kRecordResult).ok());
  EXPECT_FALSE(d.IsOverdue(kDue + 1));
  EXPECT_FALSE(DossierState{}.IsOverdue(kDue + 1));
}

TEST(DossierStateStructTest, FullDeskLifecycleEndsReturned) {
  DossierState d;
  for (A a : {A::kSubmitOnline, A::kReceive, A::kAssignHandler, A::kTransferHandler,
              A::kRequestPayment, A::kPaymentReceived, A::kRecordResult, A::kReturnResult}) {
    ASSERT_TRUE(d.Apply(a).ok()) << DossierActionName(a);
  }
  EXPECT_EQ(d.status, S::kResultReturned);
}

}  // namespace
}  // namespace hoso
