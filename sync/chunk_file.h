// Chunk files: one attachment chunk as a signed file (magic "HOSOCHK1"), so
// that scanned documents travel on a USB stick like batches do
// (sync/FORMAT.md "Chunk file"). The body is the chunk's bytes, sealed to
// the central's key when the header says so (always, for files on a stick:
// scans hold personal data); never compressed (scans are compressed
// already). The header names the chunk by its BLAKE2b-256, which a reader
// checks after verifying the signature and unsealing.
//
// Thread-safety: pure functions and values.
#ifndef HOSO_SYNC_CHUNK_FILE_H_
#define HOSO_SYNC_CHUNK_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/json_util.h"
#include "schema/status.h"
#include "schema/time.h"
#include "sync/batch.h"
#include "sync/keys.h"

namespace hoso::sync {

// The largest chunk (schema/attachment.h kMaxChunkBytes) plus the seal.
inline constexpr size_t kMaxChunkFileBodyBytes = (size_t{4} << 20) + kSealOverheadBytes;

struct ChunkFileHeader {
  std::string central_id;
  std::string node_id;
  std::string key_id;      // of the node key that signed
  std::string chunk_hash;  // hex BLAKE2b-256 of the chunk (the plain body)
  int64_t size_bytes = 0;  // of the chunk
  bool sealed = false;
  UnixMs created_at_ms = 0;  // node clock, not trusted

  // Includes "format":1 and "kind":"chunk".
  json::object ToJson() const;
  // Type and shape checks of every member.
  static Result<ChunkFileHeader> FromJson(const json::object& o);
};

// Signs `chunk` (1..4 MiB) as a chunk file of `node_id` for `central_id`,
// sealed to `seal_to_public_key` when given.
Result<std::string> EncodeChunkFile(const std::string& central_id, const std::string& node_id,
                                    std::string_view chunk, const SigningKey& key,
                                    const std::optional<std::string>& seal_to_public_key,
                                    UnixMs now);

// The header WITHOUT verifying anything but the framing: for routing.
Result<ChunkFileHeader> PeekChunkHeader(std::string_view file);

struct OpenedChunk {
  ChunkFileHeader header;
  std::string bytes;
};

// Framing, the signer's key from the unverified header (KeyLookup's error
// returned as is), the signature, unsealing with `unseal_key` (REQUIRED
// when sealed), then size and hash: kCorruption "chunk hash mismatch: ..."
// when the bytes are not the chunk the header names.
Result<OpenedChunk> DecodeChunkFile(std::string_view file, const KeyLookup& key_lookup,
                                    const SigningKey* unseal_key);

// True for DecodeChunkFile's hash mismatch.
bool IsChunkHashMismatch(const Status& status);

}  // namespace hoso::sync

#endif  // HOSO_SYNC_CHUNK_FILE_H_
