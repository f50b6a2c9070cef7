// The real hoso-central binary (HOSO_CENTRAL_BIN): its commands, their
// output and exit codes, and `serve` over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "central/audit.h"
#include "central/central_store.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "sync/batch.h"
#include "sync/http_client.h"
#include "sync/keys.h"
#include "tests/central/central_test_util.h"
#include "tests/testing/child_process.h"

namespace hoso::central {
namespace {

using hoso::testing::ChildProcess;
using hoso::testing::RunProgram;
using hoso::testing::TempDir;

const std::string kBin = HOSO_CENTRAL_BIN;

class CentralMainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = tmp_.path() + "/central";
    ASSERT_EQ(Run({"init", "--data", data_, "--central-id", "central-hcm", "--source-data",
                   testing::DataDir()}),
              0)
        << out_;
  }
  int Run(std::vector<std::string> args, const std::string& stdin_data = "") {
    args.insert(args.begin(), kBin);
    out_.clear();
    return RunProgram(args, &out_, stdin_data);
  }
  void Write(const std::string& path, const std::string& bytes) {
    ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(path, bytes, 0644).ok());
  }
  // Adds a node with the CLI and writes its enrolment request file.
  std::string AddAndRequest(const std::string& node_id, const sync::SigningKey& key) {
    EXPECT_EQ(Run({"node", "add", "--data", data_, "--id", node_id, "--unit-code", "000.00.17.H29",
                   "--role", "desk"}),
              0)
        << out_;
    const std::string token = out_.substr(0, out_.find('\n'));
    EXPECT_EQ(token.size(), 52u) << out_;
    sync::EnrolRequest req;
    req.node_id = node_id;
    req.unit_code = "000.00.17.H29";
    req.role = "desk";
    req.token = token;
    const std::string path = tmp_.path() + "/" + node_id + "-enrol.hoso";
    Write(path, *sync::EncodeEnrolRequest(req, key, testing::kT0));
    return path;
  }

  TempDir tmp_;
  std::string data_;
  std::string out_;
};

TEST_F(CentralMainTest, EveryCommandHasHelpAndUnknownOnesFail) {
  for (const char* cmd :
       {"init", "serve", "node", "import", "key", "dict", "waybill", "user", "shipment",
        "report"}) {
    EXPECT_EQ(Run({cmd, "--help"}), 0) << cmd;
    EXPECT_NE(out_.find(std::string("hoso-central ") + cmd), std::string::npos) << out_;
  }
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({"node", "add", "--data", data_, "--id", "desk-01"}), 2);
  EXPECT_EQ(out_, "hoso-central: missing required option --unit-code\n");
}

TEST_F(CentralMainTest, ShipmentCommandsListShowAssignAndCreatePending) {
  ASSERT_EQ(Run({"shipment", "list", "--data", data_, "--json"}), 0) << out_;
  auto listed = ParseJsonObject(out_);
  ASSERT_TRUE(listed.ok()) << out_;
  EXPECT_EQ(listed->at("shipments").as_array().size(), 0u);
  EXPECT_EQ(listed->at("pending").as_array().size(), 0u);
  ASSERT_EQ(Run({"shipment", "list", "--data", data_, "--state", "delivered"}), 0) << out_;
  EXPECT_EQ(out_, "0 shipment(s)\n");
  EXPECT_EQ(Run({"shipment", "list", "--data", data_, "--state", "lost"}), 2);
  EXPECT_EQ(Run({"shipment", "show", "--data", data_, "EB000000019VN"}), 1);
  EXPECT_EQ(Run({"shipment", "assign", "--data", data_, "EB000000019VN", "--courier", "c-01"}), 1);
  EXPECT_EQ(out_.rfind("hoso-central: not_found: ", 0), 0u) << out_;
  EXPECT_EQ(Run({"shipment", "create-pending", "--data", data_}), 0) << out_;
  EXPECT_EQ(Run({"shipment", "frob", "--data", data_}), 2);
}

