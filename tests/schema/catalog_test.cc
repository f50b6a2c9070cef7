#include "schema/catalog.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>

#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/text.h"
#include "schema/data_dir.h"

namespace hoso {
namespace {

constexpr Date kToday{2026, 11, 25};

std::string DataDir() {
  if (const char* env = std::getenv("HOSO_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return HOSO_DATA_DIR;
}

std::string CatalogPath() { return DataDir() + "/catalog.json"; }

std::string CatalogText() {
  auto text = PosixFileSystem()->ReadFile(CatalogPath());
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::string();
}

// The real data file, parsed once for the whole suite.
const Catalog& RealCatalog() {
  static const Catalog* catalog = [] {
    auto c = Catalog::Load(CatalogPath());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? new Catalog(std::move(c).value()) : nullptr;
  }();
  if (catalog == nullptr) {
    ADD_FAILURE() << "catalog did not load";
    static const Catalog empty = *Catalog::Parse(
        R"({"format":"hoso.catalog/1","version":"x","published_at":"2026-01-01","procedures":[]})");
    return empty;
  }
  return *catalog;
}

const Procedure& MustFind(std::string_view id_or_code, const Date& day = kToday) {
  auto p = RealCatalog().Find(id_or_code, day);
  EXPECT_TRUE(p.ok()) << id_or_code << ": " << p.status().ToString();
  if (!p.ok()) {
    static const Procedure none;
    return none;
  }
  return **p;
}

// A small valid catalog that the malformed-data tests break one way at a time:
// two rows of one procedure, the second taking over on `second_from`.
std::string MiniCatalog(const std::string& second_from = "2027-01-01",
                        const std::string& first_to = "\"2026-12-31\"",
                        const std::string& second_id = "ruou-ban-le") {
  const std::string head = R"(
   "field":{"vi":"Lưu thông hàng hóa trong nước","en":"Domestic trade"},
   "name":{"vi":"Cấp Giấy phép bán lẻ rượu","en":"Issue alcohol retail licence"},
   "level":"commune",
   "required_documents":[
     {"id":"don-de-nghi","name_vi":"Đơn đề nghị","name_en":"Application",
      "form":"original","count":1,"optional":false})";
  return R"({"format":"hoso.catalog/1","version":"t.1","published_at":"2026-11-20",
  "procedures":[
  {"id":"ruou-ban-le","code":"2.000620",)" +
         head + R"(,
     {"id":"ban-sao","name_vi":"Bản sao","name_en":"Copies",
      "form":"copy","count":2,"optional":false},
     {"id":"tuy-chon","name_vi":"Tùy chọn","name_en":"Optional",
      "form":"copy","count":1,"optional":true}],
   "processing":{"kind":"working_days","days":8,"online_days":6,"verified":true,"note":""},
   "fees":[
     {"applicant_type":"organisation","area":"urban","amount_vnd":1200000,"verified":true,
      "note":""},
     {"applicant_type":"any","area":"any","amount_vnd":null,"verified":false,
      "note":"not verified"}],
   "postal_return":true,"online":true,"effective_from":"2025-07-01","effective_to":)" +
         first_to + R"(,
   "sources":["https://example.gov.vn/a"],"notes":""},
  {"id":")" +
         second_id + R"(","code":"2.000620",)" + head + R"(],
   "processing":{"kind":"working_days","days":10,"online_days":null,"verified":true,"note":""},
   "fees":[{"applicant_type":"any","area":"any","amount_vnd":0,"verified":true,"note":""}],
   "postal_return":true,"online":false,"effective_from":")" +
         second_from + R"(","effective_to":null,
   "sources":["https://example.gov.vn/b"],"notes":""}]})";
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test setup: '" << from << "' not in the text";
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

void ExpectParseError(const std::string& text, const std::string& field,
                      const std::string& message_part) {
  auto c = Catalog::Parse(text);
  ASSERT_FALSE(c.ok()) << "expected an error at " << field;
  EXPECT_TRUE(c.status().IsInvalidArgument()) << c.status().ToString();
  EXPECT_EQ(c.status().field(), field) << c.status().ToString();
  EXPECT_NE(c.status().message().find(field), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(message_part), std::string::npos) << c.status().message();
}

