#include "central/api.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "schema/json_util.h"
#include "sync/batch.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::TestNode;

class ApiTest : public CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    api_ = std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get());
  }

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "") const {
    HttpRequest r;
    r.method = method;
    r.target = path;
    r.path = path;
    r.body = body;
    return api_->Handle(r);
  }
  // The "error" object of a JSON error response.
  static json::object Error(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o.ok()) << r.body;
    if (!o.ok() || !o->contains("error")) return {};
    return o->at("error").as_object();
  }

  std::unique_ptr<CentralApi> api_;
};

TEST_F(ApiTest, HealthzNamesTheCentral) {
  HttpResponse r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  auto o = ParseJsonObject(r.body);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->at("ok").as_bool(), true);
  EXPECT_EQ(o->at("central_id").as_string(), testing::kCentralId);
}

TEST_F(ApiTest, HealthzShowsAnEmptyWaybillPoolAsAWarningAndStaysOk) {
  EXPECT_TRUE(ParseJsonObject(Call("GET", "/healthz").body)->at("warnings").as_array().empty());
  TestNode n = Enrol("courier-01", "000.00.17.H29", 2, "courier");
  ASSERT_EQ(Call("POST", "/api/sync/batches", Batch(n, 1, 2)).status, 200);
  HttpResponse r = Call("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  auto o = ParseJsonObject(r.body);
  ASSERT_TRUE(o.ok()) << r.body;
  EXPECT_TRUE(o->at("ok").as_bool());
  const json::array& warnings = o->at("warnings").as_array();
  ASSERT_EQ(warnings.size(), 1u) << r.body;
  EXPECT_NE(std::string(warnings[0].as_string()).find("waybill pool empty: node courier-01"),
            std::string::npos);
}

TEST_F(ApiTest, EnrolAnswersAFileAndASecondUseOfTheTokenIs401) {
  TestNode n;
  n.node_id = "desk-01";
  n.unit_code = "000.00.17.H29";
  n.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  ASSERT_TRUE(token.ok());
  HttpResponse r = Call("POST", "/api/sync/enrol", EnrolRequestFile(n, token->token));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, kEnrolContentType);
  EXPECT_TRUE(sync::DecodeEnrolAnswer(r.body, store_->key().public_key()).ok());

  TestNode other;
  other.node_id = n.node_id;
  other.unit_code = n.unit_code;
  other.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
  HttpResponse reuse = Call("POST", "/api/sync/enrol", EnrolRequestFile(other, token->token));
  EXPECT_EQ(reuse.status, 401);
  EXPECT_EQ(Error(reuse).at("code").as_string(), "invalid_token");
}

TEST_F(ApiTest, EnrolBodyOverItsLimitIs413) {
  HttpResponse r =
      Call("POST", "/api/sync/enrol", std::string(CentralApi::kMaxEnrolBytes + 1, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Error(r).at("code").as_string(), "body_too_large");
}

TEST_F(ApiTest, BatchIsAnsweredWithADownSyncFile) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  HttpResponse r = Call("POST", "/api/sync/batches", Batch(n, 1, 4));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, kDownSyncContentType);
  sync::DownSync ds = OpenDownSync(r.body, n);
  EXPECT_EQ(ds.result, "applied");
  EXPECT_EQ(ds.acked_seq, 4);
}

TEST_F(ApiTest, SequenceGapCarriesTheExpectedSeqInsideTheErrorObject) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_EQ(Call("POST", "/api/sync/batches", Batch(n, 1, 5)).status, 200);
  HttpResponse r = Call("POST", "/api/sync/batches", Batch(n, 7, 9));
  EXPECT_EQ(r.status, 409);
  const json::object e = Error(r);
  EXPECT_EQ(e.at("code").as_string(), "sequence_gap");
  EXPECT_EQ(e.at("expected_seq").as_int64(), 6);
}

TEST_F(ApiTest, RevokedNodeIs403WithTheReason) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  ASSERT_TRUE(admin_->Revoke(n.node_id, "lost on the bus").ok());
  HttpResponse r = Call("POST", "/api/sync/batches", Batch(n, 1, 2));
  EXPECT_EQ(r.status, 403);
  const json::object e = Error(r);
  EXPECT_EQ(e.at("code").as_string(), "key_revoked");
  EXPECT_NE(std::string(e.at("message").as_string()).find("lost on the bus"), std::string::npos);
}

