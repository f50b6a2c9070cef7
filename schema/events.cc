#include "schema/events.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "schema/attachment.h"
#include "schema/ids.h"

namespace hoso {

namespace {

using T = EventType;
using K = FieldKind;

constexpr bool kReq = true;
constexpr bool kOpt = false;

// ---- Version 1 payload layouts. Keep docs/EVENTS.md in step. ----------------

constexpr std::string_view kFailureReasons =
    "not_home|wrong_address|refused|unreachable_phone|other";

constexpr PayloadField kTicketIssuedV1[] = {
    {"ticket_number", K::kInt, kReq, "", "", "number printed on the ticket"},
    {"counter_group", K::kString, kReq, "", "", "queue the ticket belongs to"},
    {"service_date", K::kDate, kReq, "", "", "local date the numbering belongs to"},
    {"procedure_id", K::kString, kOpt, "", "", "procedure chosen at the ticket machine"},
};
constexpr PayloadField kTicketCalledV1[] = {
    {"ticket_number", K::kInt, kReq, "", "", "ticket called"},
    {"counter_group", K::kString, kReq, "", "", "queue of the ticket"},
    {"service_date", K::kDate, kReq, "", "", "local date of the ticket"},
    {"counter", K::kString, kReq, "", "", "counter the applicant is called to"},
};
constexpr PayloadField kTicketSkippedV1[] = {
    {"ticket_number", K::kInt, kReq, "", "", "ticket skipped after no one came"},
    {"counter_group", K::kString, kReq, "", "", "queue of the ticket"},
    {"service_date", K::kDate, kReq, "", "", "local date of the ticket"},
    {"counter", K::kString, kOpt, "", "", "counter that skipped it"},
};
constexpr PayloadField kTicketRecalledV1[] = {
    {"ticket_number", K::kInt, kReq, "", "", "skipped ticket called again"},
    {"counter_group", K::kString, kReq, "", "", "queue of the ticket"},
    {"service_date", K::kDate, kReq, "", "", "local date of the ticket"},
    {"counter", K::kString, kReq, "", "", "counter the applicant is called to"},
};
constexpr PayloadField kTicketServedV1[] = {
    {"ticket_number", K::kInt, kReq, "", "", "ticket whose applicant was served"},
    {"counter_group", K::kString, kReq, "", "", "queue of the ticket"},
    {"service_date", K::kDate, kReq, "", "", "local date of the ticket"},
    {"counter", K::kString, kOpt, "", "", "counter that served it"},
};
constexpr PayloadField kDossierSubmittedOnlineV1[] = {
    {"procedure_id", K::kString, kReq, "", "", "catalog procedure code"},
    {"applicant.name", K::kString, kReq, "", "", "applicant (person or organisation)"},
    {"applicant.phone", K::kString, kOpt, "", "", "contact phone"},
    {"portal_reference", K::kString, kOpt, "", "", "the online portal's own reference"},
    {"return_method", K::kEnum, kOpt, "desk|post", "", "how the result is wanted"},
    {"unit_code", K::kString, kOpt, "", "", "unit that receives online dossiers at the central"},
    {"desk_node_id", K::kString, kOpt, "", "",
     "ward desk node where the result is collected (its events flow down to it)"},
    {"delivery_address", K::kString, kOpt, "", "return_method=post", "postal address"},
    {"postal_fee_vnd", K::kInt, kOpt, "", "", "postal fee quoted"},
    {"papers_by", K::kEnum, kOpt, "online|post", "", "online only, or originals sent by post"},
    {"lookup_secret_hash", K::kString, kOpt, "", "",
     "verifier of the receipt's lookup secret, never the secret"},
    {"documents", K::kStringArray, kOpt, "", "", "checklist items uploaded as files"},
    {"filing", K::kBool, kOpt, "", "", "a notification or report, accepted on submission"},
    {"report_period", K::kInt, kOpt, "", "", "the year a yearly report is about"},
};
constexpr PayloadField kDossierReceivedV1[] = {
    {"procedure_id", K::kString, kReq, "", "", "catalog procedure code"},
    {"applicant.name", K::kString, kReq, "", "", "applicant (person or organisation)"},
    {"applicant.kind", K::kEnum, kOpt, "citizen|organisation", "", "who applies"},
    {"applicant.phone", K::kString, kOpt, "", "", "contact phone"},
    {"applicant.id_number", K::kString, kOpt, "", "", "national ID (personal data)"},
    {"appointment_ms", K::kInt, kReq, "", "", "promised return time on the receipt (UTC ms)"},
    {"lookup_secret_hash", K::kString, kReq, "", "",
     "verifier of the receipt's lookup secret, never the secret"},
    {"catalog_version", K::kString, kReq, "", "", "catalog version used at intake"},
    {"calendar_version", K::kString, kReq, "", "", "calendar version that computed the date"},
    {"return_method", K::kEnum, kReq, "desk|post", "", "where the result is returned"},
    {"delivery_address", K::kString, kOpt, "", "return_method=post", "postal address"},
    {"postal_fee_vnd", K::kInt, kOpt, "", "", "postal fee quoted"},
    {"fee_vnd", K::kInt, kOpt, "", "", "procedure fee collected"},
    {"documents", K::kStringArray, kOpt, "", "", "checklist items handed in"},
    {"ticket_number", K::kInt, kOpt, "", "", "queue ticket served"},
};
constexpr PayloadField kDossierRefusedV1[] = {
    {"procedure_id", K::kString, kReq, "", "", "catalog procedure code"},
    {"applicant.name", K::kString, kReq, "", "", "applicant (person or organisation)"},
    {"reason", K::kString, kReq, "", "", "why the dossier is not accepted"},
    {"missing_documents", K::kStringArray, kOpt, "", "", "what is missing (guidance slip)"},
};
constexpr PayloadField kHandlerAssignedV1[] = {
    {"unit_code", K::kString, kReq, "", "", "unit now holding the dossier"},
    {"handler_id", K::kString, kReq, "", "", "officer's user id"},
    {"handler_name", K::kString, kReq, "", "", "officer's name shown on tracking"},
    {"step_deadline_ms", K::kInt, kOpt, "", "", "when this step is due (Form 05, UTC ms)"},
};
constexpr PayloadField kHandlerTransferredV1[] = {
    {"to_unit_code", K::kString, kReq, "", "", "unit receiving the dossier"},
    {"to_handler_id", K::kString, kReq, "", "", "officer receiving it"},
    {"to_handler_name", K::kString, kReq, "", "", "that officer's name"},
    {"reason", K::kString, kReq, "", "", "why (process-control log, Form 05)"},
    {"from_unit_code", K::kString, kOpt, "", "", "unit handing over"},
    {"from_handler_id", K::kString, kOpt, "", "", "officer handing over"},
    {"step_deadline_ms", K::kInt, kOpt, "", "", "when this step is due (Form 05, UTC ms)"},
};
constexpr PayloadField kSupplementRequestedV1[] = {
    {"reason", K::kString, kReq, "", "", "why a supplement is needed"},
    {"items", K::kStringArray, kReq, "", "", "what to add or correct"},
    {"deadline_ms", K::kInt, kOpt, "", "", "by when the applicant should supply it"},
};
constexpr PayloadField kSupplementReceivedV1[] = {
    {"items", K::kStringArray, kOpt, "", "", "what was supplied"},
    {"new_appointment_ms", K::kInt, kOpt, "", "", "appointment recomputed as the clock resumes"},
};
constexpr PayloadField kPaymentRequestedV1[] = {
    {"amount_vnd", K::kInt, kReq, "", "", "amount due"},
    {"description", K::kString, kReq, "", "", "the fee or tax requested"},
};
constexpr PayloadField kPaymentReceivedV1[] = {
    {"amount_vnd", K::kInt, kReq, "", "", "amount paid"},
    {"receipt_number", K::kString, kOpt, "", "", "payment receipt number"},
};
constexpr PayloadField kResultRecordedV1[] = {
    {"outcome", K::kEnum, kReq, "approved|refused", "", "the decision"},
    {"reason", K::kString, kOpt, "", "outcome=refused", "why it was refused"},
    {"document_number", K::kString, kOpt, "", "", "number of the licence or decision"},
};
constexpr PayloadField kApologyIssuedV1[] = {
    {"new_appointment_ms", K::kInt, kReq, "", "", "the new promised return time"},
    {"reason", K::kString, kReq, "", "", "why the dossier is late"},
};
constexpr PayloadField kDossierWithdrawnV1[] = {
    {"reason", K::kString, kOpt, "", "", "the applicant's stated reason"},
};
constexpr PayloadField kDossierStoppedV1[] = {
    {"reason", K::kString, kReq, "", "", "why processing stops"},
};
constexpr PayloadField kResultReturnedV1[] = {
    {"recipient_name", K::kString, kReq, "", "", "who collected the result"},
    {"recipient_id_suffix", K::kString, kOpt, "", "", "last digits of the recipient's ID"},
    {"on_behalf", K::kBool, kOpt, "", "", "collected by an authorised person"},
};
constexpr PayloadField kShipmentCreatedV1[] = {
    {"block_id", K::kString, kReq, "", "", "waybill block the number came from"},
    {"recipient_name", K::kString, kReq, "", "", "addressee"},
    {"address", K::kString, kReq, "", "", "delivery address"},
    {"phone", K::kString, kOpt, "", "", "addressee's phone"},
    {"postal_fee_vnd", K::kInt, kReq, "", "", "fee expected for the delivery"},
    {"courier_node_id", K::kString, kOpt, "", "", "courier node it is assigned to"},
    {"procedure_name", K::kString, kOpt, "", "", "name of the procedure whose result it carries"},
};
constexpr PayloadField kShipmentPickedUpV1[] = {
    {"note", K::kString, kOpt, "", "", "free text"},
};
constexpr PayloadField kShipmentOutForDeliveryV1[] = {
    {"attempt", K::kInt, kOpt, "", "", "attempt number, from 1"},
};
constexpr PayloadField kShipmentDeliveredV1[] = {
    {"recipient_name", K::kString, kReq, "", "", "who took the item"},
    {"recipient_id_suffix", K::kString, kOpt, "", "", "last digits of their ID"},
    {"recipient_relation", K::kString, kOpt, "", "", "their relation to the applicant"},
    {"proof_hash", K::kString, kReq, "", "", "hex BLAKE2b-256 of the signature or photo"},
    {"collected_at_post_office", K::kBool, kOpt, "", "", "collected after a hold"},
    {"fee_collected_vnd", K::kInt, kOpt, "", "", "postal fee collected on delivery"},
};
constexpr PayloadField kShipmentFailedAttemptV1[] = {
    {"reason", K::kEnum, kReq, kFailureReasons, "", "why the attempt failed"},
    {"note", K::kString, kOpt, "", "reason=other", "what happened"},
};
constexpr PayloadField kShipmentHeldV1[] = {
    {"post_office", K::kString, kReq, "", "", "where the item waits"},
    {"note", K::kString, kOpt, "", "", "free text"},
};
constexpr PayloadField kShipmentReturnedV1[] = {
    {"reason", K::kString, kReq, "", "", "why it went back to the agency"},
};
constexpr PayloadField kShipmentAssignedV1[] = {
    {"courier_node_id", K::kString, kReq, "", "", "courier node that delivers it"},
    {"note", K::kString, kOpt, "", "", "the dispatcher's note"},
};
constexpr PayloadField kCatalogPublishedV1[] = {
    {"version", K::kString, kReq, "", "", "catalog version"},
    {"effective_from", K::kDate, kReq, "", "", "first local date it applies"},
    {"content_hash", K::kString, kReq, "", "", "hex BLAKE2b-256 of the catalog file"},
};
constexpr PayloadField kCalendarPublishedV1[] = {
    {"version", K::kString, kReq, "", "", "calendar version"},
    {"effective_from", K::kDate, kReq, "", "", "first local date it applies"},
    {"content_hash", K::kString, kReq, "", "", "hex BLAKE2b-256 of the calendar file"},
};
constexpr PayloadField kNodeEnrolledV1[] = {
    {"enrolled_node_id", K::kString, kReq, "", "", "the new node"},
    {"unit_code", K::kString, kReq, "", "", "its unit code"},
    {"role", K::kEnum, kReq, "desk|courier", "", "what the node does"},
    {"public_key", K::kString, kReq, "", "", "hex Ed25519 public key"},
};
constexpr PayloadField kNodeRevokedV1[] = {
    {"revoked_node_id", K::kString, kReq, "", "", "the node whose key is revoked"},
    {"reason", K::kString, kReq, "", "", "why"},
};
constexpr PayloadField kReconciliationResolvedV1[] = {
    {"mismatch_id", K::kString, kReq, "", "", "the mismatch in the report"},
    {"resolution", K::kString, kReq, "", "", "what was decided"},
    {"note", K::kString, kOpt, "", "", "free text"},
    {"rule", K::kString, kOpt, "", "", "the report's rule id"},
    {"subject", K::kString, kOpt, "", "", "dossier code, waybill or node id the item is about"},
    {"facts_hash", K::kString, kOpt, "", "",
     "hex BLAKE2b-256 of the facts resolved; new facts reopen the item"},
};
constexpr PayloadField kAttachmentAddedV1[] = {
    {"attachment_hash", K::kString, kReq, "", "", "hex BLAKE2b-256 of the whole file"},
    {"size_bytes", K::kInt, kReq, "", "", "file size in bytes, 1..26214400 (25 MiB)"},
    {"media_type", K::kEnum, kReq, kMediaTypes, "", "recognised from the file's first bytes"},
    {"file_name", K::kString, kReq, "", "", "the file's name as given at the desk"},
    {"document_id", K::kString, kOpt, "", "", "checklist document the scan is of"},
    {"chunk_size", K::kInt, kReq, "", "",
     "bytes per chunk, a power of two from 65536 to 4194304 (nodes cut 262144)"},
    {"chunk_hashes", K::kStringArray, kReq, "", "",
     "hex BLAKE2b-256 of each chunk in file order; ceil(size_bytes / chunk_size) of them"},
};

constexpr PayloadField kOnlineCompletionRequestedV1[] = {
    {"items", K::kStringArray, kReq, "", "", "checklist document ids missing or to redo"},
    {"reason", K::kString, kOpt, "", "", "what is wrong (printed on Form 02)"},
    {"round", K::kInt, kReq, "", "", "completion round, from 1"},
};
constexpr PayloadField kOnlineCompletionSubmittedV1[] = {
    {"documents", K::kStringArray, kReq, "", "", "checklist document ids uploaded"},
    {"round", K::kInt, kReq, "", "", "the completion round answered"},
};

struct TypeInfo {
  EventType type;
  const char* name;
  std::span<const PayloadField> v1;
};

constexpr TypeInfo kTypes[] = {
    {T::kTicketIssued, "ticket_issued", kTicketIssuedV1},
    {T::kTicketCalled, "ticket_called", kTicketCalledV1},
    {T::kTicketSkipped, "ticket_skipped", kTicketSkippedV1},
    {T::kTicketRecalled, "ticket_recalled", kTicketRecalledV1},
    {T::kTicketServed, "ticket_served", kTicketServedV1},
    {T::kDossierSubmittedOnline, "dossier_submitted_online", kDossierSubmittedOnlineV1},
    {T::kDossierReceived, "dossier_received", kDossierReceivedV1},
    {T::kDossierRefused, "dossier_refused", kDossierRefusedV1},
    {T::kHandlerAssigned, "handler_assigned", kHandlerAssignedV1},
    {T::kHandlerTransferred, "handler_transferred", kHandlerTransferredV1},
    {T::kSupplementRequested, "supplement_requested", kSupplementRequestedV1},
    {T::kSupplementReceived, "supplement_received", kSupplementReceivedV1},
    {T::kPaymentRequested, "payment_requested", kPaymentRequestedV1},
    {T::kPaymentReceived, "payment_received", kPaymentReceivedV1},
    {T::kResultRecorded, "result_recorded", kResultRecordedV1},
    {T::kApologyIssued, "apology_issued", kApologyIssuedV1},
    {T::kDossierWithdrawn, "dossier_withdrawn", kDossierWithdrawnV1},
    {T::kDossierStopped, "dossier_stopped", kDossierStoppedV1},
    {T::kResultReturned, "result_returned", kResultReturnedV1},
    {T::kShipmentCreated, "shipment_created", kShipmentCreatedV1},
    {T::kShipmentPickedUp, "shipment_picked_up", kShipmentPickedUpV1},
    {T::kShipmentOutForDelivery, "shipment_out_for_delivery", kShipmentOutForDeliveryV1},
    {T::kShipmentDelivered, "shipment_delivered", kShipmentDeliveredV1},
    {T::kShipmentFailedAttempt, "shipment_failed_attempt", kShipmentFailedAttemptV1},
    {T::kShipmentHeld, "shipment_held", kShipmentHeldV1},
    {T::kShipmentReturned, "shipment_returned", kShipmentReturnedV1},
    {T::kCatalogPublished, "catalog_published", kCatalogPublishedV1},
    {T::kCalendarPublished, "calendar_published", kCalendarPublishedV1},
    {T::kNodeEnrolled, "node_enrolled", kNodeEnrolledV1},
    {T::kNodeRevoked, "node_revoked", kNodeRevokedV1},
    {T::kReconciliationResolved, "reconciliation_resolved", kReconciliationResolvedV1},
    {T::kAttachmentAdded, "attachment_added", kAttachmentAddedV1},
    {T::kOnlineCompletionRequested, "online_completion_requested", kOnlineCompletionRequestedV1},
    {T::kOnlineCompletionSubmitted, "online_completion_submitted", kOnlineCompletionSubmittedV1},
    {T::kShipmentAssigned, "shipment_assigned", kShipmentAssignedV1},
};

constexpr std::array<EventType, std::size(kTypes)> MakeAllTypes() {
  std::array<EventType, std::size(kTypes)> out{};
  for (size_t i = 0; i < std::size(kTypes); ++i) out[i] = kTypes[i].type;
  return out;
}
constexpr auto kAllTypes = MakeAllTypes();

const TypeInfo& Info(EventType t) {
  for (const TypeInfo& i : kTypes) {
    if (i.type == t) return i;
  }
  std::fputs("hoso: event type missing from the type table\n", stderr);
  std::abort();
}

// ---- Payload validation helpers ---------------------------------------------

std::string PayloadPath(std::string_view path) { return "payload." + std::string(path); }

// Follows a dotted path. nullptr when a segment is missing or null; an error
// when an intermediate segment is present but not an object.
Result<const json::value*> Lookup(const json::object& payload, std::string_view path) {
  const json::object* cur = &payload;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string_view key =
        path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    auto it = cur->find(key);
    if (it == cur->end() || it->value().is_null()) return static_cast<const json::value*>(nullptr);
    if (dot == std::string_view::npos) return &it->value();
    if (!it->value().is_object()) {
      const std::string p = PayloadPath(path.substr(0, dot));
      return Status::InvalidArgument("'" + p + "' must be an object", p);
    }
    cur = &it->value().get_object();
    start = dot + 1;
  }
}

bool InValues(std::string_view values, std::string_view v) {
  size_t start = 0;
  while (start <= values.size()) {
    const size_t bar = values.find('|', start);
    const size_t end = bar == std::string_view::npos ? values.size() : bar;
    if (values.substr(start, end - start) == v) return true;
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return false;
}

Result<bool> IsRequired(const PayloadField& f, const json::object& payload) {
  if (f.required) return true;
  if (f.required_if.empty()) return false;
  const size_t eq = f.required_if.find('=');
  HOSO_ASSIGN_OR_RETURN(const json::value* v, Lookup(payload, f.required_if.substr(0, eq)));
  return v != nullptr && v->is_string() && v->get_string() == f.required_if.substr(eq + 1);
}

Status CheckField(const PayloadField& f, const json::object& payload) {
  HOSO_ASSIGN_OR_RETURN(const json::value* v, Lookup(payload, f.path));
  // Only errors name the path: every field of every event received passes
  // here, almost always valid.
  const auto path = [&f] { return PayloadPath(f.path); };
  HOSO_ASSIGN_OR_RETURN(bool required, IsRequired(f, payload));
  if (v == nullptr) {
    if (!required) return Status::OK();
    const std::string p = path();
    std::string msg = "'" + p + "' is required";
    if (!f.required) msg += " when " + std::string(f.required_if);
    return Status::InvalidArgument(msg, p);
  }
  auto bad = [&](const std::string& want) {
    const std::string p = path();
    return Status::InvalidArgument("'" + p + "' must be " + want, p);
  };
  switch (f.kind) {
    case K::kString:
      if (!v->is_string()) return bad("a string");
      if (required && v->get_string().empty()) return bad("a non-empty string");
      return Status::OK();
    case K::kInt:
      if (v->is_int64() && v->get_int64() >= 0) return Status::OK();
      if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
        return Status::OK();
      }
      return bad("a non-negative integer");
    case K::kBool:
      if (!v->is_bool()) return bad("true or false");
      return Status::OK();
    case K::kDate:
      if (!v->is_string() || !ParseDate(v->get_string()).ok()) return bad("a date YYYY-MM-DD");
      return Status::OK();
    case K::kEnum:
      if (!v->is_string() || !InValues(f.values, v->get_string())) {
        return bad("one of " + std::string(f.values));
      }
      return Status::OK();
    case K::kStringArray: {
      if (!v->is_array()) return bad("an array of strings");
      const json::array& a = v->get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) {
          const std::string ip = path() + "[" + std::to_string(i) + "]";
          return Status::InvalidArgument("'" + ip + "' must be a string", ip);
        }
      }
      if (required && a.empty()) return bad("a non-empty array of strings");
      return Status::OK();
    }
  }
  return Status::OK();
}