// ---------------------------------------------------------------- real data

TEST(CatalogTest, RealCatalogLoadsWithVersionAndAbout30To40Procedures) {
  const Catalog& c = RealCatalog();
  EXPECT_EQ(c.version(), "2026.1");
  EXPECT_EQ(c.published_at(), (Date{2026, 11, 20}));
  const auto in_force = c.InForce(kToday);
  EXPECT_GE(in_force.size(), 30u);
  EXPECT_LE(in_force.size(), 40u);
  std::set<std::string> ids;
  for (const Procedure* p : in_force) EXPECT_TRUE(ids.insert(p->id).second) << p->id;
}

TEST(CatalogTest, EveryDepartmentFieldHasAProcedureInForceToday) {
  struct Area {
    const char* what;
    const char* field_vi;
    const char* name_contains;  // folded, without diacritics
  };
  const Area areas[] = {
      {"alcohol production", "Công nghiệp tiêu dùng", "san xuat ruou"},
      {"alcohol trading", "Lưu thông hàng hóa trong nước", "ban le ruou"},
      {"tobacco", "Lưu thông hàng hóa trong nước", "thuoc la"},
      {"petrol retail", "Lưu thông hàng hóa trong nước", "ban le xang dau"},
      {"group B/C power works", "Hoạt động xây dựng", "cong trinh dien nhom b c"},
      {"representative offices", "Thương mại quốc tế", "van phong dai dien"},
      {"promotions", "Xúc tiến thương mại", "khuyen mai"},
      {"trade fairs", "Xúc tiến thương mại", "hoi cho trien lam"},
      {"chemicals", "Hóa chất", "hoa chat"},
      {"standard-form contracts", "Bảo vệ quyền lợi người tiêu dùng", "hop dong theo mau"},
      {"commercial inspection seals", "Dịch vụ thương mại", "dau nghiep vu giam dinh"},
      {"multi-level marketing", "Quản lý cạnh tranh", "ban hang da cap"},
      {"gas trading", "Kinh doanh khí", "lpg"},
      {"gas cylinder refilling", "Kinh doanh khí", "tram nap lpg vao chai"},
  };
  const auto in_force = RealCatalog().InForce(kToday);
  for (const Area& a : areas) {
    bool found = false;
    for (const Procedure* p : in_force) {
      if (p->field_vi == a.field_vi &&
          FoldForSearch(p->name_vi).find(a.name_contains) != std::string::npos) {
        found = true;
      }
    }
    EXPECT_TRUE(found) << "no procedure in force for " << a.what << " (" << a.field_vi << ")";
  }
}

TEST(CatalogTest, EveryEvidenceCodeIsInForceToday) {
  for (const char* code :
       {"2.000620", "2.000648", "2.000004", "2.000162", "2.000150", "1.000948", "1.001279",
        "2.000001", "1.005190", "2.000207", "2.000187", "2.000249"}) {
    const Procedure& p = MustFind(code);
    ASSERT_TRUE(p.code.has_value()) << code;
    EXPECT_EQ(*p.code, code);
  }
}

TEST(CatalogTest, AlcoholRetailLicenceTakesEightWorkingDaysWithVerifiedFees) {
  const Procedure& p = MustFind("2.000620");
  EXPECT_EQ(p.id, "ruou-ban-le");
  EXPECT_EQ(p.name_vi, "Cấp Giấy phép bán lẻ rượu");
  EXPECT_EQ(p.processing.kind, ProcessingKind::kWorkingDays);
  EXPECT_EQ(p.processing.days, 8);
  EXPECT_TRUE(p.processing.verified);
  EXPECT_EQ(ProcessingDays(p, false), 8);
  EXPECT_EQ(FeeFor(p, ApplicantType::kOrganisation, FeeArea::kUrban), 1200000);
  EXPECT_EQ(FeeFor(p, ApplicantType::kOrganisation, FeeArea::kOther), 600000);
  EXPECT_EQ(FeeFor(p, ApplicantType::kHousehold, FeeArea::kUrban), 400000);
  EXPECT_EQ(FeeFor(p, ApplicantType::kHousehold, FeeArea::kOther), 200000);
  EXPECT_GE(p.required_documents.size(), 4u);
}

