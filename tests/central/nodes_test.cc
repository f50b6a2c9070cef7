#include "central/nodes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schema/events.h"
#include "sync/batch.h"
#include "sync/keys.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::TestNode;

class NodesTest : public CentralFixture {
 protected:
  TestNode Fresh(const std::string& node_id = "desk-01",
                 const std::string& unit_code = "000.00.17.H29") {
    TestNode n;
    n.node_id = node_id;
    n.unit_code = unit_code;
    n.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
    return n;
  }
  std::string NodeState(const std::string& node_id) {
    auto db = store_->Db();
    auto q = (*db)->Prepare("SELECT state FROM nodes WHERE node_id = ?1");
    q->Bind(1, node_id);
    return *q->Step() ? q->ColumnText(0) : "";
  }
  KeyRotation Rotation(const TestNode& n, const sync::SigningKey& new_key,
                       const sync::SigningKey& signer) {
    KeyRotation r;
    r.node_id = n.node_id;
    r.old_key_id = n.key->key_id();
    r.new_public_key_hex = HexEncode(new_key.public_key());
    r.signature_hex =
        HexEncode(signer.Sign(sync::RotationMessage(n.node_id, r.new_public_key_hex)));
    return r;
  }
};

TEST_F(NodesTest, TokenEnrolsThePendingNodeAndTheAnswerCarriesTheDataVersions) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->token.size(), 52u);
  EXPECT_EQ(token->expires_at_ms, testing::kT0 + kDefaultTokenLifetimeMs);
  EXPECT_EQ(NodeState(n.node_id), "pending");

  auto answer = admin_->Enrol(EnrolRequestFile(n, token->token));
  ASSERT_TRUE(answer.ok()) << answer.refusal().ToString();
  auto decoded = sync::DecodeEnrolAnswer(*answer, store_->key().public_key());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->central_id, testing::kCentralId);
  EXPECT_EQ(decoded->node_id, n.node_id);
  EXPECT_EQ(decoded->unit_code, n.unit_code);
  EXPECT_EQ(decoded->enrolled_at_ms, testing::kT0);
  ASSERT_EQ(decoded->items.size(), 3u);
  EXPECT_EQ(decoded->items[0].at("data").as_string(), "catalog");
  EXPECT_EQ(decoded->items[0].at("version").as_string(), "2026.1");
  EXPECT_TRUE(decoded->items[0].at("body").as_object().contains("procedures"));
  EXPECT_EQ(NodeState(n.node_id), "active");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_keys WHERE state = 'active' AND key_id = '" +
                n.key->key_id() + "'"),
            1);
}

TEST_F(NodesTest, SpentTokenIsInvalidTokenForAnotherKey) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  ASSERT_TRUE(admin_->Enrol(EnrolRequestFile(n, token->token)).ok());
  TestNode thief = Fresh();
  auto again = admin_->Enrol(EnrolRequestFile(thief, token->token));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.refusal().http_status, 401);
  EXPECT_EQ(again.refusal().code, "invalid_token");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_keys"), 1);
}

TEST_F(NodesTest, RepeatedEnrolmentByTheSameKeyIsAnsweredAgain) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  const std::string request = EnrolRequestFile(n, token->token);
  ASSERT_TRUE(admin_->Enrol(request).ok());
  clock_.Advance(60'000);
  auto again = admin_->Enrol(request);
  ASSERT_TRUE(again.ok()) << again.refusal().ToString();
  auto decoded = sync::DecodeEnrolAnswer(*again, store_->key().public_key());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->enrolled_at_ms, testing::kT0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_keys"), 1);
}

TEST_F(NodesTest, ExpiredTokenIsInvalidToken) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk", 3'600'000);
  clock_.Advance(3'600'000);
  auto answer = admin_->Enrol(EnrolRequestFile(n, token->token));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.refusal().code, "invalid_token");
  EXPECT_EQ(NodeState(n.node_id), "pending");
}

TEST_F(NodesTest, UnknownTokenAndTokenOfAnotherNodeAreInvalidToken) {
  TestNode a = Fresh("desk-01", "000.00.17.H29");
  TestNode b = Fresh("desk-02", "000.00.18.H29");
  auto token_a = admin_->AddNode(a.node_id, a.unit_code, "desk");
  ASSERT_TRUE(admin_->AddNode(b.node_id, b.unit_code, "desk").ok());
  for (const std::string& token : {token_a->token, std::string("AAAAAAAA")}) {
    auto answer = admin_->Enrol(EnrolRequestFile(b, token));
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.refusal().code, "invalid_token");
  }
}

