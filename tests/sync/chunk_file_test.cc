#include "sync/chunk_file.h"

#include <gtest/gtest.h>

#include <string>

#include "schema/events.h"
#include "sync/signed_file.h"

namespace hoso::sync {
namespace {

constexpr UnixMs kT0 = 1'773'300'000'000;

class ChunkFileTest : public ::testing::Test {
 protected:
  // The node's key as the central knows it.
  KeyLookup Lookup() {
    return [this](const std::string& node_id, const std::string& key_id) -> Result<std::string> {
      if (node_id != "desk-01" || key_id != node_.key_id()) {
        return Status::Unauthenticated("unknown key " + key_id);
      }
      return node_.public_key();
    };
  }

  SigningKey node_ = SigningKey::Generate();
  SigningKey central_ = SigningKey::Generate();
  const std::string chunk_ = "%PDF-1.7\n" + std::string(70000, '\xA5');
};

TEST_F(ChunkFileTest, ASealedChunkRoundTripsAndHidesItsBytes) {
  auto file = EncodeChunkFile("central-hcm", "desk-01", chunk_, node_, central_.public_key(), kT0);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->substr(0, 8), "HOSOCHK1");
  EXPECT_EQ(file->find(chunk_.substr(0, 40)), std::string::npos);
  auto header = PeekChunkHeader(*file);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->chunk_hash, HexEncode(Blake2b256(chunk_)));
  EXPECT_EQ(header->size_bytes, static_cast<int64_t>(chunk_.size()));
  EXPECT_TRUE(header->sealed);
  auto opened = DecodeChunkFile(*file, Lookup(), &central_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->bytes, chunk_);
  EXPECT_EQ(opened->header.node_id, "desk-01");
  // Only the central can open it.
  SigningKey other = SigningKey::Generate();
  EXPECT_EQ(DecodeChunkFile(*file, Lookup(), &other).status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(DecodeChunkFile(*file, Lookup(), nullptr).status().IsInvalidArgument());
}

TEST_F(ChunkFileTest, ABodyChangedOnTheWayFailsTheSignature) {
  auto file = EncodeChunkFile("central-hcm", "desk-01", chunk_, node_, std::nullopt, kT0);
  ASSERT_TRUE(file.ok());
  std::string damaged = *file;
  damaged[damaged.size() - 100] ^= 0x01;
  EXPECT_TRUE(IsBadSignature(DecodeChunkFile(damaged, Lookup(), &central_).status()));
}

TEST_F(ChunkFileTest, ASignedFileWhoseBytesAreNotTheNamedChunkIsAHashMismatch) {
  ChunkFileHeader h;
  h.central_id = "central-hcm";
  h.node_id = "desk-01";
  h.key_id = node_.key_id();
  h.chunk_hash = HexEncode(Blake2b256("something else"));
  h.size_bytes = static_cast<int64_t>(chunk_.size());
  auto file = EncodeSignedFile(FileKind::kChunk, h.ToJson(), chunk_, node_);
  ASSERT_TRUE(file.ok());
  Status s = DecodeChunkFile(*file, Lookup(), &central_).status();
  EXPECT_TRUE(IsChunkHashMismatch(s)) << s.ToString();
}

TEST_F(ChunkFileTest, AnUnknownSignerIsTheLookupsError) {
  SigningKey stranger = SigningKey::Generate();
  auto file = EncodeChunkFile("central-hcm", "desk-01", chunk_, stranger, std::nullopt, kT0);
  ASSERT_TRUE(file.ok());
  Status s = DecodeChunkFile(*file, Lookup(), &central_).status();
  EXPECT_EQ(s.code(), Status::Code::kUnauthenticated) << s.ToString();
}

TEST_F(ChunkFileTest, EmptyAndOversizedChunksAreNotWritten) {
  EXPECT_TRUE(EncodeChunkFile("c", "n", "", node_, std::nullopt, kT0).status().IsInvalidArgument());
  const std::string big((size_t{4} << 20) + 1, 'x');
  EXPECT_TRUE(
      EncodeChunkFile("c", "n", big, node_, std::nullopt, kT0).status().IsInvalidArgument());
}

TEST_F(ChunkFileTest, OtherKindsAreNotChunkFiles) {
  json::object h{{"format", 1}, {"kind", "enrol_request"}};
  auto file = EncodeSignedFile(FileKind::kEnrolRequest, h, "", node_);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(PeekChunkHeader(*file).status().IsInvalidArgument());
}

}  // namespace
}  // namespace hoso::sync
