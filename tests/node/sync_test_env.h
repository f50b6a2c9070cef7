// Shared fixture of the node sync tests: a real central (CentralStore,
// NodeAdmin, Ingestor and CentralApi behind a real HttpServer on
// 127.0.0.1:0) and a real node directory, both with a fake clock, plus a
// transport seam that fails before sending or loses the answer after the
// central received the request.
//
// Thread-safety: test code; the fixture belongs to the test's main thread.
#ifndef HOSO_TESTS_NODE_SYNC_TEST_ENV_H_
#define HOSO_TESTS_NODE_SYNC_TEST_ENV_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "central/api.h"
#include "central/central_store.h"
#include "central/import.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "node/desk.h"
#include "node/enrolment.h"
#include "node/node_store.h"
#include "node/outbox.h"
#include "node/sync_client.h"
#include "schema/env.h"
#include "schema/events.h"
#include "sync/http_server.h"
#include "schema/data_dir.h"

namespace hoso::node::testing {

constexpr UnixMs kT0 = 1'773'300'000'000;  // 2026-03-12, local morning
constexpr char kCentralId[] = "central-hcm";
constexpr char kNodeId[] = "desk-h29-01";
constexpr char kUnitCode[] = "000.00.17.H29";
constexpr char kApplicant[] = "Nguyễn Văn Ánh";

inline std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

// Forwards to another transport and fails on purpose: `refuse_next` requests
// never leave (connection refused), `lose_next_answers` reach the central and
// are applied there, but their answers never come back (connection reset).
class FlakyTransport : public CentralTransport {
 public:
  explicit FlakyTransport(CentralTransport* base) : base_(base) {}
  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override {
    ++calls;
    if (refuse_next > 0) {
      --refuse_next;
      return Status::Unavailable("connection refused");
    }
    Result<HttpResponse> r = base_->Post(path, content_type, body);
    if (lose_next_answers > 0) {
      --lose_next_answers;
      return Status::Unavailable("connection reset after the request was sent");
    }
    return r;
  }
  // Chunk uploads and queries suffer the same faults.
  Result<HttpResponse> Send(const std::string& method, const std::string& path,
                            const std::string& content_type, const std::string& body,
                            const Headers& headers) override {
    ++calls;
    if (refuse_next > 0) {
      --refuse_next;
      return Status::Unavailable("connection refused");
    }
    Result<HttpResponse> r = base_->Send(method, path, content_type, body, headers);
    if (lose_next_answers > 0) {
      --lose_next_answers;
      return Status::Unavailable("connection reset after the request was sent");
    }
    return r;
  }
  int refuse_next = 0;
  int lose_next_answers = 0;
  int calls = 0;

 private:
  CentralTransport* base_;
};

class SyncEnv : public ::testing::Test {
 protected:
  // Initialising fsyncs a lot: each test copies directories made once.
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/hoso-sync-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    suite_dir_ = tmpl;
    InitOptions o;
    o.identity = {kNodeId, "Bộ phận một cửa Sở Công Thương", kUnitCode,
                  "desk",  "Thành phố Hồ Chí Minh",          kT0};
    o.source_data_dir = DataDir();
    Status s = NodeStore::Init(suite_dir_ + "/node-template", o);
    ASSERT_TRUE(s.ok()) << s.ToString();
    central::CentralInitOptions co;
    co.central_id = kCentralId;
    co.name = "Sở Công Thương TP.HCM";
    co.source_data_dir = DataDir();
    s = central::CentralStore::Init(suite_dir_ + "/central-template", co);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(suite_dir_); }