TEST(CatalogTest, PromotionNotificationAndRepresentativeOfficeReportHaveNoProcessingTime) {
  for (const char* id : {"khuyen-mai-thong-bao", "van-phong-dai-dien-bao-cao"}) {
    const Procedure& p = MustFind(id);
    EXPECT_EQ(p.processing.kind, ProcessingKind::kNone) << id;
    EXPECT_FALSE(p.processing.days.has_value()) << id;
    EXPECT_EQ(ProcessingDays(p, false), std::nullopt) << id;
  }
  EXPECT_EQ(MustFind("khuyen-mai-thong-bao").name_vi, "Thông báo hoạt động khuyến mại");
  EXPECT_TRUE(MustFind("van-phong-dai-dien-bao-cao").online);
}

TEST(CatalogTest, BlankEvidenceFiguresAreNullAndUnverified) {
  // Processing days the evidence does not give.
  for (const char* id : {"1.000948", "2.000001", "hoi-cho-dang-ky", "2.000249"}) {
    const Procedure& p = MustFind(id);
    EXPECT_FALSE(p.processing.days.has_value()) << id;
    EXPECT_FALSE(p.processing.verified) << id;
    EXPECT_NE(p.processing.note.find("not verified"), std::string::npos) << id;
  }
  // Fees the evidence does not give.
  for (const char* id : {"ruou-ban-buon", "2.000162", "2.000150", "1.000948", "2.000207"}) {
    const Procedure& p = MustFind(id);
    EXPECT_EQ(FeeFor(p, ApplicantType::kOrganisation, FeeArea::kUrban), std::nullopt) << id;
    const Fee* f = FindFee(p, ApplicantType::kOrganisation, FeeArea::kUrban);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_FALSE(f->verified) << id;
    EXPECT_NE(f->note.find("not verified"), std::string::npos) << id;
  }
}

TEST(CatalogTest, NoRowClaimsAVerifiedFigureItDoesNotHave) {
  for (const Procedure& p : RealCatalog().procedures()) {
    if (p.processing.kind != ProcessingKind::kNone && !p.processing.days) {
      EXPECT_FALSE(p.processing.verified) << p.id;
    }
    if (!p.processing.verified) {
      EXPECT_FALSE(p.processing.note.empty()) << p.id;
    }
    for (const Fee& f : p.fees) {
      if (!f.amount_vnd) {
        EXPECT_FALSE(f.verified) << p.id;
      }
      if (!f.verified) {
        EXPECT_FALSE(f.note.empty()) << p.id;
      }
    }
    EXPECT_FALSE(p.sources.empty()) << p.id;
  }
}

TEST(CatalogTest, TobaccoRetailFeeDoublesOnFirstJanuary2027) {
  const Procedure& before = MustFind("thuoc-la-ban-le", Date{2026, 12, 31});
  const Procedure& after = MustFind("thuoc-la-ban-le", Date{2027, 1, 1});
  EXPECT_NE(&before, &after);
  EXPECT_EQ(FeeFor(before, ApplicantType::kOrganisation, FeeArea::kUrban), 300000);
  EXPECT_EQ(FeeFor(before, ApplicantType::kHousehold, FeeArea::kOther), 100000);
  EXPECT_EQ(FeeFor(after, ApplicantType::kOrganisation, FeeArea::kUrban), 600000);
  EXPECT_EQ(FeeFor(after, ApplicantType::kHousehold, FeeArea::kOther), 200000);
  EXPECT_EQ(after.processing.days, 15);
}

TEST(CatalogTest, InForceListsOneRowPerIdOnEitherSideOfAChange) {
  for (const Date& day : {Date{2026, 12, 31}, Date{2027, 1, 1}}) {
    int tobacco_rows = 0;
    for (const Procedure* p : RealCatalog().InForce(day))
      tobacco_rows += p->id == "thuoc-la-ban-le";
    EXPECT_EQ(tobacco_rows, 1) << FormatDate(day);
  }
}

