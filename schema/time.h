// Civil dates and instants for Hoso.
//
// Instants are stored as UTC milliseconds since the Unix epoch (UnixMs).
// Working time is shown and computed in Asia/Ho_Chi_Minh, which is UTC+7 all
// year (no DST), so local civil time is a fixed offset from UTC.
//
// Thread-safety: pure functions and values.
#ifndef HOSO_SCHEMA_TIME_H_
#define HOSO_SCHEMA_TIME_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/status.h"

namespace hoso {

using UnixMs = int64_t;

constexpr int64_t kMsPerMinute = 60 * 1000;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
// Asia/Ho_Chi_Minh: UTC+07:00, no daylight saving time.
constexpr int kVietnamUtcOffsetMinutes = 7 * 60;
constexpr int64_t kVietnamUtcOffsetMs = kVietnamUtcOffsetMinutes * kMsPerMinute;

// A proleptic Gregorian calendar date.
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const Date&) const = default;
};

// Days since 1970-01-01 (negative before). Exact for all int years.
int64_t DaysFromCivil(const Date& d);
Date CivilFromDays(int64_t days);
// 0 = Sunday ... 6 = Saturday (like struct tm's tm_wday).
int Weekday(const Date& d);
int DaysInMonth(int year, int month);
bool IsValidDate(const Date& d);
Date AddDays(const Date& d, int64_t n);

// "2026-02-17"
std::string FormatDate(const Date& d);
// Parses "YYYY-MM-DD".
Result<Date> ParseDate(std::string_view s);

// Local (UTC+7) civil date of an instant, and minutes since local midnight.
Date LocalDateOf(UnixMs t);
int LocalMinuteOfDay(UnixMs t);
// The instant of local (UTC+7) date `d` at `minute_of_day` (may be >= 1440).
UnixMs LocalToUnixMs(const Date& d, int minute_of_day);

// ISO 8601 in local Vietnam time with offset: "2026-03-12T08:05:00+07:00".
std::string FormatLocalIso(UnixMs t);
// ISO 8601 UTC: "2026-03-12T01:05:00.000Z".
std::string FormatUtcIso(UnixMs t);
// Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z", "+hh:mm",
// "-hh:mm" or nothing (nothing means Vietnam local time, UTC+7). A space is
// accepted in place of 'T'.
Result<UnixMs> ParseIsoTime(std::string_view s);

}  // namespace hoso

#endif  // HOSO_SCHEMA_TIME_H_
