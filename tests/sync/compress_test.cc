#include "sync/compress.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zstd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace hoso::sync {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// 1 GiB of zeros as one zstd frame, built in 1 MiB steps so the test itself
// never holds the expanded data. Compresses to a few tens of KB.
const std::string& GibibyteOfZerosBomb() {
  static const std::string bomb = [] {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 1);
    const std::string zeros(kMiB, '\0');
    std::string out;
    std::string buf(ZSTD_CStreamOutSize(), '\0');
    for (int i = 0; i < 1024; ++i) {
      ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
      const ZSTD_EndDirective mode = i == 1023 ? ZSTD_e_end : ZSTD_e_continue;
      size_t left = 0;
      do {
        ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
        left = ZSTD_compressStream2(cctx, &ob, &in, mode);
        out.append(buf.data(), ob.pos);
      } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
    }
    ZSTD_freeCCtx(cctx);
    return out;
  }();
  return bomb;
}

long MaxRssKib() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// Event-like JSON lines, similar enough for a dictionary to learn from.
std::vector<std::string> Samples(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(R"({"event":{"device_time_ms":17733000)" + std::to_string(10000 + i * 37) +
                  R"(,"dossier_code":"000.00.17.H29-260312-)" + std::to_string(1000 + i) +
                  R"(","event_id":"5f0c2b1e-7d4a-4c1b-9e2f-)" + std::to_string(100000 + i * 7) +
                  R"(","node_id":"desk-01","payload":{"counter_group":"A","service_date":)"
                  R"("2026-03-12","ticket_number":)" +
                  std::to_string(i) + R"(},"schema_version":1,"seq":)" + std::to_string(i + 1) +
                  R"(,"type":"ticket_issued"}})");
  }
  return out;
}

TEST(CompressTest, RoundTripReturnsTheInput) {
  const std::string input = "Sở Công Thương — hồ sơ\n" + std::string(5000, 'a');
  auto packed = Compress(input);
  ASSERT_TRUE(packed.ok()) << packed.status().ToString();
  EXPECT_LT(packed->size(), input.size());
  auto unpacked = Decompress(*packed, input.size(), input.size());
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  EXPECT_EQ(*unpacked, input);
}

TEST(CompressTest, EmptyInputRoundTrips) {
  auto packed = Compress("");
  ASSERT_TRUE(packed.ok());
  auto unpacked = Decompress(*packed, 0, 100);
  ASSERT_TRUE(unpacked.ok()) << unpacked.status().ToString();
  EXPECT_EQ(*unpacked, "");
}

TEST(CompressTest, ReusedContextsRoundTripManyInputs) {
  ZstdCompressor c;
  ZstdDecompressor d;
  for (int i = 0; i < 20; ++i) {
    const std::string input(static_cast<size_t>(i) * 100, static_cast<char>('a' + i));
    auto packed = c.Compress(input, 3, "");
    ASSERT_TRUE(packed.ok());
    auto unpacked = d.Decompress(*packed, input.size(), kMiB, "");
    ASSERT_TRUE(unpacked.ok()) << i << ": " << unpacked.status().ToString();
    EXPECT_EQ(*unpacked, input);
  }
}

TEST(CompressTest, ClaimedSizeAboveTheCapIsRefusedWithoutDecompressing) {
  const std::string packed = *Compress(std::string(100, 'x'));
  const uint64_t before = DecompressionsStarted();
  auto r = Decompress(packed, 100, 99);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(r.status().message().find("decompressed size exceeds the limit"), std::string::npos);
  EXPECT_EQ(DecompressionsStarted(), before);
}

TEST(CompressTest, OutputLongerThanClaimedIsRefused) {
  const std::string packed = *Compress(std::string(1000, 'x'));
  auto r = Decompress(packed, 999, kMiB);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
}

TEST(CompressTest, OutputShorterThanClaimedIsRefused) {
  const std::string packed = *Compress(std::string(1000, 'x'));
  auto r = Decompress(packed, 1001, kMiB);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
}

TEST(CompressTest, GibibyteBombIsRefusedUnderTheCapWithBoundedMemory) {
  const std::string& bomb = GibibyteOfZerosBomb();
  EXPECT_LT(bomb.size(), 256 * 1024u);
  const long rss_before = MaxRssKib();
  // The header lies small: stops one byte past the claim.
  auto small = Decompress(bomb, 4 * kMiB, 256 * kMiB);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), Status::Code::kResourceExhausted);
  // The header claims the truth (1 GiB): over the cap, refused up front.
  auto huge = Decompress(bomb, 1024 * kMiB, 256 * kMiB);
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), Status::Code::kResourceExhausted);
  // The header claims exactly the cap: decompresses up to the cap, no further.
  auto at_cap = Decompress(bomb, 16 * kMiB, 16 * kMiB);
  ASSERT_FALSE(at_cap.ok());
  EXPECT_EQ(at_cap.status().code(), Status::Code::kResourceExhausted);
  EXPECT_LT(MaxRssKib() - rss_before, 128 * 1024) << "peak memory grew by more than 128 MiB";
}

