// The courier's HTTP routes (node/api_courier.cc) over real HTTP on
// 127.0.0.1, the courier page served by the courier's own node, and the
// `hoso-node courier` commands run as a real process.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "node/api.h"
#include "node/courier.h"
#include "node/desk.h"
#include "node/node_store.h"
#include "schema/attachment.h"
#include "schema/data_dir.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/testing/child_process.h"

namespace hoso::node {
namespace {

constexpr char kWaybill[] = "EB000000195VN";
constexpr char kDossier[] = "000.00.17.H29-260312-0001";
constexpr char kAddressee[] = "Nguyễn Văn Ánh";

std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

std::string Png() { return std::string("\x89PNG\r\n\x1A\n", 8) + std::string(2000, '\x05'); }

// Percent-encodes a query value (UTF-8 bytes as %XX).
std::string Enc(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class CourierApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/hoso-courier-api-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    suite_dir_ = tmpl;
    for (const char* role : {"courier", "desk"}) {
      InitOptions o;
      o.identity = {std::string(role) + "-h29-01", "Bưu tá Quận 1", "000.00.18.H29", role,
                    "Thành phố Hồ Chí Minh", 1'773'300'000'000};
      o.source_data_dir = DataDir();
      Status s = NodeStore::Init(suite_dir_ + "/" + role, o);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(suite_dir_); }

  void SetUp() override {
    dir_ = suite_dir_ + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::copy(suite_dir_ + "/courier", dir_, std::filesystem::copy_options::recursive);
    Serve(dir_);
    auto txn = Transaction::Begin(store_->db());
    ASSERT_TRUE(txn.ok());
    json::object item{{"kind", "assignment"},
                      {"assignment_id", "a-1"},
                      {"waybill", kWaybill},
                      {"dossier_code", kDossier},
                      {"recipient_name", kAddressee},
                      {"phone", "0903123456"},
                      {"address", "12 Lê Lợi, Phường Bến Nghé, Quận 1"},
                      {"postal_fee_vnd", 35000},
                      {"procedure_name", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá"},
                      {"assigned_at_ms", int64_t{1'773'300'000'000}}};
    ASSERT_TRUE(ApplyCourierItem(store_->db(), item, 1'773'300'000'000).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }

  void Serve(const std::string& dir) {
    if (server_) server_->Stop();
    server_.reset();
    client_.reset();
    api_.reset();
    desk_.reset();
    store_.reset();
    auto store = NodeStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    desk_ = std::make_unique<Desk>(store_.get(), Desk::Options{});
    api_ = std::make_unique<DeskApi>(store_.get(), desk_.get());
    HttpServerOptions so;
    so.max_body_bytes = DeskApi::kMaxRequestBodyBytes;
    auto server = HttpServer::Start(so, [this](const HttpRequest& r) { return api_->Handle(r); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    client_.reset();
    api_.reset();
    desk_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    auto r = client_->Send(method, target, body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  static json::object J(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    EXPECT_TRUE(o.ok()) << r.body;
    return o.ok() ? *o : json::object{};
  }
  static std::string ErrorCode(const HttpResponse& r) {
    json::object o = J(r);
    if (!o.contains("error")) return "";
    return std::string(o["error"].as_object()["code"].as_string());
  }
  std::string Action(const std::string& what) {
    return std::string("/api/courier/shipments/") + kWaybill + "/" + what;
  }
  std::string DeliverTarget(const std::string& id_suffix = "1234") {
    return Action("deliver") + "?recipient_name=" + Enc("Trần Thị Bình") +
           "&relation=" + Enc("vợ") + "&id_suffix=" + id_suffix + "&actor=" + Enc("Phạm Văn Cường");
  }

  inline static std::string suite_dir_;
  std::string dir_;
  std::unique_ptr<NodeStore> store_;
  std::unique_ptr<Desk> desk_;
  std::unique_ptr<DeskApi> api_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(CourierApiTest, ListsTodaysAssignmentsWithDiacriticsIntact) {
  HttpResponse r = Call("GET", "/api/courier/shipments");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object o = J(r);
  EXPECT_EQ(o["count"].as_int64(), 1);
  json::object s = o["shipments"].as_array()[0].as_object();
  EXPECT_EQ(s["waybill"].as_string(), kWaybill);
  EXPECT_EQ(s["recipient_name"].as_string(), kAddressee);
  EXPECT_EQ(s["state"].as_string(), "requested");
  EXPECT_EQ(s["allowed"].as_array().size(), 1u);
  EXPECT_EQ(s["allowed"].as_array()[0].as_string(), "pick_up");
}

TEST_F(CourierApiTest, ShowsOneShipmentAndRefusesAnUnknownWaybill) {
  HttpResponse r = Call("GET", std::string("/api/courier/shipments/") + kWaybill);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(J(r)["dossier_code"].as_string(), kDossier);
  HttpResponse unknown = Call("GET", "/api/courier/shipments/EB000000204VN");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "unknown_waybill");
  HttpResponse act = Call("POST", "/api/courier/shipments/EB000000204VN/pickup", "{}");
  EXPECT_EQ(act.status, 404);
  EXPECT_EQ(ErrorCode(act), "unknown_waybill");
}

TEST_F(CourierApiTest, RecordsEveryActionThroughToDelivery) {
  EXPECT_EQ(Call("POST", Action("pickup"), R"({"actor":"Phạm Văn Cường"})").status, 200);
  EXPECT_EQ(Call("POST", Action("out"), "").status, 200);
  EXPECT_EQ(Call("POST", Action("fail"), R"({"reason":"not_home"})").status, 200);
  EXPECT_EQ(Call("POST", Action("hold"), R"({"post_office":"Bưu cục Bến Thành"})").status, 200);
  HttpResponse d = Call("POST", DeliverTarget(), Png());
  ASSERT_EQ(d.status, 200) << d.body;
  json::object s = J(d);
  EXPECT_EQ(s["state"].as_string(), "delivered");
  EXPECT_EQ(s["proof_hash"].as_string(), Blake2bHex(Png()));
  auto name = store_->db().Prepare(
      "SELECT json_extract(payload, '$.recipient_name') FROM outbox_events "
      "WHERE type = 'shipment_delivered'");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  ASSERT_TRUE(name->Step().value());
  EXPECT_EQ(name->ColumnText(0), "Trần Thị Bình");
}

TEST_F(CourierApiTest, ReturnsToTheAgencyAfterAFailedAttempt) {
  Call("POST", Action("pickup"), "{}");
  Call("POST", Action("out"), "{}");
  Call("POST", Action("fail"), R"({"reason":"wrong_address"})");
  HttpResponse r = Call("POST", Action("return"), R"({"reason":"sai địa chỉ"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(J(r)["state"].as_string(), "returned_to_agency");
}

TEST_F(CourierApiTest, AnInvalidTransitionIs409) {
  HttpResponse r = Call("POST", Action("out"), "{}");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorCode(r), "invalid_transition");
  HttpResponse d = Call("POST", DeliverTarget(), Png());
  EXPECT_EQ(d.status, 409);
  EXPECT_EQ(ErrorCode(d), "invalid_transition");
}

TEST_F(CourierApiTest, AMissingFieldIs400NamingIt) {
  Call("POST", Action("pickup"), "{}");
  Call("POST", Action("out"), "{}");
  HttpResponse fail = Call("POST", Action("fail"), "{}");
  EXPECT_EQ(fail.status, 400);
  EXPECT_EQ(ErrorCode(fail), "missing_field");
  EXPECT_EQ(J(fail)["error"].as_object()["field"].as_string(), "reason");
  HttpResponse hold = Call("POST", Action("hold"), "{}");
  EXPECT_EQ(J(hold)["error"].as_object()["field"].as_string(), "post_office");
  HttpResponse no_proof = Call("POST", DeliverTarget(), "");
  EXPECT_EQ(no_proof.status, 400);
  EXPECT_EQ(J(no_proof)["error"].as_object()["field"].as_string(), "proof");
  HttpResponse whole_id = Call("POST", DeliverTarget("079203001234"), Png());
  EXPECT_EQ(whole_id.status, 400);
  EXPECT_EQ(J(whole_id)["error"].as_object()["field"].as_string(), "id_suffix");
  HttpResponse bad_json = Call("POST", Action("fail"), "{not json");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(ErrorCode(bad_json), "bad_request");
}

TEST_F(CourierApiTest, AProofThatIsNotAnImageIs415AndATooLargeOne413) {
  Call("POST", Action("pickup"), "{}");
  Call("POST", Action("out"), "{}");
  HttpResponse pdf = Call("POST", DeliverTarget(), "%PDF-1.7\n" + std::string(100, 'x'));
  EXPECT_EQ(pdf.status, 415);
  EXPECT_EQ(ErrorCode(pdf), "unsupported_media_type");
  HttpResponse big = Call("POST", DeliverTarget(),
                          std::string("\xFF\xD8\xFF", 3) + std::string(kMaxProofBytes, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(ErrorCode(big), "proof_too_large");
  EXPECT_EQ(J(Call("GET", std::string("/api/courier/shipments/") + kWaybill))["state"].as_string(),
            "out_for_delivery");
}

TEST_F(CourierApiTest, TheCourierNodeServesTheCourierPageAtRootAndCourier) {
  for (const char* path : {"/", "/courier"}) {
    HttpResponse r = Call("GET", path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_NE(r.body.find("id=\"shipment-list\""), std::string::npos) << path;
    EXPECT_NE(r.body.find("id=\"signature-pad\""), std::string::npos) << path;
    EXPECT_EQ(r.body.find("http://"), std::string::npos) << "no external assets";
    EXPECT_EQ(r.body.find("https://"), std::string::npos) << "no external assets";
  }
}

TEST_F(CourierApiTest, ADeskNodeKeepsItsDeskPageAtRoot) {
  const std::string desk_dir = dir_ + "-desk";
  std::filesystem::copy(suite_dir_ + "/desk", desk_dir, std::filesystem::copy_options::recursive);
  Serve(desk_dir);
  HttpResponse root = Call("GET", "/");
  EXPECT_EQ(root.body.find("id=\"signature-pad\""), std::string::npos);
  EXPECT_NE(root.body.find("id=\"tab-intake\""), std::string::npos);
  EXPECT_EQ(Call("GET", "/courier").status, 200);
  std::filesystem::remove_all(desk_dir);
}

TEST_F(CourierApiTest, TheCliListsAndRecordsActions) {
  TearDown();  // the CLI opens the directory itself
  dir_ = suite_dir_ + "/cli";
  std::filesystem::copy(suite_dir_ + "/courier", dir_, std::filesystem::copy_options::recursive);
  {
    auto store = NodeStore::Open(dir_);
    ASSERT_TRUE(store.ok());
    auto txn = Transaction::Begin((*store)->db());
    ASSERT_TRUE(txn.ok());
    json::object item{{"kind", "assignment"},        {"assignment_id", "a-1"},
                      {"waybill", kWaybill},          {"dossier_code", kDossier},
                      {"recipient_name", kAddressee}, {"address", "12 Lê Lợi"},
                      {"postal_fee_vnd", 35000},      {"procedure_name", "Thủ tục"},
                      {"assigned_at_ms", int64_t{1}}};
    ASSERT_TRUE(ApplyCourierItem((*store)->db(), item, 1).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  const std::string bin = HOSO_NODE_BIN;
  std::string out;
  EXPECT_EQ(testing::RunProgram({bin, "courier", "list", "--data", dir_, "--json"}, &out), 0)
      << out;
  EXPECT_NE(out.find(kAddressee), std::string::npos) << out;
  EXPECT_EQ(testing::RunProgram({bin, "courier", "out", "--data", dir_, kWaybill}, &out), 1);
  EXPECT_NE(out.find("cannot go_out_for_delivery"), std::string::npos) << out;
  EXPECT_EQ(testing::RunProgram({bin, "courier", "pickup", "--data", dir_, kWaybill}, &out), 0)
      << out;
  EXPECT_EQ(testing::RunProgram({bin, "courier", "out", "--data", dir_, kWaybill, "--json"}, &out),
            0);
  EXPECT_NE(out.find("\"out_for_delivery\""), std::string::npos) << out;
  const std::string proof = dir_ + "/sig.png";
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(proof, Png(), 0600).ok());
  EXPECT_EQ(testing::RunProgram({bin, "courier", "deliver", "--data", dir_, kWaybill,
                                 "--recipient-name", "Trần Thị Bình", "--id-suffix", "1234",
                                 "--relation", "vợ", "--proof", proof, "--json"},
                                &out),
            0)
      << out;
  EXPECT_NE(out.find(Blake2bHex(Png())), std::string::npos) << out;
  EXPECT_EQ(testing::RunProgram({bin, "courier", "show", "--data", dir_, "EB000000204VN"}, &out),
            1);
  EXPECT_NE(out.find("no shipment"), std::string::npos) << out;
  EXPECT_EQ(testing::RunProgram({bin, "courier", "fail", "--help"}, &out), 0);
  EXPECT_NE(out.find("--reason"), std::string::npos);
  std::filesystem::remove_all(dir_);
}

}  // namespace
}  // namespace hoso::node