TEST_F(CentralMainTest, InitTwiceFailsWithOneLine) {
  EXPECT_EQ(Run({"init", "--data", data_}), 1);
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 1) << out_;
}

TEST_F(CentralMainTest, KeyShowPrintsWhatNodesPin) {
  ASSERT_EQ(Run({"key", "show", "--data", data_, "--json"}), 0) << out_;
  auto o = ParseJsonObject(out_);
  ASSERT_TRUE(o.ok()) << out_;
  EXPECT_EQ(o->at("central_id").as_string(), "central-hcm");
  auto pk = sync::PublicKeyFromHex(std::string(o->at("public_key").as_string()));
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(o->at("key_id").as_string(), sync::KeyIdOf(*pk));
}

TEST_F(CentralMainTest, ImportEnrolsAppliesOnceAndExitsNonZeroOnRefusal) {
  sync::SigningKey key = sync::SigningKey::Generate();
  const std::string request = AddAndRequest("desk-01", key);
  ASSERT_EQ(Run({"import", "--data", data_, request}), 0) << out_;
  EXPECT_NE(out_.find(": enrolled node desk-01 -> "), std::string::npos) << out_;

  const std::vector<sync::BatchEvent> log = testing::Chain("desk-01", 9);
  auto batch = [&](int64_t first, int64_t last) {
    return *sync::EncodeBatch("central-hcm", "desk-01", testing::Slice(log, first, last), first,
                              first == 1 ? GenesisHash() : log[first - 2].hash, key,
                              sync::EncodeOptions(), testing::kT0);
  };
  const std::string b1 = tmp_.path() + "/b1.hoso";
  Write(b1, batch(1, 5));
  const std::string out_dir = tmp_.path() + "/answers";
  ASSERT_EQ(Run({"import", "--data", data_, b1, "--out", out_dir}), 0) << out_;
  EXPECT_NE(
      out_.find("b1.hoso: applied seq 1..5, 5 new, acked 5 -> " + out_dir + "/desk-01-downsync-5-"),
      std::string::npos)
      << out_;
  ASSERT_EQ(Run({"import", "--data", data_, b1, "--out", out_dir}), 0) << out_;
  EXPECT_NE(out_.find("b1.hoso: duplicate"), std::string::npos) << out_;

  const std::string gap = tmp_.path() + "/gap.hoso";
  Write(gap, batch(7, 9));
  EXPECT_EQ(Run({"import", "--data", data_, b1, gap}), 1) << out_;
  EXPECT_NE(out_.find("gap.hoso: refused sequence_gap"), std::string::npos) << out_;

  ASSERT_EQ(Run({"node", "list", "--data", data_, "--json"}), 0) << out_;
  auto o = ParseJsonObject(out_);
  ASSERT_TRUE(o.ok()) << out_;
  const json::object& node = o->at("nodes").as_array().at(0).as_object();
  EXPECT_EQ(node.at("node_id").as_string(), "desk-01");
  EXPECT_EQ(node.at("state").as_string(), "active");
  EXPECT_EQ(node.at("high_water_seq").as_int64(), 5);
  EXPECT_TRUE(node.at("last_seen").is_string());
}

