// OnlineDesk: the central's online door (docs/API.md "Online submission").
// Applicants file dossiers and periodic reports over the web; the dossier
// then goes through the same events, state machine and projection as a
// desk's.
//
//   draft   fields and files saved on the server under a random token (32
//           bytes from libsodium, base64url; only its BLAKE2b-256 is
//           stored), so a closed tab resumes where it stopped;
//   files   PDF / JPEG / PNG recognised by their first bytes, at most
//           OnlineOptions::max_file_bytes, stored content-addressed with the
//           central's attachments (DIR/chunks/, table attachments);
//   submit  every field validated, each error naming its field; the dossier
//           gets its code (under OnlineOptions::unit_code) and lookup secret
//           at once, as a dossier_submitted_online event of the central's
//           chain (central_events, status 1). A filing (procedure with
//           processing kind none: notifications, yearly reports) is
//           received in the same transaction (dossier_received, status 2)
//           and acknowledged with its receipt;
//   reception  officers accept (dossier_received, status 2, appointment from
//           the acceptance time with the working calendar and the catalog's
//           online processing time), ask for completion
//           (online_completion_requested, Form 02; the applicant uploads the
//           missing files with code + secret: online_completion_submitted)
//           or refuse (dossier_refused, status 3).
// A dossier whose result is collected at a ward desk has that desk node as
// its origin: its events flow down to the node like any desk dossier's.
//
// Abuse: requests are counted per remote address and per draft
// (WindowCounter, refusals 429 too_many_requests with Retry-After); a code is
// found only together with its secret, and a wrong secret is refused exactly
// like an unknown code (404 no_match) and counted against the address.
//
// Thread-safety: safe for concurrent use; each call takes its own database
// connection, and writes run in IMMEDIATE transactions.
#ifndef HOSO_CENTRAL_ONLINE_H_
#define HOSO_CENTRAL_ONLINE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "central/audit.h"
#include "central/central_store.h"
#include "central/refusal.h"
#include "schema/calendar.h"
#include "schema/catalog.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/tariff.h"

namespace hoso::central {

// The unit code online dossiers are numbered under unless configured.
inline constexpr char kDefaultOnlineUnit[] = "000.00.00.TT";

struct OnlineOptions {
  std::string unit_code = kDefaultOnlineUnit;
  // The province of the central's office: the postal fee's zone.
  std::string province = "Thành phố Hồ Chí Minh";
  int64_t max_file_bytes = int64_t{10} << 20;
  int max_files_per_draft = 20;
  // Requests of one remote address to the public routes, per minute.
  int max_requests_per_address = 120;
  // Writes (saves, uploads, submit) to one draft, per minute.
  int max_writes_per_draft = 60;
  // Drafts one address may open, per hour.
  int max_drafts_per_address = 30;
  // Lookups with a wrong code or secret one address may make, per 15 minutes.
  int max_failed_lookups_per_address = 10;
  Clock* clock = SystemClock();
};

// Fixed-window counters in memory: at most `limit` events per key per
// window; the online door's several limits share one (tracking keeps a
// sliding log per address instead, RateLimiter in central/tracking.h).
// Thread-safe.
class WindowCounter {
 public:
  // True (and counted) when under the limit; otherwise false and
  // *retry_after_s says when the window ends.
  bool Allow(const std::string& key, int limit, int64_t window_ms, UnixMs now,
             int64_t* retry_after_s);
  // True when `key` is at its limit now (nothing counted).
  bool Over(const std::string& key, int limit, int64_t window_ms, UnixMs now,
            int64_t* retry_after_s);

 private:
  struct Window {
    UnixMs start = 0;
    int count = 0;
  };
  std::mutex mu_;
  std::map<std::string, Window> windows_;  // guarded by mu_
};

// One field that did not validate: {"field":"applicant.phone","message":...}.
struct FieldError {
  std::string field;
  std::string message;     // English
  std::string message_vi;  // the same in Vietnamese, for the page
};

// The verifier of a lookup secret stored in events: lower-case hex
// BLAKE2b-256 of "CODE:SECRET" (the same as the desk's).
std::string OnlineSecretHash(std::string_view code, std::string_view canonical_secret);

struct SubmitResult {
  std::string code;
  std::string secret;  // canonical; shown once, only its verifier is kept
  json::object receipt;
};

// An uploaded file as served back: its bytes and the type it was checked as.
struct OnlineFile {
  std::string media_type;
  std::string file_name;
  std::string bytes;
};

class OnlineDesk {
 public:
  // Loads the catalog, calendar and tariff of DIR/data. REQUIRES: store and
  // options.clock outlive the OnlineDesk.
  static Result<std::unique_ptr<OnlineDesk>> Create(CentralStore* store, OnlineOptions options);

  const OnlineOptions& options() const { return options_; }
  const Catalog& catalog() const { return catalog_; }

  // ---- Public side (applicants) ----

  // Counts one request of `address`; 429 too_many_requests past the limit.
  Outcome<bool> CountRequest(const std::string& address);

  // {"procedures":[...]}: the rows in force today that are offered online,
  // each with "filing" (no processing time), "processing_days" for an online
  // submission and "report_due". {"desks":[{"node_id","unit_code"}]}: active
  // desk nodes where a result can be collected.
  json::object Procedures() const;
  Result<json::object> Desks() const;
  // {"amount_vnd","verified","zone"} for a delivery to `province`.
  json::object PostalFee(std::string_view province) const;

