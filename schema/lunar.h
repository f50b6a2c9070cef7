// The Vietnamese lunisolar calendar (âm lịch), computed astronomically.
//
// Months begin on the local day of the astronomical new moon; lunar month 11
// always contains the winter solstice; in a lunar year with 13 months the
// first month after month 11 that contains no major solar term (trung khí) is
// the leap month and repeats the number of the month before it. All "local
// day" decisions are made in a fixed time zone: UTC+7 for Vietnam. The
// Chinese calendar applies the same rules at UTC+8, which is why Tết and the
// Chinese New Year fall on different days in some years (1985, 2007, ...).
//
// The new-moon and solar-longitude formulas are the ones published by Hồ Ngọc
// Đức (after Jean Meeus, "Astronomical Algorithms"); they agree with the
// official Vietnamese calendar for 1900-2199, the range Hoso supports. Outside
// that range the functions still return a value, but it is not guaranteed to
// match any published calendar.
//
// Thread-safety: pure functions.
#ifndef HOSO_SCHEMA_LUNAR_H_
#define HOSO_SCHEMA_LUNAR_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

// Hours east of UTC in which Vietnamese lunar days are reckoned.
constexpr int kVietnamLunarTimeZoneHours = 7;
// The Chinese calendar's time zone, for comparison only.
constexpr int kChinaLunarTimeZoneHours = 8;

// The Gregorian years for which lunar conversions are supported.
constexpr int kMinLunarSupportedYear = 1900;
constexpr int kMaxLunarSupportedYear = 2199;

struct LunarDate {
  int year = 0;             // the lunar year, numbered like the Gregorian year it mostly overlaps
  int month = 1;            // 1..12
  int day = 1;              // 1..30
  bool leap_month = false;  // true in the repeated (nhuận) month
  auto operator<=>(const LunarDate&) const = default;
};

// "2026-01-01" or "2025-06L-01" for a day of a leap month.
std::string FormatLunarDate(const LunarDate& d);

// The solar (Gregorian) date of a lunar date. Errors (kInvalidArgument): month
// outside 1..12, day outside 1..30 or past the end of that lunar month (a
// "small" month has 29 days), `leap_month` set for a month that is not the
// leap month of that lunar year, or a year outside the supported range.
Result<Date> LunarToSolar(int lunar_year, int lunar_month, int lunar_day, bool leap_month = false,
                          int time_zone_hours = kVietnamLunarTimeZoneHours);

// The lunar date of a solar date.
// REQUIRES: IsValidDate(d). Exact for kMin/kMaxLunarSupportedYear.
LunarDate SolarToLunar(const Date& d, int time_zone_hours = kVietnamLunarTimeZoneHours);

// Lunar 1/1 of `lunar_year` (Tết Nguyên đán). REQUIRES: a supported year.
Date LunarNewYear(int lunar_year, int time_zone_hours = kVietnamLunarTimeZoneHours);

// The number (1..12) of the leap month of `lunar_year`, or nullopt in a
// 12-month year. REQUIRES: a supported year.
std::optional<int> LeapMonthOf(int lunar_year, int time_zone_hours = kVietnamLunarTimeZoneHours);

// Days (29 or 30) in the given lunar month. REQUIRES: a valid month.
Result<int> LunarMonthLength(int lunar_year, int lunar_month, bool leap_month = false,
                             int time_zone_hours = kVietnamLunarTimeZoneHours);

// The astronomical building blocks, exposed for tests. Day numbers are
// Julian Day Numbers (the JDN of 1970-01-01 is 2440588).
namespace lunar_internal {

int64_t JulianDayNumber(const Date& d);
Date DateFromJulianDayNumber(int64_t jdn);
// The JDN of the local day of the k-th new moon after 1900-01-01.
int64_t NewMoonDay(int64_t k, int time_zone_hours);
// The index k of the last new moon whose local day is on or before `jdn`.
int64_t NewMoonIndexAtOrBefore(int64_t jdn, int time_zone_hours);
// Which of the 12 thirty-degree sectors (0..11, 0 = spring equinox) the
// sun's apparent longitude is in at local midnight starting day `jdn`.
int SunLongitudeSector(int64_t jdn, int time_zone_hours);
// The JDN of the first day of the lunar month 11 that contains the winter
// solstice of Gregorian year `year`.
int64_t LunarMonth11(int year, int time_zone_hours);
// In a 13-month lunar year starting at month 11 beginning `a11`: the offset
// (in months after month 11) of the leap month.
int LeapMonthOffset(int64_t a11, int time_zone_hours);

}  // namespace lunar_internal

}  // namespace hoso

#endif  // HOSO_SCHEMA_LUNAR_H_
