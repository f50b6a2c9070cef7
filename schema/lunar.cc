#include "schema/lunar.h"

#include <cmath>
#include <cstdio>
#include <numbers>

namespace hoso {

namespace lunar_internal {

namespace {

// Julian Day Number of 1970-01-01, the epoch of DaysFromCivil().
constexpr int64_t kUnixEpochJdn = 2440588;
// Mean length of a synodic month, in days, and the JDN (with fraction) of the
// new moon of 1900-01-01 13:52 UTC from which new moons are counted.
constexpr double kSynodicMonth = 29.530588853;
constexpr double kNewMoonEpoch = 2415021.076998695;
constexpr double kPi = std::numbers::pi;
constexpr double kRad = kPi / 180.0;

int64_t Floor(double x) { return static_cast<int64_t>(std::floor(x)); }

// Julian day (with fraction, UTC) of the k-th new moon after 1900-01-01, per
// Meeus ch. 49 with the reduced set of periodic terms Hồ Ngọc Đức uses.
double NewMoon(int64_t k) {
  const double kd = static_cast<double>(k);
  const double t = kd / 1236.85;  // Julian centuries from 1900 January 0.5
  const double t2 = t * t;
  const double t3 = t2 * t;
  double jd1 = 2415020.75933 + 29.53058868 * kd + 0.0001178 * t2 - 0.000000155 * t3;
  jd1 += 0.00033 * std::sin((166.56 + 132.87 * t - 0.009173 * t2) * kRad);
  const double m = 359.2242 + 29.10535608 * kd - 0.0000333 * t2 - 0.00000347 * t3;     // sun
  const double mpr = 306.0253 + 385.81691806 * kd + 0.0107306 * t2 + 0.00001236 * t3;  // moon
  const double f = 21.2964 + 390.67050646 * kd - 0.0016528 * t2 - 0.00000239 * t3;
  double c1 = (0.1734 - 0.000393 * t) * std::sin(m * kRad) + 0.0021 * std::sin(2 * kRad * m);
  c1 = c1 - 0.4068 * std::sin(mpr * kRad) + 0.0161 * std::sin(kRad * 2 * mpr);
  c1 = c1 - 0.0004 * std::sin(kRad * 3 * mpr);
  c1 = c1 + 0.0104 * std::sin(kRad * 2 * f) - 0.0051 * std::sin(kRad * (m + mpr));
  c1 = c1 - 0.0074 * std::sin(kRad * (m - mpr)) + 0.0004 * std::sin(kRad * (2 * f + m));
  c1 = c1 - 0.0004 * std::sin(kRad * (2 * f - m)) - 0.0006 * std::sin(kRad * (2 * f + mpr));
  c1 = c1 + 0.0010 * std::sin(kRad * (2 * f - mpr)) + 0.0005 * std::sin(kRad * (2 * mpr + m));
  // Delta T (terrestrial minus universal time), in days.
  double delta_t;
  if (t < -11) {
    delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3;
  } else {
    delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2;
  }
  return jd1 + c1 - delta_t;
}

// The sun's apparent longitude in radians, [0, 2*pi), at Julian day `jd`.
double SunLongitude(double jd) {
  const double t = (jd - 2451545.0) / 36525;  // Julian centuries from J2000.0
  const double t2 = t * t;
  const double m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
  const double l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
  double dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * std::sin(kRad * m);
  dl += (0.019993 - 0.000101 * t) * std::sin(kRad * 2 * m) + 0.000290 * std::sin(kRad * 3 * m);
  double l = (l0 + dl) * kRad;
  l -= 2 * kPi * std::floor(l / (2 * kPi));
  return l;
}

}  // namespace

int64_t JulianDayNumber(const Date& d) { return DaysFromCivil(d) + kUnixEpochJdn; }

Date DateFromJulianDayNumber(int64_t jdn) { return CivilFromDays(jdn - kUnixEpochJdn); }

int64_t NewMoonDay(int64_t k, int time_zone_hours) {
  return Floor(NewMoon(k) + 0.5 + time_zone_hours / 24.0);
}

int SunLongitudeSector(int64_t jdn, int time_zone_hours) {
  const double jd = static_cast<double>(jdn) - 0.5 - time_zone_hours / 24.0;
  return static_cast<int>(Floor(SunLongitude(jd) / kPi * 6));
}

int64_t NewMoonIndexAtOrBefore(int64_t jdn, int time_zone_hours) {
  // The mean lunation is within a day of the true new moon, so the estimate
  // is off by at most one either way; the loops settle it exactly.
  int64_t k = Floor((static_cast<double>(jdn) - kNewMoonEpoch) / kSynodicMonth);
  while (NewMoonDay(k, time_zone_hours) > jdn) --k;
  while (NewMoonDay(k + 1, time_zone_hours) <= jdn) ++k;
  return k;
}

int64_t LunarMonth11(int year, int time_zone_hours) {
  const int64_t k = NewMoonIndexAtOrBefore(JulianDayNumber(Date{year, 12, 31}), time_zone_hours);
  int64_t nm = NewMoonDay(k, time_zone_hours);
  // Sector 9 starts at 270 degrees, the winter solstice: a new moon already
  // past it belongs to month 12, so month 11 began one lunation earlier.
  if (SunLongitudeSector(nm, time_zone_hours) >= 9) nm = NewMoonDay(k - 1, time_zone_hours);
  return nm;
}

int LeapMonthOffset(int64_t a11, int time_zone_hours) {
  const int64_t k = NewMoonIndexAtOrBefore(a11, time_zone_hours);
  int i = 1;  // the month after month 11
  int arc = SunLongitudeSector(NewMoonDay(k + i, time_zone_hours), time_zone_hours);
  int last;
  // A month with no major solar term starts and ends in the same sector.
  do {
    last = arc;
    ++i;
    arc = SunLongitudeSector(NewMoonDay(k + i, time_zone_hours), time_zone_hours);
  } while (arc != last && i < 14);
  return i - 1;
}

}  // namespace lunar_internal

namespace {

using lunar_internal::JulianDayNumber;
using lunar_internal::LeapMonthOffset;
using lunar_internal::LunarMonth11;
using lunar_internal::NewMoonDay;

// Where a lunar month starts: the new-moon index `k` of its first day.
struct MonthIndex {
  int64_t k = 0;
};

Result<MonthIndex> FindMonth(int lunar_year, int lunar_month, bool leap_month,
                             int time_zone_hours) {
  if (lunar_year < kMinLunarSupportedYear || lunar_year > kMaxLunarSupportedYear) {
    return Status::InvalidArgument(
        "lunar year " + std::to_string(lunar_year) + " is outside the supported range " +
            std::to_string(kMinLunarSupportedYear) + ".." + std::to_string(kMaxLunarSupportedYear),
        "lunar_year");
  }
  if (lunar_month < 1 || lunar_month > 12) {
    return Status::InvalidArgument("lunar month must be 1..12, got " + std::to_string(lunar_month),
                                   "lunar_month");
  }
  int64_t a11, b11;
  if (lunar_month < 11) {
    a11 = LunarMonth11(lunar_year - 1, time_zone_hours);
    b11 = LunarMonth11(lunar_year, time_zone_hours);
  } else {
    a11 = LunarMonth11(lunar_year, time_zone_hours);
    b11 = LunarMonth11(lunar_year + 1, time_zone_hours);
  }
  const int64_t k = lunar_internal::NewMoonIndexAtOrBefore(a11, time_zone_hours);
  int off = lunar_month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {  // 13 lunations between two months 11: a leap year
    const int leap_off = LeapMonthOffset(a11, time_zone_hours);
    int leap_number = leap_off - 2;
    if (leap_number < 0) leap_number += 12;
    if (leap_month && lunar_month != leap_number) {
      return Status::InvalidArgument("lunar month " + std::to_string(lunar_month) + " of " +
                                         std::to_string(lunar_year) + " has no leap month",
                                     "leap_month");
    }
    if (leap_month || off >= leap_off) ++off;
  } else if (leap_month) {
    return Status::InvalidArgument("lunar year span has no leap month for month " +
                                       std::to_string(lunar_month) + " of " +
                                       std::to_string(lunar_year),
                                   "leap_month");
  }
  return MonthIndex{k + off};
}

}  // namespace

std::string FormatLunarDate(const LunarDate& d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d%s-%02d", d.year, d.month, d.leap_month ? "L" : "",
                d.day);
  return buf;
}