  // A new empty draft: {"token", "draft"}.
  Outcome<json::object> CreateDraft(const std::string& address);
  // {"token","fields","files":[...],"submitted_code","errors":[...]}.
  Outcome<json::object> GetDraft(const std::string& token);
  // Replaces the draft's fields (a JSON object, at most 16 KiB as text);
  // answers like GetDraft, errors being what submission would refuse now.
  Outcome<json::object> SaveDraft(const std::string& token, const json::object& fields);
  // Adds a file for checklist item `document_id`. Refusals: 413
  // file_too_large, 415 unsupported_media_type (by content), 400 bad_request
  // (unknown document id, bad name, empty file), 409 too_many_files.
  Outcome<json::object> AddDraftFile(const std::string& token, const std::string& document_id,
                                     const std::string& file_name, std::string_view bytes);
  Outcome<json::object> RemoveDraftFile(const std::string& token, int64_t file_id);
  // Validates and submits. 422 validation_failed carries the field errors
  // (*errors). 409 already_submitted for a draft submitted before.
  Outcome<SubmitResult> Submit(const std::string& token, const std::string& address,
                               std::vector<FieldError>* errors);

  // The dossier of `code` when `secret` matches: {"code","status",
  // "status_name_vi","status_name_en","appointment","procedure":{...},
  // "completion":{"round","items":[{id,name_vi,name_en}],"reason"}|null,
  // "files":[...]}. 404 no_match otherwise (unknown code and wrong secret
  // alike), 429 too_many_requests after too many.
  Outcome<json::object> Lookup(const std::string& code, const std::string& secret,
                               const std::string& address);
  // The printable submission receipt (HTML) of a dossier, with code + secret.
  Outcome<std::string> ReceiptHtml(const std::string& code, const std::string& secret,
                                   const std::string& address);
  // A file for the open completion request. 409 no_completion_requested
  // unless one is open and `document_id` is one of its items.
  Outcome<json::object> AddCompletionFile(const std::string& code, const std::string& secret,
                                          const std::string& address,
                                          const std::string& document_id,
                                          const std::string& file_name, std::string_view bytes);
  // Answers the open completion request (online_completion_submitted).
  // 422 validation_failed while an item has no file.
  Outcome<json::object> SubmitCompletion(const std::string& code, const std::string& secret,
                                         const std::string& address);

  // ---- Reception (officers) ----

  // Online dossiers in status 1, oldest first, with "completion" state.
  Result<json::object> Inbox();
  // One online dossier: fields, files by round, the checklist with what is
  // attached, the projection. 404 not_found for a code not submitted online.
  Outcome<json::object> Detail(const std::string& code);
  // A file of the dossier by its hash; 404 when the dossier has no such file.
  Outcome<OnlineFile> File(const std::string& code, const std::string& hash);
  // Accept: dossier_received (status 2). `appointment_ms` is required only
  // when the catalog gives no processing time for the procedure.
  Outcome<json::object> Accept(const Actor& actor, const std::string& code,
                               std::optional<UnixMs> appointment_ms);
  Outcome<json::object> RequestCompletion(const Actor& actor, const std::string& code,
                                          const std::vector<std::string>& items,
                                          const std::string& reason);
  Outcome<json::object> Refuse(const Actor& actor, const std::string& code,
                               const std::string& reason);
  // Form 01 (receipt and appointment) once accepted; Form 02 (completion
  // request) while one was asked.
  Outcome<std::string> Form01Html(const std::string& code);
  Outcome<std::string> Form02Html(const std::string& code);
  // The filings of one filer (tax code, or the filer key of a citizen), and
  // the yearly reports overdue: {"filer","filings":[...],"overdue":[...]}.
  Result<json::object> Filings(const std::string& filer);

 private:
  OnlineDesk(CentralStore* store, OnlineOptions options, Catalog catalog,
             std::unique_ptr<WorkingCalendar> calendar, Tariff tariff);

  // A row of online_dossiers.
  struct Submitted {
    std::string code;
    std::string procedure_id;
    bool filing = false;
    std::string filer_key;
    std::string applicant_name;
    std::string secret_hash;
    json::object fields;
    std::optional<int64_t> report_period;
    UnixMs submitted_at_ms = 0;
    int completion_round = 0;
    std::optional<std::vector<std::string>> completion_items;  // open request
  };
  Outcome<Submitted> LoadSubmitted(Database& db, const std::string& code);
  Outcome<Submitted> Authorise(Database& db, const std::string& code, const std::string& secret,
                               const std::string& address);
  Outcome<bool> CountDraftWrite(const std::string& token_hash);
  std::vector<FieldError> Validate(const json::object& fields,
                                   const std::vector<std::string>& documents_with_files,
                                   UnixMs now) const;
  Result<json::object> DraftJson(Database& db, const std::string& token_hash,
                                 const std::string& token);
  Result<json::object> StoreFile(Database& db, std::string_view bytes,
                                 const std::string& media_type);

  CentralStore* store_;
  OnlineOptions options_;
  Catalog catalog_;
  std::unique_ptr<WorkingCalendar> calendar_;
  Tariff tariff_;
  WindowCounter limiter_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_ONLINE_H_
