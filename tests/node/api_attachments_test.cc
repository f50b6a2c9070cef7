// The attachment routes of the real hoso-node binary over real HTTP on
// 127.0.0.1 (HOSO_NODE_BIN): raw uploads, content checks, the body cap that
// admits files but not large JSON, and reading the files back.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "schema/attachment.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "tests/testing/child_process.h"
#include "tests/testing/sample_intake.h"

namespace hoso::node {
namespace {

using hoso::testing::ChildProcess;
using hoso::testing::RunProgram;
using hoso::testing::TempDir;

const std::string kBin = HOSO_NODE_BIN;

class ApiAttachmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.path() + "/desk";
    std::string out;
    ASSERT_EQ(RunProgram({kBin, "init", "--data", data_, "--unit-code", "000.00.17.H29", "--name",
                          "Bộ phận một cửa", "--province", "Thành phố Hồ Chí Minh"},
                         &out),
              0)
        << out;
    server_ = std::make_unique<ChildProcess>();
    ASSERT_TRUE(server_->StartServer({kBin, "serve", "--data", data_, "--listen", "127.0.0.1:0"}));
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    code_ = Intake();
  }

  HttpResponse Send(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    const std::string& content_type = "application/json") {
    auto r = client_->Send(method, target, body, {{"Content-Type", content_type}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }

  // A complete intake built from the procedure's own checklist.
  std::string Intake() {
    json::object proc = ParseJsonObject(Send("GET", "/api/catalog/2.000620").body).value();
    json::array docs;
    for (const auto& d : proc.at("required_documents").as_array()) {
      const auto& o = d.as_object();
      if (o.contains("optional") && o.at("optional").is_bool() && o.at("optional").as_bool()) {
        continue;
      }
      docs.push_back(json::object{{"id", o.at("id")}, {"count", o.at("count")}});
    }
    json::object body = hoso::testing::SampleIntakeBody(std::move(docs));
    HttpResponse r = Send("POST", "/api/dossiers", ToJson(body));
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(ParseJsonObject(r.body).value().at("code").as_string());
  }

  static std::string ErrorCode(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    if (!o.ok() || !o->contains("error")) return "<no error object: " + r.body + ">";
    return std::string(o->at("error").at("code").as_string());
  }

  TempDir dir_;
  std::string data_;
  std::string code_;
  std::unique_ptr<ChildProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ApiAttachmentsTest, AnUploadedScanIsListedServedAndPartOfTheDossier) {
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(300'000, '\x11');
  const std::string target = "/api/dossiers/" + code_ +
                             "/attachments?name=" + UrlEncode("giấy đề nghị.png") +
                             "&doc=don-de-nghi&clerk=" + UrlEncode("Lê Thu Hà");
  HttpResponse r = Send("POST", target, png, "image/png");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object a = ParseJsonObject(r.body).value();
  const std::string hash(a.at("hash").as_string());
  EXPECT_EQ(hash, Blake2bHex(png));
  EXPECT_EQ(std::string(a.at("file_name").as_string()), "giấy đề nghị.png");
  EXPECT_EQ(std::string(a.at("document_id").as_string()), "don-de-nghi");
  EXPECT_EQ(std::string(a.at("media_type").as_string()), "image/png");
  EXPECT_EQ(a.at("chunk_count").as_int64(), 2);
  EXPECT_FALSE(a.at("already_attached").as_bool());

  HttpResponse again = Send("POST", target, png, "image/png");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(ParseJsonObject(again.body).value().at("already_attached").as_bool());

  json::object dossier = ParseJsonObject(Send("GET", "/api/dossiers/" + code_).body).value();
  ASSERT_EQ(dossier.at("attachments").as_array().size(), 1u);
  EXPECT_EQ(std::string(dossier.at("attachments").as_array()[0].at("hash").as_string()), hash);
  json::object list =
      ParseJsonObject(Send("GET", "/api/dossiers/" + code_ + "/attachments").body).value();
  EXPECT_EQ(list.at("attachments").as_array().size(), 1u);

  HttpResponse file = Send("GET", "/api/attachments/" + hash);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.content_type, "image/png");
  EXPECT_EQ(file.Header("Cache-Control"), "no-store");
  EXPECT_TRUE(file.body == png);
  EXPECT_EQ(Send("GET", "/api/attachments/" + std::string(64, '0')).status, 404);
}

TEST_F(ApiAttachmentsTest, ContentThatIsNotAScanIs415WhateverItClaimsToBe) {
  HttpResponse exe = Send("POST", "/api/dossiers/" + code_ + "/attachments?name=scan.pdf",
                          std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + "xxxx", "application/pdf");
  EXPECT_EQ(exe.status, 415) << exe.body;
  EXPECT_EQ(ErrorCode(exe), "unsupported_media_type");
  EXPECT_NE(exe.body.find("4d 5a 90 00"), std::string::npos) << exe.body;
  HttpResponse empty = Send("POST", "/api/dossiers/" + code_ + "/attachments", "", "image/png");
  EXPECT_EQ(empty.status, 415);
  json::object dossier = ParseJsonObject(Send("GET", "/api/dossiers/" + code_).body).value();
  EXPECT_TRUE(dossier.at("attachments").as_array().empty());
}

TEST_F(ApiAttachmentsTest, AFileOverTheCapIs413AndLargeJsonStaysRefused) {
  const std::string big = "%PDF-" + std::string(kMaxAttachmentBytes - 4, 'x');
  HttpResponse r = Send("POST", "/api/dossiers/" + code_ + "/attachments", big, "application/pdf");
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(ErrorCode(r), "body_too_large");
  // Just under the cap is accepted: the server admits files this large.
  HttpResponse fits = Send("POST", "/api/dossiers/" + code_ + "/attachments",
                           big.substr(0, big.size() - 1), "application/pdf");
  EXPECT_EQ(fits.status, 201) << fits.body.substr(0, 200);
  // JSON routes keep their own 1 MiB cap.
  HttpResponse json =
      Send("POST", "/api/tickets", "{\"counter_group\":\"" + std::string(2 << 20, 'A') + "\"}");
  EXPECT_EQ(json.status, 413);
  EXPECT_EQ(ErrorCode(json), "body_too_large");
}

TEST_F(ApiAttachmentsTest, AnUnknownDossierIs404) {
  HttpResponse r = Send("POST", "/api/dossiers/000.00.17.H29-260312-0999/attachments", "%PDF-1.4 x",
                        "application/pdf");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(ErrorCode(r), "not_found");
}

}  // namespace
}  // namespace hoso::node
