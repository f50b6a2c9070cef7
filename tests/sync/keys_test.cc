#include "sync/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "schema/events.h"

namespace hoso::sync {
namespace {

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso_keys_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(KeysTest, GeneratedKeySignsAndItsPublicKeyVerifies) {
  SigningKey key = SigningKey::Generate();
  EXPECT_EQ(key.public_key().size(), kPublicKeyBytes);
  const std::string sig = key.Sign("hồ sơ 000.00.17.H29-260312-0007");
  EXPECT_EQ(sig.size(), kSignatureBytes);
  EXPECT_TRUE(Verify(key.public_key(), "hồ sơ 000.00.17.H29-260312-0007", sig));
}

TEST_F(KeysTest, TwoGeneratedKeysDiffer) {
  EXPECT_NE(SigningKey::Generate().public_key(), SigningKey::Generate().public_key());
}

TEST_F(KeysTest, SignatureDoesNotVerifyForAnotherMessageOrAnotherKey) {
  SigningKey key = SigningKey::Generate();
  SigningKey other = SigningKey::Generate();
  const std::string sig = key.Sign("batch");
  EXPECT_FALSE(Verify(key.public_key(), "batcH", sig));
  EXPECT_FALSE(Verify(other.public_key(), "batch", sig));
  std::string flipped = sig;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(Verify(key.public_key(), "batch", flipped));
}

TEST_F(KeysTest, VerifyReturnsFalseForWrongLengthKeysAndSignatures) {
  SigningKey key = SigningKey::Generate();
  const std::string sig = key.Sign("m");
  EXPECT_FALSE(Verify(key.public_key().substr(0, 31), "m", sig));
  EXPECT_FALSE(Verify(key.public_key(), "m", sig.substr(0, 63)));
  EXPECT_FALSE(Verify("", "m", ""));
}

TEST_F(KeysTest, KeyIdIsHexOfFirstEightBytesOfBlake2bOfPublicKey) {
  SigningKey key = SigningKey::Generate();
  const std::string id = key.key_id();
  EXPECT_EQ(id.size(), kKeyIdHexChars);
  EXPECT_EQ(id, HexEncode(Blake2b256(key.public_key())).substr(0, 16));
  EXPECT_EQ(id, KeyIdOf(key.public_key()));
}

TEST_F(KeysTest, Blake2b256OfEmptyInputMatchesTheReferenceVector) {
  EXPECT_EQ(HexEncode(Blake2b256("")),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_F(KeysTest, SavedKeyLoadsBackWithMode0600AndSignsTheSame) {
  SigningKey key = SigningKey::Generate();
  const std::string path = dir_ + "/node.key";
  ASSERT_TRUE(key.Save(path, PosixFileSystem()).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(kSecretKeyBytes));
  auto loaded = SigningKey::Load(path, PosixFileSystem());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->public_key(), key.public_key());
  EXPECT_EQ(loaded->Sign("x"), key.Sign("x"));  // Ed25519 is deterministic
}

TEST_F(KeysTest, LoadRefusesKeyFileReadableByGroupOrOthers) {
  SigningKey key = SigningKey::Generate();
  const std::string path = dir_ + "/node.key";
  ASSERT_TRUE(key.Save(path, PosixFileSystem()).ok());
  for (mode_t mode : {0640, 0604, 0660, 0644}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto loaded = SigningKey::Load(path, PosixFileSystem());
    ASSERT_FALSE(loaded.ok()) << std::oct << mode;
    EXPECT_EQ(loaded.status().code(), Status::Code::kPermissionDenied);
  }
}

TEST_F(KeysTest, LoadOfMissingFileIsNotFound) {
  auto loaded = SigningKey::Load(dir_ + "/absent.key", PosixFileSystem());
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.status().IsNotFound()) << loaded.status().ToString();
}

TEST_F(KeysTest, LoadRefusesFileOfWrongLength) {
  const std::string path = dir_ + "/short.key";
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(path, std::string(32, 'k'), 0600).ok());
  auto loaded = SigningKey::Load(path, PosixFileSystem());
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(loaded.status().IsInvalidArgument()) << loaded.status().ToString();
}

TEST_F(KeysTest, SecretKeyWhosePublicHalfDoesNotMatchItsSeedIsRefused) {
  SigningKey a = SigningKey::Generate();
  SigningKey b = SigningKey::Generate();
  const std::string path = dir_ + "/a.key";
  ASSERT_TRUE(a.Save(path, PosixFileSystem()).ok());
  std::string bytes = *PosixFileSystem()->ReadFile(path);
  bytes.replace(32, 32, b.public_key());
  auto key = SigningKey::FromSecretKey(bytes);
  ASSERT_FALSE(key.ok());
  EXPECT_TRUE(key.status().IsInvalidArgument());
}

TEST_F(KeysTest, MovedKeyKeepsSigningAndTheSourceIsEmptied) {
  SigningKey a = SigningKey::Generate();
  const std::string pk = a.public_key();
  SigningKey b = std::move(a);
  EXPECT_EQ(b.public_key(), pk);
  EXPECT_TRUE(a.public_key().empty());  // NOLINT(bugprone-use-after-move): checked on purpose
  EXPECT_TRUE(Verify(pk, "m", b.Sign("m")));
}

TEST_F(KeysTest, SealedBoxOpensWithTheRecipientKeyOnly) {
  SigningKey central = SigningKey::Generate();
  SigningKey stranger = SigningKey::Generate();
  auto sealed = Seal("Nguyễn Thị Hồng Nhung 079190001234", central.public_key());
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->size(),
            std::string("Nguyễn Thị Hồng Nhung 079190001234").size() + kSealOverheadBytes);
  auto opened = central.OpenSealed(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "Nguyễn Thị Hồng Nhung 079190001234");
  auto refused = stranger.OpenSealed(*sealed);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsCorruption());
}

TEST_F(KeysTest, TamperedOrTruncatedSealedBoxIsRefused) {
  SigningKey central = SigningKey::Generate();
  std::string sealed = *Seal("payload", central.public_key());
  std::string flipped = sealed;
  flipped.back() ^= 0x80;
  EXPECT_TRUE(central.OpenSealed(flipped).status().IsCorruption());
  EXPECT_TRUE(central.OpenSealed(sealed.substr(0, 10)).status().IsCorruption());
  EXPECT_TRUE(central.OpenSealed("").status().IsCorruption());
}

TEST_F(KeysTest, SealRefusesPublicKeyOfWrongLength) {
  auto sealed = Seal("x", std::string(31, '\x01'));
  ASSERT_FALSE(sealed.ok());
  EXPECT_TRUE(sealed.status().IsInvalidArgument());
}

TEST_F(KeysTest, BoxPublicKeyIsThe32ByteX25519Conversion) {
  SigningKey key = SigningKey::Generate();
  EXPECT_EQ(key.BoxPublicKey().size(), 32u);
  EXPECT_NE(key.BoxPublicKey(), key.public_key());
}

TEST_F(KeysTest, PublicKeyFromHexParsesAndRefusesMalformedText) {
  SigningKey key = SigningKey::Generate();
  auto pk = PublicKeyFromHex(HexEncode(key.public_key()));
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(*pk, key.public_key());
  EXPECT_FALSE(PublicKeyFromHex("abcd").ok());
  EXPECT_FALSE(PublicKeyFromHex(std::string(64, 'g')).ok());
}

TEST_F(KeysTest, RotationMessageHasTheDocumentedLayout) {
  EXPECT_EQ(RotationMessage("desk-01", "ab12"), "hoso-key-rotation/1\ndesk-01\nab12");
}

}  // namespace
}  // namespace hoso::sync
