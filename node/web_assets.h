// The desk web UI's files (node/web/*), compiled into the binary by
// embed_web.cmake so the node serves them with no external assets.
//
// Thread-safety: immutable; safe to share.
#ifndef HOSO_NODE_WEB_ASSETS_H_
#define HOSO_NODE_WEB_ASSETS_H_

#include <string_view>
#include <vector>

namespace hoso::node {

struct WebAsset {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

const std::vector<WebAsset>& WebAssets();

}  // namespace hoso::node

#endif  // HOSO_NODE_WEB_ASSETS_H_
