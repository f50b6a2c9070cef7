#include "sync/signed_file.h"

#include <gtest/gtest.h>

#include <string>

#include "schema/events.h"

namespace hoso::sync {
namespace {

constexpr FileKind kKinds[] = {FileKind::kBatch, FileKind::kDownSync, FileKind::kEnrolRequest,
                               FileKind::kEnrolAnswer, FileKind::kChunk};

json::object HeaderOf(FileKind kind) {
  json::object h;
  h["format"] = 1;
  h["kind"] = KindName(kind);
  h["node_id"] = "desk-01";
  h["first_seq"] = 1;
  return h;
}

void PutBE(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Frames by hand, so tests can build files the encoder refuses to write.
std::string Frame(std::string_view magic, std::string_view header, std::string_view body,
                  const SigningKey& key) {
  std::string out(magic);
  PutBE(out, header.size(), 4);
  out.append(header);
  PutBE(out, body.size(), 8);
  out.append(body);
  out.append(key.Sign(out));
  return out;
}

class SignedFileTest : public ::testing::Test {
 protected:
  SigningKey key_ = SigningKey::Generate();
};

TEST_F(SignedFileTest, EveryKindRoundTripsHeaderBodyAndSignature) {
  for (FileKind kind : kKinds) {
    auto bytes = EncodeSignedFile(kind, HeaderOf(kind), "line one\nline two\n", key_);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    EXPECT_EQ(bytes->substr(0, 8), MagicOf(kind));
    auto file = DecodeSignedFile(*bytes);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->kind, kind);
    EXPECT_EQ(file->header, HeaderOf(kind));
    EXPECT_EQ(file->body, "line one\nline two\n");
    EXPECT_EQ(file->signature.size(), kSignatureBytes);
    EXPECT_EQ(file->signed_part, bytes->substr(0, bytes->size() - kSignatureBytes));
    EXPECT_TRUE(VerifySignature(*file, key_.public_key()).ok());
  }
}

TEST_F(SignedFileTest, MagicsAreTheDocumentedEightAsciiBytes) {
  EXPECT_EQ(std::string(MagicOf(FileKind::kBatch)), "HOSOBAT1");
  EXPECT_EQ(std::string(MagicOf(FileKind::kDownSync)), "HOSODWN1");
  EXPECT_EQ(std::string(MagicOf(FileKind::kEnrolRequest)), "HOSOENQ1");
  EXPECT_EQ(std::string(MagicOf(FileKind::kEnrolAnswer)), "HOSOENA1");
  EXPECT_EQ(std::string(MagicOf(FileKind::kChunk)), "HOSOCHK1");
}

TEST_F(SignedFileTest, FramingIsMagicLengthsAndCanonicalHeaderInBigEndian) {
  json::object h;
  h["kind"] = "batch";
  h["format"] = 1;
  auto bytes = EncodeSignedFile(FileKind::kBatch, h, "xyz", key_);
  ASSERT_TRUE(bytes.ok());
  const std::string header = R"({"format":1,"kind":"batch"})";
  std::string expect = "HOSOBAT1";
  PutBE(expect, header.size(), 4);
  expect += header;
  PutBE(expect, 3, 8);
  expect += "xyz";
  EXPECT_EQ(bytes->substr(0, expect.size()), expect);
  EXPECT_EQ(bytes->size(), expect.size() + kSignatureBytes);
}

TEST_F(SignedFileTest, SignatureByAnotherKeyIsBadSignature) {
  auto bytes = EncodeSignedFile(FileKind::kBatch, HeaderOf(FileKind::kBatch), "b", key_);
  auto file = DecodeSignedFile(*bytes);
  ASSERT_TRUE(file.ok());
  Status s = VerifySignature(*file, SigningKey::Generate().public_key());
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_TRUE(IsBadSignature(s)) << s.ToString();
  EXPECT_TRUE(IsBadSignature(VerifySignature(*file, "short key")));
  EXPECT_FALSE(IsBadSignature(Status::Corruption("truncated body")));
}

TEST_F(SignedFileTest, TamperedBodyWithValidFramingIsBadSignature) {
  std::string bytes = *EncodeSignedFile(FileKind::kBatch, HeaderOf(FileKind::kBatch), "abc", key_);
  bytes[bytes.size() - kSignatureBytes - 1] = 'X';
  auto file = DecodeSignedFile(bytes);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(IsBadSignature(VerifySignature(*file, key_.public_key())));
}

TEST_F(SignedFileTest, FileTruncatedAtEveryLengthIsCorruption) {
  const std::string bytes =
      *EncodeSignedFile(FileKind::kDownSync, HeaderOf(FileKind::kDownSync), "body", key_);
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto file = DecodeSignedFile(std::string_view(bytes).substr(0, len));
    ASSERT_FALSE(file.ok()) << len;
    EXPECT_TRUE(file.status().IsCorruption()) << len << ": " << file.status().ToString();
  }
}

TEST_F(SignedFileTest, TrailingBytesAfterTheSignatureAreCorruption) {
  const std::string bytes =
      *EncodeSignedFile(FileKind::kBatch, HeaderOf(FileKind::kBatch), "body", key_);
  auto file = DecodeSignedFile(bytes + "\n");
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsCorruption());
  EXPECT_NE(file.status().message().find("trailing"), std::string::npos);
}

