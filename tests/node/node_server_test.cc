// Integration tests: the real hoso-node binary serving on 127.0.0.1, driven
// over real HTTP. HOSO_NODE_BIN is the path of the built binary.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "node/outbox.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "sync/http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/sample_intake.h"

namespace hoso::node {
namespace {

using hoso::testing::ChildProcess;
using hoso::testing::RunProgram;
using hoso::testing::TempDir;

const std::string kBin = HOSO_NODE_BIN;

class NodeServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.path() + "/desk";
    std::string out;
    ASSERT_EQ(RunProgram({kBin, "init", "--data", data_, "--unit-code", "000.00.17.H29", "--name",
                          "Bộ phận một cửa Sở Công Thương", "--role", "desk", "--province",
                          "Thành phố Hồ Chí Minh"},
                         &out),
              0)
        << out;
    StartServer();
  }

  void StartServer() {
    server_ = std::make_unique<ChildProcess>();
    ASSERT_TRUE(server_->StartServer({kBin, "serve", "--data", data_, "--listen", "127.0.0.1:0"}));
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    auto r = client_->Send(method, target, body, {{"Content-Type", "application/json"}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }

  // A complete intake body for the alcohol retail licence, built from the
  // procedure's own checklist as served by the node.
  json::object ValidIntake() {
    HttpResponse p = Send("GET", "/api/catalog/2.000620");
    EXPECT_EQ(p.status, 200) << p.body;
    json::object proc = ParseJsonObject(p.body).value();
    json::array docs;
    for (const auto& d : proc.at("required_documents").as_array()) {
      const auto& o = d.as_object();
      if (o.contains("optional") && o.at("optional").is_bool() && o.at("optional").as_bool()) {
        continue;
      }
      docs.push_back(json::object{{"id", o.at("id")}, {"count", o.at("count")}});
    }
    return hoso::testing::SampleIntakeBody(std::move(docs));
  }

  static std::string ErrorCode(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    if (!o.ok() || !o->contains("error")) return "<no error object: " + r.body + ">";
    return std::string(o->at("error").at("code").as_string());
  }
  static std::string ErrorField(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    if (!o.ok() || !o->contains("error")) return "";
    const auto& e = o->at("error").as_object();
    return e.contains("field") ? std::string(e.at("field").as_string()) : "";
  }

  TempDir dir_;
  std::string data_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(NodeServerTest, HealthAndNodeInfo) {
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  HttpResponse r = Send("GET", "/api/node");
  ASSERT_EQ(r.status, 200) << r.body;
  auto o = ParseJsonObject(r.body).value();
  EXPECT_EQ(o.at("unit_code").as_string(), "000.00.17.H29");
  EXPECT_EQ(o.at("name").as_string(), "Bộ phận một cửa Sở Công Thương");
}

TEST_F(NodeServerTest, IntakeOverHttpReturnsCodeSecretAndAppointment) {
  HttpResponse r = Send("POST", "/api/dossiers", ToJson(ValidIntake()));
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = ParseJsonObject(r.body).value();
  const std::string code(o.at("code").as_string());
  EXPECT_EQ(code.rfind("000.00.17.H29-", 0), 0u) << code;
  EXPECT_FALSE(o.at("lookup_secret").as_string().empty());
  EXPECT_FALSE(o.at("appointment").as_string().empty());
  // Readable back, name round-trips with its diacritics, ID masked.
  HttpResponse g = Send("GET", "/api/dossiers/" + UrlEncode(code));
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_NE(g.body.find("Nguyễn Văn Ánh"), std::string::npos);
  EXPECT_EQ(g.body.find("079203001234"), std::string::npos);
  // Found by accent-free name.
  HttpResponse s = Send("GET", "/api/dossiers?q=nguyen+van+anh");
  ASSERT_EQ(s.status, 200) << s.body;
  EXPECT_NE(s.body.find(code), std::string::npos);
  // Receipt pages.
  HttpResponse rc = Send("GET", "/dossiers/" + UrlEncode(code) + "/receipt");
  EXPECT_EQ(rc.status, 200);
  EXPECT_NE(rc.body.find(code), std::string::npos);
  EXPECT_EQ(rc.body.find("079203001234"), std::string::npos);
  HttpResponse txt = Send("GET", "/dossiers/" + UrlEncode(code) + "/receipt.txt");
  EXPECT_EQ(txt.status, 200);
  EXPECT_NE(txt.body.find(code), std::string::npos);
}

TEST_F(NodeServerTest, UnknownProcedureIsRefusedWithItsCode) {
  json::object b = ValidIntake();
  b["procedure_id"] = "9.999999";
  HttpResponse r = Send("POST", "/api/dossiers", ToJson(b));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(ErrorCode(r), "unknown_procedure");
  EXPECT_EQ(ErrorField(r), "procedure_id");
}

TEST_F(NodeServerTest, ProcedureNotInForceIsRefused) {
  json::object b = ValidIntake();
  b["received_at"] = "1999-03-12T09:00:00+07:00";
  HttpResponse r = Send("POST", "/api/dossiers", ToJson(b));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCode(r), "procedure_not_in_force");
}

TEST_F(NodeServerTest, MissingDocumentGivesIncompleteDossierAndGuidanceSlip) {
  json::object b = ValidIntake();
  b["documents"].as_array().erase(b["documents"].as_array().begin());
  HttpResponse r = Send("POST", "/api/dossiers", ToJson(b));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(ErrorCode(r), "incomplete_dossier");
  auto o = ParseJsonObject(r.body).value();
  ASSERT_TRUE(o.contains("missing"));
  EXPECT_EQ(o.at("missing").as_array().size(), 1u);
  HttpResponse slip = Send("POST", "/api/guidance-slip", ToJson(b));
  EXPECT_EQ(slip.status, 200) << slip.body;
  EXPECT_NE(slip.content_type.find("text/html"), std::string::npos);
  // Nothing was recorded.
  HttpResponse s = Send("GET", "/api/dossiers?q=nguyen");
  EXPECT_EQ(ParseJsonObject(s.body).value().at("count").as_int64(), 0);
}

TEST_F(NodeServerTest, MalformedIdNumberNamesTheField) {
  json::object b = ValidIntake();
  b["applicant"].as_object()["id_number"] = "07920300123";  // 11 digits
  HttpResponse r = Send("POST", "/api/dossiers", ToJson(b));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorCode(r), "invalid_argument");
  EXPECT_EQ(ErrorField(r), "applicant.id_number");
}

TEST_F(NodeServerTest, OversizedBodyIsRefusedAndServerKeepsServing) {
  std::string big = "{\"procedure_id\":\"" + std::string(2 << 20, 'x') + "\"}";
  auto r = client_->Send("POST", "/api/dossiers", big, {{"Content-Type", "application/json"}});
  if (r.ok()) {
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(ErrorCode(*r), "body_too_large");
  }  // else the server closed the connection while the body was still coming
  HttpClient fresh("127.0.0.1", server_->port());
  auto h = fresh.Send("GET", "/healthz");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->status, 200);
}

