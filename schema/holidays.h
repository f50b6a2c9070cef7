// Statutory days off in Vietnam and the versioned calendar data that
// overrides them year by year (schema/data/calendar.json, documented in
// docs/CALENDAR.md).
//
// The rules (Labour Code 2019, Art. 112), for offices that rest on Saturday
// and Sunday:
//   - 1 January; Tết Nguyên đán: the last day of the lunar year and lunar
//     1/1..1/4; Hùng Kings' Commemoration (lunar 10/3); 30 April; 1 May;
//     2 September and the day before it.
//   - A statutory day that falls on a Saturday or Sunday gives a compensatory
//     day off on the next working day that is not itself a day off (112(3)).
// Each year the Government decides the actual schedule for civil servants:
// extra days off (swapped with make-up working Saturdays) and, rarely, a rule
// day that is not taken. Those decisions are data, never code.
//
// Thread-safety: pure functions over immutable values; a CalendarData may be
// shared between threads once built.
#ifndef HOSO_SCHEMA_HOLIDAYS_H_
#define HOSO_SCHEMA_HOLIDAYS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/env.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

// The value of the "format" member this code reads.
constexpr std::string_view kCalendarFormat = "hoso.calendar/1";
// Limits that keep a calendar file sane (and guarantee that every year keeps
// working days, so searches for the next working day always end).
constexpr int kMaxDaysOffPerYear = 60;
constexpr int kMaxWorkingDaysPerYear = 20;

struct Holiday {
  enum Kind {
    kStatutory,     // a day named by the Labour Code
    kCompensatory,  // nghỉ bù: replaces a statutory day that fell on a weekend
    kOfficial,      // added by a Government decision (calendar data)
  };
  Date date;
  std::string name_vi;
  std::string name_en;
  Kind kind = kStatutory;
};

// "statutory", "compensatory", "official".
const char* HolidayKindName(Holiday::Kind kind);

// One dated entry of a year block in the calendar data.
struct CalendarEntry {
  Date date;
  std::string name_vi;
  std::string name_en;
  std::string note;    // free text, e.g. what is uncertain
  std::string source;  // the official document or publication
};

// The Government's decisions for one Gregorian year.
struct YearOverrides {
  std::vector<CalendarEntry> days_off;      // extra days off (any weekday)
  std::vector<CalendarEntry> working_days;  // make-up working Saturdays
  std::vector<CalendarEntry> not_off;       // rule days that are not taken
  std::string note;
  std::string source;
};

// Office time of day, in minutes after local midnight: [open, close).
struct OfficeInterval {
  int open_minute = 0;
  int close_minute = 0;
  bool operator==(const OfficeInterval&) const = default;
};

// The opening hours of a site and its afternoon cut-off.
struct SiteHours {
  std::vector<OfficeInterval> office_hours;  // sorted, non-overlapping, non-empty
  // A dossier received at or after this minute of a working day counts as
  // received at the opening of the next working day. nullopt: no cut-off.
  std::optional<int> cutoff_minute;
  bool operator==(const SiteHours&) const = default;
};

// 07:30-11:30 and 13:00-17:00, cut-off 16:00.
SiteHours DefaultSiteHours();
// kInvalidArgument unless the intervals are well formed (see SiteHours) and
// the cut-off, if any, lies after the first opening and at or before the last
// closing. `field` names the site in messages.
Status ValidateSiteHours(const SiteHours& hours, std::string_view field = "");
// "07:30" <-> 450.
std::string FormatMinuteOfDay(int minute);
Result<int> ParseMinuteOfDay(std::string_view hh_mm);

// The parsed content of calendar.json.
struct CalendarData {
  std::string format;
  std::string version;
  Date effective_from;
  std::map<int, YearOverrides> years;
  // Always contains "default" (the built-in hours when the file has none).
  std::map<std::string, SiteHours> sites;
};

// Parses and validates calendar data. Errors are kInvalidArgument with the
// path of the offending member ("years.2026.days_off[3].date").
Result<CalendarData> ParseCalendarData(std::string_view json);
// Reads and parses a file. kNotFound / kIoError from the file system; parse
// errors are prefixed with the path.
Result<CalendarData> LoadCalendarData(const std::string& path, FileSystem* fs = PosixFileSystem());
// Calendar data with no overrides at all: the rules alone, default hours.
CalendarData RulesOnlyCalendarData();

// The days off that the rules alone give in `year` (statutory and
// compensatory), sorted by date. Outside kMin/kMaxLunarSupportedYear only the
// fixed-date holidays are included.
std::vector<Holiday> RuleHolidaysOf(int year);
// The days off of `year` after the year's overrides: rule days less not_off
// (a removed statutory day gives no compensation), plus official days off.
// When an official day coincides with a rule day the rule entry is kept.
// Sorted by date. Weekends are listed only when the data names them.
std::vector<Holiday> HolidaysOf(int year, const CalendarData& data);
// The make-up working Saturdays of `year`, sorted by date.
std::vector<CalendarEntry> WorkingSaturdaysOf(int year, const CalendarData& data);
// Monday to Friday and not a day off, or a make-up working Saturday. Computes
// the year's days off on every call; WorkingCalendar caches them.
bool IsWorkingDay(const Date& d, const CalendarData& data);

}  // namespace hoso

#endif  // HOSO_SCHEMA_HOLIDAYS_H_
