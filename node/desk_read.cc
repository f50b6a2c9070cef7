// Desk: reading dossiers, their timeline, search, and the logged reveal of a
// national ID number.
//
// Search runs on the FTS5 table dossier_search, whose text is folded with
// FoldForSearch: a query is folded the same way and matched as a phrase
// whose last token is a prefix, so "nguyen van a" finds "Nguyễn Văn A" and
// "Nguyễn Văn An" but not "Nguyễn Thị An". A query of digits also matches
// the digit run (phone, tax code, code parts), and exactly 12 digits is
// looked up as an ID number through its keyed hash.
#include <algorithm>
#include <cstdint>
#include <utility>

#include "node/central_events.h"
#include "node/desk.h"
#include "node/outbox.h"
#include "schema/dossier_state.h"
#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::node {

namespace {

constexpr int kMaxSearchLimit = 200;
constexpr int kMaxIdViewLimit = 1000;

// Column order of kDossierSelect; keep the two in step.
enum Col {
  kCode,
  kSecret,
  kStatus,
  kProcId,
  kProcCode,
  kProcNameVi,
  kProcNameEn,
  kKind,
  kName,
  kBusinessName,
  kTaxCode,
  kPhone,
  kEmail,
  kProvince,
  kWard,
  kStreet,
  kIdLast4,
  kRepName,
  kRepIdLast4,
  kRepAuthorisation,
  kApplicantType,
  kArea,
  kChannel,
  kReturnMethod,
  kRecipientName,
  kRecipientPhone,
  kReturnProvince,
  kReturnWard,
  kReturnStreet,
  kClerk,
  kReceivedAt,
  kCountedFrom,
  kAppointment,
  kProcessingKind,
  kProcessingDays,
  kFee,
  kPostalFee,
  kCatalogVersion,
  kCalendarVersion,
  kTariffVersion,
  kRefusalReason,
  kNote,
  kResultOutcome,
  kResultNote,
  kHbKind,
  kHbName,
  kHbIdMasked,
  kHbAuthorisation,
  kHbClerk,
  kHbAt,
};

constexpr char kDossierSelect[] =
    "SELECT d.code, d.lookup_secret, d.status, d.procedure_id, d.procedure_code, "
    "d.procedure_name_vi, d.procedure_name_en, d.applicant_kind, d.applicant_name, "
    "d.business_name, d.tax_code, d.phone, d.email, d.address_province, d.address_ward, "
    "d.address_street, d.applicant_id_last4, d.rep_name, d.rep_id_last4, d.rep_authorisation, "
    "d.applicant_type, d.area, d.channel, d.return_method, d.return_recipient_name, "
    "d.return_recipient_phone, d.return_province, d.return_ward, d.return_street, d.clerk, "
    "d.received_at_ms, d.counted_from_ms, d.appointment_ms, d.processing_kind, "
    "d.processing_days, d.fee_vnd, d.postal_fee_vnd, d.catalog_version, d.calendar_version, "
    "d.tariff_version, d.refusal_reason, d.note, d.result_outcome, d.result_note, "
    "d.handback_recipient_kind, d.handback_recipient_name, d.handback_recipient_id_masked, "
    "d.handback_authorisation, d.handback_clerk, d.handback_at_ms FROM dossiers d ";

// What screens show for a stored last-4: the ID number's length is fixed.
std::string MaskedFromLast4(const std::string& last4) {
  return last4.empty() ? std::string() : std::string(8, '*') + last4;
}

Dossier DossierFromRow(const Statement& st) {
  Dossier d;
  d.code = st.ColumnText(kCode);
  d.lookup_secret = FormatLookupSecret(st.ColumnText(kSecret));
  d.status = static_cast<int>(st.ColumnInt(kStatus));
  d.procedure_id = st.ColumnText(kProcId);
  d.procedure_code = st.ColumnText(kProcCode);
  d.procedure_name_vi = st.ColumnText(kProcNameVi);
  d.procedure_name_en = st.ColumnText(kProcNameEn);
  Applicant& a = d.applicant;
  a.kind = st.ColumnText(kKind);
  a.full_name = st.ColumnText(kName);
  a.business_name = st.ColumnText(kBusinessName);
  a.tax_code = st.ColumnText(kTaxCode);
  a.phone = st.ColumnText(kPhone);
  a.email = st.ColumnText(kEmail);
  a.address = Address{st.ColumnText(kProvince), st.ColumnText(kWard), st.ColumnText(kStreet)};
  d.id_masked = MaskedFromLast4(st.ColumnText(kIdLast4));
  if (!st.IsNull(kRepName)) {
    d.representative =
        Representative{st.ColumnText(kRepName), "", st.ColumnText(kRepAuthorisation)};
    d.representative_id_masked = MaskedFromLast4(st.ColumnText(kRepIdLast4));
  }
  d.applicant_type = st.ColumnText(kApplicantType);
  d.area = st.ColumnText(kArea);
  d.channel = st.ColumnText(kChannel);
  d.return_method.method = st.ColumnText(kReturnMethod);
  d.return_method.recipient_name = st.ColumnText(kRecipientName);
  d.return_method.recipient_phone = st.ColumnText(kRecipientPhone);
  d.return_method.address = Address{st.ColumnText(kReturnProvince), st.ColumnText(kReturnWard),
                                    st.ColumnText(kReturnStreet)};
  d.clerk = st.ColumnText(kClerk);
  d.received_at = st.ColumnInt(kReceivedAt);
  d.counted_from = st.ColumnInt(kCountedFrom);
  d.appointment = st.ColumnInt(kAppointment);
  d.processing_kind = st.ColumnText(kProcessingKind);
  d.processing_days = static_cast<int>(st.ColumnInt(kProcessingDays));
  d.fee_vnd = st.ColumnOptInt(kFee);
  d.postal_fee_vnd = st.ColumnOptInt(kPostalFee);
  d.catalog_version = st.ColumnText(kCatalogVersion);
  d.calendar_version = st.ColumnText(kCalendarVersion);
  d.tariff_version = st.ColumnText(kTariffVersion);
  d.refusal_reason = st.ColumnText(kRefusalReason);
  d.note = st.ColumnText(kNote);
  d.result_outcome = st.ColumnOptText(kResultOutcome).value_or("");
  d.result_note = st.ColumnText(kResultNote);
  if (!st.IsNull(kHbKind)) {
    d.hand_back = HandBack{st.ColumnText(kHbKind),     st.ColumnText(kHbName),
                           st.ColumnText(kHbIdMasked), st.ColumnText(kHbAuthorisation),
                           st.ColumnText(kHbClerk),    st.ColumnOptInt(kHbAt).value_or(0)};
  }
  return d;
}

// Runs a kDossierSelect query and attaches each dossier's documents.
Result<std::vector<Dossier>> LoadDossiers(Database& db, Statement& st) {
  std::vector<Dossier> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(DossierFromRow(st));
  }
  if (out.empty()) return out;
  HOSO_ASSIGN_OR_RETURN(Statement docs,
                        db.Prepare("SELECT document_id, name_vi, name_en, form, count FROM "
                                   "dossier_documents WHERE dossier_code = ?1 ORDER BY position"));
  for (Dossier& d : out) {
    docs.Reset();
    docs.Bind(1, d.code);
    while (true) {
      HOSO_ASSIGN_OR_RETURN(bool row, docs.Step());
      if (!row) break;
      d.documents.push_back(DocumentReceived{docs.ColumnText(0), docs.ColumnText(1),
                                             docs.ColumnText(2), docs.ColumnText(3),
                                             static_cast<int>(docs.ColumnInt(4))});
    }
  }
  return out;
}

