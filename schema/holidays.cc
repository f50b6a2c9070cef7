#include "schema/holidays.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <set>

#include "schema/json_util.h"
#include "schema/lunar.h"

namespace hoso {

namespace {

constexpr int kSaturday = 6;
constexpr int kSunday = 0;

bool IsWeekend(const Date& d) {
  const int wd = Weekday(d);
  return wd == kSaturday || wd == kSunday;
}

Holiday Statutory(const Date& d, const char* vi, const char* en) {
  return Holiday{d, vi, en, Holiday::kStatutory};
}

// The Labour Code days of `year`, before any compensation, sorted by date.
std::vector<Holiday> StatutoryDaysOf(int year) {
  std::vector<Holiday> out;
  out.push_back(Statutory({year, 1, 1}, "Tết Dương lịch", "New Year's Day"));
  // Tết: the last day of the old lunar year (29 or 30 of month 12) and the
  // first four days of the new one. Lunar 1/1 always falls between 21 January
  // and 20 February, so all five days are in `year`.
  // Outside the supported range the lunar calendar is not trusted, so only
  // the fixed-date holidays are known there.
  if (year >= kMinLunarSupportedYear && year <= kMaxLunarSupportedYear) {
    const Date tet = LunarNewYear(year);
    for (int offset = -1; offset <= 3; ++offset) {
      out.push_back(Statutory(AddDays(tet, offset), "Tết Nguyên đán", "Lunar New Year"));
    }
    auto hung_kings = LunarToSolar(year, 3, 10);
    if (hung_kings.ok()) {
      out.push_back(Statutory(*hung_kings, "Giỗ Tổ Hùng Vương", "Hùng Kings' Commemoration Day"));
    }
  }
  out.push_back(Statutory({year, 4, 30}, "Ngày Chiến thắng", "Reunification Day"));
  out.push_back(Statutory({year, 5, 1}, "Ngày Quốc tế Lao động", "International Workers' Day"));
  // The Code leaves the choice of 1 or 3 September to the Government each
  // year; the day before is the usual choice (it joins the weekend more often
  // than not), and the calendar data corrects it where a decision differs.
  out.push_back(Statutory({year, 9, 1}, "Quốc khánh (ngày liền kề)", "National Day holiday"));
  out.push_back(Statutory({year, 9, 2}, "Quốc khánh", "National Day"));
  std::stable_sort(out.begin(), out.end(),
                   [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
  // Lunar 10/3 can fall on 30 April (it did in 1947): one day off, both names.
  std::vector<Holiday> merged;
  for (Holiday& h : out) {
    if (!merged.empty() && merged.back().date == h.date) {
      merged.back().name_vi += "; " + h.name_vi;
      merged.back().name_en += "; " + h.name_en;
    } else {
      merged.push_back(std::move(h));
    }
  }
  return merged;
}

// Art. 112(3): each statutory day on a weekend moves to the next working day
// that is neither a weekend nor already a day off. Processing in date order
// makes two weekend holidays (Tết often has two) take consecutive weekdays.
std::vector<Holiday> CompensatoryDaysFor(const std::vector<Holiday>& statutory) {
  std::set<Date> taken;
  for (const Holiday& h : statutory) taken.insert(h.date);
  std::vector<Holiday> out;
  for (const Holiday& h : statutory) {
    if (!IsWeekend(h.date)) continue;
    Date d = AddDays(h.date, 1);
    while (IsWeekend(d) || taken.count(d) > 0) d = AddDays(d, 1);
    taken.insert(d);
    out.push_back(Holiday{d, "Nghỉ bù " + h.name_vi, "Compensatory day off for " + h.name_en,
                          Holiday::kCompensatory});
  }
  return out;
}

bool ContainsDate(const std::vector<CalendarEntry>& entries, const Date& d) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const CalendarEntry& e) { return e.date == d; });
}

void SortByDate(std::vector<Holiday>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Holiday& a, const Holiday& b) { return a.date < b.date; });
}

// ---- parsing ----

Status CheckKeys(const json::object& o, std::initializer_list<std::string_view> allowed,
                 std::string_view path) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      const std::string p = JoinPath(path, kv.key());
      return Status::InvalidArgument("unknown field '" + p + "'", p);
    }
  }
  return Status::OK();
}

Result<Date> GetDate(const json::object& o, std::string_view key, std::string_view path) {
  HOSO_ASSIGN_OR_RETURN(std::string s, GetString(o, key, path));
  auto d = ParseDate(s);
  if (!d.ok()) {
    const std::string p = JoinPath(path, key);
    return Status::InvalidArgument("'" + p + "': " + d.status().message(), p);
  }
  return *d;
}

