// The collections routes of the desk API (docs/API.md "Collections"):
// online dossiers whose result this desk hands over (node/collections.h).
#include <optional>
#include <string>

#include "node/api.h"
#include "node/collections.h"
#include "schema/json_util.h"

namespace hoso::node {

HttpResponse CollectionErrorResponse(const Status& s) {
  if (s.IsNotFound()) return ErrorResponse(404, "unknown_collection", s.message(), "code");
  if (s.IsConflict()) return ErrorResponse(409, "invalid_transition", s.message(), "status");
  if (s.IsInvalidArgument()) return ErrorResponse(400, "invalid_argument", s.message(), s.field());
  return ErrorResponse(s);
}

void DeskApi::AddCollectionRoutes() {
  Router& r = router_;
  Collections* collections = collections_.get();

  r.Add("GET", "/api/collections", [collections](const HttpRequest& req, const PathParams&) {
    std::optional<int> status;
    auto it = req.query.find("status");
    if (it != req.query.end() && !it->second.empty()) {
      const std::string& v = it->second;
      if (v.size() > 2 || v.find_first_not_of("0123456789") != std::string::npos) {
        return ErrorResponse(400, "invalid_argument", "status must be 1..10", "status");
      }
      status = std::stoi(v);
    }
    auto list = collections->List(status);
    if (!list.ok()) return CollectionErrorResponse(list.status());
    json::array a;
    for (const Collection& c : *list) a.push_back(Collections::ToJson(c));
    return JsonResponse(200, json::object{{"count", a.size()}, {"collections", std::move(a)}});
  });
  r.Add("GET", "/api/collections/{code}", [collections](const HttpRequest&, const PathParams& p) {
    auto c = collections->Get(p.at("code"));
    if (!c.ok()) return CollectionErrorResponse(c.status());
    return JsonResponse(200, Collections::ToJson(*c));
  });
  r.Add("POST", "/api/collections/{code}/return",
        [collections](const HttpRequest& req, const PathParams& p) {
          if (req.body.empty()) {
            return ErrorResponse(400, "bad_request", "request body is empty; expected JSON");
          }
          auto body = ParseJsonObject(req.body);
          if (!body.ok()) return ErrorResponse(400, "bad_request", body.status().message());
          auto ret = Collections::ParseReturn(*body);
          if (!ret.ok()) return CollectionErrorResponse(ret.status());
          auto c = collections->Return(p.at("code"), *ret);
          if (!c.ok()) return CollectionErrorResponse(c.status());
          return JsonResponse(200, Collections::ToJson(*c));
        });
}

}  // namespace hoso::node
