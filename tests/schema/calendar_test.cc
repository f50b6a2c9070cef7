#include "schema/calendar.h"
#include "schema/data_dir.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace hoso {

// Readable failure messages (internal linkage: each test file has its own).
[[maybe_unused]] static void PrintTo(const Date& d, std::ostream* os) { *os << FormatDate(d); }

namespace {

std::string DataDir() {
  if (const char* env = std::getenv("HOSO_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return HOSO_DATA_DIR;
}

const CalendarData& Shipped() {
  static const CalendarData* data = [] {
    auto loaded = LoadCalendarData(DataDir() + "/calendar.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return new CalendarData(loaded.ok() ? *loaded : RulesOnlyCalendarData());
  }();
  return *data;
}

// Local (UTC+7) time without offset, e.g. "2026-03-09T08:00".
UnixMs At(const std::string& local) {
  auto t = ParseIsoTime(local);
  EXPECT_TRUE(t.ok()) << local;
  return t.ok() ? *t : 0;
}

std::string Local(UnixMs t) { return FormatLocalIso(t); }

class CalendarTest : public ::testing::Test {
 protected:
  WorkingCalendar cal_{Shipped(), DefaultSiteHours()};

  std::string DueWd(const std::string& received, int n) {
    auto due = cal_.DueWorkingDays(At(received), n);
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    return due.ok() ? Local(*due) : "error";
  }
  std::string DueCd(const std::string& received, int n) {
    auto due = cal_.DueCalendarDays(At(received), n);
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    return due.ok() ? Local(*due) : "error";
  }
  std::string Norm(const std::string& received) {
    return Local(cal_.NormaliseIntake(At(received)));
  }
};

// 2026-03-09 is a Monday; 2026-03-13 a Friday.

TEST_F(CalendarTest, DefaultSiteHasEightOfficeHoursAndAFourPmCutoff) {
  EXPECT_EQ(cal_.OfficeMinutesPerDay(), 480);
  EXPECT_EQ(*cal_.hours().cutoff_minute, 16 * 60);
  EXPECT_EQ(cal_.version(), Shipped().version);
}

TEST_F(CalendarTest, IntakeDuringOfficeHoursIsUnchanged) {
  EXPECT_EQ(Norm("2026-03-09T07:30"), "2026-03-09T07:30:00+07:00");
  EXPECT_EQ(Norm("2026-03-09T10:15:42"), "2026-03-09T10:15:42+07:00");
  EXPECT_EQ(Norm("2026-03-09T15:59:59"), "2026-03-09T15:59:59+07:00");
}

TEST_F(CalendarTest, IntakeAtLunchStartsAtTheAfternoonOpening) {
  EXPECT_EQ(Norm("2026-03-09T11:30"), "2026-03-09T13:00:00+07:00");
  EXPECT_EQ(Norm("2026-03-09T12:10"), "2026-03-09T13:00:00+07:00");
  // Four afternoon hours, then four morning hours: the time runs out exactly
  // at the morning closing, which is kept.
  EXPECT_EQ(DueWd("2026-03-09T12:10", 1), "2026-03-10T11:30:00+07:00");
}

TEST_F(CalendarTest, IntakeBeforeOpeningStartsAtTheOpening) {
  EXPECT_EQ(Norm("2026-03-09T06:45"), "2026-03-09T07:30:00+07:00");
  EXPECT_EQ(Norm("2026-03-09T00:00"), "2026-03-09T07:30:00+07:00");
}

TEST_F(CalendarTest, IntakeAtOrAfterTheCutoffStartsNextWorkingDay) {
  EXPECT_EQ(Norm("2026-03-09T16:00"), "2026-03-10T07:30:00+07:00");
  EXPECT_EQ(Norm("2026-03-09T16:30"), "2026-03-10T07:30:00+07:00");
  EXPECT_EQ(DueWd("2026-03-09T16:30", 1), "2026-03-10T17:00:00+07:00");
  EXPECT_EQ(DueWd("2026-03-09T16:30", 2), "2026-03-11T17:00:00+07:00");
}

TEST_F(CalendarTest, IntakeAfterClosingStartsNextWorkingDay) {
  EXPECT_EQ(Norm("2026-03-09T17:00"), "2026-03-10T07:30:00+07:00");
  EXPECT_EQ(Norm("2026-03-09T23:59"), "2026-03-10T07:30:00+07:00");
}

TEST_F(CalendarTest, MondayMorningPlusOneWorkingDayIsTuesdayAtTheSameTime) {
  EXPECT_EQ(DueWd("2026-03-09T08:00", 1), "2026-03-10T08:00:00+07:00");
  EXPECT_EQ(DueWd("2026-03-09T08:00", 3), "2026-03-12T08:00:00+07:00");
  EXPECT_EQ(DueWd("2026-03-09T14:20", 5), "2026-03-16T14:20:00+07:00");
}

TEST_F(CalendarTest, TimeRunningOutAtClosingKeepsTheClosingTime) {
  EXPECT_EQ(DueWd("2026-03-09T07:30", 1), "2026-03-09T17:00:00+07:00");
  EXPECT_EQ(DueWd("2026-03-09T06:00", 2), "2026-03-10T17:00:00+07:00");
}

TEST_F(CalendarTest, ZeroDaysIsTheNormalisedIntake) {
  EXPECT_EQ(DueWd("2026-03-09T12:00", 0), "2026-03-09T13:00:00+07:00");
  EXPECT_EQ(DueCd("2026-03-14T09:00", 0), "2026-03-16T07:30:00+07:00");
}

TEST_F(CalendarTest, FridayAfternoonIntakeRollsOverTheWeekend) {
  EXPECT_EQ(Norm("2026-03-13T16:30"), "2026-03-16T07:30:00+07:00");
  EXPECT_EQ(DueWd("2026-03-13T16:30", 1), "2026-03-16T17:00:00+07:00");
  EXPECT_EQ(DueWd("2026-03-13T15:00", 1), "2026-03-16T15:00:00+07:00");
}

TEST_F(CalendarTest, IntakeOnASaturdayStartsOnMonday) {
  EXPECT_EQ(Norm("2026-03-14T09:00"), "2026-03-16T07:30:00+07:00");
}

TEST_F(CalendarTest, IntakeJustBeforeTet2026RollsOverTheNineDayBreak) {
  EXPECT_EQ(DueWd("2026-02-13T10:00", 1), "2026-02-23T10:00:00+07:00");
  EXPECT_EQ(Norm("2026-02-13T16:05"), "2026-02-23T07:30:00+07:00");
  EXPECT_EQ(DueWd("2026-02-12T09:00", 2), "2026-02-23T09:00:00+07:00");
}

TEST_F(CalendarTest, IntakeOnAMakeUpSaturdayCounts) {
  EXPECT_EQ(Norm("2026-01-10T09:00"), "2026-01-10T09:00:00+07:00");
  EXPECT_EQ(DueWd("2026-01-10T09:00", 1), "2026-01-12T09:00:00+07:00");
  // An ordinary Saturday does not.
  EXPECT_EQ(Norm("2026-01-17T09:00"), "2026-01-19T07:30:00+07:00");
}

TEST_F(CalendarTest, MakeUpSaturdayIsCountedInsideARun) {
  // Friday 9 January + 1 working day is the make-up Saturday 10 January.
  EXPECT_EQ(DueWd("2026-01-09T10:00", 1), "2026-01-10T10:00:00+07:00");
}

TEST_F(CalendarTest, HolidayOnAWeekendGivesTheNextWorkingDayOff) {
  // Hùng Kings' day 2026 is Sunday 26 April, so Monday 27 April is off.
  EXPECT_FALSE(cal_.IsWorkingDay(Date{2026, 4, 27}));
  EXPECT_EQ(DueWd("2026-04-24T10:00", 1), "2026-04-28T10:00:00+07:00");
}

TEST_F(CalendarTest, CalendarDaysAreRolledOntoAWorkingDay) {
  // Wednesday + 10 days = Saturday 21 March -> Monday 23 March.
  EXPECT_EQ(DueCd("2026-03-11T10:00", 10), "2026-03-23T10:00:00+07:00");
  // Landing inside the Tết break moves past it.
  EXPECT_EQ(DueCd("2026-02-04T10:00", 10), "2026-02-23T10:00:00+07:00");
  // Landing on a working day keeps the date.
  EXPECT_EQ(DueCd("2026-03-09T10:00", 7), "2026-03-16T10:00:00+07:00");
}

TEST_F(CalendarTest, CalendarDaysCountFromTheNormalisedIntake) {
  EXPECT_EQ(DueCd("2026-03-09T16:30", 10), "2026-03-20T07:30:00+07:00");
  EXPECT_EQ(DueCd("2026-03-09T12:00", 1), "2026-03-10T13:00:00+07:00");
}

TEST_F(CalendarTest, AppointmentCarriesTheIntermediateValues) {
  auto a = cal_.Appoint(At("2026-03-09T16:30"), 2, DayCount::kWorkingDays);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->received, At("2026-03-09T16:30"));
  EXPECT_EQ(Local(a->counted_from), "2026-03-10T07:30:00+07:00");
  EXPECT_EQ(Local(a->due), "2026-03-11T17:00:00+07:00");
  EXPECT_EQ(a->days, 2);
  EXPECT_EQ(a->calendar_version, Shipped().version);
  EXPECT_STREQ(DayCountName(a->kind), "working_days");
  EXPECT_STREQ(DayCountName(DayCount::kCalendarDays), "calendar_days");
}

TEST_F(CalendarTest, PauseAndResumeCarriesTheRemainingWorkingTime) {
  const UnixMs due = *cal_.DueWorkingDays(At("2026-03-09T08:00"), 3);
  EXPECT_EQ(Local(due), "2026-03-12T08:00:00+07:00");
  // Paused with two working days left; resumed on Monday afternoon.
  auto resumed = cal_.ResumeDue(due, At("2026-03-10T08:00"), At("2026-03-16T14:00"));
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(Local(*resumed), "2026-03-18T14:00:00+07:00");
}

TEST_F(CalendarTest, PauseOutsideOfficeHoursKeepsTheWholeRemainder) {
  const UnixMs due = At("2026-03-12T08:00");
  // Paused at lunch on Tuesday: 4h Tuesday afternoon + 8h Wednesday + 30 min.
  auto resumed = cal_.ResumeDue(due, At("2026-03-10T12:00"), At("2026-03-16T07:30"));
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(Local(*resumed), "2026-03-17T13:30:00+07:00");
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-03-10T12:00"), due), 4 * 60 + 8 * 60 + 30);
}

TEST_F(CalendarTest, ResumeAfterTheCutoffStillCountsTheRestOfTheDay) {
  const UnixMs due = At("2026-03-12T08:00");
  auto resumed = cal_.ResumeDue(due, At("2026-03-11T16:30"), At("2026-03-16T16:30"));
  ASSERT_TRUE(resumed.ok());
  // 30 min on Wednesday + 30 min on Thursday were left: Monday 16:30 + 1h.
  EXPECT_EQ(Local(*resumed), "2026-03-17T08:00:00+07:00");
}

TEST_F(CalendarTest, ImmediateResumeKeepsTheDueTime) {
  const UnixMs due = At("2026-03-12T08:00");
  const UnixMs pause = At("2026-03-10T09:17");
  EXPECT_EQ(*cal_.ResumeDue(due, pause, pause), due);
}

TEST_F(CalendarTest, PauseAfterTheDueTimeLeavesTheDossierOverdue) {
  const UnixMs due = At("2026-03-12T08:00");
  EXPECT_EQ(*cal_.ResumeDue(due, At("2026-03-12T09:00"), At("2026-03-20T09:00")), due);
}

TEST_F(CalendarTest, ResumeBeforePauseIsRejected) {
  auto r = cal_.ResumeDue(At("2026-03-12T08:00"), At("2026-03-10T09:00"), At("2026-03-10T08:00"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().field(), "resumed_at");
}

TEST_F(CalendarTest, WorkingMinutesBetweenCountsOnlyOfficeTime) {
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-03-09T08:00"), At("2026-03-10T08:00")), 480);
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-03-10T08:00"), At("2026-03-09T08:00")), -480);
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-03-09T11:00"), At("2026-03-09T13:30")), 60);
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-03-13T17:00"), At("2026-03-16T07:30")), 0);
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-02-13T00:00"), At("2026-02-24T00:00")), 2 * 480);
  EXPECT_EQ(cal_.WorkingMsBetween(At("2026-03-09T08:00"), At("2026-03-09T08:00:30")), 30000);
  EXPECT_EQ(cal_.WorkingMinutesBetween(At("2026-03-09T08:00"), At("2026-03-09T08:00:30")), 0);
}

TEST_F(CalendarTest, OfficeTimeIsHalfOpen) {
  EXPECT_TRUE(cal_.IsOfficeTime(At("2026-03-09T07:30")));
  EXPECT_FALSE(cal_.IsOfficeTime(At("2026-03-09T11:30")));
  EXPECT_TRUE(cal_.IsOfficeTime(At("2026-03-09T16:59:59")));
  EXPECT_FALSE(cal_.IsOfficeTime(At("2026-03-09T17:00")));
  EXPECT_FALSE(cal_.IsOfficeTime(At("2026-03-14T09:00")));
}

TEST_F(CalendarTest, BadDayCountsAndOutOfRangeInstantsAreRejected) {
  EXPECT_EQ(cal_.DueWorkingDays(At("2026-03-09T08:00"), -1).status().field(), "days");
  EXPECT_EQ(cal_.DueCalendarDays(At("2026-03-09T08:00"), kMaxDueDays + 1).status().field(), "days");
  EXPECT_EQ(cal_.DueWorkingDays(At("1899-12-01T08:00"), 1).status().field(), "received");
  EXPECT_EQ(cal_.DueWorkingDays(At("2199-12-30T08:00"), 30).status().field(), "days");
  EXPECT_TRUE(cal_.DueWorkingDays(At("2026-03-09T08:00"), kMaxDueDays).ok());
}

TEST_F(CalendarTest, UnknownSiteIsNotFound) {
  auto cal = WorkingCalendar::ForSite(Shipped(), "no-such-ward");
  ASSERT_FALSE(cal.ok());
  EXPECT_TRUE(cal.status().IsNotFound());
  EXPECT_TRUE(WorkingCalendar::ForSite(Shipped()).ok());
}

TEST_F(CalendarTest, SiteWithoutCutoffCountsTheLastHour) {
  SiteHours hours = DefaultSiteHours();
  hours.cutoff_minute.reset();
  WorkingCalendar cal(Shipped(), hours);
  EXPECT_EQ(Local(cal.NormaliseIntake(At("2026-03-09T16:30"))), "2026-03-09T16:30:00+07:00");
  EXPECT_EQ(Local(*cal.DueWorkingDays(At("2026-03-09T16:30"), 1)), "2026-03-10T16:30:00+07:00");
}

TEST_F(CalendarTest, CachedWorkingDaysMatchTheHolidayRules) {
  for (int64_t z = DaysFromCivil(Date{2025, 1, 1}); z <= DaysFromCivil(Date{2031, 12, 31}); ++z) {
    const Date d = CivilFromDays(z);
    ASSERT_EQ(cal_.IsWorkingDay(d), IsWorkingDay(d, Shipped())) << FormatDate(d);
  }
}

TEST_F(CalendarTest, CopiesShareTheCacheSafelyAcrossThreads) {
  WorkingCalendar copy = cal_;
  std::vector<std::thread> threads;
  std::array<int, 4> counts{};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const WorkingCalendar& c = i % 2 == 0 ? cal_ : copy;
      for (int64_t z = DaysFromCivil(Date{2026, 1, 1}); z < DaysFromCivil(Date{2030, 1, 1}); ++z) {
        counts[static_cast<size_t>(i)] += c.IsWorkingDay(CivilFromDays(z));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(counts[0], 900);
  EXPECT_EQ(counts[0], counts[1]);
  EXPECT_EQ(counts[0], counts[2]);
  EXPECT_EQ(counts[0], counts[3]);
}

// ---- brute force ----

// The appointment found by walking one minute at a time from the received
// instant and counting the minutes that are office time on working days,
// after applying the cut-off. Independent of WorkingCalendar's interval
// arithmetic; shares only hoso::IsWorkingDay. REQUIRES: minute-aligned
// `received` after 1970 and n >= 1.
class ReferenceCalendar {
 public:
  ReferenceCalendar(const CalendarData& data, const SiteHours& hours) : data_(data), hours_(hours) {
    for (const OfficeInterval& in : hours.office_hours) {
      for (int m = in.open_minute; m < in.close_minute; ++m) {
        office_minute_[m] = true;
        ++minutes_per_day_;
      }
    }
  }

  UnixMs Due(UnixMs received, int n) {
    int64_t minute = (received + kVietnamUtcOffsetMs) / kMsPerMinute;  // local minutes
    int64_t day = minute / 1440;
    if (hours_.cutoff_minute && Working(day) && minute % 1440 >= *hours_.cutoff_minute) {
      minute = (day + 1) * 1440;
    }
    const int64_t target = int64_t{n} * minutes_per_day_;
    int64_t counted = 0;
    day = minute / 1440;
    bool working = Working(day);
    for (;; ++minute) {
      if (minute / 1440 != day) {
        day = minute / 1440;
        working = Working(day);
      }
      if (working && office_minute_[minute % 1440]) {
        if (++counted == target) return (minute + 1) * kMsPerMinute - kVietnamUtcOffsetMs;
      }
    }
  }

 private:
  bool Working(int64_t day) {
    auto it = working_.find(day);
    if (it == working_.end()) {
      it = working_.emplace(day, IsWorkingDay(CivilFromDays(day), data_)).first;
    }
    return it->second;
  }

  const CalendarData& data_;
  SiteHours hours_;
  bool office_minute_[1440] = {};
  int minutes_per_day_ = 0;
  std::unordered_map<int64_t, bool> working_;
};

void CheckAgainstReference(const SiteHours& hours, int cases, uint32_t seed) {
  WorkingCalendar cal(Shipped(), hours);
  ReferenceCalendar ref(Shipped(), hours);
  std::mt19937 rng(seed);
  const int64_t first = LocalToUnixMs(Date{2025, 1, 1}, 0) / kMsPerMinute;
  const int64_t last = LocalToUnixMs(Date{2031, 12, 1}, 0) / kMsPerMinute;
  std::uniform_int_distribution<int64_t> any_minute(first, last);
  std::uniform_int_distribution<int> days(1, 30);
  for (int i = 0; i < cases; ++i) {
    const UnixMs received = any_minute(rng) * kMsPerMinute;
    const int n = days(rng);
    auto due = cal.DueWorkingDays(received, n);
    ASSERT_TRUE(due.ok()) << due.status().ToString();
    ASSERT_EQ(Local(*due), Local(ref.Due(received, n)))
        << "received " << Local(received) << " + " << n << " working days";
    const UnixMs start = cal.NormaliseIntake(received);
    ASSERT_EQ(cal.WorkingMinutesBetween(start, *due), int64_t{n} * cal.OfficeMinutesPerDay());
    ASSERT_EQ(*cal.ResumeDue(*due, start, start), *due);
  }
}

TEST(CalendarReferenceTest, ThousandRandomIntakesAgreeWithMinuteByMinuteCounting) {
  CheckAgainstReference(DefaultSiteHours(), 1000, 20260217);
}

TEST(CalendarReferenceTest, RandomIntakesAgreeForAnOddlyShapedSite) {
  SiteHours hours;
  hours.office_hours = {{7 * 60, 9 * 60 + 15}, {9 * 60 + 45, 11 * 60}, {14 * 60, 18 * 60 + 20}};
  hours.cutoff_minute = 10 * 60 + 30;
  ASSERT_TRUE(ValidateSiteHours(hours).ok());
  CheckAgainstReference(hours, 200, 7);
}

}  // namespace
}  // namespace hoso
