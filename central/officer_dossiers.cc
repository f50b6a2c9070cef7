// The officers' workflow routes of OfficerApi (the rows under
// /api/officer/ in OfficerApi::Entries()): the inbox, a dossier with its
// timeline and Form 05 log, printable Form 02, and one route per action,
// each recorded by RecordOfficerAction (central/dossiers.h); and the web
// page (/officer, central/web/officer.html) that calls them.
#include <charconv>
#include <string>
#include <utility>

#include "central/dossiers.h"
#include "central/officer_api.h"
#include "central/web_assets.h"
#include "schema/json_util.h"
#include "schema/text.h"

namespace hoso::central {
namespace {

// The dossier of the route if `user` may act on it: admins on every
// dossier, others on those their unit holds.
Outcome<DossierProjection> DossierFor(Database& db, const User& user, const std::string& code) {
  HOSO_ASSIGN_OR_RETURN(std::optional<DossierProjection> p, LoadDossier(db, code));
  if (!p) return Refuse(404, "not_found", "the central holds no event of dossier " + code);
  if (user.role != Role::kAdmin && p->unit_code != user.unit_code) {
    return Refuse(403, "forbidden",
                  "dossier " + code + " is held by unit " + p->unit_code.value_or("(none)") +
                      "; the " + RoleName(user.role) + " " + user.username +
                      " acts on the dossiers of unit " + user.unit_code.value_or("(none)") +
                      " only");
  }
  return std::move(*p);
}

Result<json::object> JsonBody(const HttpRequest& request) {
  if (request.body.size() > OfficerApi::kMaxJsonBytes) {
    return Status::InvalidArgument("the body of " + std::to_string(request.body.size()) +
                                   " bytes is over the limit of " +
                                   std::to_string(OfficerApi::kMaxJsonBytes) + " bytes");
  }
  if (request.body.empty()) return json::object();
  return ParseJsonObject(request.body);
}

// The documented payload fields of `type` taken from `body`; an ISO 8601
// time (or a date: the end of that local day) under `iso_key` becomes the
// integer field `ms_key`.
Result<json::object> PayloadFrom(const json::object& body, EventType type,
                                 std::string_view iso_key = "", std::string_view ms_key = "") {
  json::object payload;
  HOSO_ASSIGN_OR_RETURN(auto fields, PayloadFields(type, CurrentSchemaVersion(type)));
  for (const PayloadField& f : fields) {
    if (auto it = body.find(f.path); it != body.end()) payload[f.path] = it->value();
  }
  if (!iso_key.empty()) {
    HOSO_ASSIGN_OR_RETURN(std::optional<std::string> iso, GetOptString(body, iso_key));
    if (iso) {
      // A bare date means the end of that local day.
      Result<Date> day = ParseDate(*iso);
      Result<UnixMs> t =
          day.ok() ? Result<UnixMs>(LocalToUnixMs(AddDays(*day, 1), 0) - 1) : ParseIsoTime(*iso);
      if (!t.ok()) {
        return Status::InvalidArgument(std::string(iso_key) + ": " + t.status().message(),
                                       std::string(iso_key));
      }
      payload[ms_key] = *t;
    }
  }
  return payload;
}

HttpResponse Refused(const Refusal& r) { return r.ToHttp(); }

// The body of an assignment or a transfer: its payload, and the handler it
// names, who must be an active officer or supervisor with a unit. `error`
// is set instead when the body is refused.
struct HandlerRequest {
  json::object payload;
  User handler;
  std::optional<HttpResponse> error;
};

HandlerRequest ReadHandlerRequest(const HttpRequest& request, UserAdmin& users, EventType type) {
  HandlerRequest out;
  auto body = JsonBody(request);
  if (!body.ok()) {
    out.error = ErrorResponse(400, "bad_request", body.status().message());
    return out;
  }
  auto handler = GetString(*body, "handler");
  if (!handler.ok()) {
    out.error = ErrorResponse(handler.status());
    return out;
  }
  auto payload = PayloadFrom(*body, type, "step_deadline", "step_deadline_ms");
  if (!payload.ok()) {
    out.error = ErrorResponse(payload.status());
    return out;
  }
  auto u = users.FindUser(*handler);
  if (!u.ok() || u->disabled || !u->unit_code ||
      (u->role != Role::kOfficer && u->role != Role::kSupervisor)) {
    out.error = ErrorResponse(400, "bad_request",
                              "handler " + *handler + " is not an active officer or supervisor",
                              "handler");
    return out;
  }
  out.payload = std::move(*payload);
  out.handler = std::move(*u);
  return out;
}

}  // namespace

HttpResponse OfficerApi::Page(const Call&) const {
  for (const WebAsset& a : WebAssets()) {
    if (a.path != "/officer.html") continue;
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body = std::string(a.body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return ErrorResponse(404, "not_found", "the officers' page is not in this build");
}

HttpResponse OfficerApi::Inbox(const Call& call) const {
  const User& user = call.session->user;
  InboxQuery q;
  const auto& query = call.request.query;
  if (user.role != Role::kAdmin) {
    q.unit_code = user.unit_code.value_or("");
  } else if (auto it = query.find("unit"); it != query.end() && !it->second.empty()) {
    q.unit_code = it->second;
  }
  if (auto it = query.find("status"); it != query.end() && !it->second.empty()) {
    int64_t n = 0;
    const char* end = it->second.data() + it->second.size();
    auto [ptr, ec] = std::from_chars(it->second.data(), end, n);
    Result<DossierStatus> s = ec == std::errc() && ptr == end
                                  ? StatusFromInt(n)
                                  : Status::InvalidArgument("status must be 1..10", "status");
    if (!s.ok()) return ErrorResponse(400, "bad_request", s.status().message(), "status");
    q.status = StatusNumber(*s);
  }
  if (auto it = query.find("handler"); it != query.end() && !it->second.empty()) {
    q.handler_id = it->second;
  }
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto list = ListInbox(**db, q);
  if (!list.ok()) return ErrorResponse(list.status());
  const UnixMs now = auth_->options().clock->NowMs();
  json::array out;
  for (const DossierProjection& p : *list) out.push_back(p.ToJson(now));
  return JsonResponse(200, json::object{{"dossiers", std::move(out)}});
}

HttpResponse OfficerApi::DossierDetail(const Call& call) const {
  const std::string& code = call.params.at("code");
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  Outcome<DossierProjection> p = DossierFor(**db, call.session->user, code);
  if (!p.ok()) return Refused(p.refusal());
  auto events = DossierEvents(**db, code);
  if (!events.ok()) return ErrorResponse(events.status());
  json::array timeline;
  for (const DossierEvent& e : *events) {
    timeline.push_back(json::object{{"event_id", e.event_id},
                                    {"type", EventTypeName(e.type)},
                                    {"node_id", e.node_id},
                                    {"seq", e.seq},
                                    {"at", FormatLocalIso(e.device_time_ms)},
                                    {"actor", e.actor ? json::value(*e.actor) : json::value()},
                                    {"by_central", e.by_central},
                                    {"payload", e.payload}});
  }
  json::object o = p->ToJson(auth_->options().clock->NowMs());
  o["timeline"] = std::move(timeline);
  return JsonResponse(200, json::object{{"dossier", std::move(o)}});
}

HttpResponse OfficerApi::Form02(const Call& call) const {
  const std::string& code = call.params.at("code");
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  Outcome<DossierProjection> p = DossierFor(**db, call.session->user, code);
  if (!p.ok()) return Refused(p.refusal());
  auto events = DossierEvents(**db, code);
  if (!events.ok()) return ErrorResponse(events.status());
  const DossierEvent* request = nullptr;
  std::string applicant;
  for (const DossierEvent& e : *events) {
    if (e.type == EventType::kSupplementRequested) request = &e;
    if (e.type == EventType::kDossierReceived || e.type == EventType::kDossierSubmittedOnline) {
      if (auto a = e.payload.if_contains("applicant"); a && a->is_object()) {
        if (auto n = a->as_object().if_contains("name"); n && n->is_string()) {
          applicant = std::string(n->as_string());
        }
      }
    }
  }
  if (request == nullptr) {
    return ErrorResponse(404, "not_found", "no supplement was requested for dossier " + code);
  }
  std::string items;
  if (auto a = request->payload.if_contains("items"); a && a->is_array()) {
    for (const auto& item : a->as_array()) {
      if (item.is_string()) items += "<li>" + HtmlEscape(item.as_string()) + "</li>";
    }
  }
  std::string reason;
  if (auto r = request->payload.if_contains("reason"); r && r->is_string()) {
    reason = std::string(r->as_string());
  }
  std::string deadline;
  if (auto d = request->payload.if_contains("deadline_ms"); d && d->is_int64()) {
    deadline = "<p>Thời hạn bổ sung: " + HtmlEscape(FormatLocalIso(d->as_int64())) + "</p>";
  }
  const Date day = LocalDateOf(request->device_time_ms);
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Mẫu số 02 - " +
      HtmlEscape(code) +
      "</title><style>body{font-family:serif;max-width:18cm;margin:1cm auto}"
      "h1{font-size:1.2em;text-align:center}.c{text-align:center}</style></head><body>"
      "<p class=\"c\"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>"
      "<p class=\"c\">Mẫu số 02</p><h1>PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ</h1>"
      "<p>Hồ sơ số: <b>" +
      HtmlEscape(code) + "</b></p><p>Kính gửi: " + HtmlEscape(applicant) +
      "</p><p>Lý do: " + HtmlEscape(reason) +
      "</p><p>Đề nghị bổ sung, hoàn thiện các nội dung sau:</p><ol>" + items + "</ol>" + deadline +
      "<p>Thời gian giải quyết tạm dừng cho đến khi nhận đủ hồ sơ bổ sung.</p>" + "<p>Ngày " +
      std::to_string(day.day) + " tháng " + std::to_string(day.month) + " năm " +
      std::to_string(day.year) +
      "</p><p>Người yêu cầu: " + HtmlEscape(request->actor.value_or("")) + "</p></body></html>";
  return r;
}

HttpResponse OfficerApi::Form04(const Call& call) const {
  const std::string& code = call.params.at("code");
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  Outcome<DossierProjection> p = DossierFor(**db, call.session->user, code);
  if (!p.ok()) return Refused(p.refusal());
  auto events = DossierEvents(**db, code);
  if (!events.ok()) return ErrorResponse(events.status());
  const DossierEvent* apology = nullptr;
  std::string applicant;
  std::optional<UnixMs> received_at;
  std::optional<UnixMs> first_appointment;
  for (const DossierEvent& e : *events) {
    if (e.type == EventType::kApologyIssued) apology = &e;
    if (e.type == EventType::kDossierReceived || e.type == EventType::kDossierSubmittedOnline) {
      received_at = e.device_time_ms;
      if (auto t = e.payload.if_contains("appointment_ms"); t && t->is_int64()) {
        first_appointment = t->as_int64();
      }
      if (auto a = e.payload.if_contains("applicant"); a && a->is_object()) {
        if (auto n = a->as_object().if_contains("name"); n && n->is_string()) {
          applicant = std::string(n->as_string());
        }
      }
    }
  }
  if (apology == nullptr) {
    return ErrorResponse(404, "not_found", "no apology was issued for dossier " + code);
  }
  auto text = [&](const char* key) -> std::string {
    auto v = apology->payload.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : "";
  };
  std::string new_appointment;
  if (auto v = apology->payload.if_contains("new_appointment_ms"); v && v->is_int64()) {
    new_appointment = FormatLocalIso(v->as_int64());
  }
  const Date day = LocalDateOf(apology->device_time_ms);
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Mẫu số 04 - " +
      HtmlEscape(code) +
      "</title><style>body{font-family:serif;max-width:18cm;margin:1cm auto}"
      "h1{font-size:1.2em;text-align:center}.c{text-align:center}</style></head><body>"
      "<p class=\"c\"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p>"
      "<p class=\"c\">Mẫu số 04</p><h1>PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ</h1>"
      "<p>Kính gửi: " +
      HtmlEscape(applicant) + "</p><p>Hồ sơ số: <b>" + HtmlEscape(code) + "</b>, tiếp nhận lúc " +
      HtmlEscape(received_at ? FormatLocalIso(*received_at) : "") + ", hẹn trả kết quả lúc " +
      HtmlEscape(first_appointment ? FormatLocalIso(*first_appointment) : "") +
      ".</p><p>Lý do chậm trả kết quả: " + HtmlEscape(text("reason")) +
      "</p><p>Xin lỗi ông/bà vì sự chậm trễ này và hẹn trả kết quả vào lúc <b>" +
      HtmlEscape(new_appointment) + "</b>.</p><p>Ngày " + std::to_string(day.day) + " tháng " +
      std::to_string(day.month) + " năm " + std::to_string(day.year) +
      "</p><p>Người ký: " + HtmlEscape(apology->actor.value_or("")) + "</p></body></html>";
  return r;
}

HttpResponse OfficerApi::DossierAct(const Call& call, EventType type, json::object payload) const {
  const std::string& code = call.params.at("code");
  const User& user = call.session->user;
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  Outcome<DossierProjection> p = DossierFor(**db, user, code);
  if (!p.ok()) return Refused(p.refusal());
  Outcome<OfficerActionResult> done =
      RecordOfficerAction(**db, store_->central_id(), user.AsActor(call.request.remote_address),
                          code, type, std::move(payload), auth_->options().clock->NowMs());
  if (!done.ok()) return Refused(done.refusal());
  json::object out{{"event", EventToJsonObject(done->event)},
                   {"dossier", done->dossier.ToJson(done->event.device_time_ms)}};
  if (done->shipment) out["shipment"] = *done->shipment;
  return JsonResponse(200, std::move(out));
}

// Assign and transfer name the handler by username; the event carries the
// handler's unit and display name as they are now.
HttpResponse OfficerApi::Assign(const Call& call) const {
  HandlerRequest h = ReadHandlerRequest(call.request, *users_, EventType::kHandlerAssigned);
  if (h.error) return *h.error;
  const User& user = call.session->user;
  if (user.role != Role::kAdmin && h.handler.unit_code != user.unit_code) {
    return ErrorResponse(403, "forbidden",
                         "a supervisor assigns handlers of their own unit (" +
                             user.unit_code.value_or("") + ") only; transfer to hand over");
  }
  h.payload["unit_code"] = *h.handler.unit_code;
  h.payload["handler_id"] = h.handler.username;
  h.payload["handler_name"] = h.handler.display_name;
  return DossierAct(call, EventType::kHandlerAssigned, std::move(h.payload));
}

HttpResponse OfficerApi::Transfer(const Call& call) const {
  HandlerRequest h = ReadHandlerRequest(call.request, *users_, EventType::kHandlerTransferred);
  if (h.error) return *h.error;
  {
    auto db = store_->Db();
    if (!db.ok()) return ErrorResponse(db.status());
    auto current = LoadDossier(**db, call.params.at("code"));
    if (current.ok() && current->has_value()) {
      if ((*current)->unit_code) h.payload["from_unit_code"] = *(*current)->unit_code;
      if ((*current)->handler_id) h.payload["from_handler_id"] = *(*current)->handler_id;
    }
  }
  h.payload["to_unit_code"] = *h.handler.unit_code;
  h.payload["to_handler_id"] = h.handler.username;
  h.payload["to_handler_name"] = h.handler.display_name;
  return DossierAct(call, EventType::kHandlerTransferred, std::move(h.payload));
}

HttpResponse OfficerApi::BodyAct(const Call& call, EventType type, std::string_view iso_key,
                                 std::string_view ms_key) const {
  auto body = JsonBody(call.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto payload = PayloadFrom(*body, type, iso_key, ms_key);
  if (!payload.ok()) return ErrorResponse(payload.status());
  return DossierAct(call, type, std::move(*payload));
}

HttpResponse OfficerApi::Supplement(const Call& call) const {
  return BodyAct(call, EventType::kSupplementRequested, "deadline", "deadline_ms");
}

HttpResponse OfficerApi::Payment(const Call& call) const {
  return BodyAct(call, EventType::kPaymentRequested);
}

HttpResponse OfficerApi::RecordResult(const Call& call) const {
  return BodyAct(call, EventType::kResultRecorded);
}

HttpResponse OfficerApi::Apology(const Call& call) const {
  return BodyAct(call, EventType::kApologyIssued, "new_appointment", "new_appointment_ms");
}

HttpResponse OfficerApi::Stop(const Call& call) const {
  return BodyAct(call, EventType::kDossierStopped);
}

HttpResponse OfficerApi::Withdrawal(const Call& call) const {
  return BodyAct(call, EventType::kDossierWithdrawn);
}

}  // namespace hoso::central
