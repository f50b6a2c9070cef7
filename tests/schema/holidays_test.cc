#include "schema/holidays.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "schema/lunar.h"
#include "schema/data_dir.h"

namespace hoso {

// Readable failure messages (internal linkage: each test file has its own).
[[maybe_unused]] static void PrintTo(const Date& d, std::ostream* os) { *os << FormatDate(d); }

namespace {

Date D(int y, int m, int d) { return Date{y, m, d}; }

std::string DataDir() {
  if (const char* env = std::getenv("HOSO_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return HOSO_DATA_DIR;
}

const CalendarData& Shipped() {
  static const CalendarData* data = [] {
    auto loaded = LoadCalendarData(DataDir() + "/calendar.json");
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    return new CalendarData(loaded.ok() ? *loaded : RulesOnlyCalendarData());
  }();
  return *data;
}

std::vector<std::pair<Date, Holiday::Kind>> DatesAndKinds(const std::vector<Holiday>& hs) {
  std::vector<std::pair<Date, Holiday::Kind>> out;
  for (const Holiday& h : hs) out.emplace_back(h.date, h.kind);
  return out;
}

const Holiday* Find(const std::vector<Holiday>& hs, const Date& d) {
  for (const Holiday& h : hs) {
    if (h.date == d) return &h;
  }
  return nullptr;
}

// A minimal valid file with one year block spliced in.
std::string WithYear(const std::string& year_block) {
  return R"({"format":"hoso.calendar/1","version":"t.1","effective_from":"2026-01-01",)"
         R"("years":{)" +
         year_block + "}}";
}

Status ParseError(const std::string& json) {
  auto r = ParseCalendarData(json);
  EXPECT_FALSE(r.ok()) << json;
  return r.status();
}

TEST(HolidaysTest, RulesFor2026GiveTwelveDaysWithHungKingsCompensated) {
  using K = Holiday::Kind;
  const std::vector<std::pair<Date, K>> expected = {
      {D(2026, 1, 1), K::kStatutory},  {D(2026, 2, 16), K::kStatutory},
      {D(2026, 2, 17), K::kStatutory}, {D(2026, 2, 18), K::kStatutory},
      {D(2026, 2, 19), K::kStatutory}, {D(2026, 2, 20), K::kStatutory},
      {D(2026, 4, 26), K::kStatutory}, {D(2026, 4, 27), K::kCompensatory},
      {D(2026, 4, 30), K::kStatutory}, {D(2026, 5, 1), K::kStatutory},
      {D(2026, 9, 1), K::kStatutory},  {D(2026, 9, 2), K::kStatutory},
  };
  EXPECT_EQ(DatesAndKinds(RuleHolidaysOf(2026)), expected);
}

TEST(HolidaysTest, TetIsAHolidayIn2026_2027_2030And2053) {
  for (const Date& tet : {D(2026, 2, 17), D(2027, 2, 6), D(2030, 2, 2), D(2053, 2, 18)}) {
    const std::vector<Holiday> hs = HolidaysOf(tet.year, Shipped());
    const Holiday* h = Find(hs, tet);
    ASSERT_NE(h, nullptr) << FormatDate(tet);
    EXPECT_EQ(h->name_vi, "Tết Nguyên đán");
    EXPECT_EQ(h->name_en, "Lunar New Year");
    EXPECT_EQ(h->kind, Holiday::kStatutory);
    EXPECT_FALSE(IsWorkingDay(tet, Shipped())) << FormatDate(tet);
  }
}

TEST(HolidaysTest, TetRuleIsTheLastDayOfTheLunarYearAndFourDaysAfter) {
  for (int year = 2025; year <= 2060; ++year) {
    const Date tet = LunarNewYear(year);
    const std::vector<Holiday> hs = RuleHolidaysOf(year);
    for (int offset = -1; offset <= 3; ++offset) {
      const Holiday* h = Find(hs, AddDays(tet, offset));
      ASSERT_NE(h, nullptr) << year << " offset " << offset;
      EXPECT_EQ(h->kind, Holiday::kStatutory);
    }
    EXPECT_EQ(Find(hs, AddDays(tet, -2)), nullptr) << year;
  }
}

TEST(HolidaysTest, Tet2027OnASaturdayGivesTwoCompensatoryDays) {
  // Lunar 1/1 2027 is Saturday 6 February: Saturday and Sunday move to the
  // Wednesday and Thursday after the statutory days.
  const std::vector<Holiday> hs = RuleHolidaysOf(2027);
  ASSERT_NE(Find(hs, D(2027, 2, 10)), nullptr);
  ASSERT_NE(Find(hs, D(2027, 2, 11)), nullptr);
  EXPECT_EQ(Find(hs, D(2027, 2, 10))->kind, Holiday::kCompensatory);
  EXPECT_EQ(Find(hs, D(2027, 2, 11))->kind, Holiday::kCompensatory);
  EXPECT_EQ(Find(hs, D(2027, 2, 11))->name_vi, "Nghỉ bù Tết Nguyên đán");
  EXPECT_EQ(Find(hs, D(2027, 2, 12)), nullptr);
  EXPECT_TRUE(IsWorkingDay(D(2027, 2, 12), Shipped()));
}

TEST(HolidaysTest, HolidayOnAWeekendGivesTheNextWorkingDayOff) {
  // 1 January 2028 is a Saturday.
  const std::vector<Holiday> y2028 = RuleHolidaysOf(2028);
  const Holiday* h = Find(y2028, D(2028, 1, 3));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->kind, Holiday::kCompensatory);
  EXPECT_EQ(h->name_en, "Compensatory day off for New Year's Day");
  // 30 April and 1 May 2022 were Saturday and Sunday: Monday and Tuesday off.
  const std::vector<Holiday> y2022 = RuleHolidaysOf(2022);
  ASSERT_NE(Find(y2022, D(2022, 5, 2)), nullptr);
  ASSERT_NE(Find(y2022, D(2022, 5, 3)), nullptr);
  // 1 and 2 September 2029 are Saturday and Sunday.
  const std::vector<Holiday> y2029 = RuleHolidaysOf(2029);
  ASSERT_NE(Find(y2029, D(2029, 9, 3)), nullptr);
  ASSERT_NE(Find(y2029, D(2029, 9, 4)), nullptr);
  EXPECT_FALSE(IsWorkingDay(D(2029, 9, 4), Shipped()));
  EXPECT_TRUE(IsWorkingDay(D(2029, 9, 5), Shipped()));
}

TEST(HolidaysTest, ShippedCalendarHasTheNineDayTet2026Break) {
  EXPECT_TRUE(IsWorkingDay(D(2026, 2, 13), Shipped()));
  for (int day = 14; day <= 22; ++day) {
    EXPECT_FALSE(IsWorkingDay(D(2026, 2, day), Shipped())) << day;
  }
  EXPECT_TRUE(IsWorkingDay(D(2026, 2, 23), Shipped()));
  const std::vector<Holiday> hs = HolidaysOf(2026, Shipped());
  ASSERT_NE(Find(hs, D(2026, 2, 14)), nullptr);
  EXPECT_EQ(Find(hs, D(2026, 2, 14))->kind, Holiday::kOfficial);
  // An official day that is also a rule day keeps the rule's entry.
  EXPECT_EQ(Find(hs, D(2026, 2, 17))->kind, Holiday::kStatutory);
}

TEST(HolidaysTest, OfficialTet2025ScheduleReplacesTheRule) {
  // Officially 27-31 January were the five Tết days, so the rule's Saturday
  // 1 February gave no compensatory Monday 3 February.
  for (int day = 25; day <= 31; ++day) EXPECT_FALSE(IsWorkingDay(D(2025, 1, day), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2025, 2, 1), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2025, 2, 2), Shipped()));
  EXPECT_TRUE(IsWorkingDay(D(2025, 2, 3), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2025, 2, 3), RulesOnlyCalendarData()));
  EXPECT_TRUE(IsWorkingDay(D(2025, 1, 27), RulesOnlyCalendarData()));
}

