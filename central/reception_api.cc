// The reception routes of OfficerApi (rows under /api/reception/ in
// OfficerApi::Entries()): online dossiers in status 1 checked against their
// checklist and accepted, sent back for completion or refused, by officers
// and supervisors of the online unit (OnlineOptions::unit_code) and admins;
// and the page /reception (central/web/reception.html) that calls them.
#include <string>
#include <utility>

#include "central/officer_api.h"
#include "central/online_api.h"
#include "schema/json_util.h"

namespace hoso::central {
namespace {

Result<json::object> JsonBody(const HttpRequest& request) {
  if (request.body.size() > OfficerApi::kMaxJsonBytes) {
    return Status::InvalidArgument("the body of " + std::to_string(request.body.size()) +
                                   " bytes is over the limit of " +
                                   std::to_string(OfficerApi::kMaxJsonBytes) + " bytes");
  }
  if (request.body.empty()) return json::object();
  return ParseJsonObject(request.body);
}

template <typename T>
HttpResponse Json(const Outcome<T>& o) {
  if (!o.ok()) return o.refusal().ToHttp();
  return JsonResponse(200, *o);
}

HttpResponse Html(const Outcome<std::string>& o) {
  if (!o.ok()) return o.refusal().ToHttp();
  HttpResponse r;
  r.content_type = "text/html; charset=utf-8";
  r.body = *o;
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace

std::optional<HttpResponse> OfficerApi::ReceptionRefusal(const Call& call) const {
  if (online_ == nullptr) {
    return ErrorResponse(404, "not_enabled", "online submission is not enabled on this central");
  }
  const User& user = call.session->user;
  if (user.role != Role::kAdmin && user.unit_code != online_->options().unit_code) {
    return ErrorResponse(403, "forbidden",
                         "online dossiers are received by the online unit " +
                             online_->options().unit_code + "; the " + RoleName(user.role) + " " +
                             user.username + " belongs to unit " +
                             user.unit_code.value_or("(none)"));
  }
  return std::nullopt;
}

HttpResponse OfficerApi::ReceptionPage(const Call&) const { return ServePage("/reception.html"); }

HttpResponse OfficerApi::ReceptionInbox(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  auto inbox = online_->Inbox();
  if (!inbox.ok()) return ErrorResponse(inbox.status());
  return JsonResponse(200, *inbox);
}

HttpResponse OfficerApi::ReceptionDetail(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  return Json(online_->Detail(call.params.at("code")));
}

HttpResponse OfficerApi::ReceptionFile(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  Outcome<OnlineFile> f = online_->File(call.params.at("code"), call.params.at("hash"));
  if (!f.ok()) return f.refusal().ToHttp();
  return ServeUpload(*f);
}

HttpResponse OfficerApi::ReceptionForm01(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  return Html(online_->Form01Html(call.params.at("code")));
}

HttpResponse OfficerApi::ReceptionForm02(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  return Html(online_->Form02Html(call.params.at("code")));
}

HttpResponse OfficerApi::ReceptionAccept(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  auto body = JsonBody(call.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto iso = GetOptString(*body, "appointment");
  if (!iso.ok()) return ErrorResponse(400, "bad_request", iso.status().message(), "appointment");
  std::optional<UnixMs> appointment;
  if (*iso) {
    auto t = ParseIsoTime(**iso);
    if (!t.ok()) return ErrorResponse(400, "bad_request", t.status().message(), "appointment");
    appointment = *t;
  }
  return Json(online_->Accept(call.session->user.AsActor(call.request.remote_address),
                              call.params.at("code"), appointment));
}

HttpResponse OfficerApi::ReceptionCompletion(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  auto body = JsonBody(call.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto items = GetArray(*body, "items");
  if (!items.ok()) return ErrorResponse(400, "bad_request", items.status().message(), "items");
  std::vector<std::string> ids;
  for (const json::value& v : **items) {
    if (!v.is_string()) {
      return ErrorResponse(400, "bad_request", "items must be checklist document ids", "items");
    }
    ids.emplace_back(v.as_string());
  }
  auto reason = GetOptString(*body, "reason");
  if (!reason.ok()) return ErrorResponse(400, "bad_request", reason.status().message(), "reason");
  return Json(online_->RequestCompletion(call.session->user.AsActor(call.request.remote_address),
                                         call.params.at("code"), ids, reason->value_or("")));
}

HttpResponse OfficerApi::ReceptionRefuse(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  auto body = JsonBody(call.request);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto reason = GetOptString(*body, "reason");
  if (!reason.ok()) return ErrorResponse(400, "bad_request", reason.status().message(), "reason");
  return Json(online_->Refuse(call.session->user.AsActor(call.request.remote_address),
                              call.params.at("code"), reason->value_or("")));
}

HttpResponse OfficerApi::ReceptionFilings(const Call& call) const {
  if (auto no = ReceptionRefusal(call)) return *no;
  auto it = call.request.query.find("filer");
  if (it == call.request.query.end() || it->second.empty()) {
    return ErrorResponse(400, "bad_request",
                         "name the filer: ?filer=<tax code or citizen identity number>", "filer");
  }
  auto list = online_->Filings(it->second);
  if (!list.ok()) return ErrorResponse(list.status());
  return JsonResponse(200, *list);
}

}  // namespace hoso::central