// What CheckCanonicalisable accepts, without building the paths its errors
// name: every event sent and received passes here, almost always clean.
bool IsCanonicalisable(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return false;
    case json::kind::string:
      return IsValidUtf8(v.get_string());
    case json::kind::array:
      for (const json::value& e : v.get_array()) {
        if (!IsCanonicalisable(e)) return false;
      }
      return true;
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (!IsValidUtf8(kv.key()) || !IsCanonicalisable(kv.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

// Numbers with a fraction or exponent have no single canonical text, and
// strings built in code (not parsed) might not be UTF-8: refuse both anywhere.
Status CheckCanonicalisable(const json::value& v, const std::string& path) {
  switch (v.kind()) {
    case json::kind::double_:
      return Status::InvalidArgument("'" + path +
                                         "' must be an integer; events carry no "
                                         "fractional numbers",
                                     path);
    case json::kind::string:
      if (!IsValidUtf8(v.get_string())) {
        return Status::InvalidArgument("'" + path + "' is not valid UTF-8", path);
      }
      return Status::OK();
    case json::kind::array: {
      const json::array& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        HOSO_RETURN_IF_ERROR(CheckCanonicalisable(a[i], path + "[" + std::to_string(i) + "]"));
      }
      return Status::OK();
    }
    case json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (!IsValidUtf8(kv.key())) {
          return Status::InvalidArgument("a key in '" + path + "' is not valid UTF-8", path);
        }
        HOSO_RETURN_IF_ERROR(CheckCanonicalisable(kv.value(), JoinPath(path, kv.key())));
      }
      return Status::OK();
    default:
      return Status::OK();
  }
}

// ---- Canonical writer -------------------------------------------------------

void AppendCanonicalString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  // Runs of characters that need no escape are copied whole: canonical
  // forms are written for every event sent and received, so this is hot.
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (u) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[u >> 4];
        out += kHex[u & 0x0F];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendCanonical(std::string& out, const json::value& v);

void AppendCanonicalObject(std::string& out, const json::object& o) {
  std::vector<const json::key_value_pair*> members;
  members.reserve(o.size());
  for (const auto& kv : o) members.push_back(&kv);
  // std::string_view compares as unsigned bytes: UTF-8 byte order, which
  // is also code point order.
  std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
    return std::string_view(a->key()) < std::string_view(b->key());
  });
  out += '{';
  bool first = true;
  for (const auto* kv : members) {
    if (!first) out += ',';
    first = false;
    AppendCanonicalString(out, kv->key());
    out += ':';
    AppendCanonical(out, kv->value());
  }
  out += '}';
}

