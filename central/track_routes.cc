// The public tracking routes of OfficerApi (the rows GET /track and
// POST /api/track in OfficerApi::Entries()): the page
// (central/web/track.html) and the lookup it calls, answered by the
// Tracker (central/tracking.h).
#include "central/officer_api.h"
#include "central/web_assets.h"

namespace hoso::central {

HttpResponse OfficerApi::TrackPage(const Call&) const {
  for (const WebAsset& a : WebAssets()) {
    if (a.path != "/track.html") continue;
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body = std::string(a.body);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return ErrorResponse(404, "not_found", "the tracking page is not in this build");
}

HttpResponse OfficerApi::Track(const Call& call) const {
  return tracker_->Lookup(call.request.body, call.request.remote_address);
}

}  // namespace hoso::central
