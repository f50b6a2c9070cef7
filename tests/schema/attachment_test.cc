#include "schema/attachment.h"

#include <gtest/gtest.h>

#include <string>

namespace hoso {
namespace {

const std::string kPdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n";
const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10);
const std::string kPng = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16);

TEST(AttachmentTest, MediaTypeIsRecognisedByTheFirstBytes) {
  EXPECT_EQ(SniffMediaType(kPdf).value(), "application/pdf");
  EXPECT_EQ(SniffMediaType(kJpeg).value(), "image/jpeg");
  EXPECT_EQ(SniffMediaType(kPng).value(), "image/png");
}

TEST(AttachmentTest, ExecutablesTextAndEmptyFilesAreRefusedNamingTheirFirstBytes) {
  Result<std::string> exe = SniffMediaType(std::string("MZ\x90\x00\x03\x00\x00\x00", 8));
  ASSERT_TRUE(exe.status().IsInvalidArgument());
  EXPECT_EQ(exe.status().field(), "file");
  EXPECT_NE(exe.status().message().find("unsupported content"), std::string::npos);
  EXPECT_NE(exe.status().message().find("4d 5a 90 00"), std::string::npos)
      << exe.status().message();
  EXPECT_TRUE(SniffMediaType("Giấy đề nghị cấp phép").status().IsInvalidArgument());
  EXPECT_TRUE(SniffMediaType("%PDF").status().IsInvalidArgument());  // truncated magic
  EXPECT_NE(SniffMediaType("").status().message().find("empty"), std::string::npos);
}

TEST(AttachmentTest, Blake2bMatchesTheReferenceVectors) {
  EXPECT_EQ(Blake2bHex(""), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(Blake2bHex("abc"), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  Blake2bStream s;
  s.Update("a");
  s.Update("bc");
  EXPECT_EQ(s.FinalHex(), Blake2bHex("abc"));
}

TEST(AttachmentTest, ManifestCutsFixedChunksWithAShorterLastOne) {
  std::string file = kPdf + std::string(2 * kAttachmentChunkBytes + 10 - kPdf.size(), 'x');
  AttachmentManifest m = MakeManifest(file, "application/pdf");
  EXPECT_EQ(m.hash, Blake2bHex(file));
  EXPECT_EQ(m.size_bytes, static_cast<int64_t>(file.size()));
  ASSERT_EQ(m.chunk_count(), 3);
  EXPECT_EQ(m.ChunkLength(0), kAttachmentChunkBytes);
  EXPECT_EQ(m.ChunkLength(2), 10);
  EXPECT_EQ(m.ChunkOffset(2), 2 * kAttachmentChunkBytes);
  EXPECT_EQ(m.chunk_hashes[2], Blake2bHex(file.substr(2 * kAttachmentChunkBytes)));
  EXPECT_TRUE(CheckManifest(m).ok());
}

TEST(AttachmentTest, ManifestRoundTripsThroughTheEventPayload) {
  AttachmentManifest m = MakeManifest(kPng + std::string(70000, '\0'), "image/png");
  json::object payload{{"file_name", "scan.png"}};
  ManifestToPayload(m, payload);
  Result<AttachmentManifest> back = ManifestFromPayload(payload);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->hash, m.hash);
  EXPECT_EQ(back->chunk_hashes, m.chunk_hashes);
  EXPECT_EQ(back->chunk_size, kAttachmentChunkBytes);
}

TEST(AttachmentTest, ManifestOverTheSizeCapIsRefused) {
  AttachmentManifest m = MakeManifest(kPdf, "application/pdf");
  m.size_bytes = kMaxAttachmentBytes + 1;
  m.chunk_hashes.assign(101, m.chunk_hashes[0]);
  EXPECT_EQ(CheckManifest(m).field(), "payload.size_bytes");
}

TEST(AttachmentTest, FileNamesLoseTheirDirectoryAndMustBePrintable) {
  EXPECT_EQ(CleanFileName("/home/clerk/Scans/giấy phép.pdf").value(), "giấy phép.pdf");
  EXPECT_EQ(CleanFileName("C:\\Scan\\don.pdf").value(), "don.pdf");
  EXPECT_EQ(CleanFileName("  a.png ").value(), "a.png");
  EXPECT_EQ(CleanFileName("").status().field(), "name");
  EXPECT_TRUE(CleanFileName("dir/").status().IsInvalidArgument());
  EXPECT_TRUE(CleanFileName("..").status().IsInvalidArgument());
  EXPECT_TRUE(CleanFileName("a\nb.pdf").status().IsInvalidArgument());
  EXPECT_TRUE(CleanFileName("\xC3\x28.pdf").status().IsInvalidArgument());
  EXPECT_TRUE(CleanFileName(std::string(256, 'a')).status().IsInvalidArgument());
}

}  // namespace
}  // namespace hoso