TEST_F(CentralMainTest, DictCommandsTrainListRetireAndExport) {
  EXPECT_EQ(Run({"dict", "train", "--data", data_}), 1);
  EXPECT_NE(out_.find("training needs at least 50 events"), std::string::npos) << out_;
  EXPECT_EQ(std::count(out_.begin(), out_.end(), '\n'), 1) << out_;

  sync::SigningKey key = sync::SigningKey::Generate();
  ASSERT_EQ(Run({"import", "--data", data_, AddAndRequest("desk-01", key)}), 0) << out_;
  const std::vector<sync::BatchEvent> log = testing::Chain("desk-01", 120);
  const std::string batch = tmp_.path() + "/b.hoso";
  Write(batch, *sync::EncodeBatch("central-hcm", "desk-01", log, 1, GenesisHash(), key,
                                  sync::EncodeOptions(), testing::kT0));
  ASSERT_EQ(Run({"import", "--data", data_, batch}), 0) << out_;

  ASSERT_EQ(Run({"dict", "train", "--data", data_, "--size", "2048", "--json"}), 0) << out_;
  auto trained = ParseJsonObject(out_);
  ASSERT_TRUE(trained.ok()) << out_;
  EXPECT_EQ(trained->at("dict_id").as_int64(), 1);
  EXPECT_EQ(trained->at("sample_count").as_int64(), 120);
  EXPECT_LE(trained->at("size_bytes").as_int64(), 2048);
  ASSERT_EQ(Run({"dict", "list", "--data", data_}), 0) << out_;
  EXPECT_EQ(out_.rfind("1  published (offered)  ", 0), 0u) << out_;
  const std::string exported = tmp_.path() + "/dict-1.zdict";
  ASSERT_EQ(Run({"dict", "export", "--data", data_, "1", "--out", exported}), 0) << out_;
  EXPECT_EQ(PosixFileSystem()->ReadFile(exported)->size(),
            static_cast<size_t>(trained->at("size_bytes").as_int64()));
  ASSERT_EQ(Run({"dict", "retire", "--data", data_, "1"}), 0) << out_;
  EXPECT_EQ(Run({"dict", "retire", "--data", data_, "1"}), 1) << out_;
  EXPECT_NE(out_.find("already retired"), std::string::npos) << out_;
  EXPECT_EQ(Run({"dict", "retire", "--data", data_, "one"}), 2) << out_;
  ASSERT_EQ(Run({"dict", "list", "--data", data_, "--json"}), 0) << out_;
  EXPECT_EQ(ParseJsonObject(out_)->at("dictionaries").as_array().at(0).at("state").as_string(),
            "retired");
}