void AppendCanonical(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      AppendInt(out, v.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      break;
    case json::kind::double_:
      out += json::serialize(v);
      break;  // refused by validation
    case json::kind::string:
      AppendCanonicalString(out, v.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendCanonical(out, e);
      }
      out += ']';
      break;
    }
    case json::kind::object:
      AppendCanonicalObject(out, v.get_object());
      break;
  }
}

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

constexpr std::string_view kEnvelopeKeys[] = {
    "event_id",       "type",         "schema_version", "node_id", "seq",
    "device_time_ms", "dossier_code", "waybill",        "actor",   "payload",
};

bool IsNodeIdChar(char c) { return c > 0x20 && c < 0x7f; }

}  // namespace

// ---- Types -------------------------------------------------------------------

std::span<const EventType> AllEventTypes() { return kAllTypes; }

const char* EventTypeName(EventType t) { return Info(t).name; }

Result<EventType> EventTypeFromName(std::string_view name) {
  for (const TypeInfo& i : kTypes) {
    if (name == i.name) return i.type;
  }
  return Status::InvalidArgument("unknown event type '" + std::string(name) + "'", "type");
}

int CurrentSchemaVersion(EventType) { return 1; }

bool NeedsDossierCode(EventType t) {
  return (t >= T::kDossierSubmittedOnline && t <= T::kResultReturned) ||
         t == T::kShipmentCreated || t == T::kAttachmentAdded ||
         t == T::kOnlineCompletionRequested || t == T::kOnlineCompletionSubmitted ||
         t == T::kShipmentAssigned;
}