TEST_F(NodesTest, TokenTypedInLowerCaseWithSpacesAndDashesStillEnrols) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  std::string typed;
  for (size_t i = 0; i < token->token.size(); ++i) {
    if (i > 0 && i % 4 == 0) typed += (i % 8 == 0) ? " " : "-";
    typed += static_cast<char>(std::tolower(static_cast<unsigned char>(token->token[i])));
  }
  auto answer = admin_->Enrol(EnrolRequestFile(n, typed));
  EXPECT_TRUE(answer.ok()) << answer.refusal().ToString();
}

TEST_F(NodesTest, OnlyTheTokenHashIsStored) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  auto db = store_->Db();
  auto q = (*db)->Prepare("SELECT token_hash FROM enrol_tokens");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->ColumnBlob(0), TokenHash(token->token));
  for (const char* file : {"/central.db", "/central.db-wal"}) {
    auto bytes = PosixFileSystem()->ReadFile(CentralDir() + file);
    if (!bytes.ok()) continue;
    EXPECT_EQ(bytes->find(token->token), std::string::npos) << file;
  }
}

TEST_F(NodesTest, EnrolmentWithAnotherUnitCodeOrRoleIsBadRequest) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  TestNode wrong_unit = Fresh(n.node_id, "000.00.99.H29");
  auto answer = admin_->Enrol(EnrolRequestFile(wrong_unit, token->token));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.refusal().http_status, 400);
  EXPECT_EQ(answer.refusal().field, "unit_code");
  TestNode n2 = Fresh();
  sync::EnrolRequest req;
  req.node_id = n2.node_id;
  req.unit_code = n2.unit_code;
  req.role = "officer";
  req.token = token->token;
  answer = admin_->Enrol(*sync::EncodeEnrolRequest(req, *n2.key, testing::kT0));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.refusal().http_status, 400);
  EXPECT_EQ(answer.refusal().code, "bad_request");
  EXPECT_EQ(answer.refusal().field, "role");
  EXPECT_EQ(NodeState(n.node_id), "pending");
}

TEST_F(NodesTest, EnrolmentRequestWithAFlippedByteIsRefused) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  std::string request = EnrolRequestFile(n, token->token);
  request[request.size() - 10] ^= 0x01;  // inside the signature
  auto answer = admin_->Enrol(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.refusal().http_status, 422);
  EXPECT_EQ(answer.refusal().code, "bad_signature");
  request = EnrolRequestFile(n, token->token);
  request[3] ^= 0x01;  // the magic
  answer = admin_->Enrol(request);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.refusal().code, "bad_request");
  EXPECT_EQ(NodeState(n.node_id), "pending");
}

TEST_F(NodesTest, AddNodeRefusesTakenIdsUnitCodesAndUnknownRoles) {
  ASSERT_TRUE(admin_->AddNode("desk-01", "000.00.17.H29", "desk").ok());
  EXPECT_EQ(admin_->AddNode("desk-01", "000.00.18.H29", "desk").status().code(),
            Status::Code::kConflict);
  EXPECT_EQ(admin_->AddNode("desk-02", "000.00.17.H29", "desk").status().code(),
            Status::Code::kConflict);
  auto role = admin_->AddNode("desk-03", "000.00.19.H29", "officer");
  EXPECT_EQ(role.status().field(), "role");
  auto unit = admin_->AddNode("desk-04", "h29 lower", "desk");
  EXPECT_EQ(unit.status().field(), "unit_code");
  auto id = admin_->AddNode("desk 05", "000.00.20.H29", "courier");
  EXPECT_EQ(id.status().field(), "node_id");
}

TEST_F(NodesTest, RotationRetiresTheOldKeyAndIsIdempotent) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::SigningKey new_key = sync::SigningKey::Generate();
  const KeyRotation r = Rotation(n, new_key, *n.key);
  auto rotated = admin_->RotateKey(r);
  ASSERT_TRUE(rotated.ok()) << rotated.refusal().ToString();
  EXPECT_EQ(*rotated, new_key.key_id());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_keys WHERE state = 'retired' AND key_id = '" +
                n.key->key_id() + "'"),
            1);
  auto again = admin_->RotateKey(r);
  ASSERT_TRUE(again.ok()) << again.refusal().ToString();
  EXPECT_EQ(*again, new_key.key_id());

  sync::SigningKey third = sync::SigningKey::Generate();
  auto from_retired = admin_->RotateKey(Rotation(n, third, *n.key));
  ASSERT_FALSE(from_retired.ok());
  EXPECT_EQ(from_retired.refusal().http_status, 403);
  EXPECT_EQ(from_retired.refusal().code, "key_retired");
}

