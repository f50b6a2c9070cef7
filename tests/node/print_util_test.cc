#include "node/print_util.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "schema/time.h"

namespace hoso::node {
namespace {

UnixMs At(int y, int mo, int d, int h, int mi) { return LocalToUnixMs({y, mo, d}, h * 60 + mi); }

TEST(PrintUtilTest, HtmlEscapeEscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(HtmlEscape("&amp;"), "&amp;amp;");
  EXPECT_EQ(HtmlEscape("Nguyễn Văn Ánh"), "Nguyễn Văn Ánh");
}

TEST(PrintUtilTest, HtmlEscapeDropsControlCharactersButKeepsLineBreaks) {
  EXPECT_EQ(HtmlEscape(std::string("a\x01"
                                   "b\x1b"
                                   "c\td\ne\rf",
                                   11)),
            "abc\td\ne\rf");
  EXPECT_EQ(HtmlEscape(std::string("x\0y", 3)), "xy");
}

TEST(PrintUtilTest, FormatVndGroupsThousandsWithDots) {
  EXPECT_EQ(FormatVnd(1200000), "1.200.000 đ");
  EXPECT_EQ(FormatVnd(30000), "30.000 đ");
  EXPECT_EQ(FormatVnd(999), "999 đ");
  EXPECT_EQ(FormatVnd(1000), "1.000 đ");
  EXPECT_EQ(FormatVnd(0), "0 đ");
  EXPECT_EQ(FormatVnd(-5000), "-5.000 đ");
  EXPECT_EQ(FormatVnd(std::numeric_limits<int64_t>::min()), "-9.223.372.036.854.775.808 đ");
}

TEST(PrintUtilTest, DateTimeWordsOnTuesday24March2026) {
  const UnixMs t = At(2026, 3, 24, 8, 5);
  EXPECT_EQ(FormatDateTimeWords(t, "vi"), "08 giờ 05 phút, thứ Ba, ngày 24 tháng 03 năm 2026");
  EXPECT_EQ(FormatDateTimeWords(t, "en"), "08:05, Tuesday, 24 March 2026");
  EXPECT_EQ(FormatTimeWords(t, "vi"), "08 giờ 05 phút, thứ Ba");
  EXPECT_EQ(FormatDateWords(t, "vi"), "ngày 24 tháng 03 năm 2026");
  EXPECT_EQ(FormatDateWords(t, "en"), "24 March 2026");
  EXPECT_EQ(FormatDateTimeDigits(t), "24/03/2026 08:05");
}

TEST(PrintUtilTest, WeekdayNamesRunFromThuHaiToChuNhat) {
  const char* want[] = {"thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ Nhật"};
  for (int i = 0; i < 7; ++i) {  // 2026-03-23 is a Monday
    const std::string words = FormatTimeWords(At(2026, 3, 23 + i, 14, 0), "vi");
    EXPECT_EQ(words, std::string("14 giờ 00 phút, ") + want[i]);
  }
  EXPECT_EQ(FormatTimeWords(At(2026, 3, 29, 9, 0), "en"), "09:00, Sunday");
}

TEST(PrintUtilTest, WordsUseVietnamLocalTimeNotUtc) {
  // 2026-03-23T18:30Z is 01:30 on Tuesday the 24th in Hanoi.
  auto t = ParseIsoTime("2026-03-23T18:30:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatDateTimeWords(*t, "vi"), "01 giờ 30 phút, thứ Ba, ngày 24 tháng 03 năm 2026");
  EXPECT_EQ(FormatDateTimeDigits(*t), "24/03/2026 01:30");
}

TEST(PrintUtilTest, ProcessingTimeByKind) {
  EXPECT_EQ(FormatProcessingTime("working_days", 8, "vi"), "8 ngày làm việc");
  EXPECT_EQ(FormatProcessingTime("calendar_days", 20, "vi"), "20 ngày");
  EXPECT_EQ(FormatProcessingTime("none", 0, "vi"), "Không quy định");
  EXPECT_EQ(FormatProcessingTime("working_days", 0, "vi"), "Không quy định");
  EXPECT_EQ(FormatProcessingTime("working_days", 1, "en"), "1 working day");
  EXPECT_EQ(FormatProcessingTime("working_days", 8, "en"), "8 working days");
  EXPECT_EQ(FormatProcessingTime("calendar_days", 20, "en"), "20 days");
  EXPECT_EQ(FormatProcessingTime("none", 0, "en"), "Not specified");
}

TEST(PrintUtilTest, AddressSkipsEmptyParts) {
  EXPECT_EQ(FormatAddress({"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"}),
            "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh");
  EXPECT_EQ(FormatAddress({"Tỉnh Cao Bằng", "", ""}), "Tỉnh Cao Bằng");
  EXPECT_EQ(FormatAddress({}), "");
}

TEST(PrintUtilTest, CodePointCountCountsCharactersNotBytes) {
  EXPECT_EQ(CodePointCount("Nguyễn"), 6);
  EXPECT_EQ(std::string("Nguyễn").size(), 8u);
  EXPECT_EQ(CodePointCount("đ"), 1);
  EXPECT_EQ(CodePointCount(""), 0);
  EXPECT_EQ(CodePointCount("\xF0\x9F\x99\x82"), 1);  // four-byte sequence
}

TEST(PrintUtilTest, SheetWrapsAtSpacesAndIndentsContinuationLines) {
  PlainTextSheet s(20);
  s.Paragraph("Địa chỉ: 12 Lê Lợi, Phường Sài Gòn", 2);
  ASSERT_EQ(s.lines().size(), 2u);
  EXPECT_EQ(s.lines()[0], "Địa chỉ: 12 Lê Lợi,");
  EXPECT_EQ(s.lines()[1], "  Phường Sài Gòn");
}

TEST(PrintUtilTest, SheetFirstLineIndent) {
  PlainTextSheet s(13);
  s.Paragraph("Bản sao chứng thực", 3, 3);
  ASSERT_EQ(s.lines().size(), 2u);
  EXPECT_EQ(s.lines()[0], "   Bản sao");
  EXPECT_EQ(s.lines()[1], "   chứng thực");
}

TEST(PrintUtilTest, SheetCutsOverlongWordsAtCodePointBoundaries) {
  std::string word;
  for (int i = 0; i < 45; ++i) word += "ễ";  // 3 bytes each
  PlainTextSheet s(32);
  s.Paragraph(word, 2);
  ASSERT_EQ(s.lines().size(), 2u);
  EXPECT_EQ(CodePointCount(s.lines()[0]), 32);
  EXPECT_EQ(s.lines()[0].size(), 96u);
  EXPECT_EQ(s.lines()[1], "  " + word.substr(0, 13 * 3));
}

TEST(PrintUtilTest, SheetNeverExceedsWidthWhateverTheInput) {
  const std::string inputs[] = {"a", "Tôn Nữ Hoàng Thị Phương Thảo Nguyên Khánh Linh Ngọc Bích",
                                "Bảnvẽmặtbằngtổngthểcửahàngxăngdầucóxácnhậncủachủđầutư và thêm",
                                "x                                           y",
                                std::string(100, 'z')};
  for (int width : {2, 5, 32}) {
    for (const std::string& in : inputs) {
      PlainTextSheet s(width);
      s.Paragraph(in, 4);
      s.Centered(in);
      s.Field("Nhãn", in);
      for (const std::string& line : s.lines()) {
        EXPECT_LE(CodePointCount(line), width) << width << ": [" << line << "]";
      }
    }
  }
}

TEST(PrintUtilTest, SheetCentresAndTreatsControlCharactersAsSpaces) {
  PlainTextSheet s(32);
  s.Centered("VIỆT NAM");
  s.Paragraph(
      "a\x1b@b\x07"
      "c");
  s.Field("Ghi chú", "");
  s.Rule('=');
  EXPECT_EQ(s.Text(), "            VIỆT NAM\na @b c\n================================\n");
}

TEST(PrintUtilTest, EmptyParagraphAddsNoLine) {
  PlainTextSheet s(32);
  s.Paragraph("   ");
  s.Paragraph("");
  EXPECT_TRUE(s.lines().empty());
  EXPECT_EQ(s.Text(), "");
}

}  // namespace
}  // namespace hoso::node