TEST(CatalogTest, UnknownProcedureIsNotFound) {
  auto p = RealCatalog().Find("9.999999", kToday);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsNotFound()) << p.status().ToString();
  EXPECT_NE(p.status().message().find("unknown procedure '9.999999'"), std::string::npos);
}

TEST(CatalogTest, ProcedureOutsideItsEffectiveRangeIsNotInForceAndNotNotFound) {
  auto p = RealCatalog().Find("thuoc-la-ban-le", Date{2020, 1, 1});
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsConflict()) << p.status().ToString();
  EXPECT_FALSE(p.status().IsNotFound());
  EXPECT_NE(p.status().message().find("is not in force on 2020-01-01"), std::string::npos)
      << p.status().message();
}

TEST(CatalogTest, FindByCodePicksTheRowInForceOnTheDay) {
  const Procedure& old_row = MustFind("2.000249", Date{2020, 1, 1});
  EXPECT_EQ(old_row.processing.kind, ProcessingKind::kCalendarDays);
  EXPECT_EQ(old_row.processing.days, 20);
  const Procedure& new_row = MustFind("2.000249", kToday);
  EXPECT_FALSE(new_row.processing.days.has_value());
  EXPECT_EQ(new_row.level, ProcedureLevel::kMinistry);
}

TEST(CatalogTest, SerializeReproducesTheDataFileExactly) {
  const std::string text = CatalogText();
  auto value = ParseJson(text);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(RealCatalog().Serialize(), ToJson(*value));
}

TEST(CatalogTest, VietnameseTextRoundTripsByteExactly) {
  auto again = Catalog::Parse(RealCatalog().Serialize());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  const auto& a = RealCatalog().procedures();
  const auto& b = again->procedures();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name_vi, b[i].name_vi);
    EXPECT_EQ(a[i].field_vi, b[i].field_vi);
    ASSERT_EQ(a[i].required_documents.size(), b[i].required_documents.size());
    for (size_t k = 0; k < a[i].required_documents.size(); ++k) {
      EXPECT_EQ(a[i].required_documents[k].name_vi, b[i].required_documents[k].name_vi);
    }
  }
  // Precomposed (NFC) UTF-8 as typed: "ượ" is U+01B0 U+1EE3, "đ" is U+0111.
  const Procedure& lpg = MustFind("2.000207");
  EXPECT_EQ(lpg.name_vi, "Cấp lại Giấy chứng nhận đủ điều kiện trạm nạp LPG vào chai");
  EXPECT_NE(MustFind("ruou-ban-le").name_vi.find("\xc6\xb0\xe1\xbb\xa3u"), std::string::npos);
  const std::string json = ToJson(ProcedureToJson(lpg));
  EXPECT_NE(json.find("\"Cấp lại Giấy chứng nhận đủ điều kiện trạm nạp LPG vào chai\""),
            std::string::npos);
  EXPECT_EQ(json.find("\\u"), std::string::npos) << "non-ASCII text must not be escaped";
}

// ---------------------------------------------------------------- helpers

TEST(CatalogTest, OnlineSubmissionUsesOnlineDaysWhenGiven) {
  auto c = Catalog::Parse(MiniCatalog());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Procedure& p = **c->Find("ruou-ban-le", kToday);
  EXPECT_EQ(ProcessingDays(p, false), 8);
  EXPECT_EQ(ProcessingDays(p, true), 6);
  const Procedure& later = **c->Find("2.000620", Date{2027, 3, 1});
  EXPECT_EQ(ProcessingDays(later, true), 10) << "no online_days: online uses days";
}

