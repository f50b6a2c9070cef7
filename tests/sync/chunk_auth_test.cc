#include "sync/chunk_auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schema/events.h"

namespace hoso::sync {
namespace {

TEST(ChunkAuthTest, MessagesAreTheDocumentedBytes) {
  const std::string hash(64, 'a');
  EXPECT_EQ(ChunkUploadMessage("desk-01", hash), "hoso-chunk/1\ndesk-01\n" + hash);
  EXPECT_EQ(ChunkQueryMessage("desk-01", "{}"),
            "hoso-chunk-query/1\ndesk-01\n" + HexEncode(Blake2b256("{}")));
}

TEST(ChunkAuthTest, ASignedHeaderParsesBackAndVerifies) {
  SigningKey key = SigningKey::Generate();
  const std::string msg = ChunkUploadMessage("desk-01", std::string(64, 'b'));
  const std::string header = SignNodeAuthorization("desk-01", key, msg);
  EXPECT_EQ(header.rfind("Hoso-Node desk-01 " + key.key_id() + " ", 0), 0u) << header;
  auto a = ParseNodeAuthorization(header);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->node_id, "desk-01");
  EXPECT_EQ(a->key_id, key.key_id());
  EXPECT_TRUE(Verify(key.public_key(), msg, a->signature));
  EXPECT_FALSE(Verify(key.public_key(), msg + "x", a->signature));
}

TEST(ChunkAuthTest, MalformedHeadersAreRefusedNamingTheHeader) {
  SigningKey key = SigningKey::Generate();
  const std::string sig = HexEncode(key.Sign("x"));
  for (const std::string& bad : std::vector<std::string>{
           "", "Bearer abc", "Hoso-Node desk-01 " + key.key_id(), "Hoso-Node desk-01 short " + sig,
           "Hoso-Node desk-01 " + key.key_id() + " zz",
           "Hoso-Node  desk-01 " + key.key_id() + " " + sig,
           "Hoso-Node desk-01 " + key.key_id() + " " + sig + " extra"}) {
    auto a = ParseNodeAuthorization(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_TRUE(a.status().IsInvalidArgument());
    EXPECT_EQ(a.status().field(), "Authorization");
  }
}

}  // namespace
}  // namespace hoso::sync