Result<std::string> GetName(const json::object& o, std::string_view key, std::string_view path,
                            bool required) {
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> s, GetOptString(o, key, path));
  if (required && (!s || s->empty())) {
    const std::string p = JoinPath(path, key);
    return Status::InvalidArgument("'" + p + "' is required and must not be empty", p);
  }
  return s.value_or("");
}

enum class ListKind { kDaysOff, kWorkingDays, kNotOff };

Result<std::vector<CalendarEntry>> ParseEntries(const json::object& year_obj, std::string_view key,
                                                const std::string& path, int year, ListKind kind) {
  std::vector<CalendarEntry> out;
  const std::string list_path = JoinPath(path, key);
  auto it = year_obj.find(key);
  if (it == year_obj.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) {
    return Status::InvalidArgument("'" + list_path + "' must be an array", list_path);
  }
  const json::array& arr = it->value().get_array();
  const size_t limit = kind == ListKind::kWorkingDays ? kMaxWorkingDaysPerYear : kMaxDaysOffPerYear;
  if (arr.size() > limit) {
    return Status::InvalidArgument(
        "'" + list_path + "' has more than " + std::to_string(limit) + " entries", list_path);
  }
  const bool names_required = kind != ListKind::kNotOff;
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string p = list_path + "[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return Status::InvalidArgument("'" + p + "' must be an object", p);
    const json::object& e = arr[i].get_object();
    HOSO_RETURN_IF_ERROR(CheckKeys(e, {"date", "name_vi", "name_en", "note", "source"}, p));
    CalendarEntry entry;
    HOSO_ASSIGN_OR_RETURN(entry.date, GetDate(e, "date", p));
    const std::string date_path = JoinPath(p, "date");
    if (entry.date.year != year) {
      return Status::InvalidArgument("'" + date_path + "' " + FormatDate(entry.date) +
                                         " is not in year " + std::to_string(year),
                                     date_path);
    }
    if (ContainsDate(out, entry.date)) {
      return Status::InvalidArgument(
          "'" + date_path + "' " + FormatDate(entry.date) + " is listed twice", date_path);
    }
    if (kind == ListKind::kWorkingDays && Weekday(entry.date) != kSaturday) {
      return Status::InvalidArgument("'" + date_path + "' " + FormatDate(entry.date) +
                                         " is not a Saturday (make-up working days are "
                                         "Saturdays; use not_off for a rule day that is worked)",
                                     date_path);
    }
    HOSO_ASSIGN_OR_RETURN(entry.name_vi, GetName(e, "name_vi", p, names_required));
    HOSO_ASSIGN_OR_RETURN(entry.name_en, GetName(e, "name_en", p, names_required));
    HOSO_ASSIGN_OR_RETURN(entry.note, GetName(e, "note", p, false));
    HOSO_ASSIGN_OR_RETURN(entry.source, GetName(e, "source", p, false));
    out.push_back(std::move(entry));
  }
  return out;
}

Result<YearOverrides> ParseYear(const json::value& v, const std::string& path, int year) {
  if (!v.is_object()) return Status::InvalidArgument("'" + path + "' must be an object", path);
  const json::object& o = v.get_object();
  HOSO_RETURN_IF_ERROR(
      CheckKeys(o, {"days_off", "working_days", "not_off", "note", "source"}, path));
  YearOverrides y;
  HOSO_ASSIGN_OR_RETURN(y.days_off, ParseEntries(o, "days_off", path, year, ListKind::kDaysOff));
  HOSO_ASSIGN_OR_RETURN(y.working_days,
                        ParseEntries(o, "working_days", path, year, ListKind::kWorkingDays));
  HOSO_ASSIGN_OR_RETURN(y.not_off, ParseEntries(o, "not_off", path, year, ListKind::kNotOff));
  HOSO_ASSIGN_OR_RETURN(y.note, GetName(o, "note", path, false));
  HOSO_ASSIGN_OR_RETURN(y.source, GetName(o, "source", path, false));
  for (size_t i = 0; i < y.working_days.size(); ++i) {
    if (ContainsDate(y.days_off, y.working_days[i].date)) {
      const std::string p = path + ".working_days[" + std::to_string(i) + "].date";
      return Status::InvalidArgument(
          "'" + p + "' " + FormatDate(y.working_days[i].date) + " is also listed in days_off", p);
    }
  }
  const std::vector<Holiday> rule_days = RuleHolidaysOf(year);
  for (size_t i = 0; i < y.not_off.size(); ++i) {
    const Date d = y.not_off[i].date;
    const bool is_rule_day = std::any_of(rule_days.begin(), rule_days.end(),
                                         [&](const Holiday& h) { return h.date == d; });
    if (!is_rule_day) {
      const std::string p = path + ".not_off[" + std::to_string(i) + "].date";
      return Status::InvalidArgument(
          "'" + p + "' " + FormatDate(d) + " is not a day off under the rules", p);
    }
  }
  return y;
}