TEST(CompressTest, TruncatedFrameIsCorruption) {
  const std::string input = Samples(50)[7] + Samples(50)[9];
  const std::string packed = *Compress(input);
  for (size_t len = 0; len < packed.size(); ++len) {
    auto r = Decompress(packed.substr(0, len), input.size(), kMiB);
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_TRUE(r.status().IsCorruption()) << len << ": " << r.status().ToString();
  }
}

TEST(CompressTest, BytesAfterTheFrameAreCorruption) {
  const std::string packed = *Compress("hello hello hello");
  auto r = Decompress(packed + packed, 17, kMiB);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
}

TEST(CompressTest, GarbageIsCorruptionNotACrash) {
  auto r = Decompress("this is not zstd at all", 10, kMiB);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption());
}

TEST(CompressTest, TrainedDictionaryRoundTripsAndShrinksSmallBodies) {
  auto dict = TrainDictionary(Samples(400), 4096);
  ASSERT_TRUE(dict.ok()) << dict.status().ToString();
  EXPECT_LE(dict->size(), 4096u);
  const std::string line = Samples(401)[400];
  auto with = Compress(line, 3, *dict);
  auto without = Compress(line, 3);
  ASSERT_TRUE(with.ok());
  ASSERT_TRUE(without.ok());
  EXPECT_LT(with->size(), without->size());
  auto back = Decompress(*with, line.size(), kMiB, *dict);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, line);
}

TEST(CompressTest, DecompressingWithoutTheDictionaryIsCorruption) {
  const std::string dict = *TrainDictionary(Samples(400), 4096);
  const std::string line = Samples(1)[0];
  const std::string packed = *Compress(line, 3, dict);
  auto r = Decompress(packed, line.size(), kMiB);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
}

TEST(CompressTest, TrainingRefusesTooFewSamplesOrATinyDictionary) {
  EXPECT_TRUE(TrainDictionary(Samples(3), 4096).status().IsInvalidArgument());
  EXPECT_TRUE(TrainDictionary(Samples(400), 100).status().IsInvalidArgument());
  EXPECT_TRUE(TrainDictionary(std::vector<std::string>(20, ""), 4096).status().IsInvalidArgument());
}

TEST(CompressTest, OutOfRangeLevelIsInvalidArgument) {
  EXPECT_TRUE(Compress("x", 1000).status().IsInvalidArgument());
}

TEST(CompressTest, DecompressionsStartedCountsEachDecompression) {
  const std::string packed = *Compress("abc");
  const uint64_t before = DecompressionsStarted();
  ASSERT_TRUE(Decompress(packed, 3, 10).ok());
  ASSERT_FALSE(Decompress("junk", 3, 10).ok());
  EXPECT_EQ(DecompressionsStarted(), before + 2);
}

}  // namespace
TEST(CompressTest, SyncParamsRoundTripAndBeatLevelThreeOnEventLikeLines) {
  // Lines like batch lines: shared JSON structure around random hex.
  std::string lines;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 2000; ++i) {
    std::string hex;
    for (int k = 0; k < 4; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      char buf[17];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
      hex += buf;
    }
    lines += "{\"event\":{\"payload\":{\"procedure_id\":\"ruou-ban-le\",\"seq\":" +
             std::to_string(i) + "},\"type\":\"dossier_received\"},\"hash\":\"" + hex + "\"}\n";
  }
  auto tuned = Compress(lines, kSyncZstd);
  auto level3 = Compress(lines, 3);
  ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
  ASSERT_TRUE(level3.ok()) << level3.status().ToString();
  EXPECT_LT(tuned->size(), level3->size());
  auto back = Decompress(*tuned, lines.size(), lines.size());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, lines);
}

TEST(CompressTest, ParamsOutOfZstdsRangeAreInvalid) {
  EXPECT_TRUE(Compress("abc", ZstdParams{1, 9, 0}).status().IsInvalidArgument());
  EXPECT_TRUE(Compress("abc", ZstdParams{1, 0, 99}).status().IsInvalidArgument());
  EXPECT_TRUE(Compress("abc", ZstdParams{1, 7, 17}).ok());
}

}  // namespace hoso::sync
