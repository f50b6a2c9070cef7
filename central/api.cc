#include "central/api.h"

#include <string>
#include <utility>

#include "central/metrics.h"
#include "central/officer_api.h"
#include "central/online_api.h"
#include "central/waybills.h"
#include "schema/attachment.h"
#include "schema/json_util.h"
#include "sync/chunk_auth.h"

namespace hoso::central {
namespace {

HttpResponse TooLarge(size_t size, size_t limit) {
  return ErrorResponse(413, "body_too_large",
                       "the body of " + std::to_string(size) + " bytes is over the limit of " +
                           std::to_string(limit) + " bytes for this route");
}

HttpResponse FileResponse(const char* content_type, std::string body) {
  HttpResponse r;
  r.status = 200;
  r.content_type = content_type;
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace

CentralApi::CentralApi(CentralStore* store, NodeAdmin* admin, Ingestor* ingestor,
                       const OfficerApi* officer, CentralAttachments* attachments,
                       const OnlineApi* online, Metrics* metrics)
    : store_(store),
      admin_(admin),
      ingestor_(ingestor),
      attachments_(attachments),
      metrics_(metrics),
      patterns_{"/healthz", "/api/sync/enrol", "/api/sync/batches", "/api/sync/rotate-key",
                "/api/sync/attachments/missing", "/api/sync/chunks/{hash}"} {
  if (attachments_ == nullptr) {
    owned_attachments_ = std::make_unique<CentralAttachments>(store_);
    attachments_ = owned_attachments_.get();
  }
  router_.Add("GET", "/healthz", [this](const HttpRequest&, const PathParams&) {
    // Warnings need a person (an empty waybill pool) but are no outage.
    json::array warnings;
    auto db = store_->Db();
    if (!db.ok()) return ErrorResponse(503, "unavailable", db.status().message());
    auto found = WaybillWarnings(**db);
    if (!found.ok()) return ErrorResponse(503, "unavailable", found.status().message());
    for (const std::string& w : *found) warnings.push_back(json::value(w));
    return JsonResponse(200, json::object{{"ok", true},
                                          {"central_id", store_->central_id()},
                                          {"warnings", std::move(warnings)}});
  });
  router_.Add("POST", "/api/sync/enrol",
              [this](const HttpRequest& r, const PathParams&) { return Enrol(r); });
  router_.Add("POST", "/api/sync/batches",
              [this](const HttpRequest& r, const PathParams&) { return Batch(r); });
  router_.Add("POST", "/api/sync/rotate-key",
              [this](const HttpRequest& r, const PathParams&) { return RotateKey(r); });
  if (officer != nullptr) {
    officer->AddRoutes(&router_);
    for (const RouteRule& r : OfficerApi::Routes()) patterns_.emplace_back(r.pattern);
  }
  if (online != nullptr) online->AddRoutes(&router_);
  router_.Add("POST", "/api/sync/attachments/missing",
              [this](const HttpRequest& r, const PathParams&) { return MissingChunks(r); });
  router_.Add("PUT", "/api/sync/chunks/{hash}", [this](const HttpRequest& r, const PathParams& p) {
    return PutChunk(r, p.at("hash"));
  });
}

HttpResponse CentralApi::Handle(const HttpRequest& request) const {
  HttpResponse r = router_.Handle(request);
  if (metrics_ != nullptr) {
    metrics_->CountRequest(request.method, RouteLabel(patterns_, request.path), r.status);
  }
  return r;
}

HttpResponse CentralApi::Enrol(const HttpRequest& request) const {
  if (request.body.size() > kMaxEnrolBytes) return TooLarge(request.body.size(), kMaxEnrolBytes);
  Outcome<std::string> answer = admin_->Enrol(request.body);
  if (!answer.ok()) return answer.refusal().ToHttp();
  return FileResponse(kEnrolContentType, std::move(answer).value());
}

HttpResponse CentralApi::Batch(const HttpRequest& request) const {
  if (request.body.size() > kMaxRequestBytes) {
    return TooLarge(request.body.size(), kMaxRequestBytes);
  }
  IngestReport report = ingestor_->ApplyBatch(request.body, Channel::kHttp);
  if (metrics_ != nullptr) {
    metrics_->CountBatch(report.result, report.refusal ? report.refusal->code : "",
                         report.applied_events, report.sent_ahead);
  }
  if (report.refusal) {
    HttpResponse r = report.refusal->ToHttp();
    if (report.refusal->code == "node_busy" || report.refusal->code == "unavailable") {
      r.headers.emplace_back("Retry-After", "1");
    }
    return r;
  }
  return FileResponse(kDownSyncContentType, std::move(report.downsync));
}

HttpResponse CentralApi::RotateKey(const HttpRequest& request) const {
  if (request.body.size() > kMaxJsonBytes) return TooLarge(request.body.size(), kMaxJsonBytes);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto rotation = KeyRotation::FromJson(*body);
  if (!rotation.ok()) {
    return ErrorResponse(400, "bad_request", rotation.status().message(),
                         rotation.status().field());
  }
  Outcome<std::string> key_id = admin_->RotateKey(*rotation);
  if (!key_id.ok()) return key_id.refusal().ToHttp();
  return JsonResponse(200, json::object{{"key_id", *key_id}});
}

HttpResponse CentralApi::MissingChunks(const HttpRequest& request) const {
  if (request.body.size() > kMaxJsonBytes) return TooLarge(request.body.size(), kMaxJsonBytes);
  Outcome<json::object> answer =
      attachments_->Missing(request.Header(sync::kNodeAuthHeader), request.body);
  if (!answer.ok()) return answer.refusal().ToHttp();
  return JsonResponse(200, *answer);
}

HttpResponse CentralApi::PutChunk(const HttpRequest& request, const std::string& chunk_hash) const {
  static_assert(kMaxChunkRequestBytes == static_cast<size_t>(kMaxChunkBytes));
  if (request.body.size() > kMaxChunkRequestBytes) {
    return TooLarge(request.body.size(), kMaxChunkRequestBytes);
  }
  Outcome<ChunkReceipt> receipt =
      attachments_->PutChunk(request.Header(sync::kNodeAuthHeader), chunk_hash, request.body);
  if (!receipt.ok()) {
    HttpResponse r = receipt.refusal().ToHttp();
    if (receipt.refusal().code == "unavailable") r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  json::array completed;
  for (const std::string& h : receipt->completed) completed.push_back(json::value(h));
  return JsonResponse(200, json::object{{"chunk_hash", receipt->chunk_hash},
                                        {"stored", receipt->stored},
                                        {"completed", std::move(completed)}});
}

}  // namespace hoso::central