bool NeedsWaybill(EventType t) {
  return (t >= T::kShipmentCreated && t <= T::kShipmentReturned) || t == T::kShipmentAssigned;
}

std::optional<DossierAction> DossierActionFor(EventType t) {
  using A = DossierAction;
  switch (t) {
    case T::kDossierSubmittedOnline:
      return A::kSubmitOnline;
    case T::kDossierReceived:
      return A::kReceive;
    case T::kDossierRefused:
      return A::kRefuseIntake;
    case T::kHandlerAssigned:
      return A::kAssignHandler;
    case T::kHandlerTransferred:
      return A::kTransferHandler;
    case T::kSupplementRequested:
      return A::kRequestSupplement;
    case T::kSupplementReceived:
      return A::kSupplementReceived;
    case T::kPaymentRequested:
      return A::kRequestPayment;
    case T::kPaymentReceived:
      return A::kPaymentReceived;
    case T::kResultRecorded:
      return A::kRecordResult;
    case T::kApologyIssued:
      return A::kIssueApology;
    case T::kDossierWithdrawn:
      return A::kWithdraw;
    case T::kDossierStopped:
      return A::kStop;
    case T::kResultReturned:
      return A::kReturnResult;
    case T::kShipmentDelivered:
      return A::kReturnResult;
    default:
      return std::nullopt;
  }
}

