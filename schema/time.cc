#include "schema/time.h"

#include <cstdio>

namespace hoso {

namespace {

// Floor division for negative instants.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool ParseInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days algorithms.
int64_t DaysFromCivil(const Date& d) {
  int64_t y = d.year;
  const int m = d.month;
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return Date{static_cast<int>(y + (m <= 2)), m, d};
}

int Weekday(const Date& d) {
  const int64_t z = DaysFromCivil(d);
  return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

int DaysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

bool IsValidDate(const Date& d) {
  return d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= DaysInMonth(d.year, d.month);
}

Date AddDays(const Date& d, int64_t n) { return CivilFromDays(DaysFromCivil(d) + n); }

std::string FormatDate(const Date& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

Result<Date> ParseDate(std::string_view s) {
  Date d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !ParseInt(s, 0, 4, &d.year) ||
      !ParseInt(s, 5, 2, &d.month) || !ParseInt(s, 8, 2, &d.day) || !IsValidDate(d)) {
    return Status::InvalidArgument("not a date (YYYY-MM-DD): '" + std::string(s) + "'");
  }
  return d;
}

Date LocalDateOf(UnixMs t) {
  return CivilFromDays(FloorDiv(t + kVietnamUtcOffsetMs, kMsPerDay));
}

int LocalMinuteOfDay(UnixMs t) {
  const int64_t local = t + kVietnamUtcOffsetMs;
  const int64_t ms_of_day = local - FloorDiv(local, kMsPerDay) * kMsPerDay;
  return static_cast<int>(ms_of_day / kMsPerMinute);
}

UnixMs LocalToUnixMs(const Date& d, int minute_of_day) {
  return DaysFromCivil(d) * kMsPerDay + minute_of_day * kMsPerMinute - kVietnamUtcOffsetMs;
}

std::string FormatLocalIso(UnixMs t) {
  const Date d = LocalDateOf(t);
  const int64_t local = t + kVietnamUtcOffsetMs;
  const int64_t ms_of_day = local - FloorDiv(local, kMsPerDay) * kMsPerDay;
  const int secs = static_cast<int>(ms_of_day / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", d.year, d.month, d.day,
                secs / 3600, secs / 60 % 60, secs % 60);
  return buf;
}

std::string FormatUtcIso(UnixMs t) {
  const int64_t days = FloorDiv(t, kMsPerDay);
  const Date d = CivilFromDays(days);
  const int64_t ms = t - days * kMsPerDay;
  const int secs = static_cast<int>(ms / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
                secs / 3600, secs / 60 % 60, secs % 60, static_cast<int>(ms % 1000));
  return buf;
}

Result<UnixMs> ParseIsoTime(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("not an ISO 8601 time (YYYY-MM-DDTHH:MM[:SS][Z|+07:00]): '" +
                                   std::string(s) + "'");
  };
  if (s.size() < 16) return bad();
  auto date = ParseDate(s.substr(0, 10));
  if (!date.ok() || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return bad();
  int hh = 0, mm = 0, ss = 0, frac_ms = 0;
  if (!ParseInt(s, 11, 2, &hh) || !ParseInt(s, 14, 2, &mm) || hh > 23 || mm > 59) return bad();
  size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!ParseInt(s, pos + 1, 2, &ss) || ss > 59) return bad();
    pos += 3;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) frac_ms = frac_ms * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return bad();
      for (int i = digits; i < 3; ++i) frac_ms *= 10;
    }
  }
  int offset_minutes = kVietnamUtcOffsetMinutes;
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      offset_minutes = 0;
    } else if ((s[pos] == '+' || s[pos] == '-') && s.size() == pos + 6 && s[pos + 3] == ':') {
      int oh = 0, om = 0;
      if (!ParseInt(s, pos + 1, 2, &oh) || !ParseInt(s, pos + 4, 2, &om) || oh > 14 || om > 59) {
        return bad();
      }
      offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    } else {
      return bad();
    }
  }
  const int64_t local_ms =
      DaysFromCivil(*date) * kMsPerDay + ((hh * 60 + mm) * 60 + ss) * 1000LL + frac_ms;
  return local_ms - offset_minutes * kMsPerMinute;
}

}  // namespace hoso