// An FTS5 string literal: double quotes, inner quotes doubled.
std::string FtsString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

bool IsDigitsQuery(const std::string& text) {
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (std::string_view(" .-+()").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return digit;
}

std::string Summary(const OutboxRecord& r, bool vi) {
  const json::object& p = r.event.payload;
  auto str = [&p](const char* key) -> std::string {
    auto it = p.find(key);
    return it != p.end() && it->value().is_string() ? std::string(it->value().get_string()) : "";
  };
  const std::string by = r.event.actor ? " (" + *r.event.actor + ")" : "";
  switch (r.event.type) {
    case EventType::kDossierReceived:
      return (vi ? "Tiếp nhận hồ sơ tại bộ phận một cửa" : "Dossier received at the desk") + by;
    case EventType::kDossierRefused:
      return (vi ? "Không tiếp nhận hồ sơ: " : "Not accepted at intake: ") + str("reason") + by;
    case EventType::kResultRecorded: {
      const bool approved = str("outcome") == "approved";
      std::string s = vi ? "Kết quả đã về bộ phận một cửa" : "Result arrived at the desk";
      s += approved ? (vi ? " (chấp thuận)" : " (approved)") : (vi ? " (từ chối)" : " (refused)");
      return s + by;
    }
    case EventType::kResultReturned:
      return (vi ? "Đã trả kết quả tại bộ phận một cửa cho "
                 : "Result handed back at the desk to ") +
             str("recipient_name") + by;
    case EventType::kHandlerAssigned:
      return (vi ? "Phân công cán bộ xử lý: " : "Handler assigned: ") + str("handler_name") + by;
    case EventType::kHandlerTransferred:
      return (vi ? "Chuyển cán bộ xử lý: " : "Handler transferred: ") + str("to_handler_name") +
             by;
    case EventType::kSupplementRequested:
      return (vi ? "Yêu cầu bổ sung hồ sơ: " : "Supplement requested: ") + str("reason") + by;
    case EventType::kPaymentRequested:
      return (vi ? "Yêu cầu thực hiện nghĩa vụ tài chính: " : "Payment requested: ") +
             str("description") + by;
    case EventType::kApologyIssued:
      return (vi ? "Thư xin lỗi, hẹn lại ngày trả kết quả: " : "Apology, new appointment: ") +
             str("reason") + by;
    case EventType::kDossierStopped:
      return (vi ? "Dừng xử lý: " : "Processing stopped: ") + str("reason") + by;
    case EventType::kDossierWithdrawn:
      return (vi ? "Công dân rút hồ sơ" : "Withdrawn by the applicant") + by;
    case EventType::kAttachmentAdded:
      return (vi ? "Đính kèm bản quét: " : "Scan attached: ") + str("file_name") + by;
    default:
      return EventTypeName(r.event.type) + by;
  }
}

}  // namespace

