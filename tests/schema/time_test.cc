#include "schema/time.h"

#include <gtest/gtest.h>

#include <string>

namespace hoso {
namespace {

// 2026-03-12 08:05:00 in Ho Chi Minh City = 01:05:00 UTC.
constexpr UnixMs kMorning = 1773277500000;

TEST(TimeTest, DaysFromCivilKnownDates) {
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({1969, 12, 31}), -1);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}), 11017);
  EXPECT_EQ(DaysFromCivil({1, 1, 1}), -719162);
  EXPECT_EQ(DaysFromCivil({9999, 12, 31}), 2932896);
}

TEST(TimeTest, CivilFromDaysRoundTripsOverTenThousandYears) {
  // Every day from 3000 BC-ish to AD 7000, checking each step is one day.
  Date prev = CivilFromDays(-1'800'000);
  ASSERT_EQ(DaysFromCivil(prev), -1'800'000);
  for (int64_t z = -1'800'000 + 1; z <= 1'800'000; ++z) {
    const Date d = CivilFromDays(z);
    ASSERT_TRUE(IsValidDate(d)) << z;
    ASSERT_EQ(DaysFromCivil(d), z);
    ASSERT_LT(prev, d) << z;
    if (d.day != 1) {
      ASSERT_EQ(d.day, prev.day + 1) << z;
    }
    prev = d;
  }
}

TEST(TimeTest, WeekdayOfKnownDates) {
  EXPECT_EQ(Weekday({1970, 1, 1}), 4);    // Thursday
  EXPECT_EQ(Weekday({1969, 12, 28}), 0);  // Sunday, before the epoch
  EXPECT_EQ(Weekday({2000, 1, 1}), 6);    // Saturday
  EXPECT_EQ(Weekday({1900, 1, 1}), 1);    // Monday
  EXPECT_EQ(Weekday({2024, 9, 2}), 1);    // National Day 2024, Monday
  EXPECT_EQ(Weekday({2026, 2, 17}), 2);   // Tết Bính Ngọ, Tuesday
  EXPECT_EQ(Weekday({2030, 2, 3}), 0);    // Tết Canh Tuất, Sunday
}

TEST(TimeTest, WeekdayAdvancesByOneEachDay) {
  for (int64_t z = -2000; z < 2000; ++z) {
    EXPECT_EQ(Weekday(CivilFromDays(z + 1)), (Weekday(CivilFromDays(z)) + 1) % 7) << z;
  }
}

TEST(TimeTest, DaysInMonthFollowsGregorianLeapYears) {
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2026, 2), 28);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(2100, 2), 28);
  EXPECT_EQ(DaysInMonth(2026, 4), 30);
  EXPECT_EQ(DaysInMonth(2026, 12), 31);
}

TEST(TimeTest, IsValidDateRejectsImpossibleDays) {
  EXPECT_TRUE(IsValidDate({2024, 2, 29}));
  EXPECT_FALSE(IsValidDate({2026, 2, 29}));
  EXPECT_FALSE(IsValidDate({2026, 4, 31}));
  EXPECT_FALSE(IsValidDate({2026, 13, 1}));
  EXPECT_FALSE(IsValidDate({2026, 0, 1}));
  EXPECT_FALSE(IsValidDate({2026, 1, 0}));
}

TEST(TimeTest, AddDaysCrossesMonthAndYearBoundaries) {
  EXPECT_EQ(AddDays({2025, 12, 31}, 1), (Date{2026, 1, 1}));
  EXPECT_EQ(AddDays({2024, 2, 28}, 1), (Date{2024, 2, 29}));
  EXPECT_EQ(AddDays({2026, 3, 1}, -1), (Date{2026, 2, 28}));
  EXPECT_EQ(AddDays({2026, 3, 12}, 0), (Date{2026, 3, 12}));
  EXPECT_EQ(AddDays({2026, 1, 1}, 365), (Date{2027, 1, 1}));
}

TEST(TimeTest, FormatAndParseDateRoundTrip) {
  EXPECT_EQ(FormatDate({2026, 2, 17}), "2026-02-17");
  EXPECT_EQ(FormatDate({987, 1, 5}), "0987-01-05");
  auto d = ParseDate("2026-02-17");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, (Date{2026, 2, 17}));
}