TEST_F(CentralMainTest, WaybillCommandsFillThePoolAndNodeListWarnsWhileItIsEmpty) {
  sync::SigningKey key = sync::SigningKey::Generate();
  ASSERT_EQ(Run({"import", "--data", data_, AddAndRequest("desk-01", key)}), 0) << out_;
  const std::string poll = tmp_.path() + "/poll.hoso";
  Write(poll, *sync::EncodeBatch("central-hcm", "desk-01", {}, 1, GenesisHash(), key,
                                 sync::EncodeOptions(), testing::kT0));
  ASSERT_EQ(Run({"import", "--data", data_, poll}), 0) << out_;
  ASSERT_EQ(Run({"node", "list", "--data", data_}), 0) << out_;
  EXPECT_NE(out_.find("waybills=0"), std::string::npos) << out_;
  EXPECT_NE(out_.find("warning: waybill pool empty: node desk-01"), std::string::npos) << out_;

  ASSERT_EQ(Run({"waybill", "add-range", "--data", data_, "--prefix", "EB", "--first", "1000",
                 "--last", "1999"}),
            0)
      << out_;
  EXPECT_EQ(out_, "added range 1: EB 1000..1999 (1000 serials)\n");
  EXPECT_EQ(Run({"waybill", "add-range", "--data", data_, "--prefix", "EB", "--first", "1500",
                 "--last", "2500"}),
            1)
      << out_;
  EXPECT_EQ(Run({"waybill", "add-range", "--data", data_, "--prefix", "eb", "--first", "1",
                 "--last", "2"}),
            2)
      << out_;
  ASSERT_EQ(Run({"waybill", "configure", "--data", data_, "--block-size", "100", "--low-water",
                 "10", "--roles", "desk"}),
            0)
      << out_;
  ASSERT_EQ(Run({"import", "--data", data_, poll}), 0) << out_;
  ASSERT_EQ(Run({"waybill", "list", "--data", data_, "--json"}), 0) << out_;
  auto pool = ParseJsonObject(out_);
  ASSERT_TRUE(pool.ok()) << out_;
  EXPECT_EQ(pool->at("free_serials").as_int64(), 900);
  EXPECT_EQ(pool->at("settings").at("block_size").as_int64(), 100);
  const json::object& block = pool->at("blocks").as_array().at(0).as_object();
  EXPECT_EQ(block.at("node_id").as_string(), "desk-01");
  EXPECT_EQ(block.at("first").as_int64(), 1000);
  EXPECT_EQ(block.at("last").as_int64(), 1099);
  EXPECT_TRUE(pool->at("warnings").as_array().empty());
  ASSERT_EQ(Run({"node", "list", "--data", data_}), 0) << out_;
  EXPECT_NE(out_.find("waybills=100"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("warning"), std::string::npos) << out_;
}

TEST_F(CentralMainTest, RevokeShowsInTheNodeList) {
  sync::SigningKey key = sync::SigningKey::Generate();
  AddAndRequest("desk-01", key);
  ASSERT_EQ(Run({"node", "revoke", "--data", data_, "--id", "desk-01", "--reason", "lost"}), 0)
      << out_;
  ASSERT_EQ(Run({"node", "list", "--data", data_}), 0) << out_;
  EXPECT_NE(out_.find("desk-01  desk  000.00.17.H29  revoked"), std::string::npos) << out_;
  EXPECT_NE(out_.find("reason=lost"), std::string::npos) << out_;
  EXPECT_EQ(Run({"node", "revoke", "--data", data_, "--id", "desk-02", "--reason", "x"}), 1);
}

TEST_F(CentralMainTest, ServeAnswersHealthzAndStopsOnSigterm) {
  ChildProcess server;
  ASSERT_TRUE(server.StartServer({kBin, "serve", "--data", data_, "--listen", "127.0.0.1:0"}));
  HttpClient client("127.0.0.1", server.port());
  auto r = client.Send("GET", "/healthz");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(ParseJsonObject(r->body)->at("central_id").as_string(), "central-hcm");
  auto batch = client.Send("POST", "/api/sync/batches", "garbage");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->status, 400);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(CentralMainTest, UserAddedWithThePasswordOnStdinLogsInOverHttp) {
  ASSERT_EQ(Run({"user", "add", "Nguyen.Van.An", "--data", data_, "--role", "officer", "--unit",
                 "000.00.17.H29", "--name", "Nguyễn Văn An"},
                "Mùa xuân 2026!\n"),
            0)
      << out_;
  EXPECT_NE(out_.find("added officer nguyen.van.an (Nguyễn Văn An, unit 000.00.17.H29)"),
            std::string::npos)
      << out_;
  ChildProcess server;
  ASSERT_TRUE(server.StartServer({kBin, "serve", "--data", data_, "--listen", "127.0.0.1:0"}));
  HttpClient client("127.0.0.1", server.port());
  auto login = client.Send(
      "POST", "/api/auth/login",
      ToJson(json::object{{"username", "nguyen.van.an"}, {"password", "Mùa xuân 2026!"}}));
  ASSERT_TRUE(login.ok()) << login.status().ToString();
  ASSERT_EQ(login->status, 200) << login->body;
  auto o = ParseJsonObject(login->body);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->at("user").at("display_name").as_string(), "Nguyễn Văn An");
  const std::string token(o->at("token").as_string());
  auto me = client.Send("GET", "/api/auth/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(me.ok());
  EXPECT_EQ(me->status, 200) << me->body;
  auto users = client.Send("GET", "/api/admin/users", "", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->status, 403) << users->body;
  auto wrong = client.Send(
      "POST", "/api/auth/login",
      ToJson(json::object{{"username", "nguyen.van.an"}, {"password", "Mùa xuân 2025!"}}));
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);

  // Disabling from the command line ends the session at once.
  ASSERT_EQ(Run({"user", "disable", "nguyen.van.an", "--data", data_}), 0) << out_;
  auto after = client.Send("GET", "/api/auth/me", "", {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 401) << after->body;
  EXPECT_EQ(server.Stop(), 0);

  ASSERT_EQ(Run({"user", "list", "--data", data_, "--json"}), 0) << out_;
  auto list = ParseJsonObject(out_);
  ASSERT_TRUE(list.ok()) << out_;
  const json::object& u = list->at("users").as_array().at(0).as_object();
  EXPECT_EQ(u.at("username").as_string(), "nguyen.van.an");
  EXPECT_EQ(u.at("display_name").as_string(), "Nguyễn Văn An");
  EXPECT_EQ(u.at("disabled").as_bool(), true);
  EXPECT_EQ(out_.find("argon2"), std::string::npos);
}

TEST_F(CentralMainTest, UserCommandsWriteTheAuditLogAsTheOsUser) {
  const std::string pw_file = tmp_.path() + "/pw";
  Write(pw_file, "Một mật khẩu khác\n");
  ASSERT_EQ(Run({"user", "add", "admin1", "--data", data_, "--role", "admin"}, "Mùa xuân 2026!\n"),
            0)
      << out_;
  ASSERT_EQ(Run({"user", "passwd", "ADMIN1", "--data", data_, "--password-file", pw_file}), 0)
      << out_;
  ASSERT_EQ(Run({"user", "disable", "admin1", "--data", data_}), 0) << out_;
  ASSERT_EQ(Run({"user", "enable", "admin1", "--data", data_}), 0) << out_;
  auto store = CentralStore::Open(data_);
  ASSERT_TRUE(store.ok());
  auto db = (*store)->Db();
  ASSERT_TRUE(db.ok());
  AuditQuery q;
  auto page = ListAudit(**db, q);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> actions;
  for (const AuditEntry& e : page->entries) {
    actions.push_back(e.action);
    EXPECT_EQ(e.actor.name.rfind("cli:", 0), 0u) << e.actor.name;
    EXPECT_EQ(e.target, "admin1");
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"user.enable", "user.disable", "user.passwd", "user.add"}));
}

