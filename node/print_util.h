// Formatting shared by the desk's printed documents (node/receipt.h) and any
// page that shows the same values: HTML escaping, Vietnamese money, date and
// time in Vietnamese or English words, processing time, addresses, and a
// word-wrapping sheet for fixed-width thermal printers.
//
// `lang` is "en" for English; anything else means Vietnamese. Times are
// shown in local Vietnam time (UTC+7, schema/time.h).
//
// Thread-safety: pure functions; PlainTextSheet is a value with no sharing.
#ifndef HOSO_NODE_PRINT_UTIL_H_
#define HOSO_NODE_PRINT_UTIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/dossier.h"
#include "schema/text.h"  // HtmlEscape, used with these by every printed page
#include "schema/time.h"

namespace hoso::node {

// Vietnamese money: 1200000 -> "1.200.000 đ", 0 -> "0 đ", -5000 -> "-5.000 đ".
std::string FormatVnd(int64_t amount);

// "08 giờ 05 phút, thứ Ba" / "08:05, Tuesday". Weekdays: thứ Hai .. thứ Bảy,
// Chủ Nhật.
std::string FormatTimeWords(UnixMs t, std::string_view lang);
// "ngày 24 tháng 03 năm 2026" / "24 March 2026".
std::string FormatDateWords(UnixMs t, std::string_view lang);
// Both, as on Form 01: "08 giờ 05 phút, thứ Ba, ngày 24 tháng 03 năm 2026" /
// "08:05, Tuesday, 24 March 2026".
std::string FormatDateTimeWords(UnixMs t, std::string_view lang);
// "24/03/2026 08:05".
std::string FormatDateTimeDigits(UnixMs t);

// Processing time as the catalog states it (kind: working_days |
// calendar_days | none): "8 ngày làm việc", "20 ngày", "Không quy định"
// (en: "8 working days", "20 days", "Not specified"). A non-positive day
// count means "not specified".
std::string FormatProcessingTime(std::string_view kind, int days, std::string_view lang);

// "12 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh"; empty parts skipped.
std::string FormatAddress(const Address& a);

// Joins the non-empty parts with `sep`.
std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view sep);

// Number of Unicode code points in UTF-8 text: the display width on a
// thermal printer (Vietnamese in NFC takes one column per code point).
int CodePointCount(std::string_view utf8);

// Lines of plain text at most `columns` code points wide, for receipt
// printers. Words are broken at whitespace; a word wider than a line is cut
// at code points. ASCII control characters are treated as spaces, so data
// cannot smuggle printer (ESC/POS) commands onto the paper.
class PlainTextSheet {
 public:
  // REQUIRES: columns >= 2.
  explicit PlainTextSheet(int columns) : columns_(columns < 2 ? 2 : columns) {}

  // Word-wrapped text; the first line is indented by `first_indent` columns
  // and continuation lines by `indent` (both clamped below the width). Empty
  // text adds no line.
  void Paragraph(std::string_view text, int indent = 2, int first_indent = 0);
  // Word-wrapped text, each line centred.
  void Centered(std::string_view text);
  // "label: value", wrapped; nothing when `value` is empty.
  void Field(std::string_view label, std::string_view value);
  // A full-width line of `c`.
  void Rule(char c = '-');

  int columns() const { return columns_; }
  const std::vector<std::string>& lines() const { return lines_; }
  // The lines, each ended by "\n".
  std::string Text() const;

 private:
  int columns_;
  std::vector<std::string> lines_;
};

}  // namespace hoso::node

#endif  // HOSO_NODE_PRINT_UTIL_H_
