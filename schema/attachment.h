// Attachments: scanned documents of a dossier, as node and central both see
// them (docs/EVENTS.md "attachment_added", sync/FORMAT.md "Attachment chunks").
//
// A file is named by the lower-case hex BLAKE2b-256 of its bytes and cut into
// fixed-size chunks (the last one shorter), each named the same way. The
// manifest — whole-file hash, size, media type, chunk size and the ordered
// chunk hashes — travels inside an attachment_added event, so the node's
// signed, hash-chained batch covers every hash; the chunk bytes travel later,
// after the events, and are accepted only when they hash to a name the
// manifest lists.
//
// Chunk size: 256 KiB. An interrupted upload loses at most one chunk; one
// chunk crosses a 128 kbit/s link in about 16 s, inside the HTTP client's
// timeouts; the manifest of the largest file (25 MiB, 100 chunks) stays under
// 7 KB of event payload; a node keeps one upload-state row per chunk.
//
// Thread-safety: pure functions and values; a Blake2bStream belongs to one
// thread at a time.
#ifndef HOSO_SCHEMA_ATTACHMENT_H_
#define HOSO_SCHEMA_ATTACHMENT_H_

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/json_util.h"
#include "schema/status.h"

namespace hoso {

// The chunk size nodes cut files into.
inline constexpr int64_t kAttachmentChunkBytes = int64_t{256} << 10;
// The largest file a node accepts.
inline constexpr int64_t kMaxAttachmentBytes = int64_t{25} << 20;
// The chunk sizes a manifest may declare: powers of two in this range, so a
// later build may choose another size without a new event version.
inline constexpr int64_t kMinChunkBytes = int64_t{64} << 10;
inline constexpr int64_t kMaxChunkBytes = int64_t{4} << 20;

// The media types accepted, recognised by their first bytes ("magic"), never
// by a file name or a declared type: PDF "%PDF-", JPEG FF D8 FF, PNG
// 89 50 4E 47 0D 0A 1A 0A.
inline constexpr char kMediaTypes[] = "application/pdf|image/jpeg|image/png";

// The media type of `bytes` by their magic. kInvalidArgument (field "file")
// "unsupported content: ..." naming the first bytes seen otherwise.
Result<std::string> SniffMediaType(std::string_view bytes);

// Lower-case hex BLAKE2b-256 (unkeyed crypto_generichash) of `bytes`.
std::string Blake2bHex(std::string_view bytes);
// True for 64 lower-case hex characters.
bool IsHashHex(std::string_view s);

// BLAKE2b-256 over data given in pieces (chunk files read one at a time).
class Blake2bStream {
 public:
  Blake2bStream();
  void Update(std::string_view bytes);
  // Lower-case hex of the digest. REQUIRES: called once.
  std::string FinalHex();

 private:
  crypto_generichash_state state_;
};

struct AttachmentManifest {
  std::string hash;        // hex BLAKE2b-256 of the whole file
  int64_t size_bytes = 0;  // >= 1
  std::string media_type;  // one of kMediaTypes
  int64_t chunk_size = kAttachmentChunkBytes;
  std::vector<std::string> chunk_hashes;  // in file order

  int64_t chunk_count() const { return static_cast<int64_t>(chunk_hashes.size()); }
  // Byte offset and length of chunk `index`. REQUIRES: 0 <= index < chunk_count().
  int64_t ChunkOffset(int64_t index) const { return index * chunk_size; }
  int64_t ChunkLength(int64_t index) const;
};

// The manifest of `bytes` cut into `chunk_size` chunks.
// REQUIRES: bytes non-empty; chunk_size >= 1.
AttachmentManifest MakeManifest(std::string_view bytes, std::string media_type,
                                int64_t chunk_size = kAttachmentChunkBytes);

// Consistency of a manifest: hashes well formed, size 1..kMaxAttachmentBytes,
// chunk size a power of two in [kMinChunkBytes, kMaxChunkBytes], exactly
// ceil(size / chunk_size) chunks, a known media type. kInvalidArgument with
// field "payload.<member>" (the event payload's names) otherwise.
Status CheckManifest(const AttachmentManifest& m);

// The manifest in an attachment_added payload (docs/EVENTS.md), checked with
// CheckManifest; and the payload members that carry it.
Result<AttachmentManifest> ManifestFromPayload(const json::object& payload);
void ManifestToPayload(const AttachmentManifest& m, json::object& payload);

// A file name as given by a person or a browser: the part after the last '/'
// or '\', trimmed. kInvalidArgument (field "name") when empty, over 255 bytes,
// not UTF-8 or holding control characters.
Result<std::string> CleanFileName(std::string_view name);

}  // namespace hoso

#endif  // HOSO_SCHEMA_ATTACHMENT_H_
