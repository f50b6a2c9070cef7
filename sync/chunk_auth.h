// Chunk authorisation: how a node signs the requests of the attachment chunk
// protocol (sync/FORMAT.md "Attachment chunks"), which carry raw bytes or
// JSON rather than a signed file, so the signature travels in a header:
//
//   Authorization: Hoso-Node <node_id> <key_id> <signature as 128 hex>
//
// The signature is Ed25519, by the node key named, over
//   ChunkUploadMessage = "hoso-chunk/1\n" + node_id + "\n" + chunk_hash
// for PUT /api/sync/chunks/{chunk_hash}, and over
//   ChunkQueryMessage  = "hoso-chunk-query/1\n" + node_id + "\n" + hex(BLAKE2b-256(body))
// for POST /api/sync/attachments/missing. Neither carries a time or a nonce:
// replaying one is harmless, since storing a chunk the central already has
// changes nothing and the query only reads.
//
// Thread-safety: pure functions and values.
#ifndef HOSO_SYNC_CHUNK_AUTH_H_
#define HOSO_SYNC_CHUNK_AUTH_H_

#include <string>
#include <string_view>

#include "schema/status.h"
#include "sync/keys.h"

namespace hoso::sync {

inline constexpr char kNodeAuthHeader[] = "Authorization";
inline constexpr char kNodeAuthScheme[] = "Hoso-Node";

std::string ChunkUploadMessage(std::string_view node_id, std::string_view chunk_hash_hex);
std::string ChunkQueryMessage(std::string_view node_id, std::string_view body);

struct NodeAuthorization {
  std::string node_id;
  std::string key_id;
  std::string signature;  // 64 raw bytes
};

// The header value "Hoso-Node <node_id> <key_id> <hex signature>" for `message`
// signed by `key` on behalf of `node_id`.
std::string SignNodeAuthorization(std::string_view node_id, const SigningKey& key,
                                  std::string_view message);

// Parses a header value. kInvalidArgument naming what is wrong when it is
// empty, of another scheme, or its parts are malformed. The signature is NOT
// verified here (the caller looks the key up first).
Result<NodeAuthorization> ParseNodeAuthorization(std::string_view header_value);

}  // namespace hoso::sync

#endif  // HOSO_SYNC_CHUNK_AUTH_H_