TEST_F(NodeServerTest, BadUtf8AndMalformedJsonAreBadRequests) {
  HttpResponse r = Send("POST", "/api/dossiers", "{\"procedure_id\":\"\xC3\x28\"}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "bad_request");
  EXPECT_NE(r.body.find("UTF-8"), std::string::npos) << r.body;
  HttpResponse j = Send("POST", "/api/dossiers", "{\"procedure_id\": ");
  EXPECT_EQ(j.status, 400);
  EXPECT_EQ(ErrorCode(j), "bad_request");
}

TEST_F(NodeServerTest, UnknownRouteAndWrongMethod) {
  HttpResponse r = Send("GET", "/api/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "not_found");
  HttpResponse m = Send("DELETE", "/api/dossiers");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(ErrorCode(m), "method_not_allowed");
}

TEST_F(NodeServerTest, QueueTicketsCallAndDisplay) {
  HttpResponse t1 = Send("POST", "/api/tickets", R"({"counter_group":"A"})");
  ASSERT_EQ(t1.status, 201) << t1.body;
  HttpResponse t2 = Send("POST", "/api/tickets", R"({"counter_group":"A"})");
  ASSERT_EQ(t2.status, 201);
  EXPECT_EQ(ParseJsonObject(t1.body).value().at("display").as_string(), "A001");
  EXPECT_EQ(ParseJsonObject(t2.body).value().at("display").as_string(), "A002");
  HttpResponse c = Send("POST", "/api/queue/call-next", R"({"counter_group":"A","counter":"3"})");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(ParseJsonObject(c.body).value().at("display").as_string(), "A001");
  HttpResponse d = Send("GET", "/api/queue/display");
  ASSERT_EQ(d.status, 200);
  EXPECT_NE(d.body.find("A001"), std::string::npos);
  EXPECT_NE(d.body.find("A002"), std::string::npos);
  EXPECT_EQ(Send("GET", "/display").status, 200);
  EXPECT_EQ(Send("GET", "/").status, 200);
}

TEST_F(NodeServerTest, HandBackAfterResultArrived) {
  HttpResponse r = Send("POST", "/api/dossiers", ToJson(ValidIntake()));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string code(ParseJsonObject(r.body).value().at("code").as_string());
  const std::string hb = R"({"recipient_kind":"owner","recipient_name":"Nguyễn Văn Ánh",
      "recipient_id_number":"079203001234","clerk":"Lê Thu Hà"})";
  HttpResponse early = Send("POST", "/api/dossiers/" + code + "/hand-back", hb);
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_EQ(ErrorCode(early), "conflict");
  HttpResponse ra =
      Send("POST", "/api/dossiers/" + code + "/result-arrived", R"({"clerk":"Lê Thu Hà"})");
  ASSERT_EQ(ra.status, 200) << ra.body;
  HttpResponse done = Send("POST", "/api/dossiers/" + code + "/hand-back", hb);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(ParseJsonObject(done.body).value().at("status").as_int64(), 10);
  EXPECT_EQ(done.body.find("079203001234"), std::string::npos);
}