TEST_F(SignedFileTest, UnknownMagicIsInvalidArgument) {
  std::string bytes = *EncodeSignedFile(FileKind::kBatch, HeaderOf(FileKind::kBatch), "b", key_);
  bytes.replace(0, 8, "HOSOBAT2");
  auto file = DecodeSignedFile(bytes);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsInvalidArgument());
  EXPECT_NE(file.status().message().find("magic"), std::string::npos);
  EXPECT_TRUE(DecodeSignedFile("PK\x03\x04 a zip file, not ours").status().IsInvalidArgument());
}

TEST_F(SignedFileTest, UnsupportedFormatNumberIsRefusedByName) {
  auto file = DecodeSignedFile(Frame("HOSOBAT1", R"({"format":2,"kind":"batch"})", "", key_));
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsInvalidArgument());
  EXPECT_EQ(file.status().message(), "unsupported format 2");
}

TEST_F(SignedFileTest, HeaderWithoutFormatIsRefused) {
  auto file = DecodeSignedFile(Frame("HOSOBAT1", R"({"kind":"batch"})", "", key_));
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsInvalidArgument());
  json::object h;
  h["kind"] = "batch";
  EXPECT_TRUE(EncodeSignedFile(FileKind::kBatch, h, "", key_).status().IsInvalidArgument());
}

TEST_F(SignedFileTest, HeaderKindDisagreeingWithTheMagicIsRefused) {
  auto file = DecodeSignedFile(Frame("HOSODWN1", R"({"format":1,"kind":"batch"})", "", key_));
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsInvalidArgument());
  EXPECT_TRUE(EncodeSignedFile(FileKind::kDownSync, HeaderOf(FileKind::kBatch), "", key_)
                  .status()
                  .IsInvalidArgument());
}

TEST_F(SignedFileTest, NonCanonicalHeaderIsCorruption) {
  for (std::string_view header :
       {R"({"kind":"batch","format":1})", R"({"format":1, "kind":"batch"})",
        R"({"format":1,"kind":"batch","kind":"batch"})", R"([1,2])", R"({"format":1)"}) {
    auto file = DecodeSignedFile(Frame("HOSOBAT1", header, "", key_));
    ASSERT_FALSE(file.ok()) << header;
    EXPECT_TRUE(file.status().IsCorruption()) << header << ": " << file.status().ToString();
  }
}

TEST_F(SignedFileTest, HeaderLengthOfZeroOrOverTheLimitIsCorruption) {
  std::string zero = "HOSOBAT1";
  PutBE(zero, 0, 4);
  PutBE(zero, 0, 8);
  zero += std::string(kSignatureBytes, 's');
  EXPECT_TRUE(DecodeSignedFile(zero).status().IsCorruption());
  std::string huge = "HOSOBAT1";
  PutBE(huge, kMaxHeaderBytes + 1, 4);
  huge += std::string(100, '{');
  EXPECT_TRUE(DecodeSignedFile(huge).status().IsCorruption());
}

TEST_F(SignedFileTest, BodyLongerThanTheCapIsResourceExhausted) {
  const std::string bytes =
      *EncodeSignedFile(FileKind::kBatch, HeaderOf(FileKind::kBatch), std::string(1000, 'z'), key_);
  EXPECT_TRUE(DecodeSignedFile(bytes, 1000).ok());
  auto file = DecodeSignedFile(bytes, 999);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), Status::Code::kResourceExhausted);
}

TEST_F(SignedFileTest, BodyLengthClaimingMoreThanTheFileHoldsIsTruncation) {
  std::string bytes = "HOSOBAT1";
  const std::string header = R"({"format":1,"kind":"batch"})";
  PutBE(bytes, header.size(), 4);
  bytes += header;
  PutBE(bytes, uint64_t{1} << 20, 8);
  bytes += std::string(100, 'b');
  auto file = DecodeSignedFile(bytes);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsCorruption());
}

TEST_F(SignedFileTest, FileHashIsHexBlake2bOfTheWholeFile) {
  const std::string bytes =
      *EncodeSignedFile(FileKind::kBatch, HeaderOf(FileKind::kBatch), "b", key_);
  EXPECT_EQ(FileHash(bytes), HexEncode(Blake2b256(bytes)));
  EXPECT_EQ(FileHash(bytes).size(), 64u);
}

}  // namespace
}  // namespace hoso::sync