std::optional<ShipmentAction> ShipmentActionFor(EventType t) {
  using A = ShipmentAction;
  switch (t) {
    case T::kShipmentCreated:
      return A::kCreate;
    case T::kShipmentPickedUp:
      return A::kPickUp;
    case T::kShipmentOutForDelivery:
      return A::kGoOutForDelivery;
    case T::kShipmentDelivered:
      return A::kDeliver;
    case T::kShipmentFailedAttempt:
      return A::kFailAttempt;
    case T::kShipmentHeld:
      return A::kHoldAtPostOffice;
    case T::kShipmentReturned:
      return A::kReturnToAgency;
    default:
      return std::nullopt;
  }
}

Event NewEvent(EventType type, std::string node_id, UnixMs device_time_ms, json::object payload) {
  Event e;
  e.event_id = NewEventId();
  e.type = type;
  e.schema_version = CurrentSchemaVersion(type);
  e.node_id = std::move(node_id);
  e.device_time_ms = device_time_ms;
  e.payload = std::move(payload);
  return e;
}

// ---- Validation --------------------------------------------------------------

Result<std::span<const PayloadField>> PayloadFields(EventType type, int schema_version) {
  const int current = CurrentSchemaVersion(type);
  if (schema_version < 1) {
    return Status::InvalidArgument("event type " + std::string(EventTypeName(type)) + " version " +
                                       std::to_string(schema_version) +
                                       " is invalid; versions start at 1",
                                   "schema_version");
  }
  if (schema_version > current) {
    return Status::InvalidArgument("event type " + std::string(EventTypeName(type)) + " version " +
                                       std::to_string(schema_version) +
                                       " is newer than supported " + std::to_string(current),
                                   "schema_version");
  }
  return Info(type).v1;
}

