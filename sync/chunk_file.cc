#include "sync/chunk_file.h"

#include <utility>

#include "schema/events.h"
#include "sync/signed_file.h"

namespace hoso::sync {

namespace {

constexpr char kHashMismatch[] = "chunk hash mismatch";

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> NonEmpty(const json::object& o, const char* key) {
  HOSO_ASSIGN_OR_RETURN(std::string v, GetString(o, key));
  if (v.empty()) return Status::InvalidArgument(std::string(key) + " is empty", key);
  return v;
}

}  // namespace

json::object ChunkFileHeader::ToJson() const {
  return json::object{{"format", kFormatVersion},
                      {"kind", KindName(FileKind::kChunk)},
                      {"central_id", central_id},
                      {"node_id", node_id},
                      {"key_id", key_id},
                      {"chunk_hash", chunk_hash},
                      {"size_bytes", size_bytes},
                      {"sealed", sealed},
                      {"created_at_ms", created_at_ms}};
}

Result<ChunkFileHeader> ChunkFileHeader::FromJson(const json::object& o) {
  ChunkFileHeader h;
  HOSO_ASSIGN_OR_RETURN(h.central_id, NonEmpty(o, "central_id"));
  HOSO_ASSIGN_OR_RETURN(h.node_id, NonEmpty(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(h.key_id, NonEmpty(o, "key_id"));
  HOSO_ASSIGN_OR_RETURN(h.chunk_hash, GetString(o, "chunk_hash"));
  if (!IsLowerHex64(h.chunk_hash)) {
    return Status::InvalidArgument("chunk_hash must be 64 lower-case hex characters", "chunk_hash");
  }
  HOSO_ASSIGN_OR_RETURN(h.size_bytes, GetInt(o, "size_bytes"));
  if (h.size_bytes < 1 || h.size_bytes > static_cast<int64_t>(kMaxChunkFileBodyBytes)) {
    return Status::InvalidArgument("size_bytes is out of range", "size_bytes");
  }
  HOSO_ASSIGN_OR_RETURN(h.sealed, GetBool(o, "sealed"));
  HOSO_ASSIGN_OR_RETURN(h.created_at_ms, GetInt(o, "created_at_ms"));
  return h;
}

Result<std::string> EncodeChunkFile(const std::string& central_id, const std::string& node_id,
                                    std::string_view chunk, const SigningKey& key,
                                    const std::optional<std::string>& seal_to_public_key,
                                    UnixMs now) {
  if (chunk.empty() || chunk.size() + kSealOverheadBytes > kMaxChunkFileBodyBytes) {
    return Status::InvalidArgument("a chunk must hold 1.." +
                                   std::to_string(kMaxChunkFileBodyBytes - kSealOverheadBytes) +
                                   " bytes");
  }
  ChunkFileHeader h;
  h.central_id = central_id;
  h.node_id = node_id;
  h.key_id = key.key_id();
  h.chunk_hash = HexEncode(Blake2b256(chunk));
  h.size_bytes = static_cast<int64_t>(chunk.size());
  h.sealed = seal_to_public_key.has_value();
  h.created_at_ms = now;
  std::string body(chunk);
  if (seal_to_public_key) {
    HOSO_ASSIGN_OR_RETURN(body, Seal(chunk, *seal_to_public_key));
  }
  return EncodeSignedFile(FileKind::kChunk, h.ToJson(), body, key);
}

Result<ChunkFileHeader> PeekChunkHeader(std::string_view file) {
  HOSO_ASSIGN_OR_RETURN(SignedFile f, DecodeSignedFile(file, kMaxChunkFileBodyBytes));
  if (f.kind != FileKind::kChunk) {
    return Status::InvalidArgument(std::string("this is a ") + KindName(f.kind) +
                                   " file, not a chunk file");
  }
  return ChunkFileHeader::FromJson(f.header);
}

Result<OpenedChunk> DecodeChunkFile(std::string_view file, const KeyLookup& key_lookup,
                                    const SigningKey* unseal_key) {
  HOSO_ASSIGN_OR_RETURN(SignedFile f, DecodeSignedFile(file, kMaxChunkFileBodyBytes));
  if (f.kind != FileKind::kChunk) {
    return Status::InvalidArgument(std::string("this is a ") + KindName(f.kind) +
                                   " file, not a chunk file");
  }
  OpenedChunk out;
  HOSO_ASSIGN_OR_RETURN(out.header, ChunkFileHeader::FromJson(f.header));
  HOSO_ASSIGN_OR_RETURN(std::string public_key, key_lookup(out.header.node_id, out.header.key_id));
  HOSO_RETURN_IF_ERROR(VerifySignature(f, public_key));
  if (out.header.sealed) {
    if (unseal_key == nullptr) {
      return Status::InvalidArgument("the chunk is sealed and no key to open it was given");
    }
    HOSO_ASSIGN_OR_RETURN(out.bytes, unseal_key->OpenSealed(f.body));
  } else {
    out.bytes = std::move(f.body);
  }
  const std::string actual = HexEncode(Blake2b256(out.bytes));
  if (static_cast<int64_t>(out.bytes.size()) != out.header.size_bytes ||
      actual != out.header.chunk_hash) {
    return Status::Corruption(std::string(kHashMismatch) + ": the " +
                              std::to_string(out.bytes.size()) + " bytes hash to " + actual +
                              ", not to " + out.header.chunk_hash);
  }
  return out;
}

bool IsChunkHashMismatch(const Status& status) {
  return status.code() == Status::Code::kCorruption &&
         status.message().rfind(kHashMismatch, 0) == 0;
}

}  // namespace hoso::sync