TEST_F(ApiTest, RefusalsUseTheContractCodes) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  HttpResponse wrong = Call("POST", "/api/sync/batches", Batch(n, 1, 2, {}, "central-hn"));
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(Error(wrong).at("code").as_string(), "wrong_central");
  std::string flipped = Batch(n, 1, 2);
  flipped[flipped.size() - sync::kSignatureBytes - 1] ^= 0x01;
  HttpResponse bad = Call("POST", "/api/sync/batches", flipped);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Error(bad).at("code").as_string(), "bad_signature");
  HttpResponse garbage = Call("POST", "/api/sync/batches", "not a batch");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Error(garbage).at("code").as_string(), "bad_request");
  HttpResponse get = Call("GET", "/api/sync/batches");
  EXPECT_EQ(get.status, 405);
}

TEST_F(ApiTest, RotateKeyReturnsTheNewKeyIdAndRetiresTheOldOne) {
  TestNode n = Enrol("desk-01", "000.00.17.H29");
  sync::SigningKey new_key = sync::SigningKey::Generate();
  const std::string pk_hex = HexEncode(new_key.public_key());
  json::object body{
      {"node_id", n.node_id},
      {"old_key_id", n.key->key_id()},
      {"new_public_key", pk_hex},
      {"signature", HexEncode(n.key->Sign(sync::RotationMessage(n.node_id, pk_hex)))}};
  HttpResponse r = Call("POST", "/api/sync/rotate-key", ToJson(body));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ParseJsonObject(r.body)->at("key_id").as_string(), new_key.key_id());

  HttpResponse old = Call("POST", "/api/sync/batches", Batch(n, 1, 2));
  EXPECT_EQ(old.status, 403);
  EXPECT_EQ(Error(old).at("code").as_string(), "key_retired");
  EXPECT_EQ(
      Call("POST", "/api/sync/batches", Batch(n, 1, 2, {}, testing::kCentralId, &new_key)).status,
      200);

  body["signature"] = std::string(128, '0');
  HttpResponse forged = Call("POST", "/api/sync/rotate-key", ToJson(body));
  EXPECT_EQ(forged.status, 422);
  EXPECT_EQ(Error(forged).at("code").as_string(), "bad_signature");
  HttpResponse malformed = Call("POST", "/api/sync/rotate-key", "{\"node_id\":1}");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(Error(malformed).at("code").as_string(), "bad_request");
}

TEST_F(ApiTest, EnrolAndBatchOverRealHttp) {
  HttpServerOptions so;
  so.threads = 2;
  so.max_body_bytes = CentralApi::kMaxRequestBytes;
  auto server = HttpServer::Start(so, [this](const HttpRequest& r) { return api_->Handle(r); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  HttpClient client("127.0.0.1", (*server)->port());

  TestNode n;
  n.node_id = "desk-01";
  n.unit_code = "000.00.17.H29";
  n.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
  n.log = testing::Chain(n.node_id, 8);
  auto token = admin_->AddNode(n.node_id, n.unit_code, "desk");
  ASSERT_TRUE(token.ok());
  auto enrolled = client.Send("POST", "/api/sync/enrol", EnrolRequestFile(n, token->token),
                              {{"Content-Type", kEnrolContentType}});
  ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;

  auto applied = client.Send("POST", "/api/sync/batches", Batch(n, 1, 6),
                             {{"Content-Type", kBatchContentType}});
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(applied->status, 200) << applied->body;
  EXPECT_EQ(applied->Header("Content-Type"), kDownSyncContentType);
  sync::DownSync ds = OpenDownSync(applied->body, n);
  EXPECT_EQ(ds.acked_seq, 6);
  auto gap = client.Send("POST", "/api/sync/batches", Batch(n, 8, 8));
  ASSERT_TRUE(gap.ok());
  EXPECT_EQ(gap->status, 409);
  EXPECT_EQ(Error(*gap).at("expected_seq").as_int64(), 7);
  (*server)->Stop();
  EXPECT_EQ(EventRows(n.node_id), 6);
}

}  // namespace
}  // namespace hoso::central
