// The reconciliation, dashboard and metrics routes of OfficerApi
// (central/officer_api.h; docs/API.md "Reconciliation", "Dashboard",
// "Metrics").
#include <string>
#include <utility>

#include "central/dashboard.h"
#include "central/metrics.h"
#include "central/officer_api.h"
#include "central/reconcile.h"
#include "central/web_assets.h"
#include "schema/json_util.h"

namespace hoso::central {
namespace {

constexpr char kCsvContentType[] = "text/csv; charset=utf-8";
constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

HttpResponse Text(const char* content_type, std::string body) {
  HttpResponse r;
  r.content_type = content_type;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

HttpResponse OfficerApi::Reconcile(const Call& call) const {
  const auto& q = call.request.query;
  auto format = q.find("format");
  const std::string fmt = format == q.end() || format->second.empty() ? "json" : format->second;
  if (fmt != "json" && fmt != "csv") {
    return ErrorResponse(400, "bad_request", "format must be json or csv, not '" + fmt + "'",
                         "format");
  }
  auto options = ReconcileOptionsFrom(q, auth_->options().clock->NowMs());
  if (!options.ok()) return ErrorResponse(options.status());
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto report = BuildReconcileReport(**db, *options);
  if (!report.ok()) return ErrorResponse(report.status());
  if (fmt == "csv") {
    HttpResponse r = Text(kCsvContentType, report->ToCsv());
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"reconcile.csv\"");
    return r;
  }
  return JsonResponse(200, report->ToJson());
}

HttpResponse OfficerApi::Resolve(const Call& call) const {
  if (call.request.body.size() > kMaxJsonBytes) {
    return ErrorResponse(413, "body_too_large",
                         "the body is over the limit of " + std::to_string(kMaxJsonBytes) +
                             " bytes for this route");
  }
  auto body = ParseJsonObject(call.request.body);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto request = ResolveRequest::FromJson(call.params.at("item_id"), *body);
  if (!request.ok()) return ErrorResponse(request.status());
  const UnixMs now = auth_->options().clock->NowMs();
  auto options = ReconcileOptionsFrom(call.request.query, now);
  if (!options.ok()) return ErrorResponse(options.status());
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  Outcome<ReconcileItem> item =
      ResolveItem(**db, store_->central_id(),
                  call.session->user.AsActor(call.request.remote_address), *request, *options, now);
  if (!item.ok()) return item.refusal().ToHttp();
  return JsonResponse(200, json::object{{"item", item->ToJson()}});
}

HttpResponse OfficerApi::Dashboard(const Call& call) const {
  auto options = ReconcileOptionsFrom(call.request.query, auth_->options().clock->NowMs());
  if (!options.ok()) return ErrorResponse(options.status());
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto dash = BuildDashboard(**db, *options);
  if (!dash.ok()) return ErrorResponse(dash.status());
  return JsonResponse(200, *dash);
}

HttpResponse OfficerApi::DashboardPage(const Call&) const {
  for (const WebAsset& a : WebAssets()) {
    if (a.path != "/dashboard.html") continue;
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body = std::string(a.body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return ErrorResponse(404, "not_found", "the dashboard page is not in this build");
}

HttpResponse OfficerApi::MetricsText(const Call& call) const {
  if (!IsLoopback(call.request.remote_address)) {
    // Anyone else needs an administrator's session.
    static const RouteRule kAdminOnly{"GET", "/metrics", RoleBit(Role::kAdmin), nullptr};
    Outcome<std::optional<Session>> who =
        Authorize(call.request, kAdminOnly, auth_, store_, auth_->options().clock);
    if (!who.ok()) return who.refusal().ToHttp();
  }
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto text = RenderMetrics(**db, metrics_, auth_->options().clock->NowMs());
  if (!text.ok()) return ErrorResponse(text.status());
  return Text(kMetricsContentType, std::move(*text));
}

}  // namespace hoso::central