Status ValidatePayload(EventType type, int schema_version, const json::object& payload) {
  HOSO_ASSIGN_OR_RETURN(std::span<const PayloadField> fields, PayloadFields(type, schema_version));
  for (const PayloadField& f : fields) HOSO_RETURN_IF_ERROR(CheckField(f, payload));
  for (const auto& kv : payload) {
    if (IsValidUtf8(kv.key()) && IsCanonicalisable(kv.value())) continue;
    if (!IsValidUtf8(kv.key())) {
      return Status::InvalidArgument("a key in 'payload' is not valid UTF-8", "payload");
    }
    HOSO_RETURN_IF_ERROR(CheckCanonicalisable(kv.value(), PayloadPath(kv.key())));
  }
  // The manifest's members must also agree with each other: the chunk
  // hashes are what the central accepts uploads against.
  if (type == T::kAttachmentAdded) HOSO_RETURN_IF_ERROR(ManifestFromPayload(payload).status());
  return Status::OK();
}

Status ValidateEvent(const Event& e) {
  HOSO_RETURN_IF_ERROR(PayloadFields(e.type, e.schema_version).status());
  if (!IsValidEventId(e.event_id)) {
    return Status::InvalidArgument("event_id '" + e.event_id + "' must be a lower-case UUID",
                                   "event_id");
  }
  if (e.node_id.empty() || e.node_id.size() > 64 ||
      !std::all_of(e.node_id.begin(), e.node_id.end(), IsNodeIdChar)) {
    return Status::InvalidArgument("node_id must be 1..64 printable ASCII characters, no spaces",
                                   "node_id");
  }
  if (e.seq < 0) return Status::InvalidArgument("seq must not be negative", "seq");
  if (e.device_time_ms < 0) {
    return Status::InvalidArgument("device_time_ms must not be negative", "device_time_ms");
  }
  const std::string type = EventTypeName(e.type);
  if (e.dossier_code) {
    HOSO_RETURN_IF_ERROR(ParseDossierCode(*e.dossier_code).status());
  } else if (NeedsDossierCode(e.type)) {
    return Status::InvalidArgument("event type " + type + " needs a dossier_code", "dossier_code");
  }
  if (e.waybill) {
    HOSO_RETURN_IF_ERROR(ValidateWaybill(*e.waybill));
  } else if (NeedsWaybill(e.type)) {
    return Status::InvalidArgument("event type " + type + " needs a waybill", "waybill");
  }
  if (e.actor && (e.actor->empty() || !IsValidUtf8(*e.actor))) {
    return Status::InvalidArgument("actor must be a non-empty UTF-8 string when present", "actor");
  }
  return ValidatePayload(e.type, e.schema_version, e.payload);
}