TEST(HolidaysTest, MakeUpSaturdaysAreWorkingDays) {
  EXPECT_TRUE(IsWorkingDay(D(2025, 4, 26), Shipped()));
  EXPECT_TRUE(IsWorkingDay(D(2026, 1, 10), Shipped()));
  EXPECT_TRUE(IsWorkingDay(D(2026, 8, 22), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2026, 1, 17), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2026, 1, 10), RulesOnlyCalendarData()));
  const std::vector<CalendarEntry> saturdays = WorkingSaturdaysOf(2026, Shipped());
  ASSERT_EQ(saturdays.size(), 2u);
  EXPECT_EQ(saturdays[0].date, D(2026, 1, 10));
  EXPECT_EQ(saturdays[1].date, D(2026, 8, 22));
}

TEST(HolidaysTest, SwappedWorkingDaysAreOff) {
  EXPECT_FALSE(IsWorkingDay(D(2025, 5, 2), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2026, 1, 2), Shipped()));
  EXPECT_FALSE(IsWorkingDay(D(2026, 8, 31), Shipped()));
  EXPECT_TRUE(IsWorkingDay(D(2026, 8, 31), RulesOnlyCalendarData()));
}

TEST(HolidaysTest, HolidaysAreSortedUniqueAndNamedInBothLanguages) {
  for (int year = 2025; year <= 2031; ++year) {
    const std::vector<Holiday> hs = HolidaysOf(year, Shipped());
    ASSERT_FALSE(hs.empty());
    for (size_t i = 0; i < hs.size(); ++i) {
      EXPECT_EQ(hs[i].date.year, year);
      EXPECT_FALSE(hs[i].name_vi.empty());
      EXPECT_FALSE(hs[i].name_en.empty());
      if (i > 0) {
        EXPECT_LT(hs[i - 1].date, hs[i].date) << year;
      }
    }
  }
}

