#include "sync/signed_file.h"

#include <array>
#include <cstring>

#include "schema/events.h"

namespace hoso::sync {
namespace {

constexpr std::array<FileKind, 5> kAllKinds = {FileKind::kBatch, FileKind::kDownSync,
                                               FileKind::kEnrolRequest, FileKind::kEnrolAnswer,
                                               FileKind::kChunk};
constexpr size_t kHeaderLenBytes = 4;
constexpr size_t kBodyLenBytes = 8;

void PutBigEndian(std::string& out, uint64_t v, size_t bytes) {
  for (size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetBigEndian(std::string_view in, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

Status CheckFormatAndKind(const json::object& header, FileKind kind) {
  const json::value* format = header.if_contains("format");
  if (format == nullptr) return Status::InvalidArgument("header has no \"format\"", "format");
  auto f = GetInt(header, "format");
  if (!f.ok()) return Status::InvalidArgument("header \"format\" is not an integer", "format");
  if (*f != kFormatVersion) {
    return Status::InvalidArgument("unsupported format " + std::to_string(*f), "format");
  }
  auto k = GetString(header, "kind");
  if (!k.ok()) return Status::InvalidArgument("header has no string \"kind\"", "kind");
  if (*k != KindName(kind)) {
    return Status::InvalidArgument("header kind \"" + *k + "\" does not match the magic " +
                                       std::string(MagicOf(kind), kMagicBytes),
                                   "kind");
  }
  return Status::OK();
}

}  // namespace

const char* MagicOf(FileKind kind) {
  switch (kind) {
    case FileKind::kBatch:
      return "HOSOBAT1";
    case FileKind::kDownSync:
      return "HOSODWN1";
    case FileKind::kEnrolRequest:
      return "HOSOENQ1";
    case FileKind::kEnrolAnswer:
      return "HOSOENA1";
    case FileKind::kChunk:
      return "HOSOCHK1";
  }
  return "HOSO????";
}

const char* KindName(FileKind kind) {
  switch (kind) {
    case FileKind::kBatch:
      return "batch";
    case FileKind::kDownSync:
      return "downsync";
    case FileKind::kEnrolRequest:
      return "enrol_request";
    case FileKind::kEnrolAnswer:
      return "enrol_answer";
    case FileKind::kChunk:
      return "chunk";
  }
  return "unknown";
}

Result<std::string> EncodeSignedFile(FileKind kind, const json::object& header,
                                     std::string_view body, const SigningKey& key) {
  HOSO_RETURN_IF_ERROR(CheckFormatAndKind(header, kind));
  const std::string header_bytes = CanonicalJsonValue(json::value(header));
  if (header_bytes.size() > kMaxHeaderBytes) {
    return Status::InvalidArgument("header of " + std::to_string(header_bytes.size()) +
                                   " bytes exceeds " + std::to_string(kMaxHeaderBytes));
  }
  std::string out;
  out.reserve(kMagicBytes + kHeaderLenBytes + header_bytes.size() + kBodyLenBytes + body.size() +
              kSignatureBytes);
  out.append(MagicOf(kind), kMagicBytes);
  PutBigEndian(out, header_bytes.size(), kHeaderLenBytes);
  out.append(header_bytes);
  PutBigEndian(out, body.size(), kBodyLenBytes);
  out.append(body);
  out.append(key.Sign(out));
  return out;
}

Result<SignedFile> DecodeSignedFile(std::string_view bytes, size_t max_body_bytes) {
  if (bytes.size() < kMagicBytes) {
    return Status::Corruption("truncated file: " + std::to_string(bytes.size()) +
                              " bytes is shorter than the magic");
  }
  SignedFile file;
  bool known = false;
  for (FileKind k : kAllKinds) {
    if (std::memcmp(bytes.data(), MagicOf(k), kMagicBytes) == 0) {
      file.kind = k;
      known = true;
    }
  }
  if (!known) return Status::InvalidArgument("unknown file magic (not a Hoso sync file)");

  size_t pos = kMagicBytes;
  if (bytes.size() - pos < kHeaderLenBytes) return Status::Corruption("truncated header length");
  const uint64_t header_len = GetBigEndian(bytes.substr(pos, kHeaderLenBytes), kHeaderLenBytes);
  pos += kHeaderLenBytes;
  if (header_len == 0 || header_len > kMaxHeaderBytes) {
    return Status::Corruption("header length " + std::to_string(header_len) + " is outside 1.." +
                              std::to_string(kMaxHeaderBytes));
  }
  if (bytes.size() - pos < header_len) return Status::Corruption("truncated header");
  file.header_bytes.assign(bytes.substr(pos, header_len));
  pos += header_len;

  if (bytes.size() - pos < kBodyLenBytes) return Status::Corruption("truncated body length");
  const uint64_t body_len = GetBigEndian(bytes.substr(pos, kBodyLenBytes), kBodyLenBytes);
  pos += kBodyLenBytes;
  if (body_len > max_body_bytes) {
    return Status::ResourceExhausted("body of " + std::to_string(body_len) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(max_body_bytes));
  }
  if (bytes.size() - pos < body_len) return Status::Corruption("truncated body");
  file.body.assign(bytes.substr(pos, body_len));
  pos += body_len;

  if (bytes.size() - pos < kSignatureBytes) return Status::Corruption("truncated signature");
  file.signature.assign(bytes.substr(pos, kSignatureBytes));
  pos += kSignatureBytes;
  if (pos != bytes.size()) {
    return Status::Corruption("trailing bytes after the signature (" +
                              std::to_string(bytes.size() - pos) + ")");
  }
  file.signed_part.assign(bytes.substr(0, pos - kSignatureBytes));

  // Only the canonical spelling is accepted, so one header has one encoding
  // and nothing can hide in whitespace or duplicate members.
  auto header = ParseJsonObject(file.header_bytes);
  if (!header.ok()) {
    return Status::Corruption("header is not a JSON object: " + header.status().message());
  }
  if (CanonicalJsonValue(json::value(*header)) != file.header_bytes) {
    return Status::Corruption("header is not in canonical JSON form");
  }
  file.header = std::move(header).value();
  HOSO_RETURN_IF_ERROR(CheckFormatAndKind(file.header, file.kind));
  return file;
}

Status VerifySignature(const SignedFile& file, std::string_view public_key) {
  if (public_key.size() != kPublicKeyBytes) {
    return Status::Corruption("bad signature: the public key is not " +
                              std::to_string(kPublicKeyBytes) + " bytes");
  }
  if (!Verify(public_key, file.signed_part, file.signature)) {
    return Status::Corruption("bad signature: does not verify with key " + KeyIdOf(public_key));
  }
  return Status::OK();
}

bool IsBadSignature(const Status& status) {
  return status.IsCorruption() && status.message().rfind("bad signature", 0) == 0;
}

std::string FileHash(std::string_view bytes) { return HexEncode(Blake2b256(bytes)); }

}  // namespace hoso::sync