TEST_F(CentralMainTest, UserCommandsRefuseBadInputWithOneLine) {
  // A password on the command line is refused before anything is done.
  EXPECT_EQ(Run({"user", "add", "an", "--data", data_, "--role", "admin", "--password", "x"}), 2);
  EXPECT_NE(out_.find("never given on the command line"), std::string::npos) << out_;
  EXPECT_EQ(Run({"user", "add", "an", "--data", data_, "--role", "admin"}, "short\n"), 2);
  EXPECT_EQ(out_, "hoso-central: the password must have at least 10 characters\n");
  EXPECT_EQ(Run({"user", "add", "an", "--data", data_, "--role", "officer"}, "Mùa xuân 2026!\n"),
            2);
  EXPECT_NE(out_.find("needs a unit code"), std::string::npos) << out_;
  EXPECT_EQ(Run({"user", "add", "an", "--data", data_, "--role", "boss"}, "Mùa xuân 2026!\n"), 2);
  EXPECT_EQ(Run({"user", "add", "an", "--data", data_, "--role", "admin"}, ""), 2);
  EXPECT_NE(out_.find("no password on stdin"), std::string::npos) << out_;
  ASSERT_EQ(Run({"user", "add", "an", "--data", data_, "--role", "admin"}, "Mùa xuân 2026!\n"),
            0);
  EXPECT_EQ(Run({"user", "add", "AN", "--data", data_, "--role", "admin"}, "Mùa xuân 2026!\n"),
            1);
  EXPECT_EQ(out_, "hoso-central: user an already exists\n");
  EXPECT_EQ(Run({"user", "disable", "nobody", "--data", data_}), 1);
  EXPECT_EQ(Run({"user", "frobnicate", "--data", data_}), 2);
  ASSERT_EQ(Run({"user", "list", "--data", data_}), 0);
  EXPECT_EQ(out_, "an  admin  -  an\n");
}

}  // namespace
}  // namespace hoso::central
