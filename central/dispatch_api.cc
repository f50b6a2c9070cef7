// The dispatchers' routes of OfficerApi (the rows under /api/dispatch/ in
// OfficerApi::Entries()): shipments of results returned by post, the courier
// nodes, assigning a shipment to a courier, the results whose shipment waits
// for waybills; and the web page (/dispatch, central/web/dispatch.html) that
// calls them. Dispatch is central-wide: a dispatcher (or a supervisor or an
// admin) sees and assigns the shipments of every unit.
#include <string>
#include <utility>

#include "central/officer_api.h"
#include "central/shipments.h"
#include "central/web_assets.h"
#include "schema/json_util.h"

namespace hoso::central {
namespace {

bool Truthy(const std::string& v) { return v == "1" || v == "true" || v == "yes"; }

json::object TimelineEntry(const ShipmentEvent& e) {
  return json::object{{"event_id", e.event_id},
                      {"type", EventTypeName(e.type)},
                      {"node_id", e.node_id},
                      {"seq", e.seq},
                      {"at", FormatLocalIso(e.device_time_ms)},
                      {"actor", e.actor ? json::value(*e.actor) : json::value()},
                      {"by_central", e.by_central},
                      {"payload", e.payload}};
}

}  // namespace

HttpResponse OfficerApi::DispatchPage(const Call&) const {
  for (const WebAsset& a : WebAssets()) {
    if (a.path != "/dispatch.html") continue;
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body = std::string(a.body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return ErrorResponse(404, "not_found", "the dispatch page is not in this build");
}

HttpResponse OfficerApi::Shipments(const Call& call) const {
  ShipmentQuery q;
  const auto& query = call.request.query;
  if (auto it = query.find("state"); it != query.end() && !it->second.empty()) {
    auto s = ShipmentStateFromName(it->second);
    if (!s.ok()) return ErrorResponse(400, "bad_request", s.status().message(), "state");
    q.state = *s;
  }
  if (auto it = query.find("courier"); it != query.end() && !it->second.empty()) {
    q.courier_node_id = it->second;
  }
  if (auto it = query.find("unassigned"); it != query.end()) q.unassigned_only = Truthy(it->second);
  if (auto it = query.find("dossier"); it != query.end() && !it->second.empty()) {
    q.dossier_code = it->second;
  }
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto list = ListShipments(**db, q);
  if (!list.ok()) return ErrorResponse(list.status());
  json::array out;
  for (const ShipmentProjection& p : *list) out.push_back(p.ToJson());
  return JsonResponse(200, json::object{{"shipments", std::move(out)}});
}

HttpResponse OfficerApi::ShipmentDetail(const Call& call) const {
  const std::string& waybill = call.params.at("waybill");
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto p = LoadShipment(**db, waybill);
  if (!p.ok()) return ErrorResponse(p.status());
  if (!p->has_value()) {
    return ErrorResponse(404, "not_found", "the central holds no shipment with waybill " + waybill);
  }
  auto events = ShipmentEvents(**db, waybill);
  if (!events.ok()) return ErrorResponse(events.status());
  json::array timeline;
  for (const ShipmentEvent& e : *events) timeline.push_back(TimelineEntry(e));
  json::object o = (*p)->ToJson();
  o["timeline"] = std::move(timeline);
  return JsonResponse(200, json::object{{"shipment", std::move(o)}});
}

HttpResponse OfficerApi::AssignShipmentRoute(const Call& call) const {
  if (call.request.body.size() > kMaxJsonBytes) {
    return ErrorResponse(413, "body_too_large",
                         "the body of " + std::to_string(call.request.body.size()) +
                             " bytes is over the limit of " + std::to_string(kMaxJsonBytes) +
                             " bytes for this route");
  }
  auto body = call.request.body.empty() ? Result<json::object>(json::object())
                                        : ParseJsonObject(call.request.body);
  if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
  auto courier = GetString(*body, "courier");
  if (!courier.ok()) {
    return ErrorResponse(400, "bad_request", "name the courier node: " + courier.status().message(),
                         "courier");
  }
  auto note = GetOptString(*body, "note");
  if (!note.ok()) return ErrorResponse(400, "bad_request", note.status().message(), "note");
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  Outcome<ShipmentProjection> done = AssignShipment(
      **db, store_->central_id(), call.session->user.AsActor(call.request.remote_address),
      call.params.at("waybill"), *courier, *note, auth_->options().clock->NowMs());
  if (!done.ok()) return done.refusal().ToHttp();
  return JsonResponse(200, json::object{{"shipment", done->ToJson()}});
}

HttpResponse OfficerApi::Couriers(const Call&) const {
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto list = ListCouriers(**db);
  if (!list.ok()) return ErrorResponse(list.status());
  json::array out;
  for (const CourierNode& c : *list) out.push_back(c.ToJson());
  return JsonResponse(200, json::object{{"couriers", std::move(out)}});
}

HttpResponse OfficerApi::PendingShipments(const Call&) const {
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto list = ListPendingShipments(**db);
  if (!list.ok()) return ErrorResponse(list.status());
  json::array out;
  for (const PendingShipment& p : *list) out.push_back(p.ToJson());
  return JsonResponse(200, json::object{{"pending", std::move(out)}});
}

HttpResponse OfficerApi::CreatePending(const Call& call) const {
  auto db = store_->Db();
  if (!db.ok()) return ErrorResponse(db.status());
  auto run = CreatePendingShipments(**db, store_->central_id(),
                                    call.session->user.AsActor(call.request.remote_address),
                                    auth_->options().clock->NowMs());
  if (!run.ok()) return ErrorResponse(run.status());
  json::array created;
  for (const ShipmentProjection& p : run->created) created.push_back(p.ToJson());
  json::array pending;
  for (const PendingShipment& p : run->still_pending) pending.push_back(p.ToJson());
  if (run->created.empty() && !run->still_pending.empty()) {
    // Nothing could be created: say why, as the first pending one does.
    const PendingShipment& first = run->still_pending.front();
    return ErrorResponse(first.error_code == "waybill_pool_empty" ? 409 : 422, first.error_code,
                         first.message);
  }
  return JsonResponse(
      200, json::object{{"created", std::move(created)}, {"pending", std::move(pending)}});
}

}  // namespace hoso::central
