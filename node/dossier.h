// The desk node's view of a dossier and the values that travel with it
// (applicant, documents received, return method, hand-back record).
//
// These are plain values shared by intake, storage, receipts, the HTTP API
// and the CLI. The national ID number never appears here in clear except in
// IntakeRequest (input) and in the explicit reveal path; stored dossiers
// carry only the masked form (last 4 digits).
//
// Thread-safety: values.
#ifndef HOSO_NODE_DOSSIER_H_
#define HOSO_NODE_DOSSIER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/status.h"
#include "schema/time.h"

namespace hoso::node {

struct Address {
  std::string province;  // "Thành phố Hồ Chí Minh"
  std::string ward;      // "Phường Sài Gòn"
  std::string street;    // "12 Lê Lợi"
};

struct Applicant {
  std::string kind;           // "person" | "business"
  std::string full_name;      // person's name, or the business's legal representative
  std::string id_number;      // person: 12-digit national ID (input only; never stored clear)
  std::string business_name;  // business only
  std::string tax_code;       // business only: 10 digits or 10-3 digits
  std::string phone;          // Vietnamese phone, digits, 10 digits starting with 0
  std::string email;          // optional
  Address address;
};

struct Representative {  // authorised person filing for the applicant (optional)
  std::string full_name;
  std::string id_number;      // input only
  std::string authorisation;  // "Giấy ủy quyền số 12/2026/GUQ ngày ..."
};

struct DocumentReceived {
  std::string id;       // catalog RequiredDocument id
  std::string name_vi;  // copied from the catalog at intake
  std::string name_en;
  std::string form;  // original | copy | certified_copy
  int count = 1;
};

struct ReturnMethod {
  std::string method = "desk";  // "desk" | "post"
  std::string recipient_name;   // post only
  std::string recipient_phone;  // post only
  Address address;              // post only
};

// What the clerk submits (JSON body of POST /api/dossiers).
struct IntakeRequest {
  std::string procedure_id;  // catalog id or national code
  Applicant applicant;
  std::optional<Representative> representative;
  std::string applicant_type = "organisation";         // fee class: organisation | household
  std::string area = "urban";                          // fee class: urban | other
  std::vector<std::pair<std::string, int>> documents;  // (document id, count)
  std::string channel = "desk";                        // how papers arrived: desk | post
  ReturnMethod return_method;
  std::string clerk;                  // receiving clerk's name
  std::optional<UnixMs> received_at;  // default: the node's clock
  std::string note;
};

struct HandBack {
  std::string recipient_kind;  // "owner" | "authorised"
  std::string recipient_name;
  std::string recipient_id_masked;  // "********1234"
  std::string authorisation;        // when authorised
  std::string clerk;
  UnixMs returned_at = 0;
};

// A stored dossier as the desk sees it.
struct Dossier {
  std::string code;           // 000.00.17.H29-260312-0007
  std::string lookup_secret;  // as printed on the receipt: "7KQ4-M9TX"
  int status = 2;             // national portal status 1..10
  std::string procedure_id;
  std::string procedure_code;  // national code, may be empty
  std::string procedure_name_vi;
  std::string procedure_name_en;
  Applicant applicant;                           // id_number empty; see id_masked
  std::string id_masked;                         // "********1234" (person) or ""
  std::optional<Representative> representative;  // id_number empty
  std::string representative_id_masked;
  std::string applicant_type;
  std::string area;
  std::vector<DocumentReceived> documents;
  std::string channel;
  ReturnMethod return_method;
  std::string clerk;
  UnixMs received_at = 0;       // as recorded (device clock)
  UnixMs counted_from = 0;      // received_at normalised into office hours
  UnixMs appointment = 0;       // promised return time; 0: no date promised (see processing)
  std::string processing_kind;  // working_days | calendar_days | none
  int processing_days = 0;
  std::optional<int64_t> fee_vnd;         // nullopt when the catalog figure is unverified
  std::optional<int64_t> postal_fee_vnd;  // post only
  std::string catalog_version;
  std::string calendar_version;
  std::string tariff_version;
  std::string refusal_reason;  // status 3
  std::string result_outcome;  // "approved" | "refused" once the result reached the desk
  std::string result_note;
  std::optional<HandBack> hand_back;  // status 10 at the desk
  std::string note;
};

// ---- Normalising what clerks type -----------------------------------------
// Each returns the canonical form or kInvalidArgument naming `field`.

// National ID (CCCD): 12 digits once spaces are removed; the first three are
// the province of birth registration, 001..099 (000 is never issued).
Result<std::string> NormaliseIdNumber(std::string_view typed, std::string_view field);
// Vietnamese phone: spaces, dots, dashes and parentheses are ignored; a
// leading +84 (or 0084) becomes 0; then exactly 10 digits starting with 0.
Result<std::string> NormalisePhone(std::string_view typed, std::string_view field);
// Tax code: 10 digits, or 10 digits '-' 3 digits for a branch; spaces
// removed.
Result<std::string> NormaliseTaxCode(std::string_view typed, std::string_view field);
// Email: optional at the call site; when given, local@domain.tld with no
// spaces, at most 254 bytes. Returned trimmed.
Result<std::string> NormaliseEmail(std::string_view typed, std::string_view field);
// A person's or clerk's name: NormaliseSpaces, then 1..max_chars code points
// of valid UTF-8.
Result<std::string> NormaliseName(std::string_view typed, std::string_view field,
                                  size_t max_chars = 200);

// Masks all but the last 4 characters: "079203001234" -> "********1234".
// Shorter inputs are masked entirely; "" stays "".
std::string MaskIdNumber(const std::string& id_number);

// The verifier of a receipt's lookup secret carried in the dossier_received
// event ("lookup_secret_hash"): lower-case hex BLAKE2b-256 of
// code ":" canonical secret. Binding the code means equal secrets of two
// dossiers give different verifiers.
// REQUIRES: `canonical_secret` as NewLookupSecret / NormaliseLookupSecret
// return it.
std::string LookupSecretHash(std::string_view code, std::string_view canonical_secret);

}  // namespace hoso::node

#endif  // HOSO_NODE_DOSSIER_H_