  void SetUp() override {
    dir_ = suite_dir_ + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    std::filesystem::copy(suite_dir_ + "/node-template", NodeDir(),
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy(suite_dir_ + "/central-template", CentralDir(),
                          std::filesystem::copy_options::recursive);
    auto central = central::CentralStore::Open(CentralDir());
    ASSERT_TRUE(central.ok()) << central.status().ToString();
    central_ = std::move(*central);
    admin_ = std::make_unique<central::NodeAdmin>(central_.get(), &clock_);
    central::IngestOptions io;
    io.clock = &clock_;
    ingestor_ = std::make_unique<central::Ingestor>(central_.get(), io);
    api_ = std::make_unique<central::CentralApi>(central_.get(), admin_.get(), ingestor_.get());
    HttpServerOptions so;
    so.max_body_bytes = central::CentralApi::kMaxRequestBytes;
    so.threads = 2;
    auto server = HttpServer::Start(so, [this](const HttpRequest& r) { return api_->Handle(r); });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    url_ = "http://127.0.0.1:" + std::to_string(server_->port());
    auto http = HttpCentralTransport::Create(url_);
    ASSERT_TRUE(http.ok());
    http_ = std::move(*http);
    transport_ = std::make_unique<FlakyTransport>(http_.get());
    OpenNode();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    desk_.reset();
    store_.reset();
    api_.reset();
    ingestor_.reset();
    admin_.reset();
    central_.reset();
    std::filesystem::remove_all(dir_);
  }

  void OpenNode() {
    desk_.reset();
    store_.reset();
    auto store = NodeStore::Open(NodeDir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    desk_ = std::make_unique<Desk>(store_.get(), Desk::Options{&clock_});
  }

  std::string NodeDir() const { return dir_ + "/node"; }
  std::string CentralDir() const { return dir_ + "/central"; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string Token() {
    auto token = admin_->AddNode(kNodeId, kUnitCode, "desk");
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? token->token : "";
  }

  // Enrols the node online with a fresh token.
  void EnrolNode() {
    auto pin = Enrol(*store_, url_, Token(), *transport_, &clock_);
    ASSERT_TRUE(pin.ok()) << pin.status().ToString();
  }

  // `n` queue-ticket events in one transaction (a fsync per event would
  // make large outboxes slow to build).
  void AddEvents(int n) {
    auto txn = Transaction::Begin(store_->db());
    ASSERT_TRUE(txn.ok());
    for (int i = 0; i < n; ++i) {
      Event ev = NewEvent(EventType::kTicketIssued, kNodeId, clock_.NowMs(),
                          json::object{{"ticket_number", ++tickets_},
                                       {"counter_group", "A"},
                                       {"service_date", "2026-03-12"}});
      auto seq = AppendEvent(store_->db(), ev);
      ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    }
    ASSERT_TRUE(txn->Commit().ok());
  }

  // A real dossier taken in at the desk: its events carry the applicant's name.
  void IntakeDossier() {
    IntakeRequest r;
    r.procedure_id = "2.000620";
    r.applicant.kind = "person";
    r.applicant.full_name = kApplicant;
    r.applicant.id_number = "079203001234";
    r.applicant.phone = "090 312 3456";
    r.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
    r.applicant_type = "household";
    r.area = "urban";
    const Procedure* p = store_->catalog().Find("2.000620", Date{2026, 3, 12}).value();
    for (const RequiredDocument& d : p->required_documents) {
      if (!d.optional) r.documents.emplace_back(d.id, d.count);
    }
    r.clerk = "Lê Thu Hà";
    std::vector<MissingDocument> missing;
    auto d = desk_->Intake(r, &missing);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
  }

  int64_t NodeInt(const std::string& sql) {
    auto v = store_->db().QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString() << " " << sql;
    return v.ok() ? v->value_or(-1) : -1;
  }
  int64_t OutboxCount() { return NodeInt("SELECT COUNT(*) FROM outbox_events"); }
  int64_t PendingCount() { return NodeInt(
      "SELECT COUNT(*) FROM outbox_events WHERE seq > (SELECT acked_seq FROM outbox_ack)"); }

  int64_t CentralInt(const std::string& sql) {
    auto db = central_->Db();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return -1;
    auto v = (*db)->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString() << " " << sql;
    return v.ok() ? v->value_or(-1) : -1;
  }
  // Rows the central holds for the node, and how many distinct seqs: equal
  // to each other and to the node's outbox when nothing was lost or doubled.
  int64_t CentralEvents() {
    return CentralInt(std::string("SELECT COUNT(*) FROM events WHERE node_id = '") + kNodeId + "'");
  }
  int64_t CentralDistinctSeqs() {
    return CentralInt(std::string("SELECT COUNT(DISTINCT seq) FROM events WHERE node_id = '") +
                      kNodeId + "'");
  }

  SyncClient Client() { return SyncClient(store_.get(), transport_.get(), {&clock_, {}}); }

  inline static std::string suite_dir_;
  FakeClock clock_{kT0};
  std::string dir_;
  std::unique_ptr<central::CentralStore> central_;
  std::unique_ptr<central::NodeAdmin> admin_;
  std::unique_ptr<central::Ingestor> ingestor_;
  std::unique_ptr<central::CentralApi> api_;
  std::unique_ptr<HttpServer> server_;
  std::string url_;
  std::unique_ptr<HttpCentralTransport> http_;
  std::unique_ptr<FlakyTransport> transport_;
  std::unique_ptr<NodeStore> store_;
  std::unique_ptr<Desk> desk_;
  int tickets_ = 0;
};

}  // namespace hoso::node::testing

#endif  // HOSO_TESTS_NODE_SYNC_TEST_ENV_H_
