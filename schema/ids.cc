#include "schema/ids.h"

#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace hoso {

namespace {

// sodium_init() is idempotent and thread-safe; the function-local static makes
// sure it has finished before the first random byte is drawn.
void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("hoso: libsodium failed to initialise\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

int ParseSmallInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// Shows a byte in an error message; non-printable bytes as hex so messages
// stay readable in logs.
std::string ShowChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", u);
  return buf;
}

std::string Pad(int64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  return s;
}

}  // namespace

// ---- Dossier codes ---------------------------------------------------------

Status ValidateUnitCode(std::string_view unit_code) {
  const std::string q = Quote(unit_code);
  if (unit_code.size() < 3 || unit_code.size() > 32) {
    return Status::InvalidArgument("unit code " + q + " must be 3 to 32 characters long",
                                   "unit_code");
  }
  if (unit_code.front() == '.' || unit_code.back() == '.') {
    return Status::InvalidArgument("unit code " + q + " must not start or end with '.'",
                                   "unit_code");
  }
  char prev = '\0';
  for (char c : unit_code) {
    if (c == '-') {
      return Status::InvalidArgument(
          "unit code " + q + " must not contain '-' (it separates the parts of a dossier code)",
          "unit_code");
    }
    if (IsLower(c)) {
      return Status::InvalidArgument("unit code " + q + " must use upper-case letters",
                                     "unit_code");
    }
    if (c == '.' && prev == '.') {
      return Status::InvalidArgument("unit code " + q + " has an empty segment", "unit_code");
    }
    if (c != '.' && !IsDigit(c) && !IsUpper(c)) {
      return Status::InvalidArgument(
          "unit code " + q + " contains " + ShowChar(c) + "; only digits, A-Z and '.' are allowed",
          "unit_code");
    }
    prev = c;
  }
  return Status::OK();
}

Result<std::string> FormatDossierCode(std::string_view unit_code, const Date& local_date,
                                      int number) {
  HOSO_RETURN_IF_ERROR(ValidateUnitCode(unit_code));
  if (!IsValidDate(local_date) || local_date.year < 2000 || local_date.year > 2099) {
    return Status::InvalidArgument(
        "dossier date " + FormatDate(local_date) + " is not a valid date in 2000..2099", "date");
  }
  if (number < 1) {
    return Status::InvalidArgument(
        "dossier number " + std::to_string(number) + " must be at least 1", "number");
  }
  if (number > kMaxDailyDossierNumber) {
    return Status::ResourceExhausted("daily dossier numbers for unit " + std::string(unit_code) +
                                     " on " + FormatDate(local_date) + " are exhausted (" +
                                     std::to_string(kMaxDailyDossierNumber) + ")");
  }
  std::string out(unit_code);
  out += '-';
  out += Pad(local_date.year % 100, 2);
  out += Pad(local_date.month, 2);
  out += Pad(local_date.day, 2);
  out += '-';
  out += Pad(number, 4);
  return out;
}

Result<std::string> FormatDossierCode(const DossierCode& code) {
  return FormatDossierCode(code.unit_code, code.date, code.number);
}

Result<DossierCode> ParseDossierCode(std::string_view code) {
  const std::string q = Quote(code);
  const size_t last_dash = code.rfind('-');
  const size_t mid_dash = last_dash == std::string_view::npos || last_dash == 0
                              ? std::string_view::npos
                              : code.rfind('-', last_dash - 1);
  if (mid_dash == std::string_view::npos) {
    return Status::InvalidArgument(
        "dossier code " + q + " must look like <unit-code>-<YYMMDD>-<NNNN>", "dossier_code");
  }
  const std::string_view unit = code.substr(0, mid_dash);
  const std::string_view date = code.substr(mid_dash + 1, last_dash - mid_dash - 1);
  const std::string_view number = code.substr(last_dash + 1);

  Status unit_status = ValidateUnitCode(unit);
  if (!unit_status.ok()) {
    return Status::InvalidArgument("dossier code " + q + ": " + unit_status.message(),
                                   "dossier_code");
  }
  if (date.size() != 6 || !AllDigits(date)) {
    return Status::InvalidArgument(
        "dossier code " + q + ": date part " + Quote(date) + " must be 6 digits YYMMDD",
        "dossier_code");
  }
  const Date d{2000 + ParseSmallInt(date.substr(0, 2)), ParseSmallInt(date.substr(2, 2)),
               ParseSmallInt(date.substr(4, 2))};
  if (!IsValidDate(d)) {
    return Status::InvalidArgument(
        "dossier code " + q + ": date part " + Quote(date) + " is not a calendar date",
        "dossier_code");
  }
  if (number.size() != 4 || !AllDigits(number)) {
    return Status::InvalidArgument(
        "dossier code " + q + ": number part " + Quote(number) + " must be 4 digits",
        "dossier_code");
  }
  const int n = ParseSmallInt(number);
  if (n < 1) {
    return Status::InvalidArgument("dossier code " + q + ": number 0000 is never issued",
                                   "dossier_code");
  }
  return DossierCode{std::string(unit), d, n};
}

// ---- Lookup secrets --------------------------------------------------------

std::string NewLookupSecret() {
  EnsureSodium();
  std::string out(kLookupSecretLength, '\0');
  for (char& c : out) {
    c = kLookupSecretAlphabet[randombytes_uniform(
        static_cast<uint32_t>(kLookupSecretAlphabet.size()))];
  }
  return out;
}

std::string FormatLookupSecret(std::string_view secret) {
  const size_t half = secret.size() / 2;
  return std::string(secret.substr(0, half)) + "-" + std::string(secret.substr(half));
}

