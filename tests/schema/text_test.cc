#include "schema/text.h"

#include <gtest/gtest.h>

namespace hoso {
namespace {

TEST(TextTest, FoldsVietnameseNamesToAccentFreeLowerCase) {
  EXPECT_EQ(FoldForSearch("Nguyễn Văn Ánh"), "nguyen van anh");
  EXPECT_EQ(FoldForSearch("ĐẶNG THỊ THU HƯƠNG"), "dang thi thu huong");
  EXPECT_EQ(FoldForSearch("Trần Quốc Tuấn"), "tran quoc tuan");
  EXPECT_EQ(FoldForSearch("Phường Bến Thành, Quận 1"), "phuong ben thanh quan 1");
}

TEST(TextTest, FoldsEveryVietnameseVowelWithEveryTone) {
  const char* kVowels[][2] = {
      {"aàáảãạăằắẳẵặâầấẩẫậ", "aaaaaaaaaaaaaaaaaa"}, {"eèéẻẽẹêềếểễệ", "eeeeeeeeeeee"},
      {"iìíỉĩị", "iiiiii"}, {"oòóỏõọôồốổỗộơờớởỡợ", "oooooooooooooooooo"},
      {"uùúủũụưừứửữự", "uuuuuuuuuuuu"}, {"yỳýỷỹỵ", "yyyyyy"},
      {"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "aaaaaaaaaaaaaaaaaa"}, {"ƯỪỨỬỮỰƠỜỚỞỠỢ", "uuuuuuoooooo"},
      {"đĐ", "dd"}};
  for (const auto& v : kVowels) EXPECT_EQ(FoldForSearch(v[0]), v[1]) << v[0];
}

TEST(TextTest, DecomposedInputFoldsLikePrecomposed) {
  // "Nguyễn" typed as n g u y e + U+0302 (circumflex) + U+0303 (tilde) + n.
  EXPECT_EQ(FoldForSearch("Nguye\xCC\x82\xCC\x83n"), "nguyen");
}

TEST(TextTest, PunctuationAndSpacesCollapse) {
  EXPECT_EQ(FoldForSearch("  Công ty  TNHH\tAn-Phát.  "), "cong ty tnhh an phat");
  EXPECT_EQ(FoldForSearch(""), "");
}

TEST(TextTest, InvalidUtf8DoesNotCrashAndKeepsAscii) {
  EXPECT_EQ(FoldForSearch("ab\xFF" "cd"), "ab\xEF\xBF\xBD" "cd");
}

TEST(TextTest, NormaliseSpacesKeepsDiacritics) {
  EXPECT_EQ(NormaliseSpaces("  Nguyễn \xC2\xA0 Văn   An "), "Nguyễn Văn An");
}

TEST(TextTest, DigitsOnly) { EXPECT_EQ(DigitsOnly("090 312-3456"), "0903123456"); }

}  // namespace
}  // namespace hoso
