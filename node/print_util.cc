#include "node/print_util.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace hoso::node {
namespace {

std::string Pad2(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

constexpr const char* kWeekdayVi[] = {"Chủ Nhật", "thứ Hai", "thứ Ba", "thứ Tư",
                                      "thứ Năm",  "thứ Sáu", "thứ Bảy"};
constexpr const char* kWeekdayEn[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                      "Thursday", "Friday", "Saturday"};
constexpr const char* kMonthEn[] = {"January",   "February", "March",    "April",
                                    "May",       "June",     "July",     "August",
                                    "September", "October",  "November", "December"};

bool IsSpaceOrControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : s) {
    if (IsSpaceOrControl(c)) {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

// Byte length of the first `n` code points of `s`.
size_t PrefixBytes(std::string_view s, int n) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == 0) break;
      --n;
    }
  }
  return i;
}

}  // namespace

std::string FormatVnd(int64_t amount) {
  // Negated as unsigned so that INT64_MIN does not overflow.
  const uint64_t v = amount < 0 ? 0 - static_cast<uint64_t>(amount) : static_cast<uint64_t>(amount);
  const std::string digits = std::to_string(v);
  std::string out = amount < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back('.');
    out.push_back(digits[i]);
  }
  return out + " đ";
}

std::string FormatTimeWords(UnixMs t, std::string_view lang) {
  const int minute = LocalMinuteOfDay(t);
  const int wday = Weekday(LocalDateOf(t));
  if (lang == "en") return Pad2(minute / 60) + ":" + Pad2(minute % 60) + ", " + kWeekdayEn[wday];
  return Pad2(minute / 60) + " giờ " + Pad2(minute % 60) + " phút, " + kWeekdayVi[wday];
}

std::string FormatDateWords(UnixMs t, std::string_view lang) {
  const Date d = LocalDateOf(t);
  if (lang == "en") {
    return std::to_string(d.day) + " " + kMonthEn[d.month - 1] + " " + std::to_string(d.year);
  }
  return "ngày " + Pad2(d.day) + " tháng " + Pad2(d.month) + " năm " + std::to_string(d.year);
}

std::string FormatDateTimeWords(UnixMs t, std::string_view lang) {
  return FormatTimeWords(t, lang) + ", " + FormatDateWords(t, lang);
}

std::string FormatDateTimeDigits(UnixMs t) {
  const Date d = LocalDateOf(t);
  const int minute = LocalMinuteOfDay(t);
  return Pad2(d.day) + "/" + Pad2(d.month) + "/" + std::to_string(d.year) + " " +
         Pad2(minute / 60) + ":" + Pad2(minute % 60);
}

std::string FormatProcessingTime(std::string_view kind, int days, std::string_view lang) {
  const bool en = lang == "en";
  const std::string n = std::to_string(days);
  if (kind == "working_days" && days > 0) {
    return en ? n + (days == 1 ? " working day" : " working days") : n + " ngày làm việc";
  }
  if (kind == "calendar_days" && days > 0) {
    return en ? n + (days == 1 ? " day" : " days") : n + " ngày";
  }
  return en ? "Not specified" : "Không quy định";
}

std::string FormatAddress(const Address& a) {
  return JoinNonEmpty({a.street, a.ward, a.province}, ", ");
}

std::string JoinNonEmpty(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

int CodePointCount(std::string_view utf8) {
  return static_cast<int>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void PlainTextSheet::Paragraph(std::string_view text, int indent, int first_indent) {
  indent = std::clamp(indent, 0, columns_ - 1);
  first_indent = std::clamp(first_indent, 0, columns_ - 1);
  std::string line(first_indent, ' ');
  int cols = first_indent;
  int margin = first_indent;  // columns of indent on the current line
  auto flush = [&] {
    lines_.push_back(line);
    line.assign(indent, ' ');
    cols = margin = indent;
  };
  for (std::string word : Words(text)) {
    int w = CodePointCount(word);
    if (cols > margin) {
      if (cols + 1 + w <= columns_) {
        line += " " + word;
        cols += 1 + w;
        continue;
      }
      flush();
    }
    while (cols + w > columns_) {
      const size_t cut = PrefixBytes(word, columns_ - cols);
      line += word.substr(0, cut);
      word.erase(0, cut);
      w = CodePointCount(word);
      flush();
    }
    line += word;
    cols += w;
  }
  if (cols > margin) lines_.push_back(line);
}

void PlainTextSheet::Centered(std::string_view text) {
  const size_t first = lines_.size();
  Paragraph(text, 0);
  for (size_t i = first; i < lines_.size(); ++i) {
    const int pad = (columns_ - CodePointCount(lines_[i])) / 2;
    lines_[i].insert(0, std::string(std::max(pad, 0), ' '));
  }
}

void PlainTextSheet::Field(std::string_view label, std::string_view value) {
  if (value.empty()) return;
  Paragraph(std::string(label) + ": " + std::string(value));
}

void PlainTextSheet::Rule(char c) { lines_.emplace_back(columns_, c); }

std::string PlainTextSheet::Text() const {
  std::string out;
  for (const std::string& l : lines_) out += l + "\n";
  return out;
}

}  // namespace hoso::node