TEST(TimeTest, ParseDateRejectsMalformedText) {
  for (const char* bad : {"", "2026-02-30", "2026-2-17", "2026/02/17", "17-02-2026",
                          "2026-02-17T00:00", "2026-0a-17", " 2026-02-17"}) {
    auto d = ParseDate(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

TEST(TimeTest, ParseIsoTimeWithUtcDesignator) {
  auto t = ParseIsoTime("2026-03-12T01:05:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, kMorning);
}

TEST(TimeTest, ParseIsoTimeWithExplicitOffsets) {
  auto plus7 = ParseIsoTime("2026-03-12T08:05:00+07:00");
  ASSERT_TRUE(plus7.ok());
  EXPECT_EQ(*plus7, kMorning);
  auto minus5 = ParseIsoTime("2026-03-11T20:05:00-05:00");
  ASSERT_TRUE(minus5.ok());
  EXPECT_EQ(*minus5, kMorning);
  auto half = ParseIsoTime("2026-03-12T06:35:00+05:30");
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(*half, kMorning);
}

TEST(TimeTest, ParseIsoTimeWithoutOffsetIsVietnamLocalTime) {
  auto t = ParseIsoTime("2026-03-12T08:05:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, kMorning);
  auto no_seconds = ParseIsoTime("2026-03-12T08:05");
  ASSERT_TRUE(no_seconds.ok());
  EXPECT_EQ(*no_seconds, kMorning);
  auto space = ParseIsoTime("2026-03-12 08:05:00");
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(*space, kMorning);
}

TEST(TimeTest, ParseIsoTimeKeepsMillisecondsOfFractions) {
  auto half = ParseIsoTime("2026-03-12T01:05:00.5Z");
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(*half, kMorning + 500);
  auto ms = ParseIsoTime("2026-03-12T08:05:00.123+07:00");
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(*ms, kMorning + 123);
  auto micro = ParseIsoTime("2026-03-12T08:05:00.123987");
  ASSERT_TRUE(micro.ok());
  EXPECT_EQ(*micro, kMorning + 123);  // truncated, not rounded
}

TEST(TimeTest, ParseIsoTimeRejectsMalformedText) {
  for (const char* bad : {
           "",
           "2026-03-12",
           "2026-03-12T",
           "2026-03-12T8:05",
           "2026-03-12T24:00",
           "2026-03-12T08:60",
           "2026-03-12T08:05:60",
           "2026-03-12T08:05:",
           "2026-03-12T08:05:00.",
           "2026-03-12T08:05:00+7",
           "2026-03-12T08:05:00+0700",
           "2026-03-12T08:05:00+15:00",
           "2026-03-12T08:05:00Zjunk",
           "2026-03-12T08:05:00 ",
           "2026-02-30T08:05",
           "2026-03-12X08:05",
           "12/03/2026 08:05",
       }) {
    auto t = ParseIsoTime(bad);
    ASSERT_FALSE(t.ok()) << "'" << bad << "'";
    EXPECT_EQ(t.status().code(), Status::Code::kInvalidArgument);
  }
}

TEST(TimeTest, FormatLocalIsoShowsVietnamTimeWithOffset) {
  EXPECT_EQ(FormatLocalIso(kMorning), "2026-03-12T08:05:00+07:00");
  EXPECT_EQ(FormatLocalIso(kMorning + 999), "2026-03-12T08:05:00+07:00");
  EXPECT_EQ(FormatLocalIso(0), "1970-01-01T07:00:00+07:00");
  EXPECT_EQ(FormatLocalIso(-7 * kMsPerHour - 1000), "1969-12-31T23:59:59+07:00");
}

TEST(TimeTest, FormatUtcIsoKeepsMilliseconds) {
  EXPECT_EQ(FormatUtcIso(kMorning), "2026-03-12T01:05:00.000Z");
  EXPECT_EQ(FormatUtcIso(kMorning + 42), "2026-03-12T01:05:00.042Z");
  EXPECT_EQ(FormatUtcIso(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, FormattedTimesParseBackToTheSameInstant) {
  for (UnixMs t : {kMorning, UnixMs{0}, UnixMs{-86'400'000}, kMorning + 17 * kMsPerHour}) {
    auto local = ParseIsoTime(FormatLocalIso(t));
    ASSERT_TRUE(local.ok());
    EXPECT_EQ(*local, t);
    auto utc = ParseIsoTime(FormatUtcIso(t + 7));
    ASSERT_TRUE(utc.ok());
    EXPECT_EQ(*utc, t + 7);
  }
}

TEST(TimeTest, LocalDateChangesAtSeventeenHundredUtc) {
  const UnixMs local_midnight = ParseIsoTime("2026-03-11T17:00:00Z").value();
  EXPECT_EQ(LocalDateOf(local_midnight - 1), (Date{2026, 3, 11}));
  EXPECT_EQ(LocalMinuteOfDay(local_midnight - 1), 1439);
  EXPECT_EQ(LocalDateOf(local_midnight), (Date{2026, 3, 12}));
  EXPECT_EQ(LocalMinuteOfDay(local_midnight), 0);
  EXPECT_EQ(LocalDateOf(kMorning), (Date{2026, 3, 12}));
  EXPECT_EQ(LocalMinuteOfDay(kMorning), 8 * 60 + 5);
}

TEST(TimeTest, LocalDateBeforeTheEpochRoundsDown) {
  EXPECT_EQ(LocalDateOf(-1), (Date{1970, 1, 1}));  // 06:59:59.999 local
  EXPECT_EQ(LocalDateOf(-7 * kMsPerHour), (Date{1970, 1, 1}));
  EXPECT_EQ(LocalDateOf(-7 * kMsPerHour - 1), (Date{1969, 12, 31}));
  EXPECT_EQ(LocalMinuteOfDay(-7 * kMsPerHour - 1), 1439);
}

TEST(TimeTest, LocalToUnixMsInvertsLocalDateAndMinute) {
  EXPECT_EQ(LocalToUnixMs({2026, 3, 12}, 8 * 60 + 5), kMorning);
  EXPECT_EQ(LocalToUnixMs({2026, 3, 11}, 1440 + 8 * 60 + 5), kMorning);  // past midnight rolls
  for (int minute = 0; minute < 1440; minute += 7) {
    const UnixMs t = LocalToUnixMs({2026, 2, 17}, minute);
    EXPECT_EQ(LocalDateOf(t), (Date{2026, 2, 17}));
    EXPECT_EQ(LocalMinuteOfDay(t), minute);
  }
}

}  // namespace
}  // namespace hoso
