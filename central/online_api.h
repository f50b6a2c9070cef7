// OnlineApi: the applicants' routes of the online door (docs/API.md "Online
// submission"): the page /submit and the JSON routes under /api/online/,
// all public (no session), each counted against the caller's address
// (OnlineDesk::CountRequest). The officers' reception routes are rows of
// the OfficerApi table (central/reception_api.cc).
//
// Thread-safety: immutable after construction; handlers may run on many
// threads at once.
#ifndef HOSO_CENTRAL_ONLINE_API_H_
#define HOSO_CENTRAL_ONLINE_API_H_

#include <string>

#include "central/online.h"
#include "sync/http.h"

namespace hoso::central {

// The header a completion upload carries the lookup secret in.
inline constexpr char kLookupSecretHeader[] = "X-Hoso-Secret";

// A stored upload served back: the checked type, never sniffed, always as a
// download (Content-Disposition: attachment, X-Content-Type-Options: nosniff).
HttpResponse ServeUpload(const OnlineFile& file);

// A web page of the binary (central/web_assets.h) with the headers every
// page gets (no external assets: a Content-Security-Policy that allows only
// this origin).
HttpResponse ServePage(const std::string& asset_path);

class OnlineApi {
 public:
  static constexpr size_t kMaxJsonBytes = 32 * 1024;

  // REQUIRES: `online` outlives the OnlineApi.
  explicit OnlineApi(OnlineDesk* online) : online_(online) {}

  // The routes, in the order of docs/API.md.
  void AddRoutes(Router* router) const;

 private:
  OnlineDesk* online_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_ONLINE_API_H_