TEST(CatalogTest, FeeLookupPrefersTheMostSpecificRow) {
  auto c = Catalog::Parse(MiniCatalog());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Procedure& p = **c->Find("ruou-ban-le", kToday);
  EXPECT_EQ(FeeFor(p, ApplicantType::kOrganisation, FeeArea::kUrban), 1200000);
  EXPECT_EQ(FeeFor(p, ApplicantType::kHousehold, FeeArea::kUrban), std::nullopt);
  const Fee* fallback = FindFee(p, ApplicantType::kHousehold, FeeArea::kUrban);
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->applicant_type, ApplicantType::kAny);
  const Procedure& later = **c->Find("ruou-ban-le", Date{2027, 3, 1});
  EXPECT_EQ(FeeFor(later, ApplicantType::kHousehold, FeeArea::kOther), 0) << "known: no fee";
}

TEST(CatalogTest, FeeClassNamesParseBackToTheirValues) {
  for (ApplicantType a :
       {ApplicantType::kOrganisation, ApplicantType::kHousehold, ApplicantType::kAny}) {
    EXPECT_EQ(ParseApplicantType(ApplicantTypeName(a)), a);
  }
  for (FeeArea a : {FeeArea::kUrban, FeeArea::kOther, FeeArea::kAny}) {
    EXPECT_EQ(ParseFeeArea(FeeAreaName(a)), a);
  }
  EXPECT_EQ(ParseApplicantType("citizen"), std::nullopt);
  EXPECT_EQ(ParseFeeArea("Urban"), std::nullopt);
}

TEST(CatalogTest, MissingDocumentsListsMandatoryDocumentsNotReceivedOrTooFewCopies) {
  auto c = Catalog::Parse(MiniCatalog());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const Procedure& p = **c->Find("ruou-ban-le", kToday);

  auto missing = MissingDocuments(p, {});
  ASSERT_EQ(missing.size(), 2u) << "the optional document is never missing";
  EXPECT_EQ(missing[0]->id, "don-de-nghi");
  EXPECT_EQ(missing[1]->id, "ban-sao");

  missing = MissingDocuments(p, {{"don-de-nghi", 1}, {"ban-sao", 1}, {"khac", 5}});
  ASSERT_EQ(missing.size(), 1u) << "one copy of two is not enough";
  EXPECT_EQ(missing[0]->id, "ban-sao");

  EXPECT_TRUE(MissingDocuments(p, {{"ban-sao", 1}, {"don-de-nghi", 1}, {"ban-sao", 1}}).empty())
      << "copies handed in separately add up";
}

TEST(CatalogTest, LoadOfAMissingFileIsNotFoundNamingThePath) {
  auto c = Catalog::Load("/nonexistent/catalog.json");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsNotFound()) << c.status().ToString();
  EXPECT_NE(c.status().message().find("/nonexistent/catalog.json"), std::string::npos);
}

// ---------------------------------------------------------------- malformed data

TEST(CatalogTest, MiniCatalogIsValid) {
  auto c = Catalog::Parse(MiniCatalog());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->procedures().size(), 2u);
}

TEST(CatalogTest, BadProcessingKindNamesTheFieldAndTheChoices) {
  ExpectParseError(
      Replace(MiniCatalog(), R"("kind":"working_days","days":8)", R"("kind":"workdays","days":8)"),
      "procedures[0].processing.kind", "must be one of working_days, calendar_days, none");
  auto c = Catalog::Parse(
      Replace(MiniCatalog(), R"("kind":"working_days","days":8)", R"("kind":"workdays","days":8)"));
  EXPECT_NE(c.status().message().find("procedure 'ruou-ban-le'"), std::string::npos)
      << c.status().message();
}

TEST(CatalogTest, MissingNameIsReported) {
  ExpectParseError(
      Replace(MiniCatalog(),
              R"("name":{"vi":"Cấp Giấy phép bán lẻ rượu","en":"Issue alcohol retail licence"},)",
              ""),
      "procedures[0].name", "is required");
  ExpectParseError(Replace(MiniCatalog(), R"({"vi":"Cấp Giấy phép bán lẻ rượu",)", R"({)"),
                   "procedures[0].name.vi", "is required");
}

TEST(CatalogTest, OverlappingEffectiveRangesAreRefused) {
  ExpectParseError(MiniCatalog("2026-12-31"), "procedures[1].effective_from", "overlaps");
  ExpectParseError(MiniCatalog("2027-01-01", "null"), "procedures[1].effective_from", "overlaps");
}

