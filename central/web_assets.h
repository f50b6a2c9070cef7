// The officers' web pages (central/web/*), compiled into the binary by
// node/embed_web.cmake so the central serves them with no external assets.
//
// Thread-safety: immutable; safe to share.
#ifndef HOSO_CENTRAL_WEB_ASSETS_H_
#define HOSO_CENTRAL_WEB_ASSETS_H_

#include <string_view>
#include <vector>

namespace hoso::central {

struct WebAsset {
  std::string_view path;          // "/officer.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<WebAsset>& WebAssets();

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_WEB_ASSETS_H_
