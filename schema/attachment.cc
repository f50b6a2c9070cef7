#include "schema/attachment.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "schema/events.h"

namespace hoso {

namespace {

constexpr size_t kHashBytes = 32;
constexpr size_t kMaxFileNameBytes = 255;

struct Magic {
  std::string_view prefix;
  const char* media_type;
};

constexpr Magic kMagics[] = {
    {std::string_view("%PDF-", 5), "application/pdf"},
    {std::string_view("\xFF\xD8\xFF", 3), "image/jpeg"},
    {std::string_view("\x89PNG\r\n\x1A\n", 8), "image/png"},
};

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("hoso: libsodium failed to initialise\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

bool IsPowerOfTwo(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

std::string Payload(const char* member) { return std::string("payload.") + member; }

}  // namespace

Result<std::string> SniffMediaType(std::string_view bytes) {
  for (const Magic& m : kMagics) {
    if (bytes.substr(0, m.prefix.size()) == m.prefix) return std::string(m.media_type);
  }
  std::string seen = HexEncode(bytes.substr(0, 8));
  for (size_t i = 2; i < seen.size(); i += 3) seen.insert(i, " ");
  return Status::InvalidArgument(
      "unsupported content: only PDF, JPEG and PNG scans are accepted, recognised by their "
      "first bytes; this file starts with " +
          (seen.empty() ? std::string("nothing (it is empty)") : seen),
      "file");
}

std::string Blake2bHex(std::string_view bytes) {
  Blake2bStream h;
  h.Update(bytes);
  return h.FinalHex();
}

bool IsHashHex(std::string_view s) {
  if (s.size() != 2 * kHashBytes) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Blake2bStream::Blake2bStream() {
  EnsureSodium();
  crypto_generichash_init(&state_, nullptr, 0, kHashBytes);
}

void Blake2bStream::Update(std::string_view bytes) {
  crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(bytes.data()),
                            bytes.size());
}

std::string Blake2bStream::FinalHex() {
  std::string out(kHashBytes, '\0');
  crypto_generichash_final(&state_, reinterpret_cast<unsigned char*>(out.data()), out.size());
  return HexEncode(out);
}

int64_t AttachmentManifest::ChunkLength(int64_t index) const {
  const int64_t rest = size_bytes - ChunkOffset(index);
  return rest < chunk_size ? rest : chunk_size;
}

AttachmentManifest MakeManifest(std::string_view bytes, std::string media_type,
                                int64_t chunk_size) {
  AttachmentManifest m;
  m.hash = Blake2bHex(bytes);
  m.size_bytes = static_cast<int64_t>(bytes.size());
  m.media_type = std::move(media_type);
  m.chunk_size = chunk_size;
  for (size_t off = 0; off < bytes.size(); off += static_cast<size_t>(chunk_size)) {
    m.chunk_hashes.push_back(Blake2bHex(bytes.substr(off, static_cast<size_t>(chunk_size))));
  }
  return m;
}

Status CheckManifest(const AttachmentManifest& m) {
  if (!IsHashHex(m.hash)) {
    return Status::InvalidArgument(
        "'payload.attachment_hash' must be 64 lower-case hex characters (BLAKE2b-256)",
        Payload("attachment_hash"));
  }
  if (m.size_bytes < 1 || m.size_bytes > kMaxAttachmentBytes) {
    return Status::InvalidArgument(
        "'payload.size_bytes' must be 1.." + std::to_string(kMaxAttachmentBytes),
        Payload("size_bytes"));
  }
  if (m.media_type != "application/pdf" && m.media_type != "image/jpeg" &&
      m.media_type != "image/png") {
    return Status::InvalidArgument(
        "'payload.media_type' must be one of " + std::string(kMediaTypes), Payload("media_type"));
  }
  if (!IsPowerOfTwo(m.chunk_size) || m.chunk_size < kMinChunkBytes ||
      m.chunk_size > kMaxChunkBytes) {
    return Status::InvalidArgument("'payload.chunk_size' must be a power of two from " +
                                       std::to_string(kMinChunkBytes) + " to " +
                                       std::to_string(kMaxChunkBytes),
                                   Payload("chunk_size"));
  }
  const int64_t want = (m.size_bytes + m.chunk_size - 1) / m.chunk_size;
  if (m.chunk_count() != want) {
    return Status::InvalidArgument(
        "'payload.chunk_hashes' lists " + std::to_string(m.chunk_count()) + " chunks; " +
            std::to_string(m.size_bytes) + " bytes in chunks of " + std::to_string(m.chunk_size) +
            " make " + std::to_string(want),
        Payload("chunk_hashes"));
  }
  for (size_t i = 0; i < m.chunk_hashes.size(); ++i) {
    if (!IsHashHex(m.chunk_hashes[i])) {
      const std::string f = Payload("chunk_hashes") + "[" + std::to_string(i) + "]";
      return Status::InvalidArgument("'" + f + "' must be 64 lower-case hex characters", f);
    }
  }
  return Status::OK();
}

Result<AttachmentManifest> ManifestFromPayload(const json::object& payload) {
  AttachmentManifest m;
  HOSO_ASSIGN_OR_RETURN(m.hash, GetString(payload, "attachment_hash", "payload"));
  HOSO_ASSIGN_OR_RETURN(m.size_bytes, GetInt(payload, "size_bytes", "payload"));
  HOSO_ASSIGN_OR_RETURN(m.media_type, GetString(payload, "media_type", "payload"));
  HOSO_ASSIGN_OR_RETURN(m.chunk_size, GetInt(payload, "chunk_size", "payload"));
  HOSO_ASSIGN_OR_RETURN(const json::array* chunks, GetArray(payload, "chunk_hashes", "payload"));
  for (size_t i = 0; i < chunks->size(); ++i) {
    const json::value& v = (*chunks)[i];
    if (!v.is_string()) {
      const std::string f = Payload("chunk_hashes") + "[" + std::to_string(i) + "]";
      return Status::InvalidArgument("'" + f + "' must be a string", f);
    }
    m.chunk_hashes.emplace_back(v.get_string());
  }
  HOSO_RETURN_IF_ERROR(CheckManifest(m));
  return m;
}

void ManifestToPayload(const AttachmentManifest& m, json::object& payload) {
  payload["attachment_hash"] = m.hash;
  payload["size_bytes"] = m.size_bytes;
  payload["media_type"] = m.media_type;
  payload["chunk_size"] = m.chunk_size;
  json::array chunks;
  for (const std::string& h : m.chunk_hashes) chunks.push_back(json::value(h));
  payload["chunk_hashes"] = std::move(chunks);
}

Result<std::string> CleanFileName(std::string_view name) {
  const size_t sep = name.find_last_of("/\\");
  if (sep != std::string_view::npos) name.remove_prefix(sep + 1);
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  if (name.empty() || name == "." || name == "..") {
    return Status::InvalidArgument("the file name is empty", "name");
  }
  if (name.size() > kMaxFileNameBytes) {
    return Status::InvalidArgument("the file name is longer than 255 bytes", "name");
  }
  if (!IsValidUtf8(name)) return Status::InvalidArgument("the file name is not UTF-8", "name");
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument("the file name holds a control character", "name");
    }
  }
  return std::string(name);
}

}  // namespace hoso