TEST(HolidaysTest, RulesGiveElevenDistinctStatutoryDaysEveryYear) {
  for (int year = 1900; year <= 2199; ++year) {
    if (year == 1947) continue;  // see the next test
    int statutory = 0;
    const std::vector<Holiday> hs = RuleHolidaysOf(year);
    for (size_t i = 0; i < hs.size(); ++i) {
      statutory += hs[i].kind == Holiday::kStatutory;
      if (i > 0) {
        ASSERT_LT(hs[i - 1].date, hs[i].date) << year;
      }
    }
    EXPECT_EQ(statutory, 11) << year;
  }
}

TEST(HolidaysTest, HolidaysOnTheSameDayAreMergedIntoOne) {
  // Lunar 10/3 of 1947 was 30 April.
  const std::vector<Holiday> hs = RuleHolidaysOf(1947);
  const Holiday* h = Find(hs, D(1947, 4, 30));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->name_vi, "Giỗ Tổ Hùng Vương; Ngày Chiến thắng");
  EXPECT_EQ(h->name_en, "Hùng Kings' Commemoration Day; Reunification Day");
  int count = 0;
  for (const Holiday& x : hs) count += x.date == D(1947, 4, 30);
  EXPECT_EQ(count, 1);
}

TEST(HolidaysTest, ShippedCalendarParses) {
  EXPECT_EQ(Shipped().format, "hoso.calendar/1");
  EXPECT_FALSE(Shipped().version.empty());
  EXPECT_EQ(Shipped().sites.at("default"), DefaultSiteHours());
}

TEST(HolidaysTest, MissingSitesGetTheDefaultHours) {
  auto data = ParseCalendarData(WithYear(""));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->sites.at("default"), DefaultSiteHours());
  EXPECT_EQ(*data->sites.at("default").cutoff_minute, 16 * 60);
}

