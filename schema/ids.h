// Identifiers Hoso hands out: dossier codes, lookup secrets, event ids and
// waybill numbers. These are pure formatting, parsing and checking functions;
// the database-backed counters that pick the next number call them.
//
// Thread-safety: all functions are safe to call concurrently. The random ones
// use libsodium, which is initialised once on first use.
#ifndef HOSO_SCHEMA_IDS_H_
#define HOSO_SCHEMA_IDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

// ---- Dossier codes ---------------------------------------------------------
//
// `<unit-code>-<YYMMDD>-<NNNN>` (Circular 01/2018/TT-VPCP, Art. 19), for
// example "000.00.17.H29-260312-0007". YYMMDD is the local (UTC+7) date of
// intake and NNNN the unit's running number for that day, 0001..9999.

constexpr int kMaxDailyDossierNumber = 9999;

struct DossierCode {
  std::string unit_code;
  Date date;       // local date of intake, 2000-01-01..2099-12-31
  int number = 0;  // 1..kMaxDailyDossierNumber
  bool operator==(const DossierCode&) const = default;
};

// A unit code is 3..32 characters of dot-separated, non-empty segments of
// digits and upper-case ASCII letters ("000.00.17.H29"). '-' is never allowed
// because it separates the parts of a dossier code.
Status ValidateUnitCode(std::string_view unit_code);

// kInvalidArgument for a bad unit code, a date outside 2000..2099 or a number
// below 1; kResourceExhausted once the day's 9999 numbers are used up.
// REQUIRES: `local_date` is the intake date in Vietnam local time.
Result<std::string> FormatDossierCode(std::string_view unit_code, const Date& local_date,
                                      int number);
Result<std::string> FormatDossierCode(const DossierCode& code);

// Parses a code in exactly the form FormatDossierCode writes (upper case, four
// digit number); errors say which part is wrong.
Result<DossierCode> ParseDossierCode(std::string_view code);

// ---- Lookup secrets --------------------------------------------------------
//
// Printed on the receipt beside the dossier code; together they let anyone
// holding the receipt look the dossier up. The alphabet leaves out 0/O and
// 1/I/L so a secret read aloud or copied by hand cannot be mistaken.

constexpr std::string_view kLookupSecretAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr size_t kLookupSecretLength = 8;

// A fresh secret in canonical form: 8 characters from kLookupSecretAlphabet,
// uniformly random (libsodium randombytes_uniform), no separator.
std::string NewLookupSecret();

// "ABCD-EFGH": how a canonical secret is printed and shown.
// REQUIRES: `secret` is canonical (as NewLookupSecret or NormaliseLookupSecret
// return it).
std::string FormatLookupSecret(std::string_view secret);

// Accepts what people type: any case, with spaces and dashes anywhere. Returns
// the canonical 8-character form. Characters outside the alphabet (including
// 0, O, 1, I and L) are rejected, not guessed at.
Result<std::string> NormaliseLookupSecret(std::string_view typed);

// True when both normalise to the same secret. The comparison of the
// normalised forms runs in constant time (sodium_memcmp). Anything that does
// not normalise compares unequal.
bool LookupSecretEquals(std::string_view a, std::string_view b);

// ---- Event ids -------------------------------------------------------------

// A random (version 4) UUID in lower-case text form,
// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewEventId();
// True for a lower-case 8-4-4-4-12 hex UUID (any version).
bool IsValidEventId(std::string_view id);

// ---- Waybills --------------------------------------------------------------
//
// UPU S10 item identifiers: 2 service letters (the block's prefix), an 8-digit
// serial, a mod-11 check digit and the country code "VN", for example
// "EE123456785VN". The central allocates blocks of serials to issuing nodes so
// that offline nodes never issue the same waybill.

constexpr std::string_view kWaybillCountry = "VN";
constexpr int64_t kMaxWaybillSerial = 99'999'999;

struct WaybillBlock {
  std::string block_id;
  std::string prefix;  // two upper-case ASCII letters
  int64_t first = 0;   // first serial of the block, inclusive
  int64_t last = 0;    // last serial of the block, inclusive
};

// kInvalidArgument (naming the field) unless block_id is non-empty, prefix is
// two upper-case letters and 0 <= first <= last <= kMaxWaybillSerial.
Status ValidateWaybillBlock(const WaybillBlock& block);

// The S10 check digit of an 8-digit serial: weights 8 6 4 2 3 5 9 7, then
// 11 - (sum mod 11), where 10 becomes 0 and 11 becomes 5.
// REQUIRES: 0 <= serial <= kMaxWaybillSerial.
int S10CheckDigit(int64_t serial);

// The waybill for serial `n` of `block`. kInvalidArgument when the block is
// malformed or `n` lies outside it.
Result<std::string> FormatWaybill(const WaybillBlock& block, int64_t n);

// OK for a well-formed S10 identifier with country "VN" and a correct check
// digit; kInvalidArgument saying what is wrong otherwise.
Status ValidateWaybill(std::string_view waybill);

// `next` is the serial the caller's counter would hand out next (block.first
// for a fresh block). Returns it when it lies in the block;
// kResourceExhausted once the block is used up (next > last), so the caller
// asks the central for a new block; kInvalidArgument when next < first.
Result<int64_t> NextInBlock(const WaybillBlock& block, int64_t next);

}  // namespace hoso

#endif  // HOSO_SCHEMA_IDS_H_
