#include "node/dossier.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/text.h"

namespace hoso::node {

namespace {

constexpr size_t kVisibleIdDigits = 4;

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

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Removes the characters people put between digit groups.
std::string StripSeparators(std::string_view s, std::string_view separators) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (separators.find(c) == std::string_view::npos) out += c;
  }
  return out;
}

size_t CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Status Invalid(std::string_view field, const std::string& what) {
  return Status::InvalidArgument(std::string(field) + " " + what, std::string(field));
}

}  // namespace

Result<std::string> NormaliseIdNumber(std::string_view typed, std::string_view field) {
  const std::string id = StripSeparators(typed, " ");
  if (id.empty()) return Invalid(field, "is required");
  if (id.size() != 12 || !AllDigits(id)) return Invalid(field, "must be 12 digits");
  if (id.compare(0, 3, "000") == 0) {
    return Invalid(field, "must start with a province code 001..099");
  }
  return id;
}

Result<std::string> NormalisePhone(std::string_view typed, std::string_view field) {
  std::string p = StripSeparators(typed, " .-()");
  if (p.empty()) return Invalid(field, "is required");
  if (p.rfind("+84", 0) == 0) {
    p = "0" + p.substr(3);
  } else if (p.rfind("0084", 0) == 0) {
    p = "0" + p.substr(4);
  }
  if (p.size() != 10 || p[0] != '0' || !AllDigits(p)) {
    return Invalid(field, "must be a Vietnamese phone number: 10 digits starting with 0");
  }
  return p;
}

Result<std::string> NormaliseTaxCode(std::string_view typed, std::string_view field) {
  const std::string t = StripSeparators(typed, " ");
  if (t.empty()) return Invalid(field, "is required");
  const bool main_unit = t.size() == 10 && AllDigits(t);
  const bool branch = t.size() == 14 && t[10] == '-' &&
                      AllDigits(std::string_view(t).substr(0, 10)) &&
                      AllDigits(std::string_view(t).substr(11));
  if (!main_unit && !branch) {
    return Invalid(field, "must be 10 digits, or 10 digits-3 digits for a branch");
  }
  return t;
}

Result<std::string> NormaliseEmail(std::string_view typed, std::string_view field) {
  const std::string e = NormaliseSpaces(typed);
  const size_t at = e.find('@');
  bool ok = !e.empty() && e.size() <= 254 && at != std::string::npos && at > 0 &&
            e.find('@', at + 1) == std::string::npos;
  for (char c : e) ok = ok && static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
  if (ok) {
    const std::string_view domain = std::string_view(e).substr(at + 1);
    const size_t dot = domain.rfind('.');
    ok = dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
         domain.front() != '.' && domain.find("..") == std::string_view::npos;
  }
  if (!ok) return Invalid(field, "must be an email address like name@example.vn");
  return e;
}

Result<std::string> NormaliseName(std::string_view typed, std::string_view field,
                                  size_t max_chars) {
  if (!IsValidUtf8(typed)) return Invalid(field, "is not valid UTF-8");
  std::string n = NormaliseSpaces(typed);
  if (n.empty()) return Invalid(field, "is required");
  if (CodePoints(n) > max_chars) {
    return Invalid(field, "must be at most " + std::to_string(max_chars) + " characters");
  }
  return n;
}

std::string MaskIdNumber(const std::string& id_number) {
  // Four visible characters out of four or fewer would reveal everything.
  if (id_number.size() <= kVisibleIdDigits) return std::string(id_number.size(), '*');
  const size_t hidden = id_number.size() - kVisibleIdDigits;
  return std::string(hidden, '*') + id_number.substr(hidden);
}

std::string LookupSecretHash(std::string_view code, std::string_view canonical_secret) {
  EnsureSodium();
  std::string message;
  message.reserve(code.size() + 1 + canonical_secret.size());
  message.append(code);
  message += ':';
  message.append(canonical_secret);
  unsigned char out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size(), nullptr, 0);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

}  // namespace hoso::node
