// DeskApi: the courier routes (docs/API.md "Courier"), served by every node
// but useful only on a courier node (role courier), which holds assignments.
//
//   GET  /api/courier/shipments[?all=1]             today's work (or all)
//   GET  /api/courier/shipments/{waybill}
//   POST /api/courier/shipments/{waybill}/pickup    {"actor","note"}
//   POST /api/courier/shipments/{waybill}/out       {"actor"}
//   POST /api/courier/shipments/{waybill}/fail      {"actor","reason","note"}
//   POST /api/courier/shipments/{waybill}/hold      {"actor","post_office","note"}
//   POST /api/courier/shipments/{waybill}/return    {"actor","reason"}
//   POST /api/courier/shipments/{waybill}/deliver?recipient_name=&relation=
//        &id_suffix=&actor=&fee_collected_vnd=&name=  raw JPEG/PNG proof body
#include <string>
#include <string_view>

#include "node/api.h"
#include "node/courier.h"
#include "schema/json_util.h"

namespace hoso::node {

namespace {

std::string Query(const HttpRequest& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

std::string Member(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

HttpResponse Missing(const char* field, const std::string& what) {
  return ErrorResponse(400, "missing_field", what, field);
}

}  // namespace

bool IsCourierDelivery(const HttpRequest& r) {
  constexpr std::string_view kPrefix = "/api/courier/shipments/";
  constexpr std::string_view kSuffix = "/deliver";
  const std::string_view p = r.path;
  return r.method == "POST" && p.size() > kPrefix.size() + kSuffix.size() &&
         p.starts_with(kPrefix) && p.ends_with(kSuffix);
}

HttpResponse CourierErrorResponse(const Status& s) {
  const std::string& m = s.message();
  if (s.IsNotFound()) return ErrorResponse(404, "unknown_waybill", m, "waybill");
  if (s.IsConflict()) return ErrorResponse(409, "invalid_transition", m);
  if (s.IsInvalidArgument() && s.field() == "proof" && m.starts_with("unsupported content")) {
    return ErrorResponse(415, "unsupported_media_type", m, "proof");
  }
  if (s.code() == Status::Code::kResourceExhausted) {
    return ErrorResponse(413, "proof_too_large", m, "proof");
  }
  return ErrorResponse(s);
}

void DeskApi::AddCourierRoutes() {
  Router& r = router_;
  Courier* courier = courier_.get();

  r.Add("GET", "/api/courier/shipments", [courier](const HttpRequest& req, const PathParams&) {
    auto list = courier->List(Query(req, "all") == "1");
    if (!list.ok()) return CourierErrorResponse(list.status());
    json::array a;
    for (const CourierShipment& s : *list) a.push_back(Courier::ToJson(s));
    return JsonResponse(200, json::object{{"count", a.size()}, {"shipments", std::move(a)}});
  });
  r.Add("GET", "/api/courier/shipments/{waybill}",
        [courier](const HttpRequest&, const PathParams& p) {
          auto s = courier->Get(p.at("waybill"));
          if (!s.ok()) return CourierErrorResponse(s.status());
          return JsonResponse(200, Courier::ToJson(*s));
        });

  // The JSON actions: the body names the fields of CourierActionRequest.
  struct JsonAction {
    const char* path;
    ShipmentAction action;
  };
  for (const JsonAction& ja : {JsonAction{"pickup", ShipmentAction::kPickUp},
                               JsonAction{"out", ShipmentAction::kGoOutForDelivery},
                               JsonAction{"fail", ShipmentAction::kFailAttempt},
                               JsonAction{"hold", ShipmentAction::kHoldAtPostOffice},
                               JsonAction{"return", ShipmentAction::kReturnToAgency}}) {
    const ShipmentAction action = ja.action;
    r.Add("POST", std::string("/api/courier/shipments/{waybill}/") + ja.path,
          [courier, action](const HttpRequest& req, const PathParams& p) {
            json::object body;
            if (!req.body.empty()) {
              auto parsed = ParseJsonObject(req.body);
              if (!parsed.ok()) return ErrorResponse(400, "bad_request", parsed.status().message());
              body = std::move(*parsed);
            }
            CourierActionRequest a;
            a.action = action;
            if (std::string actor = Member(body, "actor"); !actor.empty()) a.actor = actor;
            a.note = Member(body, "note");
            if (action == ShipmentAction::kFailAttempt) {
              const std::string reason = Member(body, "reason");
              if (reason.empty()) {
                return Missing("reason", "a failed attempt needs a reason (not_home, "
                                         "wrong_address, refused, unreachable_phone, other)");
              }
              auto fr = FailureReasonFromName(reason);
              if (!fr.ok()) return ErrorResponse(fr.status());
              a.reason = *fr;
            }
            if (action == ShipmentAction::kHoldAtPostOffice) {
              a.post_office = Member(body, "post_office");
              if (a.post_office.empty()) {
                return Missing("post_office", "say which post office holds the item");
              }
            }
            if (action == ShipmentAction::kReturnToAgency) {
              a.return_reason = Member(body, "reason");
              if (a.return_reason.empty()) {
                return Missing("reason", "say why the item goes back to the agency");
              }
            }
            auto s = courier->Record(p.at("waybill"), a);
            if (!s.ok()) return CourierErrorResponse(s.status());
            return JsonResponse(200, Courier::ToJson(*s));
          });
  }

  r.Add("POST", "/api/courier/shipments/{waybill}/deliver",
        [courier](const HttpRequest& req, const PathParams& p) {
          CourierActionRequest a;
          a.action = ShipmentAction::kDeliver;
          a.recipient_name = Query(req, "recipient_name");
          a.recipient_relation = Query(req, "relation");
          a.id_suffix = Query(req, "id_suffix");
          a.proof_file_name = Query(req, "name");
          if (std::string actor = Query(req, "actor"); !actor.empty()) a.actor = actor;
          if (std::string fee = Query(req, "fee_collected_vnd"); !fee.empty()) {
            if (fee.size() > 12 || fee.find_first_not_of("0123456789") != std::string::npos) {
              return ErrorResponse(Status::InvalidArgument(
                  "fee_collected_vnd must be a whole number of dong", "fee_collected_vnd"));
            }
            a.fee_collected_vnd = std::stoll(fee);
          }
          if (a.recipient_name.empty()) {
            return Missing("recipient_name", "who took the item? the recipient's name is missing");
          }
          if (a.id_suffix.empty()) {
            return Missing("id_suffix", "the last 4 digits of the recipient's ID are missing");
          }
          if (req.body.empty()) {
            return Missing("proof", "a delivery needs a signature or photo as the request body");
          }
          a.proof = req.body;
          auto s = courier->Record(p.at("waybill"), a);
          if (!s.ok()) return CourierErrorResponse(s.status());
          return JsonResponse(200, Courier::ToJson(*s));
        });
}

}  // namespace hoso::node