Result<Dossier> Desk::Get(const std::string& code) {
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Statement st,
                        db.Prepare(std::string(kDossierSelect) + "WHERE d.code = ?1"));
  st.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(std::vector<Dossier> found, LoadDossiers(db, st));
  if (found.empty()) return Status::NotFound("no dossier " + code);
  return std::move(found.front());
}

Result<std::vector<TimelineEntry>> Desk::Timeline(const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(std::vector<OutboxRecord> events, EventsOfDossier(store_->db(), code));
  std::vector<TimelineEntry> out;
  out.reserve(events.size());
  for (const OutboxRecord& r : events) {
    out.push_back(TimelineEntry{r.event.seq, EventTypeName(r.event.type), r.event.device_time_ms,
                                Summary(r, true), Summary(r, false)});
  }
  // The officers' actions the central sent down (node/central_events.h),
  // in time order among this desk's own events.
  HOSO_ASSIGN_OR_RETURN(std::vector<Event> central, CentralEventsOfDossier(store_->db(), code));
  for (Event& e : central) {
    OutboxRecord r;
    r.event = std::move(e);
    out.push_back(TimelineEntry{r.event.seq, EventTypeName(r.event.type), r.event.device_time_ms,
                                Summary(r, true), Summary(r, false)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
  return out;
}

Result<std::vector<Dossier>> Desk::Search(const SearchQuery& q) {
  if (q.limit < 1 || q.limit > kMaxSearchLimit) {
    return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxSearchLimit), "limit");
  }
  if (q.status && (*q.status < 1 || *q.status > 10)) {
    return Status::InvalidArgument("status must be 1..10", "status");
  }
  if (q.from && q.to && *q.to < *q.from) {
    return Status::InvalidArgument("to is before from", "to");
  }
  if (!IsValidUtf8(q.text)) return Status::InvalidArgument("q is not valid UTF-8", "q");
  std::string sql = kDossierSelect;
  sql += "WHERE d.received_at_ms >= :from AND d.received_at_ms < :to ";
  if (q.status) sql += "AND d.status = :status ";

  std::string match, id_hash;
  const std::string folded = FoldForSearch(q.text);
  if (!NormaliseSpaces(q.text).empty()) {
    if (folded.empty()) return std::vector<Dossier>();  // punctuation only: nothing can match
    match = FtsString(folded) + " *";
    if (IsDigitsQuery(q.text)) {
      std::string digits = DigitsOnly(q.text);
      if (NormaliseSpaces(q.text).rfind("+84", 0) == 0) digits = "0" + digits.substr(2);
      match += " OR " + FtsString(digits) + " *";
      if (digits.size() == 12) id_hash = store_->PiiLookupHash(digits);
    }
    sql += "AND d.rowid IN (SELECT rowid FROM dossier_search WHERE dossier_search MATCH :match";
    if (!id_hash.empty()) {
      sql +=
          " UNION SELECT rowid FROM dossiers WHERE applicant_id_lookup = :id"
          " UNION SELECT rowid FROM dossiers WHERE rep_id_lookup = :id";
    }
    sql += ") ";
  }
  sql += "ORDER BY d.received_at_ms DESC, d.rowid DESC LIMIT :limit";

  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  st.Bind(st.ParamIndex(":from"), q.from ? LocalToUnixMs(*q.from, 0) : INT64_MIN);
  st.Bind(st.ParamIndex(":to"), q.to ? LocalToUnixMs(AddDays(*q.to, 1), 0) : INT64_MAX);
  if (q.status) st.Bind(st.ParamIndex(":status"), *q.status);
  if (!match.empty()) st.Bind(st.ParamIndex(":match"), match);
  if (!id_hash.empty()) st.Bind(st.ParamIndex(":id"), id_hash);
  st.Bind(st.ParamIndex(":limit"), q.limit);
  return LoadDossiers(db, st);
}

Result<std::string> Desk::RevealIdNumber(const std::string& code, const std::string& viewer_in,
                                         const std::string& reason_in) {
  HOSO_ASSIGN_OR_RETURN(std::string viewer, NormaliseName(viewer_in, "viewer"));
  HOSO_ASSIGN_OR_RETURN(std::string reason, NormaliseName(reason_in, "reason", 500));
  Database& db = store_->db();
  // The log row and the reveal go together: no reveal without its log row.
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT applicant_id_cipher FROM dossiers WHERE code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no dossier " + code);
  if (q.IsNull(0)) return Status::NotFound("dossier " + code + " has no ID number on record");
  auto id = store_->DecryptPii(q.ColumnBlob(0));
  if (!id.ok()) return id.status().WithContext("dossier " + code);
  HOSO_ASSIGN_OR_RETURN(Statement log,
                        db.Prepare("INSERT INTO id_views (viewer, dossier_code, reason, "
                                   "viewed_at_ms) VALUES (?1, ?2, ?3, ?4)"));
  log.Bind(1, viewer).Bind(2, code).Bind(3, reason).Bind(4, options_.clock->NowMs());
  HOSO_RETURN_IF_ERROR(log.Run());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return id;
}

Result<json::array> Desk::IdViewLog(int limit) {
  if (limit < 1 || limit > kMaxIdViewLimit) {
    return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxIdViewLimit), "limit");
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement q, store_->db().Prepare("SELECT viewer, dossier_code, reason, viewed_at_ms FROM "
                                        "id_views ORDER BY id DESC LIMIT ?1"));
  q.Bind(1, limit);
  json::array out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return out;
    out.push_back(json::object{{"viewer", q.ColumnText(0)},
                               {"code", q.ColumnText(1)},
                               {"reason", q.ColumnText(2)},
                               {"at", FormatLocalIso(q.ColumnInt(3))}});
  }
}

}  // namespace hoso::node
