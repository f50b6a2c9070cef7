#include "schema/lunar.h"

#include <gtest/gtest.h>

#include <ostream>

namespace hoso {

// Readable failure messages (internal linkage: each test file has its own).
[[maybe_unused]] static void PrintTo(const Date& d, std::ostream* os) { *os << FormatDate(d); }
[[maybe_unused]] static void PrintTo(const LunarDate& d, std::ostream* os) {
  *os << FormatLunarDate(d);
}

namespace {

Date D(int y, int m, int d) { return Date{y, m, d}; }

TEST(LunarTest, TetDatesInVietnamMatchThePublishedCalendar) {
  EXPECT_EQ(LunarNewYear(2024), D(2024, 2, 10));
  EXPECT_EQ(LunarNewYear(2025), D(2025, 1, 29));
  EXPECT_EQ(LunarNewYear(2026), D(2026, 2, 17));
  EXPECT_EQ(LunarNewYear(2027), D(2027, 2, 6));
  EXPECT_EQ(LunarNewYear(2028), D(2028, 1, 26));
  EXPECT_EQ(LunarNewYear(2029), D(2029, 2, 13));
  EXPECT_EQ(LunarNewYear(2031), D(2031, 1, 23));
}

// The new moon of February 2030 is at 16:07 UTC on 2 February: 23:07 in
// Hanoi but 00:07 on 3 February in Beijing.
TEST(LunarTest, Tet2030IsTheDayBeforeTheChineseNewYear) {
  EXPECT_EQ(LunarNewYear(2030), D(2030, 2, 2));
  EXPECT_EQ(LunarNewYear(2030, kChinaLunarTimeZoneHours), D(2030, 2, 3));
}

// New moon at about 16:31 UTC on 18 February 2053: the same split.
TEST(LunarTest, Tet2053IsTheDayBeforeTheChineseNewYear) {
  EXPECT_EQ(LunarNewYear(2053), D(2053, 2, 18));
  EXPECT_EQ(LunarNewYear(2053, kChinaLunarTimeZoneHours), D(2053, 2, 19));
}

// The best-known divergence: month 11 of 1984 began on different days in the
// two time zones, which put the leap month in different places and Tết 1985 a
// whole month apart.
TEST(LunarTest, Tet1985WasAMonthBeforeTheChineseNewYear) {
  EXPECT_EQ(LunarNewYear(1985), D(1985, 1, 21));
  EXPECT_EQ(LunarNewYear(1985, kChinaLunarTimeZoneHours), D(1985, 2, 20));
}

TEST(LunarTest, Tet2007DiffersByOneDayBetweenTimeZones) {
  EXPECT_EQ(LunarNewYear(2007), D(2007, 2, 17));
  EXPECT_EQ(LunarNewYear(2007, kChinaLunarTimeZoneHours), D(2007, 2, 18));
}

TEST(LunarTest, TimeZonesAgreeInOrdinaryYears) {
  for (int year : {2024, 2025, 2026, 2027, 2028, 2029, 2031}) {
    EXPECT_EQ(LunarNewYear(year), LunarNewYear(year, kChinaLunarTimeZoneHours)) << year;
  }
}

TEST(LunarTest, HungKingsDayIsTheTenthOfTheThirdLunarMonth) {
  EXPECT_EQ(*LunarToSolar(2024, 3, 10), D(2024, 4, 18));
  EXPECT_EQ(*LunarToSolar(2025, 3, 10), D(2025, 4, 7));
  EXPECT_EQ(*LunarToSolar(2026, 3, 10), D(2026, 4, 26));
  EXPECT_EQ(*LunarToSolar(2027, 3, 10), D(2027, 4, 16));
}

TEST(LunarTest, SolarToLunarOfKnownDates) {
  // The 2026 Tết break ran from the 27th of the last month to the 6th of the
  // first, as the official announcement put it.
  EXPECT_EQ(SolarToLunar(D(2026, 2, 14)), (LunarDate{2025, 12, 27, false}));
  EXPECT_EQ(SolarToLunar(D(2026, 2, 16)), (LunarDate{2025, 12, 29, false}));
  EXPECT_EQ(SolarToLunar(D(2026, 2, 17)), (LunarDate{2026, 1, 1, false}));
  EXPECT_EQ(SolarToLunar(D(2026, 2, 22)), (LunarDate{2026, 1, 6, false}));
  EXPECT_EQ(SolarToLunar(D(2025, 1, 25)), (LunarDate{2024, 12, 26, false}));
  EXPECT_EQ(SolarToLunar(D(2025, 4, 7)), (LunarDate{2025, 3, 10, false}));
}

TEST(LunarTest, LeapMonthsOfRecentYears) {
  EXPECT_EQ(LeapMonthOf(2020), std::optional<int>(4));
  EXPECT_EQ(LeapMonthOf(2023), std::optional<int>(2));
  EXPECT_EQ(LeapMonthOf(2025), std::optional<int>(6));
  EXPECT_EQ(LeapMonthOf(2028), std::optional<int>(5));
  EXPECT_EQ(LeapMonthOf(2031), std::optional<int>(3));
  EXPECT_EQ(LeapMonthOf(2024), std::nullopt);
  EXPECT_EQ(LeapMonthOf(2026), std::nullopt);
}

TEST(LunarTest, LeapMonthElevenOf2033IsFound) {
  EXPECT_EQ(LeapMonthOf(2033), std::optional<int>(11));
  auto regular = LunarToSolar(2033, 11, 1);
  auto leap = LunarToSolar(2033, 11, 1, true);
  ASSERT_TRUE(regular.ok());
  ASSERT_TRUE(leap.ok());
  EXPECT_GT(DaysFromCivil(*leap), DaysFromCivil(*regular));
  EXPECT_EQ(SolarToLunar(*leap), (LunarDate{2033, 11, 1, true}));
}

TEST(LunarTest, LeapMonthDaysConvertBothWays) {
  EXPECT_EQ(SolarToLunar(D(2025, 7, 25)), (LunarDate{2025, 6, 1, true}));
  EXPECT_EQ(*LunarToSolar(2025, 6, 1, true), D(2025, 7, 25));
  EXPECT_EQ(*LunarToSolar(2025, 6, 1, false), D(2025, 6, 25));
  EXPECT_EQ(FormatLunarDate(LunarDate{2025, 6, 1, true}), "2025-06L-01");
  EXPECT_EQ(FormatLunarDate(LunarDate{2026, 1, 1, false}), "2026-01-01");
}

TEST(LunarTest, LeapFlagOnAMonthThatIsNotLeapIsRejected) {
  auto in_leap_year = LunarToSolar(2025, 5, 1, true);
  ASSERT_FALSE(in_leap_year.ok());
  EXPECT_TRUE(in_leap_year.status().IsInvalidArgument());
  EXPECT_EQ(in_leap_year.status().field(), "leap_month");
  auto in_common_year = LunarToSolar(2026, 6, 1, true);
  ASSERT_FALSE(in_common_year.ok());
  EXPECT_EQ(in_common_year.status().field(), "leap_month");
}

TEST(LunarTest, DayThirtyOfASmallMonthIsRejected) {
  // The last month of Ất Tỵ (2025) has 29 days: its last day is 2026-02-16.
  EXPECT_EQ(*LunarMonthLength(2025, 12), 29);
  auto bad = LunarToSolar(2025, 12, 30);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "lunar_day");
  EXPECT_EQ(*LunarToSolar(2025, 12, 29), D(2026, 2, 16));
}

TEST(LunarTest, OutOfRangeMonthDayAndYearAreRejected) {
  EXPECT_EQ(LunarToSolar(2026, 0, 1).status().field(), "lunar_month");
  EXPECT_EQ(LunarToSolar(2026, 13, 1).status().field(), "lunar_month");
  EXPECT_EQ(LunarToSolar(2026, 1, 0).status().field(), "lunar_day");
  EXPECT_EQ(LunarToSolar(1899, 1, 1).status().field(), "lunar_year");
  EXPECT_EQ(LunarToSolar(2200, 1, 1).status().field(), "lunar_year");
}

TEST(LunarTest, EveryDayRoundTripsAndAdvancesByOneLunarDay) {
  LunarDate previous = SolarToLunar(D(1990, 1, 1));
  for (int64_t z = DaysFromCivil(D(1990, 1, 2)); z <= DaysFromCivil(D(2060, 12, 31)); ++z) {
    const Date solar = CivilFromDays(z);
    const LunarDate lunar = SolarToLunar(solar);
    ASSERT_GE(lunar.day, 1) << FormatDate(solar);
    ASSERT_LE(lunar.day, 30) << FormatDate(solar);
    if (lunar.day == 1) {
      ASSERT_GE(previous.day, 29) << FormatDate(solar);
    } else {
      ASSERT_EQ(lunar.day, previous.day + 1) << FormatDate(solar);
      ASSERT_EQ(lunar.month, previous.month) << FormatDate(solar);
      ASSERT_EQ(lunar.leap_month, previous.leap_month) << FormatDate(solar);
    }
    auto back = LunarToSolar(lunar.year, lunar.month, lunar.day, lunar.leap_month);
    ASSERT_TRUE(back.ok()) << FormatDate(solar) << " " << back.status().ToString();
    ASSERT_EQ(*back, solar) << FormatLunarDate(lunar);
    previous = lunar;
  }
}

// A day whose mean lunation estimate points past the true new moon: the
// textbook algorithm reported lunar day 0 here.
TEST(LunarTest, DayBeforeALateNewMoonIsTheLastDayOfTheMonth) {
  EXPECT_EQ(SolarToLunar(D(2054, 5, 7)), (LunarDate{2054, 3, 30, false}));
  EXPECT_EQ(SolarToLunar(D(2062, 4, 9)), (LunarDate{2062, 2, 30, false}));
}

TEST(LunarTest, LunarYearsHaveTwelveOrThirteenMonths) {
  for (int year = kMinLunarSupportedYear; year < kMaxLunarSupportedYear; ++year) {
    const int64_t length =
        DaysFromCivil(LunarNewYear(year + 1)) - DaysFromCivil(LunarNewYear(year));
    if (LeapMonthOf(year)) {
      EXPECT_GE(length, 383) << year;
      EXPECT_LE(length, 385) << year;
    } else {
      EXPECT_GE(length, 353) << year;
      EXPECT_LE(length, 355) << year;
    }
    const Date tet = LunarNewYear(year);
    EXPECT_GE(tet, D(year, 1, 21)) << year;
    EXPECT_LE(tet, D(year, 2, 20)) << year;
  }
}

TEST(LunarTest, NewMoonIndexFindsTheMonthStartOnOrBeforeADay) {
  using lunar_internal::NewMoonDay;
  using lunar_internal::NewMoonIndexAtOrBefore;
  for (int64_t jdn = lunar_internal::JulianDayNumber(D(2025, 1, 1));
       jdn < lunar_internal::JulianDayNumber(D(2027, 1, 1)); ++jdn) {
    const int64_t k = NewMoonIndexAtOrBefore(jdn, kVietnamLunarTimeZoneHours);
    ASSERT_LE(NewMoonDay(k, kVietnamLunarTimeZoneHours), jdn);
    ASSERT_GT(NewMoonDay(k + 1, kVietnamLunarTimeZoneHours), jdn);
  }
}

TEST(LunarTest, JulianDayNumberMatchesTheUnixEpoch) {
  EXPECT_EQ(lunar_internal::JulianDayNumber(D(1970, 1, 1)), 2440588);
  EXPECT_EQ(lunar_internal::DateFromJulianDayNumber(2451545), D(2000, 1, 1));
}

}  // namespace
}  // namespace hoso
