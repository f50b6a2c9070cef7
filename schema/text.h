// Vietnamese text folding for search and comparison.
//
// FoldForSearch("Nguyễn Văn Ánh") == "nguyen van anh": lower case, every
// Vietnamese diacritic removed (including đ/Đ -> d), runs of whitespace and
// punctuation collapsed to one space, trimmed. Input may be NFC or NFD
// (combining marks U+0300..U+036F are dropped), so text typed on any keyboard
// folds the same.
//
// Thread-safety: pure functions.
#ifndef HOSO_SCHEMA_TEXT_H_
#define HOSO_SCHEMA_TEXT_H_

#include <string>
#include <string_view>

namespace hoso {

std::string FoldForSearch(std::string_view utf8);

// Trims ASCII and Unicode (NBSP) whitespace at both ends and collapses inner
// runs to one ASCII space; keeps diacritics. For names as entered.
std::string NormaliseSpaces(std::string_view utf8);

// Keeps only ASCII digits: "090 312-3456" -> "0903123456".
std::string DigitsOnly(std::string_view s);

// Escapes & < > " ' for HTML text and attribute values, and drops C0 control
// characters other than tab, CR and LF (not allowed in HTML).
std::string HtmlEscape(std::string_view s);

}  // namespace hoso

#endif  // HOSO_SCHEMA_TEXT_H_
