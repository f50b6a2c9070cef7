#include "sync/compress.h"

#include <zdict.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <tuple>

namespace hoso::sync {
namespace {

std::atomic<uint64_t> decompressions_started{0};
constexpr size_t kInitialOutputBytes = size_t{1} << 20;

// Translates a zstd error code into a Status once, here at the edge.
Status ZstdError(size_t rc, std::string_view what) {
  const ZSTD_ErrorCode code = ZSTD_getErrorCode(rc);
  std::string msg = std::string(what) + ": " + ZSTD_getErrorName(rc);
  switch (code) {
    case ZSTD_error_dictionary_wrong:
      return Status::Corruption(msg + " (wrong dictionary)");
    case ZSTD_error_memory_allocation:
      return Status::ResourceExhausted(msg);
    case ZSTD_error_parameter_outOfBound:
    case ZSTD_error_parameter_unsupported:
    case ZSTD_error_dictionary_corrupted:
      return Status::InvalidArgument(msg);
    default:
      return Status::Corruption(msg);
  }
}

Status SizeLimit(std::string detail) {
  return Status::ResourceExhausted("decompressed size exceeds the limit: " + detail);
}

}  // namespace

void ZstdCompressor::Free::operator()(ZSTD_CCtx_s* c) const { ZSTD_freeCCtx(c); }
void ZstdDecompressor::Free::operator()(ZSTD_DCtx_s* d) const { ZSTD_freeDCtx(d); }

ZstdCompressor::ZstdCompressor() : ctx_(ZSTD_createCCtx()) {}
ZstdDecompressor::ZstdDecompressor() : ctx_(ZSTD_createDCtx()) {}

Result<std::string> ZstdCompressor::Compress(std::string_view input, int level,
                                             std::string_view dictionary) {
  return Compress(input, ZstdParams{level, 0, 0}, dictionary);
}

Result<std::string> ZstdCompressor::Compress(std::string_view input, const ZstdParams& params,
                                             std::string_view dictionary) {
  if (ctx_ == nullptr) return Status::ResourceExhausted("cannot allocate a zstd context");
  const int level = params.level;
  if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("zstd level " + std::to_string(level) + " is out of range");
  }
  ZSTD_CCtx_reset(ctx_.get(), ZSTD_reset_session_and_parameters);
  size_t rc = ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, level);
  if (ZSTD_isError(rc)) return ZstdError(rc, "zstd level");
  for (const auto& [param, value, name] :
       {std::tuple{ZSTD_c_minMatch, params.min_match, "min_match"},
        std::tuple{ZSTD_c_hashLog, params.hash_log, "hash_log"}}) {
    if (value == 0) continue;
    const ZSTD_bounds b = ZSTD_cParam_getBounds(param);
    if (value < b.lowerBound || value > b.upperBound) {
      return Status::InvalidArgument(std::string("zstd ") + name + " " + std::to_string(value) +
                                     " is out of range");
    }
    rc = ZSTD_CCtx_setParameter(ctx_.get(), param, value);
    if (ZSTD_isError(rc)) return ZstdError(rc, std::string("zstd ") + name);
  }
  rc = ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1);
  if (ZSTD_isError(rc)) return ZstdError(rc, "zstd checksum");
  rc = ZSTD_CCtx_loadDictionary(ctx_.get(), dictionary.data(), dictionary.size());
  if (ZSTD_isError(rc)) return ZstdError(rc, "zstd dictionary");
  // Left uninitialised: zstd writes a fraction of the bound (the input's
  // size), and pages nobody touches cost no memory.
  const size_t bound = ZSTD_compressBound(input.size());
  std::unique_ptr<char[]> buffer(new char[bound]);
  rc = ZSTD_compress2(ctx_.get(), buffer.get(), bound, input.data(), input.size());
  if (ZSTD_isError(rc)) return ZstdError(rc, "zstd compression");
  return std::string(buffer.get(), rc);
}