TEST(CatalogTest, DuplicateIdAndEffectiveFromIsRefused) {
  ExpectParseError(MiniCatalog("2025-07-01"), "procedures[1].effective_from", "duplicates");
}

TEST(CatalogTest, BadDatesAreRefused) {
  ExpectParseError(MiniCatalog("2027-02-30"), "procedures[1].effective_from", "valid date");
  ExpectParseError(MiniCatalog("2027-01-01", "\"31/12/2026\""), "procedures[0].effective_to",
                   "valid date");
  ExpectParseError(MiniCatalog("2027-01-01", "\"2025-06-30\""), "procedures[0].effective_to",
                   "before effective_from");
}

TEST(CatalogTest, DaysAreRequiredUnlessKindIsNoneOrTheFigureIsUnverified) {
  ExpectParseError(Replace(MiniCatalog(), R"("days":8,)", R"("days":null,)"),
                   "procedures[0].processing.days", "is required");
  ExpectParseError(
      Replace(MiniCatalog(), R"("kind":"working_days","days":8)", R"("kind":"none","days":8)"),
      "procedures[0].processing.days", "must be null");
  auto unverified = Catalog::Parse(
      Replace(MiniCatalog(), R"("days":8,"online_days":6,"verified":true,"note":"")",
              R"("days":null,"online_days":null,"verified":false,"note":"not verified")"));
  EXPECT_TRUE(unverified.ok()) << unverified.status().ToString();
}

TEST(CatalogTest, UnverifiedFigureNeedsANoteAndNullFeeCannotBeVerified) {
  ExpectParseError(Replace(MiniCatalog(), R"("note":"not verified")", R"("note":"")"),
                   "procedures[0].fees[1].note", "not verified");
  ExpectParseError(Replace(MiniCatalog(), R"("amount_vnd":null,"verified":false)",
                           R"("amount_vnd":null,"verified":true)"),
                   "procedures[0].fees[1].verified", "must be false");
}

TEST(CatalogTest, DocumentCountBelowOneIsRefused) {
  ExpectParseError(
      Replace(MiniCatalog(), R"("form":"copy","count":2)", R"("form":"copy","count":0)"),
      "procedures[0].required_documents[1].count", "between 1 and");
}

TEST(CatalogTest, RepeatedDocumentIdIsRefused) {
  ExpectParseError(Replace(MiniCatalog(), R"("id":"ban-sao")", R"("id":"don-de-nghi")"),
                   "procedures[0].required_documents[1].id", "repeats");
}

TEST(CatalogTest, MisspeltMemberIsRefusedRatherThanIgnored) {
  ExpectParseError(Replace(MiniCatalog(), R"("effective_to":null)", R"("efective_to":null)"),
                   "procedures[1].efective_to", "not a known member");
}

TEST(CatalogTest, OneNationalCodeCannotNameTwoProcedures) {
  ExpectParseError(MiniCatalog("2027-01-01", "\"2026-12-31\"", "khac"), "procedures[1].code",
                   "already used by procedure 'ruou-ban-le'");
}

TEST(CatalogTest, NullCodeNeedsACodeNote) {
  ExpectParseError(Replace(MiniCatalog(), R"("code":"2.000620")", R"("code":null)"),
                   "procedures[0].code_note", "why code is null");
  ExpectParseError(Replace(MiniCatalog(), R"("code":"2.000620")", R"("code":"2000620")"),
                   "procedures[0].code", "2.000620");
}

TEST(CatalogTest, OtherCatalogFormatIsRefused) {
  ExpectParseError(Replace(MiniCatalog(), "hoso.catalog/1", "hoso.catalog/2"), "format",
                   "cannot read another catalog format");
}

TEST(CatalogTest, InvalidUtf8IsRefused) {
  auto c = Catalog::Parse(Replace(MiniCatalog(), "Bản sao", "B\xe1\xba"));
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsInvalidArgument());
}

}  // namespace
}  // namespace hoso
