// `hoso calendar`: the days off of a year and the appointment time of an
// intake, from the calendar data in force (<data dir>/calendar.json).
#include <algorithm>
#include <cctype>
#include <ostream>
#include <string>
#include <vector>

#include "schema/calendar.h"
#include "schema/holidays.h"
#include "schema/json_util.h"
#include "schema/time.h"
#include "tools/cli.h"
#include "tools/commands.h"

namespace hoso::tools {

namespace {

constexpr const char* kUsage =
    "usage: hoso calendar <command> [options]\n"
    "\n"
    "commands:\n"
    "  holidays YEAR [--json]\n"
    "      The days off of YEAR (statutory, compensatory and official) with\n"
    "      Vietnamese and English names, and the make-up working Saturdays.\n"
    "  due --received TIME --days N [--calendar-days] [--site NAME] [--json]\n"
    "      The appointment time for a dossier received at TIME (ISO 8601;\n"
    "      without an offset TIME is Vietnam local time) and a processing time\n"
    "      of N working days (or N calendar days with --calendar-days).\n"
    "\n"
    "options:\n"
    "  --data-dir DIR   where calendar.json is (default: $HOSO_DATA_DIR or the\n"
    "                   source tree's schema/data)\n"
    "  --json           print JSON instead of text\n"
    "  --help           print this help\n";

constexpr const char* kHolidaysUsage =
    "usage: hoso calendar holidays YEAR [--json] [--data-dir DIR]\n"
    "\n"
    "Lists the days off of YEAR: statutory days (Labour Code Art. 112),\n"
    "compensatory days for statutory days on a weekend, and days off added by\n"
    "official decisions; then the make-up working Saturdays.\n";

constexpr const char* kDueUsage =
    "usage: hoso calendar due --received TIME --days N [--calendar-days]\n"
    "                         [--site NAME] [--json] [--data-dir DIR]\n"
    "\n"
    "Computes the appointment time. An intake at lunch, before opening, after\n"
    "closing, on a day off or at/after the site's afternoon cut-off is counted\n"
    "from the next office time (\"counted from\"). N working days are N times\n"
    "the office hours of a day; N calendar days end on the next working day.\n";

// Usage errors exit 2, everything else 1 (tools/cli.h).
int Fail(std::ostream& err, const Status& status) {
  err << "hoso: " << status.message() << "\n";
  return status.IsInvalidArgument() ? 2 : 1;
}

// A damaged or missing calendar file is not the caller's usage error.
int FailData(std::ostream& err, const Status& status) {
  err << "hoso: " << status.message() << "\n";
  return 1;
}

const char* WeekdayName(const Date& d) {
  static const char* const kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return kNames[Weekday(d)];
}

Result<CalendarData> LoadData(const cli::Args& args) {
  const std::string dir = args.Get("data-dir").value_or(DefaultDataDir());
  return LoadCalendarData(dir + "/calendar.json");
}

Result<int> ParseNumber(const std::string& s, const std::string& what) {
  const bool digits = !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (!digits) return Status::InvalidArgument(what + " must be a whole number, got '" + s + "'");
  return std::stoi(s);
}

int RunHolidays(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = cli::Args::Parse(argv, {"data-dir"}, {"json"});
  if (!args.ok()) return Fail(err, args.status());
  if (args->Has("help")) {
    out << kHolidaysUsage;
    return 0;
  }
  if (args->positional().size() != 1) {
    return Fail(err, Status::InvalidArgument("holidays takes one YEAR (see --help)"));
  }
  auto year = ParseNumber(args->positional()[0], "YEAR");
  if (!year.ok()) return Fail(err, year.status());
  if (*year < kMinCalendarYear || *year > kMaxCalendarYear) {
    return Fail(err, Status::InvalidArgument("YEAR must be " + std::to_string(kMinCalendarYear) +
                                             ".." + std::to_string(kMaxCalendarYear)));
  }
  auto data = LoadData(*args);
  if (!data.ok()) return FailData(err, data.status());

  const std::vector<Holiday> holidays = HolidaysOf(*year, *data);
  const std::vector<CalendarEntry> saturdays = WorkingSaturdaysOf(*year, *data);
  if (args->Has("json")) {
    json::array hs;
    for (const Holiday& h : holidays) {
      hs.push_back(json::object{{"date", FormatDate(h.date)},
                                {"weekday", WeekdayName(h.date)},
                                {"name_vi", h.name_vi},
                                {"name_en", h.name_en},
                                {"kind", HolidayKindName(h.kind)}});
    }
    json::array ws;
    for (const CalendarEntry& e : saturdays) {
      ws.push_back(json::object{{"date", FormatDate(e.date)},
                                {"weekday", WeekdayName(e.date)},
                                {"name_vi", e.name_vi},
                                {"name_en", e.name_en}});
    }
    out << ToPrettyJson(json::object{{"year", *year},
                                     {"calendar_version", data->version},
                                     {"holidays", std::move(hs)},
                                     {"working_saturdays", std::move(ws)}});
    return 0;
  }
  out << "Days off in " << *year << " (calendar " << data->version
      << "; unmarked days are statutory)\n";
  for (const Holiday& h : holidays) {
    out << FormatDate(h.date) << "  " << WeekdayName(h.date) << "  " << h.name_vi << " / "
        << h.name_en;
    if (h.kind != Holiday::kStatutory) out << "  [" << HolidayKindName(h.kind) << "]";
    out << "\n";
  }
  out << "Make-up working Saturdays in " << *year << ":";
  if (saturdays.empty()) out << " none";
  out << "\n";
  for (const CalendarEntry& e : saturdays) {
    out << FormatDate(e.date) << "  " << WeekdayName(e.date) << "  " << e.name_vi << " / "
        << e.name_en << "\n";
  }
  return 0;
}

int RunDue(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args =
      cli::Args::Parse(argv, {"data-dir", "received", "days", "site"}, {"json", "calendar-days"});
  if (!args.ok()) return Fail(err, args.status());
  if (args->Has("help")) {
    out << kDueUsage;
    return 0;
  }
  if (!args->positional().empty()) {
    return Fail(err, Status::InvalidArgument("unexpected argument '" + args->positional()[0] +
                                             "' (see --help)"));
  }
  auto received_text = args->Require("received");
  if (!received_text.ok()) return Fail(err, received_text.status());
  auto days_text = args->Require("days");
  if (!days_text.ok()) return Fail(err, days_text.status());
  auto received = ParseIsoTime(*received_text);
  if (!received.ok()) return Fail(err, received.status().WithContext("--received"));
  auto days = ParseNumber(*days_text, "--days");
  if (!days.ok()) return Fail(err, days.status());

  auto data = LoadData(*args);
  if (!data.ok()) return FailData(err, data.status());
  const std::string site = args->Get("site").value_or("default");
  auto cal = WorkingCalendar::ForSite(std::move(*data), site);
  if (!cal.ok()) {
    // An unknown --site is the caller's mistake; anything else is the data's.
    if (cal.status().IsNotFound())
      return Fail(err, Status::InvalidArgument(cal.status().message()));
    return FailData(err, cal.status());
  }
  const DayCount kind =
      args->Has("calendar-days") ? DayCount::kCalendarDays : DayCount::kWorkingDays;
  auto appointment = cal->Appoint(*received, *days, kind);
  if (!appointment.ok()) return Fail(err, appointment.status());

  const SiteHours& hours = cal->hours();
  std::string office_hours;
  for (const OfficeInterval& in : hours.office_hours) {
    if (!office_hours.empty()) office_hours += ", ";
    office_hours += FormatMinuteOfDay(in.open_minute) + "-" + FormatMinuteOfDay(in.close_minute);
  }
  const std::string cutoff =
      hours.cutoff_minute ? FormatMinuteOfDay(*hours.cutoff_minute) : std::string("none");
  const Appointment& a = *appointment;
  if (args->Has("json")) {
    json::object o{{"received", FormatLocalIso(a.received)},
                   {"counted_from", FormatLocalIso(a.counted_from)},
                   {"due", FormatLocalIso(a.due)},
                   {"days", a.days},
                   {"kind", DayCountName(a.kind)},
                   {"calendar_version", a.calendar_version},
                   {"site", site}};
    if (hours.cutoff_minute) {
      o["cutoff"] = cutoff;
    } else {
      o["cutoff"] = nullptr;
    }
    out << ToPrettyJson(o);
    return 0;
  }
  const Date due_day = LocalDateOf(a.due);
  out << "received:      " << FormatLocalIso(a.received) << "\n"
      << "counted from:  " << FormatLocalIso(a.counted_from) << "\n"
      << "due:           " << FormatLocalIso(a.due) << " (" << WeekdayName(due_day) << ")\n"
      << "days:          " << a.days << " "
      << (a.kind == DayCount::kWorkingDays ? "working" : "calendar")
      << (a.days == 1 ? " day" : " days") << "\n"
      << "office hours:  " << office_hours << " (site " << site << ")\n"
      << "cut-off:       " << cutoff << "\n"
      << "calendar:      " << a.calendar_version << "\n";
  return 0;
}

}  // namespace

int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << "hoso: missing calendar command: holidays or due (see hoso calendar --help)\n";
    return 2;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage;
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "holidays") return RunHolidays(rest, out, err);
  if (command == "due") return RunDue(rest, out, err);
  err << "hoso: unknown calendar command '" << command << "' (see hoso calendar --help)\n";
  return 2;
}

}  // namespace hoso::tools