TEST(HolidaysTest, SiteHoursAndNullCutoffParse) {
  auto data = ParseCalendarData(
      R"({"format":"hoso.calendar/1","version":"v","effective_from":"2026-01-01","years":{},)"
      R"("sites":{"default":{"office_hours":[["08:00","12:00"],["13:30","17:30"]],"cutoff":null},)"
      R"("ward-7":{"office_hours":[["07:00","11:00"]],"cutoff":"10:30"}}})");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const SiteHours& d = data->sites.at("default");
  EXPECT_EQ(d.office_hours, (std::vector<OfficeInterval>{{480, 720}, {810, 1050}}));
  EXPECT_FALSE(d.cutoff_minute.has_value());
  EXPECT_EQ(*data->sites.at("ward-7").cutoff_minute, 630);
}

TEST(HolidaysTest, WrongFormatIsRejected) {
  Status s = ParseError(
      R"({"format":"hoso.calendar/2","version":"v","effective_from":"2026-01-01","years":{}})");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "format");
}

TEST(HolidaysTest, MissingVersionIsRejected) {
  EXPECT_EQ(ParseError(R"({"format":"hoso.calendar/1","effective_from":"2026-01-01","years":{}})")
                .field(),
            "version");
}

TEST(HolidaysTest, MalformedJsonIsRejected) {
  EXPECT_TRUE(ParseError(R"({"format":"hoso.calendar/1",)").IsInvalidArgument());
  EXPECT_TRUE(ParseError("[]").IsInvalidArgument());
}

TEST(HolidaysTest, UnknownFieldIsRejectedWithItsPath) {
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"days_of":[]})")).field(), "years.2026.days_of");
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"days_off":[{"date":"2026-03-02","name_vi":"a",)"
                                R"("name_en":"b","kind":"x"}]})"))
                .field(),
            "years.2026.days_off[0].kind");
}

TEST(HolidaysTest, BadDateIsRejectedWithItsPath) {
  Status s = ParseError(
      WithYear(R"("2026":{"days_off":[{"date":"2026-03-02","name_vi":"a","name_en":"b"},)"
               R"({"date":"2026-02-30","name_vi":"a","name_en":"b"}]})"));
  EXPECT_EQ(s.field(), "years.2026.days_off[1].date");
  EXPECT_NE(s.message().find("2026-02-30"), std::string::npos) << s.message();
}

TEST(HolidaysTest, DateOutsideItsYearBlockIsRejected) {
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"days_off":[{"date":"2027-01-04","name_vi":"a",)"
                                R"("name_en":"b"}]})"))
                .field(),
            "years.2026.days_off[0].date");
}

TEST(HolidaysTest, DuplicateDateIsRejected) {
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"days_off":[{"date":"2026-03-02","name_vi":"a",)"
                                R"("name_en":"b"},{"date":"2026-03-02","name_vi":"a",)"
                                R"("name_en":"b"}]})"))
                .field(),
            "years.2026.days_off[1].date");
}

TEST(HolidaysTest, MissingNamesAreRejected) {
  EXPECT_EQ(
      ParseError(WithYear(R"("2026":{"days_off":[{"date":"2026-03-02","name_vi":"a"}]})")).field(),
      "years.2026.days_off[0].name_en");
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"working_days":[{"date":"2026-03-07",)"
                                R"("name_vi":"","name_en":"b"}]})"))
                .field(),
            "years.2026.working_days[0].name_vi");
}

TEST(HolidaysTest, WorkingDayThatIsNotASaturdayIsRejected) {
  Status s = ParseError(
      WithYear(R"("2026":{"working_days":[{"date":"2026-03-08","name_vi":"a","name_en":"b"}]})"));
  EXPECT_EQ(s.field(), "years.2026.working_days[0].date");
  EXPECT_NE(s.message().find("Saturday"), std::string::npos);
}

