#include "sync/chunk_auth.h"

#include <vector>

#include "schema/events.h"

namespace hoso::sync {

std::string ChunkUploadMessage(std::string_view node_id, std::string_view chunk_hash_hex) {
  std::string m = "hoso-chunk/1\n";
  m.append(node_id);
  m.push_back('\n');
  m.append(chunk_hash_hex);
  return m;
}

std::string ChunkQueryMessage(std::string_view node_id, std::string_view body) {
  std::string m = "hoso-chunk-query/1\n";
  m.append(node_id);
  m.push_back('\n');
  m.append(HexEncode(Blake2b256(body)));
  return m;
}

std::string SignNodeAuthorization(std::string_view node_id, const SigningKey& key,
                                  std::string_view message) {
  std::string v = kNodeAuthScheme;
  v.push_back(' ');
  v.append(node_id);
  v.push_back(' ');
  v.append(key.key_id());
  v.push_back(' ');
  v.append(HexEncode(key.Sign(message)));
  return v;
}

Result<NodeAuthorization> ParseNodeAuthorization(std::string_view header_value) {
  const std::string usage = std::string("expected \"") + kNodeAuthHeader + ": " + kNodeAuthScheme +
                            " <node_id> <key_id> <signature hex>\"";
  if (header_value.empty()) {
    return Status::InvalidArgument("the request is not signed: " + usage, kNodeAuthHeader);
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= header_value.size()) {
    const size_t sp = header_value.find(' ', start);
    const size_t end = sp == std::string_view::npos ? header_value.size() : sp;
    parts.push_back(header_value.substr(start, end - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  if (parts.size() != 4 || parts[0] != kNodeAuthScheme) {
    return Status::InvalidArgument("malformed authorization: " + usage, kNodeAuthHeader);
  }
  NodeAuthorization a;
  a.node_id = std::string(parts[1]);
  a.key_id = std::string(parts[2]);
  if (a.node_id.empty() || a.key_id.size() != kKeyIdHexChars) {
    return Status::InvalidArgument("malformed authorization: " + usage, kNodeAuthHeader);
  }
  auto sig = HexDecode(parts[3]);
  if (!sig.ok() || sig->size() != kSignatureBytes) {
    return Status::InvalidArgument(
        "malformed authorization: the signature must be 128 hex characters", kNodeAuthHeader);
  }
  a.signature = std::move(*sig);
  return a;
}

}  // namespace hoso::sync
