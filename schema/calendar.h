// Working-time arithmetic in Asia/Ho_Chi_Minh (UTC+7): when a dossier's
// clock starts, when its appointment (due) time falls, how a supplement
// request pauses it, and how much working time lies between two instants.
//
// The clock runs only inside a site's office hours on working days (see
// holidays.h for which days are working days). The conventions, with worked
// examples, are in docs/CALENDAR.md:
//   - Intake is normalised into office time: during office hours it is kept
//     as is; at lunch it moves to the afternoon opening; before opening to the
//     opening; after closing, on a day off, or at/after the afternoon cut-off
//     of a working day, to the opening of the next working day.
//   - N working days = N times the office minutes of one day, counted from the
//     normalised intake. A due time that lands exactly on a closing time stays
//     there (Monday 07:30 + 1 working day = Monday 17:00).
//   - N calendar days = the normalised intake's local date + N days, moved
//     forward to the next working day if it is a day off, at the normalised
//     intake's time of day.
//
// All instants are UTC milliseconds (UnixMs); only the years
// kMinCalendarYear..kMaxCalendarYear are supported by the functions that
// return a Result.
//
// Thread-safety: a WorkingCalendar is immutable after construction apart
// from a per-year cache of working days, which is guarded by a mutex; all
// const methods may be called concurrently. Copies share the data and cache.
#ifndef HOSO_SCHEMA_CALENDAR_H_
#define HOSO_SCHEMA_CALENDAR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "schema/holidays.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

constexpr int kMinCalendarYear = 1900;
constexpr int kMaxCalendarYear = 2199;
// The largest number of days a processing time may have (ten years).
constexpr int kMaxDueDays = 3660;

enum class DayCount { kWorkingDays, kCalendarDays };
// "working_days" / "calendar_days".
const char* DayCountName(DayCount kind);

// What a receipt prints, and which calendar computed it.
struct Appointment {
  UnixMs received = 0;
  UnixMs counted_from = 0;  // the normalised intake
  UnixMs due = 0;
  int days = 0;
  DayCount kind = DayCount::kWorkingDays;
  std::string calendar_version;
};

class WorkingCalendar {
 public:
  // REQUIRES: ValidateSiteHours(hours).ok(), and `data` as ParseCalendarData
  // produces it (which guarantees every year has working days).
  WorkingCalendar(CalendarData data, SiteHours hours);
  // The calendar with the hours of `site` from data.sites. kNotFound when the
  // site is not listed.
  static Result<WorkingCalendar> ForSite(CalendarData data, std::string_view site = "default");

  const CalendarData& data() const { return *data_; }
  const SiteHours& hours() const { return hours_; }
  const std::string& version() const { return data_->version; }
  // Office minutes in one working day (480 for the default hours).
  int OfficeMinutesPerDay() const;

  // Like hoso::IsWorkingDay, from the cache.
  bool IsWorkingDay(const Date& d) const;
  // Inside [open, close) of an office interval of a working day.
  bool IsOfficeTime(UnixMs t) const;
  // The first instant >= t that is office time (t itself if it is).
  UnixMs NextOfficeInstant(UnixMs t) const;
  // Where the clock of a dossier received at `received` starts (see above).
  UnixMs NormaliseIntake(UnixMs received) const;

  // The instant at which `working_ms` of office time has elapsed, counting
  // from NextOfficeInstant(from). Lands on a closing time rather than the
  // next opening when the time runs out exactly at closing.
  Result<UnixMs> AddWorkingMs(UnixMs from, int64_t working_ms) const;
  // Appointment for N working days. kInvalidArgument for n outside
  // 0..kMaxDueDays or a received instant outside the supported years.
  Result<UnixMs> DueWorkingDays(UnixMs received, int n) const;
  // Appointment for N calendar days (rolled onto a working day).
  Result<UnixMs> DueCalendarDays(UnixMs received, int n) const;
  // Both of the above, with the intermediate values a receipt shows.
  Result<Appointment> Appoint(UnixMs received, int days, DayCount kind) const;

  // The new due time after the clock was paused at `paused_at` (a supplement
  // was requested) and resumed at `resumed_at` (the supplement arrived): the
  // office time that was left between the pause and `original_due` is counted
  // again from the resume instant. The cut-off does not apply to a resume.
  // A dossier paused at or after its due time stays due at `original_due`.
  // kInvalidArgument if resumed_at < paused_at.
  Result<UnixMs> ResumeDue(UnixMs original_due, UnixMs paused_at, UnixMs resumed_at) const;

  // Office time in [a, b); negative when b < a. Only the supported years
  // contribute.
  int64_t WorkingMsBetween(UnixMs a, UnixMs b) const;
  // WorkingMsBetween in whole minutes, truncated toward zero.
  int64_t WorkingMinutesBetween(UnixMs a, UnixMs b) const;

 private:
  struct YearCache;

  Status CheckInRange(UnixMs t, const char* field) const;

  std::shared_ptr<const CalendarData> data_;
  SiteHours hours_;
  std::shared_ptr<YearCache> cache_;
};

}  // namespace hoso

#endif  // HOSO_SCHEMA_CALENDAR_H_
