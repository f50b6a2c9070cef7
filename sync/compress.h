// zstd compression for sync bodies: RAII contexts, one-shot compression with
// an optional dictionary, capped streaming decompression, and dictionary
// training (ZDICT).
//
// Decompression never trusts a size it was told: it streams with
// ZSTD_decompressStream and stops as soon as the output would pass the
// expected size, so a bomb costs at most `expected_size` bytes of memory.
//
// Thread-safety: the free functions are thread-safe (each call owns its
// contexts). A ZstdCompressor / ZstdDecompressor belongs to one thread at a time.
#ifndef HOSO_SYNC_COMPRESS_H_
#define HOSO_SYNC_COMPRESS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "schema/status.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace hoso::sync {

constexpr int kDefaultZstdLevel = 3;

// What zstd is told beyond the level; 0 keeps the level's own value.
struct ZstdParams {
  int level = kDefaultZstdLevel;
  int min_match = 0;  // ZSTD_c_minMatch, 3..7
  int hash_log = 0;   // ZSTD_c_hashLog
};

// How sync bodies are compressed unless told otherwise (sync/batch.h
// EncodeOptions). Event lines carry much random hex (hashes, event ids,
// lookup-secret hashes); the fast strategy with matches of at least 7 bytes
// skips the short chance matches inside hex that cost more than the literals
// they replace, and comes out both smaller and about twice as fast as level 3
// on such lines (docs/PERFORMANCE.md, "End-to-end sync").
inline constexpr ZstdParams kSyncZstd{1, 7, 17};

// Owns a ZSTD_CCtx; reusable across calls.
class ZstdCompressor {
 public:
  ZstdCompressor();
  // Compresses `input` as one zstd frame (content size recorded), with
  // `dictionary` (raw bytes, may be empty) at `level`. kInvalidArgument for a
  // bad level or dictionary, kInternal on other zstd errors.
  Result<std::string> Compress(std::string_view input, int level, std::string_view dictionary);
  // The same with parameters beyond the level; kInvalidArgument for any out
  // of zstd's range.
  Result<std::string> Compress(std::string_view input, const ZstdParams& params,
                               std::string_view dictionary);

 private:
  struct Free {
    void operator()(ZSTD_CCtx_s* c) const;
  };
  std::unique_ptr<ZSTD_CCtx_s, Free> ctx_;
};

// Owns a ZSTD_DCtx; reusable across calls.
class ZstdDecompressor {
 public:
  ZstdDecompressor();
  // Decompresses exactly one zstd frame that must yield exactly
  // `expected_size` bytes. kResourceExhausted "decompressed size exceeds the
  // limit" when expected_size > max_bytes, or when the output would be longer
  // or shorter than expected_size; kCorruption for damaged data, trailing
  // bytes after the frame, or a dictionary mismatch.
  Result<std::string> Decompress(std::string_view compressed, size_t expected_size,
                                 size_t max_bytes, std::string_view dictionary);

 private:
  struct Free {
    void operator()(ZSTD_DCtx_s* d) const;
  };
  std::unique_ptr<ZSTD_DCtx_s, Free> ctx_;
};

// One-shot calls, each with a fresh context.
Result<std::string> Compress(std::string_view input, int level = kDefaultZstdLevel,
                             std::string_view dictionary = {});
Result<std::string> Compress(std::string_view input, const ZstdParams& params,
                             std::string_view dictionary = {});
Result<std::string> Decompress(std::string_view compressed, size_t expected_size, size_t max_bytes,
                               std::string_view dictionary = {});

// Trains a zstd dictionary of at most `dict_bytes` from `samples` (typical
// event lines or bodies). kInvalidArgument when there are too few or too
// small samples for ZDICT to learn from, or dict_bytes < 256.
Result<std::string> TrainDictionary(const std::vector<std::string>& samples, size_t dict_bytes);

// How many decompressions have been started in this process (every call of
// ZstdDecompressor::Decompress that got past the size checks). For metrics,
// and for tests that prove a refused file was never decompressed.
uint64_t DecompressionsStarted();

}  // namespace hoso::sync

#endif  // HOSO_SYNC_COMPRESS_H_
