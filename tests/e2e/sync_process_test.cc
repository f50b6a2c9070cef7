// Sync between real processes on 127.0.0.1: hoso-node and hoso-central,
// with hoso-linkemu between them where the link matters, checked on both
// databases (tests/e2e/sync_process_env.h). Every exchange cut at every step,
// three nodes at once, stick files reordered and repeated, stick and HTTP
// mixed, and the refusals an operator must be able to read.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "schema/json_util.h"
#include "sync/http_client.h"
#include "tests/e2e/sync_process_env.h"
#include "tools/bench_sync_data.h"

namespace hoso::e2e {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// ---- One exchange cut at every step ---------------------------------------------

// Each exchange carries the batch of this many fresh intakes.
constexpr int kIntakesPerExchange = 2;
// Cut points tried in each direction.
constexpr int kCutPoints = 12;

// `n` cut offsets from 0 to `last`: 0 and 1, then evenly spread.
std::vector<int64_t> CutOffsets(int64_t last, int n) {
  std::vector<int64_t> out = {0, 1};
  for (int i = 1; i <= n - 2; ++i) out.push_back(1 + (last - 1) * i / (n - 2));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

class CutExchangeTest : public SyncProcessTest {
 protected:
  void SetUp() override {
    SyncProcessTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(StartCentral());
    node_ = NewNode(1);
    Ran enrolled = Enrol(node_, CentralUrl());
    ASSERT_EQ(enrolled.rc, 0) << enrolled.out;
  }

  struct LinkedSync {
    Ran sync;
    LinkCounters link;
  };
  // One `sync --once` through a fresh hoso-linkemu started with `flags`.
  LinkedSync SyncThroughLink(const std::vector<std::string>& flags) {
    LinkedSync out;
    LinkProcess link;
    EXPECT_TRUE(link.Start(tmp_.path(), CentralPort(), flags));
    out.sync = SyncOnce(node_, link.url());
    out.link = link.Stop();
    return out;
  }

  // The bytes one exchange of the usual shape carries each way, measured
  // through an uncut link.
  void MeasureExchange(int64_t* up, int64_t* down) {
    Intakes(node_, kIntakesPerExchange);
    LinkedSync s = SyncThroughLink({});
    ASSERT_EQ(s.sync.rc, 0) << s.sync.out;
    ASSERT_EQ(ResultOf(s.sync), "applied");
    ASSERT_TRUE(Converged(node_));
    ASSERT_EQ(s.link.connections, 1);
    ASSERT_EQ(s.link.cuts, 0);
    *up = s.link.bytes_up;
    *down = s.link.bytes_down;
    std::cout << "[exchange] " << kIntakesPerExchange << " intakes: " << *up << " bytes up, "
              << *down << " bytes down\n";
  }

  // The next plain sync, straight to the central, answers `want` and leaves
  // both sides converged.
  void SyncAgainConverges(const std::string& want) {
    Ran again = SyncOnce(node_, CentralUrl());
    ASSERT_EQ(again.rc, 0) << again.out;
    EXPECT_EQ(ResultOf(again), want);
    ASSERT_TRUE(Converged(node_));
  }

  NodeDir node_;
};

TEST_F(CutExchangeTest, ExchangeThatNeverReachesTheCentralChangesNothingAndTheNextSyncConverges) {
  // Ports nothing listens on: those of links that stopped.
  LinkProcess gone;
  ASSERT_TRUE(gone.Start(tmp_.path(), CentralPort(), {}));
  const std::string nobody = gone.url();
  gone.Stop();
  LinkProcess gone_too;
  ASSERT_TRUE(gone_too.Start(tmp_.path(), CentralPort(), {}));
  const uint16_t central_down = gone_too.port();
  gone_too.Stop();

  {
    SCOPED_TRACE("connection refused");
    Intakes(node_, kIntakesPerExchange);
    const Snapshot before = Snap(node_);
    Ran r = SyncOnce(node_, nobody);
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("hoso-node: "), std::string::npos) << r.out;
    EXPECT_EQ(Snap(node_), before);
    ASSERT_NO_FATAL_FAILURE(SyncAgainConverges("applied"));
  }
  {
    SCOPED_TRACE("the link is up, the central is not");
    Intakes(node_, kIntakesPerExchange);
    const Snapshot before = Snap(node_);
    LinkProcess link;
    ASSERT_TRUE(link.Start(tmp_.path(), central_down, {}));
    Ran r = SyncOnce(node_, link.url());
    const LinkCounters c = link.Stop();
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_EQ(c.connect_failures, 1);
    EXPECT_EQ(c.bytes_up, 0);
    EXPECT_EQ(Snap(node_), before);
    ASSERT_NO_FATAL_FAILURE(SyncAgainConverges("applied"));
  }
  {
    SCOPED_TRACE("cut before the first byte either way");
    Intakes(node_, kIntakesPerExchange);
    const Snapshot before = Snap(node_);
    LinkedSync s = SyncThroughLink({"--cut-after-bytes", "0"});
    EXPECT_NE(s.sync.rc, 0) << s.sync.out;
    EXPECT_EQ(s.link.cuts, 1);
    EXPECT_EQ(s.link.bytes_up, 0);
    EXPECT_EQ(s.link.bytes_down, 0);
    EXPECT_EQ(Snap(node_), before);
    ASSERT_NO_FATAL_FAILURE(SyncAgainConverges("applied"));
  }
}

// The central must never apply part of a batch, nor a batch it did not
// receive whole; the node must not take a cut for an acknowledgement.
TEST_F(CutExchangeTest, UploadCutAtEveryOffsetAppliesNothingAndTheNextSyncConverges) {
  int64_t up = 0, down = 0;
  ASSERT_NO_FATAL_FAILURE(MeasureExchange(&up, &down));
  // Batches of the same shape differ by a few bytes of compressed body: stay
  // clear of the end.
  for (int64_t cut : CutOffsets(up * 95 / 100, kCutPoints)) {
    SCOPED_TRACE("upload cut after " + std::to_string(cut) + " of ~" + std::to_string(up) +
                 " bytes");
    Intakes(node_, kIntakesPerExchange);
    const Snapshot before = Snap(node_);
    LinkedSync s = SyncThroughLink({"--cut-after-bytes-up", std::to_string(cut)});
    EXPECT_NE(s.sync.rc, 0) << s.sync.out;
    EXPECT_EQ(s.link.connections, 1);
    EXPECT_EQ(s.link.cuts, 1);
    EXPECT_EQ(s.link.bytes_up, cut);
    EXPECT_EQ(s.link.bytes_down, 0);
    EXPECT_EQ(Snap(node_), before) << "a cut upload changed something";
    ASSERT_NO_FATAL_FAILURE(SyncAgainConverges("applied"));
  }
}

// The central committed the batch and the node never heard it: the node
// sends it again, the central answers "duplicate" and stores nothing twice.
TEST_F(CutExchangeTest, AnswerCutAtEveryOffsetAfterTheCommitIsAcknowledgedOnceByTheNextSync) {
  int64_t up = 0, down = 0;
  ASSERT_NO_FATAL_FAILURE(MeasureExchange(&up, &down));
  // Later answers only grow (acked_seq gains digits): every offset up to the
  // last byte of the measured one cuts inside the answer.
  for (int64_t cut : CutOffsets(down - 1, kCutPoints)) {
    SCOPED_TRACE("answer cut after " + std::to_string(cut) + " of " + std::to_string(down) +
                 " bytes");
    Intakes(node_, kIntakesPerExchange);
    const Snapshot before = Snap(node_);
    LinkedSync s = SyncThroughLink({"--cut-after-bytes-down", std::to_string(cut)});
    EXPECT_NE(s.sync.rc, 0) << s.sync.out;
    EXPECT_EQ(s.link.connections, 1);
    EXPECT_EQ(s.link.cuts, 1);
    EXPECT_EQ(s.link.bytes_down, cut);
    EXPECT_GT(s.link.bytes_up, up * 9 / 10) << "the request did not go through whole";
    const Snapshot after = Snap(node_);
    EXPECT_EQ(after.central_high_water, before.node_last) << "the central did not commit";
    EXPECT_EQ(after.node_acked, before.node_acked) << "the node acked an answer it never got";
    EXPECT_TRUE(CentralHoldsPrefix(node_));
    ASSERT_NO_FATAL_FAILURE(SyncAgainConverges("duplicate"));
  }
}

// ---- Three nodes at once ------------------------------------------------------------

constexpr int kConcurrentNodes = 3;
constexpr int kIntakesPerNode = 20;
// About one exchange in twenty is cut (a batch is ~1.5 KB, its answer ~0.6 KB).
constexpr char kCutProbabilityPerKb[] = "0.03";

// Three `hoso-node serve` processes with background sync, every 50 ms when
// idle, behind one bad link (latency, jitter, random cuts), while clerks
// keep taking in dossiers over each node's HTTP API.
TEST_F(SyncProcessTest, ThreeNodesSyncingAtOnceDeliverEveryEventExactlyOnce) {
  ASSERT_NO_FATAL_FAILURE(StartCentral());
  // The nodes enrol through a clean link, which pins its address; then the
  // link turns bad on the same port.
  LinkProcess clean;
  ASSERT_TRUE(clean.Start(tmp_.path(), CentralPort(), {}));
  std::vector<NodeDir> nodes;
  for (int n = 1; n <= kConcurrentNodes; ++n) {
    nodes.push_back(NewNode(n));
    Ran enrolled = Enrol(nodes.back(), clean.url());
    ASSERT_EQ(enrolled.rc, 0) << enrolled.out;
  }
  const std::string listen = "127.0.0.1:" + std::to_string(clean.port());
  clean.Stop();
  LinkProcess link;
  ASSERT_TRUE(link.Start(tmp_.path(), CentralPort(),
                         {"--listen", listen, "--latency-ms", "3", "--jitter-ms", "2",
                          "--cut-probability-per-kb", kCutProbabilityPerKb, "--seed", "20261126"}));
  Ran bad = RunCli({kNodeBin, "serve", "--data", nodes[0].dir, "--sync-poll-ms", "0"});
  EXPECT_EQ(bad.rc, 2) << bad.out;
  EXPECT_NE(bad.out.find("--sync-poll-ms"), std::string::npos) << bad.out;
  std::vector<std::unique_ptr<ChildProcess>> servers;
  for (const NodeDir& node : nodes) {
    servers.push_back(std::make_unique<ChildProcess>());
    ASSERT_TRUE(servers.back()->StartServer({kNodeBin, "serve", "--data", node.dir, "--listen",
                                             "127.0.0.1:0", "--sync-poll-ms", "50"}));
  }

  const auto start = Clock::now();
  const std::string body = IntakeBody();
  std::atomic<int> accepted{0};
  std::vector<std::set<std::string>> codes(kConcurrentNodes);
  std::vector<std::thread> clerks;
  for (int i = 0; i < kConcurrentNodes; ++i) {
    clerks.emplace_back([&, i] {
      HttpClient client("127.0.0.1", servers[i]->port());
      std::mt19937 rng(100 + i);
      for (int k = 0; k < kIntakesPerNode; ++k) {
        auto r = client.Send("POST", "/api/dossiers", body, {{"Content-Type", "application/json"}});
        if (r.ok() && r->status == 201) {
          ++accepted;
          codes[i].insert(std::string(ParseJsonObject(r->body).value().at("code").as_string()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
      }
    });
  }
  for (std::thread& t : clerks) t.join();
  ASSERT_EQ(accepted.load(), kConcurrentNodes * kIntakesPerNode);

  // Every node's background sync empties its outbox into the central.
  auto all_delivered = [&] {
    for (size_t i = 0; i < nodes.size(); ++i) {
      HttpClient client("127.0.0.1", servers[i]->port());
      auto r = client.Send("GET", "/api/sync/status");
      if (!r.ok() || r->status != 200) return false;
      auto st = ParseJsonObject(r->body);
      if (!st.ok() || st->at("pending_events").as_int64() != 0 ||
          st->at("last_seq").as_int64() != kIntakesPerNode ||
          CentralHighWater(nodes[i].node_id) != kIntakesPerNode) {
        return false;
      }
    }
    return true;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  bool delivered = all_delivered();
  while (!delivered && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    delivered = all_delivered();
  }
  const int64_t converged_ms = MillisSince(start);
  for (auto& server : servers) EXPECT_EQ(server->Stop(), 0);
  const LinkCounters c = link.Stop();
  ASSERT_TRUE(delivered) << "not delivered after 60 s";

  for (size_t i = 0; i < nodes.size(); ++i) {
    SCOPED_TRACE(nodes[i].node_id);
    EXPECT_TRUE(Converged(nodes[i]));
    EXPECT_EQ(codes[i].size(), static_cast<size_t>(kIntakesPerNode));
  }
  // Nothing of one node landed under another.
  auto db = OpenReadOnly(central_dir_ + "/central.db");
  ASSERT_NE(db, nullptr);
  auto total = db->QueryInt("SELECT COUNT(*) FROM events");
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(total->value_or(-1), kConcurrentNodes * kIntakesPerNode);
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string& code : codes[i]) {
      auto st = db->Prepare("SELECT COUNT(*), MIN(node_id) FROM events WHERE dossier_code = ?1");
      ASSERT_TRUE(st.ok());
      st->Bind(1, code);
      ASSERT_TRUE(NextRow(*st));
      EXPECT_EQ(st->ColumnInt(0), 1) << code;
      EXPECT_EQ(st->ColumnText(1), nodes[i].node_id) << code;
    }
  }
  std::cout << "[three nodes] " << kConcurrentNodes * kIntakesPerNode << " intakes delivered in "
            << converged_ms << " ms over " << c.connections << " connections, " << c.cuts
            << " random cuts\n";
}

// ---- Sending ahead ---------------------------------------------------------------------

// Dossiers of each phase's backlog: enough for the batches to grow past the
// first two exchanges, after which the node sends ahead.
constexpr int64_t kBacklogPerPhase = 3000;

// The value of one series of the central's /metrics (-1 when absent).
int64_t MetricValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::atoll(text.c_str() + at + series.size() + 2);
}

// `hoso-node serve` with a backlog sends batches ahead over a clean link;
// then, with a new backlog, through a link that cuts uploads part way, a
// batch sent ahead among them. Every event arrives exactly once, in order,
// and the central counts the batches it took ahead.
TEST_F(SyncProcessTest, ABacklogSentAheadArrivesExactlyOnceAlsoThroughCutUploads) {
  ASSERT_NO_FATAL_FAILURE(StartCentral());
  LinkProcess clean;
  ASSERT_TRUE(clean.Start(tmp_.path(), CentralPort(), {}));
  NodeDir node = NewNode(1);
  Ran enrolled = Enrol(node, clean.url());
  ASSERT_EQ(enrolled.rc, 0) << enrolled.out;
  const std::string listen = "127.0.0.1:" + std::to_string(clean.port());

  auto metrics = [&]() -> std::string {
    HttpClient client("127.0.0.1", CentralPort());
    auto r = client.Send("GET", "/metrics");
    return r.ok() && r->status == 200 ? r->body : "";
  };
  int64_t backlog = 0;
  for (const bool cutting : {false, true}) {
    SCOPED_TRACE(cutting ? "through cut uploads" : "over a clean link");
    {
      auto store = node::NodeStore::Open(node.dir);
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      bench::DeskTrafficOptions traffic;
      traffic.dossiers = kBacklogPerPhase;
      traffic.seed = cutting ? 2 : 1;
      ASSERT_TRUE(bench::GenerateDeskTraffic(store->get(), traffic).ok());
      auto last = node::LastSeq((*store)->db());
      ASSERT_TRUE(last.ok());
      backlog = *last;
    }
    if (cutting) {
      clean.Stop();
      // Every connection is reset once 250 KB went up it: uploads are cut
      // part way, a batch sent ahead among them, on either connection.
      ASSERT_TRUE(clean.Start(tmp_.path(), CentralPort(),
                              {"--listen", listen, "--cut-after-bytes-up", "250000"}));
    }
    ChildProcess server;
    ASSERT_TRUE(server.StartServer({kNodeBin, "serve", "--data", node.dir, "--listen",
                                    "127.0.0.1:0", "--sync-poll-ms", "50"}));
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(120);
    while (CentralHighWater(node.node_id) != backlog && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int64_t synced_ms = MillisSince(start);
    // The node hears an acknowledgement of everything (after a lost answer,
    // from the duplicate its resend gets).
    while (!Converged(node) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(server.Stop(), 0);
    ASSERT_EQ(CentralHighWater(node.node_id), backlog) << "not synced after 120 s";
    EXPECT_TRUE(Converged(node));

    const std::string m = metrics();
    const int64_t ahead_applied = MetricValue(m, "hoso_sync_batches_ahead_total{result=\"applied\"}");
    const int64_t ahead_refused = MetricValue(m, "hoso_sync_batches_ahead_total{result=\"refused\"}");
    if (!cutting) {
      // Over a clean link every batch after the second goes ahead, and the
      // central takes each (none refused).
      EXPECT_GE(ahead_applied, 1) << m;
      EXPECT_EQ(ahead_refused, 0) << m;
    }
    std::cout << "[sent ahead] " << (cutting ? "cutting" : "clean") << " link: " << backlog
              << " events synced in " << synced_ms << " ms; batches sent ahead so far: "
              << ahead_applied << " applied, " << ahead_refused << " refused, "
              << MetricValue(m, "hoso_sync_batches_ahead_total{result=\"duplicate\"}")
              << " duplicate\n";
  }
  const LinkCounters c = clean.Stop();
  std::cout << "[sent ahead] " << c.cuts << " uploads cut in the second phase\n";
  EXPECT_GE(c.cuts, 1);

  // Every event once, nothing of another node.
  auto db = OpenReadOnly(central_dir_ + "/central.db");
  ASSERT_NE(db, nullptr);
  auto total = db->QueryInt("SELECT COUNT(*) FROM events");
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(total->value_or(-1), backlog);
  auto distinct = db->QueryInt("SELECT COUNT(DISTINCT event_id) FROM events WHERE node_id = '" +
                               node.node_id + "'");
  ASSERT_TRUE(distinct.ok());
  EXPECT_EQ(distinct->value_or(-1), backlog);
}

// ---- USB stick ----------------------------------------------------------------------

// No server runs: enrolment, batches and answers all travel as files.
TEST_F(SyncProcessTest, StickFilesImportedShuffledAndRepeatedApplyEachEventOnceAndInOrder) {
  NodeDir node = NewNode(1);
  const std::string stick = tmp_.path() + "/stick";
  const std::string request = stick + "/enrol-request.hoso";  // the folder is created
  Ran r = RunCli(
      {kNodeBin, "enroll", "--data", node.dir, "--token", node.token, "--request-file", request});
  ASSERT_EQ(r.rc, 0) << r.out;
  Ran enrolled = CentralImport({request}, stick + "/answers");
  ASSERT_EQ(enrolled.rc, 0) << enrolled.out;
  ASSERT_EQ(AnswersOf(enrolled).size(), 1u) << enrolled.out;
  r = NodeImport(node, AnswersOf(enrolled));
  ASSERT_EQ(r.rc, 0) << r.out;

  // Each export holds everything not yet acknowledged, so the files overlap:
  // 1..2, 1..4, 1..6; then, once 1..4 is acknowledged, 5..8, 5..10, 5..12.
  std::vector<std::string> batches;
  auto export_round = [&](int round) {
    Intakes(node, 2);
    for (const std::string& f : Export(node, stick + "/round-" + std::to_string(round))) {
      batches.push_back(f);
    }
  };
  for (int round = 1; round <= 3; ++round) export_round(round);
  ASSERT_EQ(batches.size(), 3u);
  Ran first = CentralImport({batches[1]}, stick + "/answers");
  ASSERT_EQ(first.rc, 0) << first.out;
  r = NodeImport(node, AnswersOf(first));
  ASSERT_EQ(r.rc, 0) << r.out;
  for (int round = 4; round <= 6; ++round) export_round(round);
  ASSERT_EQ(batches.size(), 6u);
  EXPECT_NE(batches[3].find("-5-8.hosobatch"), std::string::npos) << batches[3];

  // Import runs at the central in shuffled orders, with files repeated
  // within and across runs; single-file runs keep the shuffled order (a
  // run sorts its own files by seq).
  std::mt19937 rng(20261126);
  std::vector<std::string> answers = AnswersOf(first);
  int64_t applied_lines = 0;
  for (int run = 0; run < 8; ++run) {
    std::vector<std::string> files = batches;
    std::shuffle(files.begin(), files.end(), rng);
    files.resize(run % 2 == 0 ? 1 : 3);
    if (run % 2 == 1) files.push_back(files.front());
    SCOPED_TRACE("import run " + std::to_string(run));
    Ran imported = CentralImport(files, stick + "/answers");
    EXPECT_EQ(imported.rc, 0) << imported.out;
    EXPECT_EQ(LinesWith(imported.out, ": refused").size(), 0u) << imported.out;
    applied_lines += static_cast<int64_t>(LinesWith(imported.out, ": applied").size());
    for (const std::string& a : AnswersOf(imported)) answers.push_back(a);
    ASSERT_TRUE(CentralHoldsPrefix(node));
  }
  // Whatever the shuffles skipped arrives in a last run, newest first.
  std::vector<std::string> all(batches.rbegin(), batches.rend());
  Ran last = CentralImport(all, stick + "/answers");
  ASSERT_EQ(last.rc, 0) << last.out;
  for (const std::string& a : AnswersOf(last)) answers.push_back(a);
  EXPECT_EQ(CentralHighWater(node.node_id), 12);
  EXPECT_GE(applied_lines, 1);

  // The node takes the answers in any order, some twice, stale ones too.
  std::shuffle(answers.begin(), answers.end(), rng);
  answers.push_back(answers.front());
  Ran back = NodeImport(node, answers);
  ASSERT_EQ(back.rc, 0) << back.out;
  EXPECT_TRUE(Converged(node));

  Ran listed = RunCli({kCentralBin, "node", "list", "--data", central_dir_, "--json"});
  ASSERT_EQ(listed.rc, 0) << listed.out;
  auto nodes = ParseJsonObject(listed.out);
  ASSERT_TRUE(nodes.ok()) << listed.out;
  const json::object& info = nodes->at("nodes").as_array().at(0).as_object();
  EXPECT_EQ(info.at("high_water_seq").as_int64(), 12);
  EXPECT_EQ(info.at("state").as_string(), "active");
}

// Files and HTTP for the same node, interleaved: each channel repeats what
// the other already delivered, and nothing is lost or doubled.
TEST_F(SyncProcessTest, StickAndHttpMixedForOneNodeNeverLoseOrDoubleAnEvent) {
  ASSERT_NO_FATAL_FAILURE(StartCentral());
  NodeDir node = NewNode(1);
  Ran r = Enrol(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string stick = tmp_.path() + "/stick";
  const std::string answers = stick + "/answers";
  int round = 0;
  auto export_all = [&] { return Export(node, stick + "/" + std::to_string(++round)); };

  {
    SCOPED_TRACE("a stick repeats what HTTP delivered");
    Intakes(node, 2);
    std::vector<std::string> f1 = export_all();
    ASSERT_EQ(f1.size(), 1u);
    r = SyncOnce(node, CentralUrl());
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(ResultOf(r), "applied");
    Ran imported = CentralImport(f1, answers);
    ASSERT_EQ(imported.rc, 0) << imported.out;
    EXPECT_EQ(LinesWith(imported.out, ": duplicate").size(), 1u) << imported.out;
    r = NodeImport(node, AnswersOf(imported));
    ASSERT_EQ(r.rc, 0) << r.out;
    ASSERT_TRUE(Converged(node));
  }
  std::vector<std::string> late_answers;
  {
    SCOPED_TRACE("HTTP repeats what a stick delivered, before its answer came back");
    Intakes(node, 2);
    std::vector<std::string> f2 = export_all();
    Ran imported = CentralImport(f2, answers);
    ASSERT_EQ(imported.rc, 0) << imported.out;
    EXPECT_EQ(LinesWith(imported.out, ": applied").size(), 1u) << imported.out;
    late_answers = AnswersOf(imported);
    Intakes(node, 2);
    r = SyncOnce(node, CentralUrl());  // 3..6, of which 3..4 are there already
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(ResultOf(r), "applied");
    ASSERT_TRUE(Converged(node));
    r = NodeImport(node, late_answers);  // an older answer changes nothing
    ASSERT_EQ(r.rc, 0) << r.out;
    ASSERT_TRUE(Converged(node));
  }
  {
    SCOPED_TRACE("HTTP answer lost, a stick brings the acknowledgement");
    Intakes(node, 2);
    LinkProcess link;
    ASSERT_TRUE(link.Start(tmp_.path(), CentralPort(), {"--cut-after-bytes-down", "0"}));
    r = SyncOnce(node, link.url());
    link.Stop();
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_EQ(CentralHighWater(node.node_id), 8);
    std::vector<std::string> f3 = export_all();
    Ran imported = CentralImport(f3, answers);
    ASSERT_EQ(imported.rc, 0) << imported.out;
    EXPECT_EQ(LinesWith(imported.out, ": duplicate").size(), 1u) << imported.out;
    r = NodeImport(node, AnswersOf(imported));
    ASSERT_EQ(r.rc, 0) << r.out;
    ASSERT_TRUE(Converged(node));
    r = SyncOnce(node, CentralUrl());
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(ResultOf(r), "poll");
  }
  {
    SCOPED_TRACE("HTTP upload cut, a stick delivers, HTTP sends the rest");
    Intakes(node, 2);
    std::vector<std::string> f4 = export_all();  // 9..10
    Intakes(node, 1);
    LinkProcess link;
    ASSERT_TRUE(link.Start(tmp_.path(), CentralPort(), {"--cut-after-bytes-up", "700"}));
    r = SyncOnce(node, link.url());
    link.Stop();
    EXPECT_NE(r.rc, 0) << r.out;
    EXPECT_EQ(CentralHighWater(node.node_id), 8);
    Ran imported = CentralImport(f4, answers);
    ASSERT_EQ(imported.rc, 0) << imported.out;
    r = SyncOnce(node, CentralUrl());  // 9..11, of which 9..10 are there already
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(ResultOf(r), "applied");
    r = NodeImport(node, AnswersOf(imported));
    ASSERT_EQ(r.rc, 0) << r.out;
    ASSERT_TRUE(Converged(node));
    EXPECT_EQ(CentralHighWater(node.node_id), 11);
  }
}

// ---- Refusals -----------------------------------------------------------------------

// Flips one byte of `path` at `offset` into a copy named `copy`.
void FlipByte(const std::string& path, size_t offset, const std::string& copy) {
  auto bytes = PosixFileSystem()->ReadFile(path);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  ASSERT_LT(offset, bytes->size());
  (*bytes)[offset] = static_cast<char>((*bytes)[offset] ^ 0x01);
  ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(copy, *bytes, 0600).ok());
}

TEST_F(SyncProcessTest, AByteFlippedInAnExportedBatchIsRefusedByImportAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(StartCentral());
  NodeDir node = NewNode(1);
  Ran r = Enrol(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  Intakes(node, 2);
  r = SyncOnce(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  Intakes(node, 2);
  const std::string stick = tmp_.path() + "/stick";
  std::vector<std::string> files = Export(node, stick);
  ASSERT_EQ(files.size(), 1u);
  auto bytes = PosixFileSystem()->ReadFile(files[0]);
  ASSERT_TRUE(bytes.ok());
  // A digit of the signed header, a byte of the sealed body, one of the
  // signature.
  const size_t header_digit = bytes->find("\"created_at_ms\":") + 17;
  const size_t body_byte = bytes->size() - 64 - 40;
  const size_t signature_byte = bytes->size() - 1;
  const Snapshot before = Snap(node);
  for (size_t offset : {header_digit, body_byte, signature_byte}) {
    SCOPED_TRACE("byte " + std::to_string(offset) + " of " + std::to_string(bytes->size()));
    const std::string damaged = tmp_.path() + "/damaged/" + std::to_string(offset) + ".hosobatch";
    std::filesystem::create_directories(tmp_.path() + "/damaged");
    ASSERT_NO_FATAL_FAILURE(FlipByte(files[0], offset, damaged));
    Ran imported = CentralImport({damaged}, tmp_.path() + "/damaged-answers");
    EXPECT_EQ(imported.rc, 1) << imported.out;
    EXPECT_EQ(LinesWith(imported.out, ": refused bad_signature").size(), 1u) << imported.out;
    EXPECT_EQ(Snap(node), before);
    // The signed refusal it answers with tells the node, and acks nothing.
    for (const std::string& answer : AnswersOf(imported)) {
      Ran told = NodeImport(node, {answer});
      EXPECT_NE(told.rc, 0) << told.out;
      EXPECT_NE(told.out.find("bad_signature"), std::string::npos) << told.out;
      EXPECT_EQ(Snap(node), before);
    }
  }
  Ran intact = CentralImport(files, stick);
  ASSERT_EQ(intact.rc, 0) << intact.out;
  r = NodeImport(node, AnswersOf(intact));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(Converged(node));
  EXPECT_EQ(CentralHighWater(node.node_id), 4);
}

TEST_F(SyncProcessTest, ARevokedNodesSyncFailsWithTheReasonAndStaysStopped) {
  ASSERT_NO_FATAL_FAILURE(StartCentral());
  NodeDir node = NewNode(1);
  Ran r = Enrol(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  Intakes(node, 1);
  r = SyncOnce(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string reason = "Máy bàn số 3 bị mất cắp";
  r = RunCli({kCentralBin, "node", "revoke", "--data", central_dir_, "--id", node.node_id,
              "--reason", reason});
  ASSERT_EQ(r.rc, 0) << r.out;
  Intakes(node, 1);

  r = SyncOnce(node, CentralUrl());
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find(reason), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("revoked"), std::string::npos) << r.out;
  EXPECT_EQ(CentralHighWater(node.node_id), 1);
  EXPECT_EQ(CentralEvents(node.node_id).size(), 1u);

  // Sync stays stopped without asking the central again.
  LinkProcess link;
  ASSERT_TRUE(link.Start(tmp_.path(), CentralPort(), {}));
  r = SyncOnce(node, link.url());
  EXPECT_EQ(link.Stop().connections, 0);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find(reason), std::string::npos) << r.out;
  r = RunCli({kNodeBin, "sync-status", "--data", node.dir, "--json"});
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string status_reason(ParseJsonObject(r.out).value().at("revoked_reason").as_string());
  EXPECT_NE(status_reason.find(reason), std::string::npos) << status_reason;
  r = RunCli({kCentralBin, "node", "list", "--data", central_dir_, "--json"});
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("\"revoked\""), std::string::npos) << r.out;
}

TEST_F(SyncProcessTest, ABatchForAnotherCentralIsRefusedOverHttpAndFromAStick) {
  ASSERT_NO_FATAL_FAILURE(StartCentral());
  NodeDir node = NewNode(1);
  Ran r = Enrol(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string other_dir = tmp_.path() + "/other-central";
  r = RunCli({kCentralBin, "init", "--data", other_dir, "--central-id", "central-hni",
              "--source-data", DataDir()});
  ASSERT_EQ(r.rc, 0) << r.out;
  // The other central even knows a node of that name.
  r = RunCli({kCentralBin, "node", "add", "--data", other_dir, "--id", node.node_id, "--unit-code",
              node.unit_code, "--role", "desk"});
  ASSERT_EQ(r.rc, 0) << r.out;
  ChildProcess other;
  ASSERT_TRUE(
      other.StartServer({kCentralBin, "serve", "--data", other_dir, "--listen", "127.0.0.1:0"}));
  Intakes(node, 2);
  const Snapshot before = Snap(node);

  r = SyncOnce(node, "http://127.0.0.1:" + std::to_string(other.port()));
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("wrong_central"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(kCentralId), std::string::npos) << r.out;

  std::vector<std::string> files = Export(node, tmp_.path() + "/stick");
  ASSERT_EQ(files.size(), 1u);
  Ran imported = CentralImport(files, tmp_.path() + "/answers", other_dir);
  EXPECT_EQ(imported.rc, 1) << imported.out;
  EXPECT_EQ(LinesWith(imported.out, ": refused wrong_central").size(), 1u) << imported.out;
  EXPECT_TRUE(AnswersOf(imported).empty()) << imported.out;
  other.Stop();
  EXPECT_TRUE(CentralEvents(node.node_id, other_dir).empty());
  EXPECT_EQ(CentralHighWater(node.node_id, other_dir), 0);
  EXPECT_EQ(Snap(node), before);

  // Its own central takes the same events.
  r = SyncOnce(node, CentralUrl());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(Converged(node));
}

}  // namespace
}  // namespace hoso::e2e