Result<SiteHours> ParseSite(const json::value& v, const std::string& path) {
  if (!v.is_object()) return Status::InvalidArgument("'" + path + "' must be an object", path);
  const json::object& o = v.get_object();
  HOSO_RETURN_IF_ERROR(CheckKeys(o, {"office_hours", "cutoff", "note"}, path));
  SiteHours site;
  HOSO_ASSIGN_OR_RETURN(const json::array* hours, GetArray(o, "office_hours", path));
  const std::string hours_path = JoinPath(path, "office_hours");
  for (size_t i = 0; i < hours->size(); ++i) {
    const std::string p = hours_path + "[" + std::to_string(i) + "]";
    const json::value& pair = (*hours)[i];
    if (!pair.is_array() || pair.get_array().size() != 2 || !pair.get_array()[0].is_string() ||
        !pair.get_array()[1].is_string()) {
      return Status::InvalidArgument("'" + p + "' must be a pair [\"HH:MM\", \"HH:MM\"]", p);
    }
    OfficeInterval interval;
    auto open = ParseMinuteOfDay(pair.get_array()[0].get_string());
    auto close = ParseMinuteOfDay(pair.get_array()[1].get_string());
    if (!open.ok() || !close.ok()) {
      return Status::InvalidArgument(
          "'" + p + "': " + (open.ok() ? close : open).status().message(), p);
    }
    interval.open_minute = *open;
    interval.close_minute = *close;
    site.office_hours.push_back(interval);
  }
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> cutoff, GetOptString(o, "cutoff", path));
  if (cutoff) {
    auto minute = ParseMinuteOfDay(*cutoff);
    if (!minute.ok()) {
      const std::string p = JoinPath(path, "cutoff");
      return Status::InvalidArgument("'" + p + "': " + minute.status().message(), p);
    }
    site.cutoff_minute = *minute;
  }
  HOSO_RETURN_IF_ERROR(ValidateSiteHours(site, path));
  return site;
}

}  // namespace

const char* HolidayKindName(Holiday::Kind kind) {
  switch (kind) {
    case Holiday::kStatutory:
      return "statutory";
    case Holiday::kCompensatory:
      return "compensatory";
    case Holiday::kOfficial:
      return "official";
  }
  return "unknown";
}

SiteHours DefaultSiteHours() {
  SiteHours s;
  s.office_hours = {{7 * 60 + 30, 11 * 60 + 30}, {13 * 60, 17 * 60}};
  s.cutoff_minute = 16 * 60;
  return s;
}

Status ValidateSiteHours(const SiteHours& hours, std::string_view field) {
  const std::string hours_path = JoinPath(field, "office_hours");
  if (hours.office_hours.empty()) {
    return Status::InvalidArgument("'" + hours_path + "' must not be empty", hours_path);
  }
  int previous_close = 0;
  for (size_t i = 0; i < hours.office_hours.size(); ++i) {
    const OfficeInterval& in = hours.office_hours[i];
    const std::string p = hours_path + "[" + std::to_string(i) + "]";
    if (in.open_minute < 0 || in.close_minute > 24 * 60 || in.open_minute >= in.close_minute) {
      return Status::InvalidArgument("'" + p + "' must open before it closes", p);
    }
    if (i > 0 && in.open_minute < previous_close) {
      return Status::InvalidArgument(
          "'" + p + "' must start at or after the previous interval closes", p);
    }
    previous_close = in.close_minute;
  }
  if (hours.cutoff_minute) {
    const int c = *hours.cutoff_minute;
    if (c <= hours.office_hours.front().open_minute || c > previous_close) {
      const std::string p = JoinPath(field, "cutoff");
      return Status::InvalidArgument(
          "'" + p + "' must be after the first opening and at or before the last closing", p);
    }
  }
  return Status::OK();
}

std::string FormatMinuteOfDay(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

Result<int> ParseMinuteOfDay(std::string_view s) {
  auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    return Status::InvalidArgument("not a time of day (HH:MM): '" + std::string(s) + "'");
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) {
    return Status::InvalidArgument("not a time of day (00:00..24:00): '" + std::string(s) + "'");
  }
  return h * 60 + m;
}