Result<std::string> NormaliseLookupSecret(std::string_view typed) {
  std::string out;
  out.reserve(kLookupSecretLength);
  for (char c : typed) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    const char up = IsLower(c) ? static_cast<char>(c - 'a' + 'A') : c;
    if (kLookupSecretAlphabet.find(up) == std::string_view::npos) {
      std::string why = "lookup secret contains " + ShowChar(c);
      if (up == '0' || up == 'O' || up == '1' || up == 'I' || up == 'L') {
        why += ", which is never used in secrets (0, O, 1, I and L are left out)";
      } else {
        why += ", which is not a secret character";
      }
      return Status::InvalidArgument(why, "lookup_secret");
    }
    out += up;
  }
  if (out.size() != kLookupSecretLength) {
    return Status::InvalidArgument("lookup secret must have " +
                                       std::to_string(kLookupSecretLength) + " characters, got " +
                                       std::to_string(out.size()),
                                   "lookup_secret");
  }
  return out;
}

bool LookupSecretEquals(std::string_view a, std::string_view b) {
  EnsureSodium();
  Result<std::string> na = NormaliseLookupSecret(a);
  Result<std::string> nb = NormaliseLookupSecret(b);
  if (!na.ok() || !nb.ok()) return false;
  // Both are exactly kLookupSecretLength bytes here, so only the contents
  // decide, in time independent of where they differ.
  return sodium_memcmp(na->data(), nb->data(), kLookupSecretLength) == 0;
}

// ---- Event ids -------------------------------------------------------------

std::string NewEventId() {
  EnsureSodium();
  std::array<unsigned char, 16> b;
  randombytes_buf(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0F];
  }
  return out;
}

bool IsValidEventId(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_pos ? id[i] != '-' : !IsLowerHex(id[i])) return false;
  }
  return true;
}

// ---- Waybills --------------------------------------------------------------

Status ValidateWaybillBlock(const WaybillBlock& block) {
  if (block.block_id.empty()) {
    return Status::InvalidArgument("waybill block id must not be empty", "block_id");
  }
  if (block.prefix.size() != 2 || !IsUpper(block.prefix[0]) || !IsUpper(block.prefix[1])) {
    return Status::InvalidArgument("waybill block " + block.block_id + ": prefix " +
                                       Quote(block.prefix) + " must be two upper-case letters",
                                   "prefix");
  }
  if (block.first < 0 || block.last > kMaxWaybillSerial || block.first > block.last) {
    return Status::InvalidArgument("waybill block " + block.block_id + ": range " +
                                       std::to_string(block.first) + ".." +
                                       std::to_string(block.last) + " must lie within 0.." +
                                       std::to_string(kMaxWaybillSerial) + " with first <= last",
                                   "first");
  }
  return Status::OK();
}

int S10CheckDigit(int64_t serial) {
  static constexpr int kWeights[8] = {8, 6, 4, 2, 3, 5, 9, 7};
  int sum = 0;
  int64_t rest = serial;
  for (int i = 7; i >= 0; --i) {
    sum += static_cast<int>(rest % 10) * kWeights[i];
    rest /= 10;
  }
  const int check = 11 - sum % 11;
  if (check == 10) return 0;
  if (check == 11) return 5;
  return check;
}

Result<std::string> FormatWaybill(const WaybillBlock& block, int64_t n) {
  HOSO_RETURN_IF_ERROR(ValidateWaybillBlock(block));
  if (n < block.first || n > block.last) {
    return Status::InvalidArgument("serial " + std::to_string(n) + " is outside waybill block " +
                                       block.block_id + " (" + std::to_string(block.first) + ".." +
                                       std::to_string(block.last) + ")",
                                   "serial");
  }
  return block.prefix + Pad(n, 8) + std::to_string(S10CheckDigit(n)) + std::string(kWaybillCountry);
}

Status ValidateWaybill(std::string_view waybill) {
  const std::string q = Quote(waybill);
  if (waybill.size() != 13) {
    return Status::InvalidArgument(
        "waybill " + q + " must have 13 characters (2 letters, 9 digits, \"VN\")", "waybill");
  }
  if (!IsUpper(waybill[0]) || !IsUpper(waybill[1])) {
    return Status::InvalidArgument("waybill " + q + " must start with two upper-case letters",
                                   "waybill");
  }
  if (!AllDigits(waybill.substr(2, 9))) {
    return Status::InvalidArgument("waybill " + q + " must have 9 digits after the prefix",
                                   "waybill");
  }
  if (waybill.substr(11) != kWaybillCountry) {
    return Status::InvalidArgument("waybill " + q + " must end in \"VN\"", "waybill");
  }
  int64_t serial = 0;
  for (char c : waybill.substr(2, 8)) serial = serial * 10 + (c - '0');
  if (waybill[10] - '0' != S10CheckDigit(serial)) {
    return Status::InvalidArgument("waybill " + q + " has a wrong check digit", "waybill");
  }
  return Status::OK();
}

Result<int64_t> NextInBlock(const WaybillBlock& block, int64_t next) {
  HOSO_RETURN_IF_ERROR(ValidateWaybillBlock(block));
  if (next < block.first) {
    return Status::InvalidArgument("next serial " + std::to_string(next) +
                                       " lies before waybill block " + block.block_id +
                                       " (starts at " + std::to_string(block.first) + ")",
                                   "next");
  }
  if (next > block.last) {
    return Status::ResourceExhausted("waybill block " + block.block_id + " (" + block.prefix + " " +
                                     std::to_string(block.first) + ".." +
                                     std::to_string(block.last) +
                                     ") is used up; a new block is needed");
  }
  return next;
}

}  // namespace hoso