// ---- Encoding ----------------------------------------------------------------

json::object EventToJsonObject(const Event& e) {
  json::object o;
  o["event_id"] = e.event_id;
  o["type"] = EventTypeName(e.type);
  o["schema_version"] = e.schema_version;
  o["node_id"] = e.node_id;
  o["seq"] = e.seq;
  o["device_time_ms"] = e.device_time_ms;
  if (e.dossier_code) o["dossier_code"] = *e.dossier_code;
  if (e.waybill) o["waybill"] = *e.waybill;
  if (e.actor) o["actor"] = *e.actor;
  o["payload"] = e.payload;
  return o;
}

std::string EventToJson(const Event& e) { return ToJson(EventToJsonObject(e)); }

namespace {

// EventFromJsonObject; takes the payload from *movable (which is `o`) when
// given instead of copying it.
Result<Event> DecodeEnvelope(const json::object& o, json::object* movable) {
  for (const auto& kv : o) {
    if (std::find(std::begin(kEnvelopeKeys), std::end(kEnvelopeKeys), std::string_view(kv.key())) ==
        std::end(kEnvelopeKeys)) {
      return Status::InvalidArgument("unknown envelope field '" + std::string(kv.key()) + "'",
                                     std::string(kv.key()));
    }
  }
  Event e;
  HOSO_ASSIGN_OR_RETURN(std::string type, GetString(o, "type"));
  HOSO_ASSIGN_OR_RETURN(e.type, EventTypeFromName(type));
  HOSO_ASSIGN_OR_RETURN(int64_t version, GetInt(o, "schema_version"));
  if (version < 1 || version > 1'000'000) {
    return Status::InvalidArgument("schema_version " + std::to_string(version) + " is out of range",
                                   "schema_version");
  }
  e.schema_version = static_cast<int>(version);
  HOSO_ASSIGN_OR_RETURN(e.event_id, GetString(o, "event_id"));
  HOSO_ASSIGN_OR_RETURN(e.node_id, GetString(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(e.seq, GetInt(o, "seq"));
  HOSO_ASSIGN_OR_RETURN(e.device_time_ms, GetInt(o, "device_time_ms"));
  HOSO_ASSIGN_OR_RETURN(e.dossier_code, GetOptString(o, "dossier_code"));
  HOSO_ASSIGN_OR_RETURN(e.waybill, GetOptString(o, "waybill"));
  HOSO_ASSIGN_OR_RETURN(e.actor, GetOptString(o, "actor"));
  HOSO_ASSIGN_OR_RETURN(const json::object* payload, GetObject(o, "payload"));
  if (movable != nullptr) {
    e.payload = std::move(movable->at("payload").get_object());
  } else {
    e.payload = *payload;
  }
  HOSO_RETURN_IF_ERROR(ValidateEvent(e));
  return e;
}

}  // namespace

Result<Event> EventFromJsonObject(const json::object& o) { return DecodeEnvelope(o, nullptr); }

Result<Event> EventFromJsonObject(json::object&& o) { return DecodeEnvelope(o, &o); }

Result<Event> ParseEvent(std::string_view json_text) {
  HOSO_ASSIGN_OR_RETURN(json::object o, ParseJsonObject(json_text));
  return EventFromJsonObject(o);
}

std::string CanonicalJsonValue(const json::value& v) {
  std::string out;
  AppendCanonical(out, v);
  return out;
}

std::string CanonicalJson(const Event& e) { return CanonicalJson(e, nullptr, nullptr); }

std::string CanonicalJson(const Event& e, size_t* payload_begin, size_t* payload_size) {
  // CanonicalJsonValue(EventToJsonObject(e)) written directly, without
  // copying the payload: the envelope members in byte order of their keys.
  std::string out;
  out.reserve(1024);
  out += '{';
  if (e.actor) {
    out += "\"actor\":";
    AppendCanonicalString(out, *e.actor);
    out += ',';
  }
  out += "\"device_time_ms\":";
  AppendInt(out, e.device_time_ms);
  if (e.dossier_code) {
    out += ",\"dossier_code\":";
    AppendCanonicalString(out, *e.dossier_code);
  }
  out += ",\"event_id\":";
  AppendCanonicalString(out, e.event_id);
  out += ",\"node_id\":";
  AppendCanonicalString(out, e.node_id);
  out += ",\"payload\":";
  const size_t begin = out.size();
  AppendCanonicalObject(out, e.payload);
  if (payload_begin != nullptr) *payload_begin = begin;
  if (payload_size != nullptr) *payload_size = out.size() - begin;
  out += ",\"schema_version\":";
  AppendInt(out, e.schema_version);
  out += ",\"seq\":";
  AppendInt(out, e.seq);
  out += ",\"type\":";
  AppendCanonicalString(out, EventTypeName(e.type));
  if (e.waybill) {
    out += ",\"waybill\":";
    AppendCanonicalString(out, *e.waybill);
  }
  out += '}';
  return out;
}

// ---- Hash chain --------------------------------------------------------------

std::string GenesisHash() { return std::string(kChainHashBytes, '\0'); }

std::string ChainHash(std::string_view prev_hash, std::string_view canonical) {
  EnsureSodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kChainHashBytes);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(prev_hash.data()),
                            prev_hash.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(canonical.data()),
                            canonical.size());
  std::string out(kChainHashBytes, '\0');
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const unsigned char u = static_cast<unsigned char>(c);
    out += kHex[u >> 4];
    out += kHex[u & 0x0F];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex text has an odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  // Written in place: two hashes of every event of every batch pass here.
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("hex text has a non-hex character at offset " +
                                     std::to_string(hi < 0 ? i : i + 1));
    }
    out[i / 2] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace hoso