Result<CalendarData> ParseCalendarData(std::string_view text) {
  HOSO_ASSIGN_OR_RETURN(json::object root, ParseJsonObject(text));
  HOSO_RETURN_IF_ERROR(CheckKeys(
      root, {"format", "version", "effective_from", "years", "sites", "note", "source"}, ""));
  CalendarData data;
  HOSO_ASSIGN_OR_RETURN(data.format, GetString(root, "format"));
  if (data.format != kCalendarFormat) {
    return Status::InvalidArgument("unsupported calendar format '" + data.format +
                                       "' (this build reads " + std::string(kCalendarFormat) + ")",
                                   "format");
  }
  HOSO_ASSIGN_OR_RETURN(data.version, GetName(root, "version", "", true));
  HOSO_ASSIGN_OR_RETURN(data.effective_from, GetDate(root, "effective_from", ""));
  HOSO_ASSIGN_OR_RETURN(const json::object* years, GetObject(root, "years"));
  for (const auto& kv : *years) {
    const std::string key(kv.key());
    const std::string path = "years." + key;
    int year = 0;
    const bool four_digits = key.size() == 4 && std::all_of(key.begin(), key.end(), [](char c) {
                               return c >= '0' && c <= '9';
                             });
    if (four_digits) year = std::stoi(key);
    if (!four_digits || year < kMinLunarSupportedYear || year > kMaxLunarSupportedYear) {
      return Status::InvalidArgument("'" + path + "': year must be " +
                                         std::to_string(kMinLunarSupportedYear) + ".." +
                                         std::to_string(kMaxLunarSupportedYear),
                                     path);
    }
    HOSO_ASSIGN_OR_RETURN(data.years[year], ParseYear(kv.value(), path, year));
  }
  auto sites_it = root.find("sites");
  if (sites_it != root.end() && !sites_it->value().is_null()) {
    if (!sites_it->value().is_object()) {
      return Status::InvalidArgument("'sites' must be an object", "sites");
    }
    for (const auto& kv : sites_it->value().get_object()) {
      const std::string name(kv.key());
      if (name.empty()) return Status::InvalidArgument("a site name is empty", "sites");
      HOSO_ASSIGN_OR_RETURN(data.sites[name], ParseSite(kv.value(), "sites." + name));
    }
  }
  if (data.sites.count("default") == 0) data.sites["default"] = DefaultSiteHours();
  return data;
}

Result<CalendarData> LoadCalendarData(const std::string& path, FileSystem* fs) {
  auto text = fs->ReadFile(path);
  if (!text.ok()) return text.status();
  auto data = ParseCalendarData(*text);
  if (!data.ok()) return data.status().WithContext(path);
  return data;
}

CalendarData RulesOnlyCalendarData() {
  CalendarData data;
  data.format = std::string(kCalendarFormat);
  data.version = "rules-only";
  data.effective_from = Date{kMinLunarSupportedYear, 1, 1};
  data.sites["default"] = DefaultSiteHours();
  return data;
}

std::vector<Holiday> RuleHolidaysOf(int year) {
  std::vector<Holiday> out = StatutoryDaysOf(year);
  std::vector<Holiday> comp = CompensatoryDaysFor(out);
  out.insert(out.end(), comp.begin(), comp.end());
  SortByDate(out);
  return out;
}

std::vector<Holiday> HolidaysOf(int year, const CalendarData& data) {
  static const YearOverrides kNone;
  auto it = data.years.find(year);
  const YearOverrides& y = it == data.years.end() ? kNone : it->second;
  auto not_taken = [&](const Holiday& h) { return ContainsDate(y.not_off, h.date); };
  std::vector<Holiday> out = StatutoryDaysOf(year);
  out.erase(std::remove_if(out.begin(), out.end(), not_taken), out.end());
  std::vector<Holiday> comp = CompensatoryDaysFor(out);
  comp.erase(std::remove_if(comp.begin(), comp.end(), not_taken), comp.end());
  out.insert(out.end(), comp.begin(), comp.end());
  for (const CalendarEntry& e : y.days_off) {
    const bool present =
        std::any_of(out.begin(), out.end(), [&](const Holiday& h) { return h.date == e.date; });
    if (!present) out.push_back(Holiday{e.date, e.name_vi, e.name_en, Holiday::kOfficial});
  }
  SortByDate(out);
  return out;
}

std::vector<CalendarEntry> WorkingSaturdaysOf(int year, const CalendarData& data) {
  auto it = data.years.find(year);
  if (it == data.years.end()) return {};
  std::vector<CalendarEntry> out = it->second.working_days;
  std::stable_sort(out.begin(), out.end(),
                   [](const CalendarEntry& a, const CalendarEntry& b) { return a.date < b.date; });
  return out;
}

bool IsWorkingDay(const Date& d, const CalendarData& data) {
  auto it = data.years.find(d.year);
  if (it != data.years.end() && ContainsDate(it->second.working_days, d)) return true;
  if (IsWeekend(d)) return false;
  for (const Holiday& h : HolidaysOf(d.year, data)) {
    if (h.date == d) return false;
  }
  return true;
}

}  // namespace hoso