TEST(HolidaysTest, WorkingDayAlsoListedAsDayOffIsRejected) {
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"days_off":[{"date":"2026-03-07","name_vi":"a",)"
                                R"("name_en":"b"}],"working_days":[{"date":"2026-03-07",)"
                                R"("name_vi":"a","name_en":"b"}]})"))
                .field(),
            "years.2026.working_days[0].date");
}

TEST(HolidaysTest, NotOffMustNameARuleDay) {
  EXPECT_EQ(ParseError(WithYear(R"("2026":{"not_off":[{"date":"2026-09-03"}]})")).field(),
            "years.2026.not_off[0].date");
  auto ok = ParseCalendarData(WithYear(R"("2026":{"not_off":[{"date":"2026-09-01"}]})"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(IsWorkingDay(D(2026, 9, 1), *ok));
}

TEST(HolidaysTest, RemovedWeekendRuleDayGivesNoCompensation) {
  // Hùng Kings' day 2026 is a Sunday; without it there is no Monday off.
  auto data = ParseCalendarData(WithYear(R"("2026":{"not_off":[{"date":"2026-04-26"}]})"));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(IsWorkingDay(D(2026, 4, 27), *data));
  EXPECT_FALSE(IsWorkingDay(D(2026, 4, 27), RulesOnlyCalendarData()));
}

TEST(HolidaysTest, BadYearKeyIsRejected) {
  EXPECT_EQ(ParseError(WithYear(R"("26":{})")).field(), "years.26");
  EXPECT_EQ(ParseError(WithYear(R"("2300":{})")).field(), "years.2300");
}

TEST(HolidaysTest, BadOfficeHoursAreRejected) {
  auto with_site = [](const std::string& site) {
    return R"({"format":"hoso.calendar/1","version":"v","effective_from":"2026-01-01",)"
           R"("years":{},"sites":{"s":)" +
           site + "}}";
  };
  EXPECT_EQ(
      ParseError(with_site(R"({"office_hours":[["13:00","17:00"],["07:30","11:30"]]})")).field(),
      "sites.s.office_hours[1]");
  EXPECT_EQ(ParseError(with_site(R"({"office_hours":[["11:30","07:30"]]})")).field(),
            "sites.s.office_hours[0]");
  EXPECT_EQ(ParseError(with_site(R"({"office_hours":[["7:30","11:30"]]})")).field(),
            "sites.s.office_hours[0]");
  EXPECT_EQ(ParseError(with_site(R"({"office_hours":[]})")).field(), "sites.s.office_hours");
  EXPECT_EQ(
      ParseError(with_site(R"({"office_hours":[["07:30","11:30"]],"cutoff":"12:00"})")).field(),
      "sites.s.cutoff");
  EXPECT_EQ(
      ParseError(with_site(R"({"office_hours":[["07:30","11:30"]],"cutoff":"25:00"})")).field(),
      "sites.s.cutoff");
}

TEST(HolidaysTest, MinuteOfDayParsesAndFormats) {
  EXPECT_EQ(*ParseMinuteOfDay("07:30"), 450);
  EXPECT_EQ(*ParseMinuteOfDay("24:00"), 1440);
  EXPECT_FALSE(ParseMinuteOfDay("24:01").ok());
  EXPECT_FALSE(ParseMinuteOfDay("12:60").ok());
  EXPECT_FALSE(ParseMinuteOfDay("1200").ok());
  EXPECT_EQ(FormatMinuteOfDay(450), "07:30");
  EXPECT_EQ(FormatMinuteOfDay(960), "16:00");
}

TEST(HolidaysTest, MissingFileIsNotFound) {
  auto r = LoadCalendarData(DataDir() + "/no-such-calendar.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
}

TEST(HolidaysTest, KindNames) {
  EXPECT_STREQ(HolidayKindName(Holiday::kStatutory), "statutory");
  EXPECT_STREQ(HolidayKindName(Holiday::kCompensatory), "compensatory");
  EXPECT_STREQ(HolidayKindName(Holiday::kOfficial), "official");
}

}  // namespace
}  // namespace hoso
