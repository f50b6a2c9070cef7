// Signed files: the framing every sync file shares (sync/FORMAT.md).
//
//   file = magic(8) header-len(u32 BE) header body-len(u64 BE) body signature(64)
//
// The header is a canonical JSON object (CanonicalJsonValue) with "format":1;
// the signature is Ed25519 over every byte before it. This layer checks the
// framing and the signature only; what the header members and the body mean
// is sync/batch.h's business.
//
// Thread-safety: pure functions and values.
#ifndef HOSO_SYNC_SIGNED_FILE_H_
#define HOSO_SYNC_SIGNED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/json_util.h"
#include "schema/status.h"
#include "sync/keys.h"

namespace hoso::sync {

// The wire format number this build reads and writes.
constexpr int64_t kFormatVersion = 1;
constexpr size_t kMagicBytes = 8;
constexpr size_t kMaxHeaderBytes = 65536;
// Default cap on the (compressed, possibly sealed) body a reader accepts.
constexpr size_t kDefaultMaxBodyBytes = size_t{64} << 20;

enum class FileKind {
  kBatch,         // "HOSOBAT1", node -> central
  kDownSync,      // "HOSODWN1", central -> node (acknowledgement + what flows back)
  kEnrolRequest,  // "HOSOENQ1", node -> central
  kEnrolAnswer,   // "HOSOENA1", central -> node
  kChunk,         // "HOSOCHK1", node -> central: one attachment chunk (sync/chunk_file.h)
};

// The 8 ASCII magic bytes of `kind` (no terminator needed; the literal has one).
const char* MagicOf(FileKind kind);
// "batch", "downsync", "enrol_request", "enrol_answer", "chunk": the header "kind".
const char* KindName(FileKind kind);

struct SignedFile {
  FileKind kind = FileKind::kBatch;
  json::object header;       // parsed header
  std::string header_bytes;  // the header exactly as framed (canonical JSON)
  std::string body;          // body bytes as framed (still sealed / compressed)
  std::string signature;     // 64 bytes
  std::string signed_part;   // magic .. body: what the signature covers
};

// Frames and signs. `header` must contain "format" and "kind" matching
// `kind`; it is written in canonical form. kInvalidArgument when the header
// is missing them, or its canonical form exceeds kMaxHeaderBytes.
Result<std::string> EncodeSignedFile(FileKind kind, const json::object& header,
                                     std::string_view body, const SigningKey& key);

// Checks the framing only (the signature is NOT verified here):
//   - unknown magic -> kInvalidArgument "unknown file magic"
//   - truncated or lengths inconsistent -> kCorruption "truncated ..."
//   - bytes after the signature -> kCorruption "trailing bytes ..."
//   - body longer than max_body_bytes -> kResourceExhausted "body ... exceeds"
//   - header not a canonical JSON object -> kCorruption "header ..."
//   - "format" != 1 -> kInvalidArgument "unsupported format N"
//   - "kind" not the one the magic says -> kInvalidArgument
Result<SignedFile> DecodeSignedFile(std::string_view bytes,
                                    size_t max_body_bytes = kDefaultMaxBodyBytes);

// Verifies file.signature over file.signed_part. kCorruption "bad signature"
// (callers answer 422 bad_signature) when it does not verify.
Status VerifySignature(const SignedFile& file, std::string_view public_key);

// True for the Status VerifySignature (and the decoders that call it) return
// on a signature that does not verify: kCorruption whose message starts with
// "bad signature".
bool IsBadSignature(const Status& status);

// Lower-case hex BLAKE2b-256 of the whole file: the batch hash used in
// down-sync "in_reply_to".
std::string FileHash(std::string_view bytes);

}  // namespace hoso::sync

#endif  // HOSO_SYNC_SIGNED_FILE_H_