Result<Date> LunarToSolar(int lunar_year, int lunar_month, int lunar_day, bool leap_month,
                          int time_zone_hours) {
  HOSO_ASSIGN_OR_RETURN(MonthIndex m,
                        FindMonth(lunar_year, lunar_month, leap_month, time_zone_hours));
  const int64_t start = NewMoonDay(m.k, time_zone_hours);
  const int64_t length = NewMoonDay(m.k + 1, time_zone_hours) - start;
  if (lunar_day < 1 || lunar_day > length) {
    return Status::InvalidArgument("lunar day must be 1.." + std::to_string(length) +
                                       " in that month, got " + std::to_string(lunar_day),
                                   "lunar_day");
  }
  return lunar_internal::DateFromJulianDayNumber(start + lunar_day - 1);
}

Result<int> LunarMonthLength(int lunar_year, int lunar_month, bool leap_month,
                             int time_zone_hours) {
  HOSO_ASSIGN_OR_RETURN(MonthIndex m,
                        FindMonth(lunar_year, lunar_month, leap_month, time_zone_hours));
  return static_cast<int>(NewMoonDay(m.k + 1, time_zone_hours) - NewMoonDay(m.k, time_zone_hours));
}

LunarDate SolarToLunar(const Date& d, int time_zone_hours) {
  const int64_t day_number = JulianDayNumber(d);
  const int64_t month_start = NewMoonDay(
      lunar_internal::NewMoonIndexAtOrBefore(day_number, time_zone_hours), time_zone_hours);
  int64_t a11 = LunarMonth11(d.year, time_zone_hours);
  int64_t b11 = a11;
  LunarDate out;
  if (a11 >= month_start) {
    out.year = d.year;
    a11 = LunarMonth11(d.year - 1, time_zone_hours);
  } else {
    out.year = d.year + 1;
    b11 = LunarMonth11(d.year + 1, time_zone_hours);
  }
  out.day = static_cast<int>(day_number - month_start + 1);
  const int diff = static_cast<int>((month_start - a11) / 29);
  out.month = diff + 11;
  if (b11 - a11 > 365) {
    const int leap_diff = LeapMonthOffset(a11, time_zone_hours);
    if (diff >= leap_diff) {
      out.month = diff + 10;
      out.leap_month = diff == leap_diff;
    }
  }
  if (out.month > 12) out.month -= 12;
  if (out.month >= 11 && diff < 4) out.year -= 1;
  return out;
}

Date LunarNewYear(int lunar_year, int time_zone_hours) {
  auto d = LunarToSolar(lunar_year, 1, 1, false, time_zone_hours);
  // Month 1 is never a leap month and day 1 always exists, so only the year
  // range can fail, which the REQUIRES excludes.
  return d.ok() ? *d : Date{lunar_year, 1, 1};
}

std::optional<int> LeapMonthOf(int lunar_year, int time_zone_hours) {
  // Months 1..10 of the year lie between the months 11 of the previous and of
  // this Gregorian year; months 11 and 12 after this year's month 11.
  for (int span_start : {lunar_year - 1, lunar_year}) {
    const int64_t a11 = LunarMonth11(span_start, time_zone_hours);
    const int64_t b11 = LunarMonth11(span_start + 1, time_zone_hours);
    if (b11 - a11 <= 365) continue;
    int number = LeapMonthOffset(a11, time_zone_hours) - 2;
    if (number < 0) number += 12;
    const bool in_first_span = number >= 1 && number <= 10;
    if ((span_start == lunar_year - 1) == in_first_span) return number;
  }
  return std::nullopt;
}

}  // namespace hoso