// The CLI reaches the same actions as the API on the same data directory.
TEST_F(NodeServerTest, CliIntakeRevealLogAndGuidanceSlip) {
  json::object body = ValidIntake();  // its checklist comes from the running node
  server_->Stop();                     // the CLI works on the directory alone, offline
  const std::string body_path = dir_.path() + "/intake.json";
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(body_path, ToJson(body), 0600).ok());
  std::string out;
  ASSERT_EQ(RunProgram({kBin, "intake", "--data", data_, "--json", body_path, "--format", "json"},
                       &out),
            0)
      << out;
  const std::string code(ParseJsonObject(out.substr(out.find('{'))).value().at("code").as_string());

  EXPECT_NE(RunProgram({kBin, "reveal-id", "--data", data_, code, "--viewer", "Lê Thu Hà"}, &out),
            0);  // a reason is required
  ASSERT_EQ(RunProgram({kBin, "reveal-id", "--data", data_, code, "--viewer", "Lê Thu Hà",
                        "--reason", "đối chiếu CCCD"},
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("079203001234"), std::string::npos);
  ASSERT_EQ(RunProgram({kBin, "id-views", "--data", data_, "--json"}, &out), 0) << out;
  EXPECT_NE(out.find("đối chiếu CCCD"), std::string::npos);
  EXPECT_NE(out.find(code), std::string::npos);

  body["documents"].as_array().erase(body["documents"].as_array().begin());
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(body_path, ToJson(body), 0600).ok());
  EXPECT_NE(RunProgram({kBin, "intake", "--data", data_, "--json", body_path}, &out), 0);
  EXPECT_NE(out.find("incomplete dossier"), std::string::npos) << out;
  ASSERT_EQ(RunProgram({kBin, "guidance-slip", "--data", data_, "--json", body_path}, &out), 0)
      << out;
  EXPECT_NE(out.find("<html"), std::string::npos);
  EXPECT_NE(out.find("Nguyễn Văn Ánh"), std::string::npos);
}

// SIGKILL at random moments during a stream of intakes: every acknowledged
// dossier survives, no dossier lacks its event, the event sequence has no gap
// and the hash chain verifies.
TEST_F(NodeServerTest, KillDuringIntakeStreamLosesNothingAndLeavesNoGap) {
  const std::string body = ToJson(ValidIntake());
  std::set<std::string> acknowledged;
  std::mt19937 rng(20261125);
  constexpr int kKills = 50;
  for (int i = 0; i < kKills; ++i) {
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      HttpClientOptions options;
      options.connect_timeout_ms = 1000;
      options.timeout_ms = 2000;
      options.max_response_bytes = 1 << 20;
      HttpClient c("127.0.0.1", server_->port(), options);
      while (!stop.load()) {
        auto r = c.Send("POST", "/api/dossiers", body, {{"Content-Type", "application/json"}});
        if (!r.ok()) break;  // the server is gone
        if (r->status == 201) {
          acknowledged.insert(std::string(ParseJsonObject(r->body).value().at("code").as_string()));
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    server_->Kill();
    stop = true;
    writer.join();
    StartServer();
  }
  server_->Stop();

  auto db = Database::Open(data_ + "/node.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  // Every acknowledged dossier is there.
  for (const std::string& code : acknowledged) {
    auto st = (*db)->Prepare("SELECT count(*) FROM dossiers WHERE code = ?1");
    ASSERT_TRUE(st.ok());
    st->Bind(1, code);
    ASSERT_TRUE(st->Step().value());
    EXPECT_EQ(st->ColumnInt(0), 1) << code;
  }
  // Dossiers and their intake events match one to one.
  auto n_dossiers = (*db)->Prepare("SELECT count(*) FROM dossiers");
  ASSERT_TRUE(n_dossiers->Step().value());
  auto n_events = (*db)->Prepare(
      "SELECT count(*), min(seq), max(seq) FROM outbox_events WHERE type = 'dossier_received'");
  ASSERT_TRUE(n_events->Step().value());
  EXPECT_EQ(n_dossiers->ColumnInt(0), n_events->ColumnInt(0));
  EXPECT_GE(n_dossiers->ColumnInt(0), static_cast<int64_t>(acknowledged.size()));
  auto all = (*db)->Prepare("SELECT count(*), min(seq), max(seq) FROM outbox_events");
  ASSERT_TRUE(all->Step().value());
  EXPECT_EQ(all->ColumnInt(1), 1);
  EXPECT_EQ(all->ColumnInt(2), all->ColumnInt(0)) << "gap in the event sequence";
  EXPECT_TRUE(VerifyChain(**db).ok());
  std::cout << "[kill loop] " << kKills << " kills, " << acknowledged.size()
            << " acknowledged intakes, " << n_dossiers->ColumnInt(0) << " stored\n";
}

}  // namespace
}  // namespace hoso::node