Result<std::string> ZstdDecompressor::Decompress(std::string_view compressed, size_t expected_size,
                                                 size_t max_bytes, std::string_view dictionary) {
  if (expected_size > max_bytes) {
    return SizeLimit("the header claims " + std::to_string(expected_size) + " bytes, the cap is " +
                     std::to_string(max_bytes));
  }
  if (ctx_ == nullptr) return Status::ResourceExhausted("cannot allocate a zstd context");
  decompressions_started.fetch_add(1, std::memory_order_relaxed);
  ZSTD_DCtx_reset(ctx_.get(), ZSTD_reset_session_and_parameters);
  size_t rc = ZSTD_DCtx_loadDictionary(ctx_.get(), dictionary.data(), dictionary.size());
  if (ZSTD_isError(rc)) return ZstdError(rc, "zstd dictionary");

  // The buffer grows with the actual output (a header may claim the whole
  // cap for a tiny body) up to one spare byte past the expected size:
  // producing that byte proves the data is longer than claimed without ever
  // holding more than expected_size + 1 bytes.
  const size_t limit = expected_size + 1;
  std::string out(std::min(limit, kInitialOutputBytes), '\0');
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  size_t produced = 0;
  while (true) {
    ZSTD_outBuffer ob{out.data(), out.size(), produced};
    const size_t remaining = ZSTD_decompressStream(ctx_.get(), &ob, &in);
    produced = ob.pos;
    if (ZSTD_isError(remaining)) return ZstdError(remaining, "zstd decompression");
    if (produced > expected_size) {
      return SizeLimit("the data decompresses to more than the " + std::to_string(expected_size) +
                       " bytes claimed");
    }
    if (remaining == 0) break;  // frame complete
    if (produced == out.size()) {
      out.resize(std::min(limit, out.size() * 2));
      continue;
    }
    // Input used up with room left in the output: zstd needs more input
    // than there is, so the frame is cut short.
    if (in.pos == in.size) return Status::Corruption("zstd decompression: truncated frame");
  }
  if (in.pos != in.size) {
    return Status::Corruption("zstd decompression: " + std::to_string(in.size - in.pos) +
                              " bytes after the frame");
  }
  if (produced != expected_size) {
    return SizeLimit("the data decompresses to " + std::to_string(produced) + " bytes, not the " +
                     std::to_string(expected_size) + " claimed");
  }
  out.resize(produced);
  return out;
}

Result<std::string> Compress(std::string_view input, int level, std::string_view dictionary) {
  ZstdCompressor c;
  return c.Compress(input, level, dictionary);
}

Result<std::string> Compress(std::string_view input, const ZstdParams& params,
                             std::string_view dictionary) {
  ZstdCompressor c;
  return c.Compress(input, params, dictionary);
}

Result<std::string> Decompress(std::string_view compressed, size_t expected_size, size_t max_bytes,
                               std::string_view dictionary) {
  ZstdDecompressor d;
  return d.Decompress(compressed, expected_size, max_bytes, dictionary);
}

Result<std::string> TrainDictionary(const std::vector<std::string>& samples, size_t dict_bytes) {
  if (dict_bytes < 256) {
    return Status::InvalidArgument("a dictionary needs at least 256 bytes, asked for " +
                                   std::to_string(dict_bytes));
  }
  if (samples.size() < 8) {
    return Status::InvalidArgument("dictionary training needs at least 8 samples, got " +
                                   std::to_string(samples.size()));
  }
  std::string joined;
  std::vector<size_t> sizes;
  sizes.reserve(samples.size());
  for (const std::string& s : samples) {
    joined.append(s);
    sizes.push_back(s.size());
  }
  std::string dict(dict_bytes, '\0');
  size_t rc = ZDICT_trainFromBuffer(dict.data(), dict.size(), joined.data(), sizes.data(),
                                    static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(rc)) {
    return Status::InvalidArgument(std::string("dictionary training failed: ") +
                                   ZDICT_getErrorName(rc));
  }
  dict.resize(rc);
  return dict;
}

uint64_t DecompressionsStarted() { return decompressions_started.load(std::memory_order_relaxed); }

}  // namespace hoso::sync
