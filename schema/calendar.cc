#include "schema/calendar.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

namespace hoso {

namespace {

// Validated calendar data keeps every year well stocked with working days
// (holidays.h limits the days off), so a search for the next working day
// ends within a few weeks; this bound only guards against hand-built data.
constexpr int kMaxSearchDays = 400;

const UnixMs kMinInstant = LocalToUnixMs(Date{kMinCalendarYear, 1, 1}, 0);
const UnixMs kMaxInstant = LocalToUnixMs(Date{kMaxCalendarYear + 1, 1, 1}, 0);

UnixMs DayStart(const Date& d) { return LocalToUnixMs(d, 0); }

int64_t MinuteMs(int minute) { return minute * kMsPerMinute; }

}  // namespace

const char* DayCountName(DayCount kind) {
  return kind == DayCount::kWorkingDays ? "working_days" : "calendar_days";
}

// Working days of each year, computed once: one HolidaysOf() per year instead
// of one per lookup.
struct WorkingCalendar::YearCache {
  std::mutex mu;
  std::map<int, std::vector<bool>> working_by_year;  // index: day of year - 1
};

WorkingCalendar::WorkingCalendar(CalendarData data, SiteHours hours)
    : data_(std::make_shared<const CalendarData>(std::move(data))),
      hours_(std::move(hours)),
      cache_(std::make_shared<YearCache>()) {}

Result<WorkingCalendar> WorkingCalendar::ForSite(CalendarData data, std::string_view site) {
  auto it = data.sites.find(std::string(site));
  if (it == data.sites.end()) {
    return Status::NotFound("no office hours for site '" + std::string(site) + "' in calendar " +
                            data.version);
  }
  SiteHours hours = it->second;
  HOSO_RETURN_IF_ERROR(ValidateSiteHours(hours, "sites." + std::string(site)));
  return WorkingCalendar(std::move(data), std::move(hours));
}

int WorkingCalendar::OfficeMinutesPerDay() const {
  int total = 0;
  for (const OfficeInterval& in : hours_.office_hours) total += in.close_minute - in.open_minute;
  return total;
}

bool WorkingCalendar::IsWorkingDay(const Date& d) const {
  if (d.year < kMinCalendarYear || d.year > kMaxCalendarYear) {
    return hoso::IsWorkingDay(d, *data_);  // not cached: keeps the cache bounded
  }
  std::lock_guard<std::mutex> lock(cache_->mu);
  auto it = cache_->working_by_year.find(d.year);
  if (it == cache_->working_by_year.end()) {
    const Date jan1{d.year, 1, 1};
    const int64_t first = DaysFromCivil(jan1);
    const int days = static_cast<int>(DaysFromCivil(Date{d.year + 1, 1, 1}) - first);
    std::vector<bool> working(static_cast<size_t>(days));
    for (int i = 0; i < days; ++i) {
      const int wd = Weekday(CivilFromDays(first + i));
      working[static_cast<size_t>(i)] = wd != 0 && wd != 6;
    }
    // Parsed data only holds dates of their own year; the checks keep
    // hand-built data from indexing out of bounds.
    for (const Holiday& h : HolidaysOf(d.year, *data_)) {
      if (h.date.year == d.year)
        working[static_cast<size_t>(DaysFromCivil(h.date) - first)] = false;
    }
    for (const CalendarEntry& e : WorkingSaturdaysOf(d.year, *data_)) {
      if (e.date.year == d.year) working[static_cast<size_t>(DaysFromCivil(e.date) - first)] = true;
    }
    it = cache_->working_by_year.emplace(d.year, std::move(working)).first;
  }
  return it->second[static_cast<size_t>(DaysFromCivil(d) - DaysFromCivil(Date{d.year, 1, 1}))];
}

bool WorkingCalendar::IsOfficeTime(UnixMs t) const {
  const Date d = LocalDateOf(t);
  if (!IsWorkingDay(d)) return false;
  const int64_t ms = t - DayStart(d);
  return std::any_of(hours_.office_hours.begin(), hours_.office_hours.end(),
                     [&](const OfficeInterval& in) {
                       return ms >= MinuteMs(in.open_minute) && ms < MinuteMs(in.close_minute);
                     });
}

UnixMs WorkingCalendar::NextOfficeInstant(UnixMs t) const {
  Date d = LocalDateOf(t);
  int64_t ms = t - DayStart(d);
  for (int i = 0; i < kMaxSearchDays; ++i) {
    if (IsWorkingDay(d)) {
      for (const OfficeInterval& in : hours_.office_hours) {
        if (ms < MinuteMs(in.close_minute)) {
          return DayStart(d) + std::max(ms, MinuteMs(in.open_minute));
        }
      }
    }
    d = AddDays(d, 1);
    ms = 0;
  }
  return t;  // unreachable for validated data (see kMaxSearchDays)
}

UnixMs WorkingCalendar::NormaliseIntake(UnixMs received) const {
  const Date d = LocalDateOf(received);
  if (hours_.cutoff_minute && IsWorkingDay(d) &&
      received - DayStart(d) >= MinuteMs(*hours_.cutoff_minute)) {
    return NextOfficeInstant(DayStart(AddDays(d, 1)));
  }
  return NextOfficeInstant(received);
}

Status WorkingCalendar::CheckInRange(UnixMs t, const char* field) const {
  if (t < kMinInstant || t >= kMaxInstant) {
    return Status::InvalidArgument(
        std::string(field) + " " + FormatLocalIso(t) + " is outside the supported years " +
            std::to_string(kMinCalendarYear) + ".." + std::to_string(kMaxCalendarYear),
        field);
  }
  return Status::OK();
}

Result<UnixMs> WorkingCalendar::AddWorkingMs(UnixMs from, int64_t working_ms) const {
  if (working_ms < 0) {
    return Status::InvalidArgument("working time must not be negative", "working_ms");
  }
  HOSO_RETURN_IF_ERROR(CheckInRange(from, "from"));
  UnixMs t = NextOfficeInstant(from);
  int64_t remaining = working_ms;
  while (true) {
    if (t >= kMaxInstant) {
      return Status::InvalidArgument("the due time falls after the supported years", "days");
    }
    const Date d = LocalDateOf(t);
    const int64_t ms = t - DayStart(d);
    int64_t close_ms = 0;
    for (const OfficeInterval& in : hours_.office_hours) {
      if (ms < MinuteMs(in.close_minute)) {
        close_ms = MinuteMs(in.close_minute);
        break;
      }
    }
    const int64_t available = close_ms - ms;
    if (available <= 0) {
      return Status::Internal("no office time after " + FormatLocalIso(t));
    }
    if (remaining <= available) return t + remaining;
    remaining -= available;
    t = NextOfficeInstant(DayStart(d) + close_ms);
  }
}

Result<UnixMs> WorkingCalendar::DueWorkingDays(UnixMs received, int n) const {
  HOSO_ASSIGN_OR_RETURN(Appointment a, Appoint(received, n, DayCount::kWorkingDays));
  return a.due;
}

Result<UnixMs> WorkingCalendar::DueCalendarDays(UnixMs received, int n) const {
  HOSO_ASSIGN_OR_RETURN(Appointment a, Appoint(received, n, DayCount::kCalendarDays));
  return a.due;
}

Result<Appointment> WorkingCalendar::Appoint(UnixMs received, int days, DayCount kind) const {
  if (days < 0 || days > kMaxDueDays) {
    return Status::InvalidArgument(
        "days must be 0.." + std::to_string(kMaxDueDays) + ", got " + std::to_string(days), "days");
  }
  HOSO_RETURN_IF_ERROR(CheckInRange(received, "received"));
  Appointment a;
  a.received = received;
  a.counted_from = NormaliseIntake(received);
  a.days = days;
  a.kind = kind;
  a.calendar_version = data_->version;
  if (kind == DayCount::kWorkingDays) {
    HOSO_ASSIGN_OR_RETURN(
        a.due, AddWorkingMs(a.counted_from, days * int64_t{OfficeMinutesPerDay()} * kMsPerMinute));
    return a;
  }
  // Calendar days: the clock runs through weekends and holidays; only the
  // day the result is handed back must be one the office is open.
  const Date start_day = LocalDateOf(a.counted_from);
  const int64_t time_of_day = a.counted_from - DayStart(start_day);
  Date d = AddDays(start_day, days);
  for (int i = 0; i < kMaxSearchDays && !IsWorkingDay(d); ++i) d = AddDays(d, 1);
  a.due = DayStart(d) + time_of_day;
  HOSO_RETURN_IF_ERROR(CheckInRange(a.due, "due"));
  return a;
}

Result<UnixMs> WorkingCalendar::ResumeDue(UnixMs original_due, UnixMs paused_at,
                                          UnixMs resumed_at) const {
  if (resumed_at < paused_at) {
    return Status::InvalidArgument("the clock cannot resume (" + FormatLocalIso(resumed_at) +
                                       ") before it was paused (" + FormatLocalIso(paused_at) + ")",
                                   "resumed_at");
  }
  HOSO_RETURN_IF_ERROR(CheckInRange(paused_at, "paused_at"));
  HOSO_RETURN_IF_ERROR(CheckInRange(resumed_at, "resumed_at"));
  if (paused_at >= original_due) return original_due;
  return AddWorkingMs(resumed_at, WorkingMsBetween(paused_at, original_due));
}

int64_t WorkingCalendar::WorkingMsBetween(UnixMs a, UnixMs b) const {
  if (b < a) return -WorkingMsBetween(b, a);
  a = std::max(a, kMinInstant);
  b = std::min(b, kMaxInstant);
  int64_t total = 0;
  for (Date d = LocalDateOf(a); a < b && DayStart(d) < b; d = AddDays(d, 1)) {
    if (!IsWorkingDay(d)) continue;
    const UnixMs day = DayStart(d);
    for (const OfficeInterval& in : hours_.office_hours) {
      const UnixMs lo = std::max(a, day + MinuteMs(in.open_minute));
      const UnixMs hi = std::min(b, day + MinuteMs(in.close_minute));
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

int64_t WorkingCalendar::WorkingMinutesBetween(UnixMs a, UnixMs b) const {
  return WorkingMsBetween(a, b) / kMsPerMinute;
}

}  // namespace hoso
