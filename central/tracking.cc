#include "central/tracking.h"

#include <sodium.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "schema/dossier_state.h"
#include "schema/events.h"
#include "schema/ids.h"
#include "sync/keys.h"

namespace hoso::central {
namespace {

constexpr char kNotFoundMessage[] =
    "no dossier matches this code and secret; check both on the receipt";

// A verifier no secret produces in practice; unknown codes are compared
// against it so that they cost what a wrong secret costs.
const std::string& StandInVerifier() {
  static const std::string kStandIn = TrackingSecretVerifier("stand-in", "22222222");
  return kStandIn;
}

bool VerifierMatches(const std::optional<std::string>& stored, const std::string& computed) {
  const bool comparable = stored && stored->size() == computed.size();
  const std::string& against = comparable ? *stored : StandInVerifier();
  const bool same = sodium_memcmp(against.data(), computed.data(), computed.size()) == 0;
  return comparable && same;
}

// Plain words for each status: what it means for the person waiting.
struct StatusWords {
  const char* vi;
  const char* en;
};
StatusWords PlainStatus(DossierStatus s, bool by_post) {
  using S = DossierStatus;
  switch (s) {
    case S::kNewOnline:
      return {"Hồ sơ đã được đăng ký trực tuyến và đang chờ tiếp nhận.",
              "The dossier was registered online and waits to be received."};
    case S::kReceived:
      return {"Hồ sơ đã được tiếp nhận và đang chờ phân công cán bộ xử lý.",
              "The dossier was received and waits for an officer to be assigned."};
    case S::kNotAccepted:
      return {"Hồ sơ không được tiếp nhận.", "The dossier was not accepted."};
    case S::kProcessing:
      return {"Hồ sơ đang được cán bộ xử lý.", "An officer is processing the dossier."};
    case S::kSupplementRequested:
      return {"Cần bổ sung giấy tờ: vui lòng liên hệ bộ phận một cửa. Thời gian xử lý tạm dừng "
              "cho đến khi nhận đủ hồ sơ bổ sung.",
              "Documents must be added: please contact the one-stop desk. The processing time is "
              "paused until they arrive."};
    case S::kPaymentRequested:
      return {"Cần nộp phí, lệ phí hoặc nghĩa vụ tài chính trước khi tiếp tục xử lý.",
              "A fee or tax must be paid before processing continues."};
    case S::kWithdrawn:
      return {"Hồ sơ đã được rút theo yêu cầu của người nộp.",
              "The dossier was withdrawn at the applicant's request."};
    case S::kStopped:
      return {"Cơ quan đã dừng xử lý hồ sơ.", "The agency stopped processing the dossier."};
    case S::kResultReady:
      if (by_post) {
        return {"Đã có kết quả; kết quả được gửi qua bưu điện.",
                "The result is ready and goes to you by post."};
      }
      return {"Đã có kết quả; vui lòng nhận tại bộ phận một cửa.",
              "The result is ready; please collect it at the one-stop desk."};
    case S::kResultReturned:
      return {"Đã trả kết quả.", "The result has been handed over."};
  }
  return {"", ""};
}

// What a timeline step or a delivery state says, by event type name.
struct StepWords {
  const char* type;
  const char* vi;
  const char* en;
  const char* delivery_state;  // for shipment events: the delivery state it leads to
};
constexpr StepWords kSteps[] = {
    {"dossier_submitted_online", "Đăng ký trực tuyến", "Registered online", nullptr},
    {"dossier_received", "Tiếp nhận hồ sơ", "Dossier received", nullptr},
    {"dossier_refused", "Không tiếp nhận hồ sơ", "Dossier not accepted", nullptr},
    {"handler_assigned", "Phân công cán bộ xử lý", "Officer assigned", nullptr},
    {"handler_transferred", "Chuyển cán bộ xử lý", "Handed to another officer", nullptr},
    {"supplement_requested", "Yêu cầu bổ sung hồ sơ", "Documents requested", nullptr},
    {"supplement_received", "Đã nhận hồ sơ bổ sung", "Documents received", nullptr},
    {"payment_requested", "Yêu cầu nộp phí, lệ phí", "Payment requested", nullptr},
    {"payment_received", "Đã nộp phí, lệ phí", "Payment received", nullptr},
    {"result_recorded", "Đã có kết quả", "Result ready", nullptr},
    {"apology_issued", "Xin lỗi vì chậm trễ và hẹn lại ngày trả kết quả",
     "Apology for the delay and a new appointment", nullptr},
    {"dossier_withdrawn", "Rút hồ sơ theo yêu cầu", "Withdrawn on request", nullptr},
    {"dossier_stopped", "Dừng xử lý hồ sơ", "Processing stopped", nullptr},
    {"result_returned", "Đã trả kết quả", "Result handed over", nullptr},
    {"shipment_created", "Chuẩn bị gửi kết quả qua bưu điện", "Result prepared for posting",
     "preparing"},
    {"shipment_assigned", "Đã giao cho bưu tá", "Given to a courier", "assigned"},
    {"shipment_picked_up", "Bưu tá đã nhận kết quả từ cơ quan", "Picked up by the courier",
     "picked_up"},
    {"shipment_out_for_delivery", "Đang giao đến người nhận", "Out for delivery",
     "out_for_delivery"},
    {"shipment_delivered", "Đã giao thành công", "Delivered", "delivered"},
    {"shipment_failed_attempt", "Giao không thành công, sẽ giao lại",
     "Delivery attempt failed; it will be tried again", "failed_attempt"},
    {"shipment_held", "Đang lưu tại bưu cục, chờ người nhận đến lấy",
     "Held at the post office for collection", "held"},
    {"shipment_returned", "Đã chuyển hoàn về cơ quan", "Returned to the agency", "returned"},
};

const StepWords* StepOf(std::string_view type) {
  for (const StepWords& s : kSteps) {
    if (type == s.type) return &s;
  }
  return nullptr;
}

// The whitelisted values of one payload: only these keys are ever read.
std::optional<std::string> Str(const json::object& p, std::string_view key) {
  if (auto v = p.if_contains(key); v && v->is_string()) return std::string(v->as_string());
  return std::nullopt;
}
std::optional<int64_t> Int(const json::object& p, std::string_view key) {
  if (auto v = p.if_contains(key); v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}
bool OneOf(const std::optional<std::string>& v, std::initializer_list<std::string_view> allowed) {
  return v && std::find(allowed.begin(), allowed.end(), *v) != allowed.end();
}

// One timeline step from an event, copying only whitelisted fields.
json::object Step(const StepWords& words, const json::object& payload, UnixMs at,
                  const std::optional<std::string>& waybill) {
  const std::string_view type = words.type;
  json::object o{{"at", FormatLocalIso(at)},
                 {"step", words.type},
                 {"text_vi", words.vi},
                 {"text_en", words.en}};
  if (type == "dossier_received") {
    if (auto t = Int(payload, "appointment_ms")) o["appointment"] = FormatLocalIso(*t);
  } else if (type == "handler_assigned") {
    if (auto n = Str(payload, "handler_name")) o["handler"] = *n;
    if (auto u = Str(payload, "unit_code")) o["unit"] = *u;
  } else if (type == "handler_transferred") {
    if (auto n = Str(payload, "to_handler_name")) o["handler"] = *n;
    if (auto u = Str(payload, "to_unit_code")) o["unit"] = *u;
  } else if (type == "supplement_requested") {
    if (auto t = Int(payload, "deadline_ms")) o["deadline"] = FormatLocalIso(*t);
  } else if (type == "supplement_received" || type == "apology_issued") {
    if (auto t = Int(payload, "new_appointment_ms")) o["appointment"] = FormatLocalIso(*t);
  } else if (type == "payment_requested") {
    if (auto a = Int(payload, "amount_vnd")) o["amount_vnd"] = *a;
  } else if (type == "result_recorded") {
    if (auto outcome = Str(payload, "outcome"); OneOf(outcome, {"approved", "refused"})) {
      o["outcome"] = *outcome;
      o["text_vi"] = *outcome == "approved" ? "Đã có kết quả: chấp thuận"
                                            : "Đã có kết quả: không chấp thuận";
      o["text_en"] = *outcome == "approved" ? "Result: approved" : "Result: refused";
    }
  } else if (type == "shipment_out_for_delivery") {
    if (auto a = Int(payload, "attempt")) o["attempt"] = *a;
  } else if (type == "shipment_failed_attempt") {
    if (auto r = Str(payload, "reason");
        OneOf(r, {"not_home", "wrong_address", "refused", "unreachable_phone", "other"})) {
      o["reason"] = *r;
    }
  }
  if (words.delivery_state != nullptr && waybill) o["waybill"] = *waybill;
  return o;
}

Result<std::optional<std::string>> StoredVerifier(Database& db, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT v FROM ("
                 " SELECT 0 AS k, received_at_ms AS a, node_id AS n, seq AS s,"
                 "  json_extract(payload, '$.lookup_secret_hash') AS v FROM events "
                 " WHERE dossier_code = ?1 AND type = 'dossier_received' "
                 " UNION ALL "
                 // An online dossier: the central issued the secret at submission.
                 " SELECT 1, 0, '', seq, json_extract(payload, '$.lookup_secret_hash') "
                 " FROM central_events WHERE dossier_code = ?1 "
                 " AND type IN ('dossier_submitted_online', 'dossier_received')) "
                 "WHERE v IS NOT NULL ORDER BY k, a, n, s LIMIT 1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return q.ColumnOptText(0);
}

HttpResponse TooMany(int64_t retry_after_s) {
  json::object error{{"code", "too_many_lookups"},
                     {"message", "too many lookups from this address; try again in " +
                                     std::to_string(retry_after_s) + " s"},
                     {"retry_after", retry_after_s}};
  HttpResponse r = JsonResponse(429, json::object{{"error", std::move(error)}});
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

// What people type: spaces around, lower case letters.
std::string CleanCode(std::string_view typed) {
  while (!typed.empty() && (typed.front() == ' ' || typed.front() == '\t')) typed.remove_prefix(1);
  while (!typed.empty() && (typed.back() == ' ' || typed.back() == '\t')) typed.remove_suffix(1);
  std::string out(typed);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

// ---- RateLimiter ------------------------------------------------------------

RateLimiter::RateLimiter(int max_hits, int64_t window_ms, size_t max_keys)
    : max_hits_(max_hits), window_ms_(window_ms), max_keys_(max_keys) {}

void RateLimiter::Expire(std::deque<UnixMs>& hits, UnixMs now) const {
  while (!hits.empty() && hits.front() <= now - window_ms_) hits.pop_front();
}

int64_t RateLimiter::WaitSeconds(const std::deque<UnixMs>& hits, UnixMs now) const {
  if (static_cast<int>(hits.size()) < max_hits_) return 0;
  // The oldest counted hit leaves the window at front + window.
  const int64_t wait_ms = hits.front() + window_ms_ - now;
  return std::max<int64_t>(1, (wait_ms + 999) / 1000);
}

int64_t RateLimiter::Take(const std::string& key, UnixMs now) {
  if (max_hits_ <= 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (hits_.size() >= max_keys_ && hits_.find(key) == hits_.end()) {
    // Bounded memory: forget the keys with no hit left in the window.
    for (auto it = hits_.begin(); it != hits_.end();) {
      Expire(it->second, now);
      it = it->second.empty() ? hits_.erase(it) : std::next(it);
    }
  }
  std::deque<UnixMs>& hits = hits_[key];
  Expire(hits, now);
  if (int64_t wait = WaitSeconds(hits, now); wait > 0) return wait;
  hits.push_back(now);
  return 0;
}

int64_t RateLimiter::RetryAfter(const std::string& key, UnixMs now) {
  if (max_hits_ <= 0) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hits_.find(key);
  if (it == hits_.end()) return 0;
  Expire(it->second, now);
  return WaitSeconds(it->second, now);
}

// ---- Lookup -----------------------------------------------------------------

std::string TrackingSecretVerifier(std::string_view code, std::string_view canonical_secret) {
  std::string message;
  message.reserve(code.size() + 1 + canonical_secret.size());
  message.append(code);
  message += ':';
  message.append(canonical_secret);
  return HexEncode(sync::Blake2b256(message));
}

Result<std::optional<json::object>> LookupTracking(Database& db, const std::string& code,
                                                   std::string_view canonical_secret,
                                                   UnixMs now) {
  // One read transaction: the projection and the events are seen at the
  // same point, and the WAL read lock is taken once, not per query.
  HOSO_ASSIGN_OR_RETURN(Transaction snapshot,
                        Transaction::Begin(db, Transaction::Mode::kDeferred));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> stored, StoredVerifier(db, code));
  if (!VerifierMatches(stored, TrackingSecretVerifier(code, canonical_secret))) {
    return std::optional<json::object>();
  }

  HOSO_ASSIGN_OR_RETURN(Statement p,
                        db.Prepare("SELECT unit_code, status, received_at_ms, appointment_ms, "
                                   "handler_name, apology_count FROM dossiers "
                                   "WHERE dossier_code = ?1"));
  p.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool have_projection, p.Step());
  DossierState state;
  std::optional<std::string> unit;
  std::optional<std::string> handler_name;
  std::optional<UnixMs> received_at;
  if (have_projection) {
    unit = p.ColumnOptText(0);
    if (auto n = p.ColumnOptInt(1)) {
      if (auto s = StatusFromInt(*n); s.ok()) state.status = *s;
    }
    received_at = p.ColumnOptInt(2);
    state.appointment_ms = p.ColumnOptInt(3);
    handler_name = p.ColumnOptText(4);
    state.apology_count = static_cast<int>(p.ColumnInt(5));
  }

  // Every event of the dossier in fold order (device time, the nodes'
  // before the central's, then by author and chain position).
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT type, payload, device_time_ms, waybill, 0 AS c, node_id, seq "
                 "FROM events WHERE dossier_code = ?1 UNION ALL "
                 "SELECT type, payload, device_time_ms, waybill, 1 AS c, node_id, seq "
                 "FROM central_events WHERE dossier_code = ?1 ORDER BY 3, 5, 6, 7"));
  q.Bind(1, code);
  json::array timeline;
  json::value delivery;  // null until a shipment event
  int failed_attempts = 0;
  bool by_post = false;
  for (;;) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string type = q.ColumnText(0);
    const StepWords* words = StepOf(type);
    if (words == nullptr) continue;  // tickets, attachments: not steps of the dossier
    auto payload = ParseJsonObject(q.ColumnText(1));
    if (!payload.ok()) continue;
    const UnixMs at = q.ColumnInt(2);
    const std::optional<std::string> waybill = q.ColumnOptText(3);
    if (type == "dossier_received" && Str(*payload, "return_method") == "post") by_post = true;
    timeline.push_back(Step(*words, *payload, at, waybill));
    if (words->delivery_state != nullptr && waybill) {
      if (type == "shipment_failed_attempt") ++failed_attempts;
      delivery = json::object{{"waybill", *waybill},
                              {"state", words->delivery_state},
                              {"text_vi", words->vi},
                              {"text_en", words->en},
                              {"at", FormatLocalIso(at)},
                              {"failed_attempts", failed_attempts}};
    }
  }

  q.Reset();
  p.Reset();
  HOSO_RETURN_IF_ERROR(snapshot.Commit());

  json::object o{{"code", code}};
  if (state.status) {
    const StatusWords plain = PlainStatus(*state.status, by_post);
    o["status"] = StatusNumber(*state.status);
    o["status_vi"] = DossierStatusNameVi(*state.status);
    o["status_en"] = DossierStatusNameEn(*state.status);
    o["status_text_vi"] = plain.vi;
    o["status_text_en"] = plain.en;
  } else {
    o["status"] = nullptr;
  }
  o["unit"] = unit ? json::value(*unit) : json::value();
  o["handler"] = handler_name ? json::value(json::object{{"name", *handler_name}}) : json::value();
  o["received_at"] = received_at ? json::value(FormatLocalIso(*received_at)) : json::value();
  o["appointment"] =
      state.appointment_ms ? json::value(FormatLocalIso(*state.appointment_ms)) : json::value();
  o["overdue"] = state.IsOverdue(now);
  o["clock_paused"] = state.clock_paused();
  o["apology_issued"] = state.apology_count > 0;
  o["return_method"] = by_post ? "post" : "desk";
  o["timeline"] = std::move(timeline);
  o["delivery"] = std::move(delivery);
  return std::optional<json::object>(std::move(o));
}

// ---- Tracker ----------------------------------------------------------------

Tracker::Tracker(CentralStore* store, TrackingOptions options)
    : store_(store),
      options_(options),
      lookups_(options.max_lookups_per_address, options.lookup_window_ms),
      failures_(options.max_failures_per_address, options.failure_window_ms) {}

HttpResponse Tracker::Lookup(std::string_view body, const std::string& remote_address) {
  const UnixMs now = options_.clock->NowMs();
  // Every request counts, even a malformed one: the limit is what makes
  // guessing secrets hopeless.
  const int64_t wait =
      std::max(failures_.RetryAfter(remote_address, now), lookups_.Take(remote_address, now));
  if (wait > 0) return TooMany(wait);
  if (body.size() > kMaxBodyBytes) {
    return ErrorResponse(413, "body_too_large",
                         "the body of " + std::to_string(body.size()) +
                             " bytes is over the limit of " + std::to_string(kMaxBodyBytes) +
                             " bytes for this route");
  }
  auto request = ParseJsonObject(body, 4);
  if (!request.ok()) {
    return ErrorResponse(400, "bad_request",
                         "the body must be a JSON object {\"code\",\"secret\"}: " +
                             request.status().message());
  }
  auto typed_code = GetString(*request, "code");
  if (!typed_code.ok()) {
    return ErrorResponse(400, "bad_request", typed_code.status().message(), "code");
  }
  auto typed_secret = GetString(*request, "secret");
  if (!typed_secret.ok()) {
    return ErrorResponse(400, "bad_request", typed_secret.status().message(), "secret");
  }
  const std::string code = CleanCode(*typed_code);
  if (auto parsed = ParseDossierCode(code); !parsed.ok()) {
    return ErrorResponse(400, "bad_request",
                         "the dossier code is not well formed: " + parsed.status().message(),
                         "code");
  }
  auto secret = NormaliseLookupSecret(*typed_secret);
  if (!secret.ok()) {
    return ErrorResponse(400, "bad_request",
                         "the secret is not well formed: " + secret.status().message(), "secret");
  }
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(503, "unavailable", db.status().message());
  auto found = LookupTracking(**db, code, *secret, now);
  if (!found.ok()) {
    HttpResponse r = ErrorResponse(503, "unavailable", "the lookup failed; try again");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  if (!*found) {
    (void)failures_.Take(remote_address, now);
    return ErrorResponse(404, "not_found", kNotFoundMessage);
  }
  HttpResponse r = JsonResponse(200, json::object{{"dossier", std::move(**found)}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace hoso::central