TEST_F(NodesTest, RotationSignedByAnotherKeyIsBadSignature) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::SigningKey new_key = sync::SigningKey::Generate();
  auto rotated = admin_->RotateKey(Rotation(n, new_key, new_key));
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.refusal().code, "bad_signature");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_keys"), 1);
}

TEST_F(NodesTest, RotationOfUnknownNodeOrKeyIsUnauthenticated) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::SigningKey new_key = sync::SigningKey::Generate();
  KeyRotation r = Rotation(n, new_key, *n.key);
  r.node_id = "desk-99";
  EXPECT_EQ(admin_->RotateKey(r).refusal().code, "unknown_node");
  r = Rotation(n, new_key, *n.key);
  r.old_key_id = "0000000000000000";
  EXPECT_EQ(admin_->RotateKey(r).refusal().code, "unknown_key");
  r = Rotation(n, new_key, *n.key);
  r.new_public_key_hex = "abc";
  EXPECT_EQ(admin_->RotateKey(r).refusal().field, "new_public_key");
}

TEST_F(NodesTest, RevocationRevokesEveryKeyAndKeepsTheReason) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  clock_.Advance(1000);
  ASSERT_TRUE(admin_->Revoke(n.node_id, "  thiết bị bị mất  ").ok());
  EXPECT_EQ(NodeState(n.node_id), "revoked");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_keys WHERE state = 'revoked' AND revoked_at_ms = " +
                std::to_string(testing::kT0 + 1000)),
            1);
  auto nodes = admin_->ListNodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].revocation_reason, "thiết bị bị mất");
  EXPECT_FALSE((*nodes)[0].active_key_id.has_value());

  EXPECT_EQ(admin_->Revoke(n.node_id, "again").code(), Status::Code::kConflict);
  EXPECT_EQ(admin_->Revoke("desk-99", "lost").code(), Status::Code::kNotFound);
  EXPECT_EQ(admin_->Revoke(n.node_id, "  ").code(), Status::Code::kInvalidArgument);
}

TEST_F(NodesTest, RevokingAPendingNodeVoidsItsToken) {
  TestNode n = Fresh();
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  ASSERT_TRUE(admin_->Revoke(n.node_id, "added by mistake").ok());
  auto answer = admin_->Enrol(EnrolRequestFile(n, token->token));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.refusal().code, "invalid_token");
}

TEST_F(NodesTest, ListNodesShowsEveryNodeInIdOrderWithItsState) {
  TestNode b = Enrol("desk-02", "000.00.18.H29");
  ASSERT_TRUE(admin_->AddNode("courier-01", "000.00.19.H29", "courier").ok());
  auto nodes = admin_->ListNodes();
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].node_id, "courier-01");
  EXPECT_EQ((*nodes)[0].state, "pending");
  EXPECT_EQ((*nodes)[0].role, "courier");
  EXPECT_FALSE((*nodes)[0].last_seen_ms.has_value());
  EXPECT_EQ((*nodes)[1].node_id, "desk-02");
  EXPECT_EQ((*nodes)[1].state, "active");
  EXPECT_EQ((*nodes)[1].active_key_id, b.key->key_id());
  EXPECT_EQ((*nodes)[1].high_water_seq, 0);
  const json::object j = (*nodes)[1].ToJson();
  EXPECT_EQ(j.at("state").as_string(), "active");
  EXPECT_TRUE(j.contains("last_seen"));
}

TEST_F(NodesTest, DataVersionItemsAreTakenOnlyWhenChangedForTheNode) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  auto db = store_->Db();
  ASSERT_TRUE((*db)->Exec("BEGIN IMMEDIATE").ok());
  auto none = TakeDataVersionItems(**db, n.node_id, true, testing::kT0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(
      (*db)->Exec("UPDATE data_versions SET version = '2026.2' WHERE kind = 'tariff'").ok());
  auto changed = TakeDataVersionItems(**db, n.node_id, true, testing::kT0);
  ASSERT_TRUE(changed.ok());
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].at("data").as_string(), "tariff");
  EXPECT_EQ((*changed)[0].at("version").as_string(), "2026.2");
  auto after = TakeDataVersionItems(**db, n.node_id, true, testing::kT0);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  ASSERT_TRUE((*db)->Exec("COMMIT").ok());
}

}  // namespace
}  // namespace hoso::central
