// Shared fixture of the sync tests between real processes on 127.0.0.1: the
// built hoso-central, hoso-node and hoso-linkemu binaries (HOSO_CENTRAL_BIN,
// HOSO_NODE_BIN, HOSO_LINKEMU_BIN), driven through their command lines and
// HTTP APIs exactly as an operator or a desk would. To judge the outcome the
// fixture opens the node's and the central's SQLite files READ-ONLY; it
// never writes to them.
//
// Converged() is the property every test ends with: the central's high
// water equals the node's last seq, the central holds exactly seqs 1..N of
// that node, each once, stored in seq order, with the node's event ids and
// chain hashes; every outbox event is acknowledged and the node's chain
// verifies.
//
// Thread-safety: test code; a fixture belongs to the test's main thread.
#ifndef HOSO_TESTS_E2E_SYNC_PROCESS_ENV_H_
#define HOSO_TESTS_E2E_SYNC_PROCESS_ENV_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "node/outbox.h"
#include "schema/catalog.h"
#include "schema/data_dir.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/time.h"
#include "tests/testing/child_process.h"
#include "tests/testing/sample_intake.h"

namespace hoso::e2e {

using hoso::testing::ChildProcess;
using hoso::testing::RunProgram;
using hoso::testing::TempDir;

inline const std::string kCentralBin = HOSO_CENTRAL_BIN;
inline const std::string kNodeBin = HOSO_NODE_BIN;
inline const std::string kLinkEmuBin = HOSO_LINKEMU_BIN;

constexpr char kCentralId[] = "central-hcm";

inline std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

// One finished run of a program: exit code and stdout + stderr.
struct Ran {
  int rc = -1;
  std::string out;
};

inline Ran RunCli(const std::vector<std::string>& argv) {
  Ran r;
  r.rc = RunProgram(argv, &r.out);
  return r;
}

// The lines of `text` that contain `part`.
inline std::vector<std::string> LinesWith(const std::string& text, const std::string& part) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(part) != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

// One event as the node's outbox or the central's events table holds it.
struct EventRow {
  int64_t seq = 0;
  std::string event_id;
  std::string hash;    // raw chain hash
  bool acked = false;  // node side only
};

// hoso-linkemu's counters, from the line it prints on stderr when stopped.
struct LinkCounters {
  long long connections = -1;
  long long bytes_up = -1;
  long long bytes_down = -1;
  long long cuts = -1;
  long long connect_failures = -1;
};

// A hoso-linkemu process between the node and a target port.
class LinkProcess {
 public:
  // Starts it with the emulator's own flags ({"--cut-after-bytes-up", "100"}).
  // Its stderr goes to a file in `work_dir`, read back by Stop().
  bool Start(const std::string& work_dir, uint16_t target_port,
             const std::vector<std::string>& flags) {
    static int started = 0;
    stderr_path_ = work_dir + "/linkemu-" + std::to_string(++started) + ".err";
    std::vector<std::string> argv = {kLinkEmuBin, "--target",
                                     "127.0.0.1:" + std::to_string(target_port)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return process_.StartServer(argv, 20000, stderr_path_);
  }
  uint16_t port() const { return process_.port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // SIGTERM, then the counters it printed (all -1 when it printed none).
  LinkCounters Stop() {
    const int rc = process_.Stop();
    EXPECT_EQ(rc, 0) << "hoso-linkemu did not stop cleanly";
    LinkCounters c;
    auto text = PosixFileSystem()->ReadFile(stderr_path_);
    if (!text.ok()) return c;
    for (const std::string& line : LinesWith(*text, " connections, ")) {
      std::sscanf(line.c_str(),
                  "hoso-linkemu: %lld connections, %lld bytes up, %lld bytes down, %lld cuts, "
                  "%lld target connect failures",
                  &c.connections, &c.bytes_up, &c.bytes_down, &c.cuts, &c.connect_failures);
    }
    return c;
  }

 private:
  ChildProcess process_;
  std::string stderr_path_;
};

// A node's data directory and who it is.
struct NodeDir {
  std::string dir;
  std::string node_id;
  std::string unit_code;
  std::string token;  // its one-time enrolment token
};

// What the two sides hold for one node, for "nothing changed" checks.
struct Snapshot {
  int64_t central_high_water = 0;
  int64_t central_events = 0;
  int64_t node_acked = 0;
  int64_t node_last = 0;
  bool operator==(const Snapshot&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Snapshot& s) {
  return os << "{central high water " << s.central_high_water << ", central events "
            << s.central_events << ", node acked " << s.node_acked << ", node last " << s.node_last
            << "}";
}

class SyncProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    central_dir_ = tmp_.path() + "/central";
    Ran r = RunCli({kCentralBin, "init", "--data", central_dir_, "--central-id", kCentralId,
                    "--name", "Sở Công Thương TP.HCM", "--source-data", DataDir()});
    ASSERT_EQ(r.rc, 0) << r.out;
    intake_path_ = tmp_.path() + "/intake.json";
    ASSERT_TRUE(PosixFileSystem()->WriteFileAtomic(intake_path_, IntakeBody(), 0600).ok());
  }

  // ---- The central ---------------------------------------------------------

  void StartCentral() {
    central_ = std::make_unique<ChildProcess>();
    ASSERT_TRUE(central_->StartServer(
        {kCentralBin, "serve", "--data", central_dir_, "--listen", "127.0.0.1:0"}));
  }
  uint16_t CentralPort() const { return central_->port(); }
  std::string CentralUrl() const { return "http://127.0.0.1:" + std::to_string(CentralPort()); }

  // hoso-central import of `files`, answers into `out_dir`.
  Ran CentralImport(const std::vector<std::string>& files, const std::string& out_dir,
                    const std::string& central_dir = "") {
    std::vector<std::string> argv = {kCentralBin, "import",
                                     "--data",    central_dir.empty() ? central_dir_ : central_dir,
                                     "--out",     out_dir};
    argv.insert(argv.end(), files.begin(), files.end());
    return RunCli(argv);
  }

  // The answer files an import run wrote ("FILE: outcome ... -> ANSWER").
  static std::vector<std::string> AnswersOf(const Ran& import) {
    std::vector<std::string> out;
    for (const std::string& line : LinesWith(import.out, " -> ")) {
      out.push_back(line.substr(line.rfind(" -> ") + 4));
    }
    return out;
  }

  // ---- Nodes ---------------------------------------------------------------

  // Creates node number `n` (1..9) and registers it at the central.
  NodeDir NewNode(int n) {
    NodeDir node;
    node.dir = tmp_.path() + "/desk-" + std::to_string(n);
    node.node_id = "desk-h29-0" + std::to_string(n);
    node.unit_code = "000.00.1" + std::to_string(n) + ".H29";
    Ran init =
        RunCli({kNodeBin, "init", "--data", node.dir, "--unit-code", node.unit_code, "--name",
                "Bộ phận một cửa số " + std::to_string(n), "--node-id", node.node_id, "--province",
                "Thành phố Hồ Chí Minh", "--source-data", DataDir()});
    EXPECT_EQ(init.rc, 0) << init.out;
    Ran add = RunCli({kCentralBin, "node", "add", "--data", central_dir_, "--id", node.node_id,
                      "--unit-code", node.unit_code, "--role", "desk"});
    EXPECT_EQ(add.rc, 0) << add.out;
    node.token = add.out.substr(0, add.out.find('\n'));  // the token comes first, alone
    return node;
  }

  Ran Enrol(const NodeDir& node, const std::string& url) {
    return RunCli(
        {kNodeBin, "enroll", "--data", node.dir, "--central", url, "--token", node.token});
  }

  // One dossier taken in with `hoso-node intake`; returns its code.
  std::string Intake(const NodeDir& node) {
    Ran r = RunCli(
        {kNodeBin, "intake", "--data", node.dir, "--json", intake_path_, "--format", "json"});
    EXPECT_EQ(r.rc, 0) << r.out;
    auto o = ParseJsonObject(r.out.substr(std::min(r.out.find('{'), r.out.size())));
    EXPECT_TRUE(o.ok()) << r.out;
    return o.ok() ? std::string(o->at("code").as_string()) : "";
  }
  void Intakes(const NodeDir& node, int n) {
    for (int i = 0; i < n; ++i) Intake(node);
  }

  // `hoso-node sync --once --json` against `url` (which the node then keeps).
  Ran SyncOnce(const NodeDir& node, const std::string& url) {
    return RunCli({kNodeBin, "sync", "--data", node.dir, "--once", "--central", url, "--json"});
  }
  // "applied" / "duplicate" / "poll" from a successful SyncOnce.
  static std::string ResultOf(const Ran& sync) {
    auto o = ParseJsonObject(sync.out.substr(std::min(sync.out.find('{'), sync.out.size())));
    if (!o.ok() || !o->contains("result")) return "<no result: " + sync.out + ">";
    return std::string(o->at("result").as_string());
  }

  // `hoso-node export`: the batch files written, in seq order.
  std::vector<std::string> Export(const NodeDir& node, const std::string& to_dir) {
    Ran r = RunCli({kNodeBin, "export", "--data", node.dir, "--to", to_dir});
    EXPECT_EQ(r.rc, 0) << r.out;
    std::vector<std::string> files;
    for (const std::string& line : LinesWith(r.out, "  (seq ")) {
      files.push_back(line.substr(0, line.find("  (seq ")));
    }
    return files;
  }

  Ran NodeImport(const NodeDir& node, const std::vector<std::string>& files) {
    std::vector<std::string> argv = {kNodeBin, "import", "--data", node.dir};
    argv.insert(argv.end(), files.begin(), files.end());
    return RunCli(argv);
  }

  // ---- Reading both sides (read-only) ----------------------------------------

  // False at the end and on an error (which the row counts then show).
  static bool NextRow(Statement& st) {
    auto row = st.Step();
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    return row.ok() && *row;
  }

  static std::unique_ptr<Database> OpenReadOnly(const std::string& path) {
    DatabaseOptions o;
    o.read_only = true;
    o.create_if_missing = false;
    auto db = Database::Open(path, o);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  static std::vector<EventRow> NodeOutbox(const NodeDir& node) {
    std::vector<EventRow> rows;
    auto db = OpenReadOnly(node.dir + "/node.db");
    if (db == nullptr) return rows;
    auto st = db->Prepare(
        "SELECT seq, event_id, hash, seq <= (SELECT acked_seq FROM outbox_ack) "
        "FROM outbox_events ORDER BY seq");
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    if (!st.ok()) return rows;
    while (NextRow(*st)) {
      rows.push_back(
          EventRow{st->ColumnInt(0), st->ColumnText(1), st->ColumnBlob(2), st->ColumnInt(3) == 1});
    }
    return rows;
  }

  // The central's events of one node in the order they were stored.
  std::vector<EventRow> CentralEvents(const std::string& node_id,
                                      const std::string& central_dir = "") const {
    std::vector<EventRow> rows;
    auto db = OpenReadOnly((central_dir.empty() ? central_dir_ : central_dir) + "/central.db");
    if (db == nullptr) return rows;
    auto st = db->Prepare(
        "SELECT seq, event_id, hash FROM events WHERE node_id = ?1 "
        "ORDER BY rowid");
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    if (!st.ok()) return rows;
    st->Bind(1, node_id);
    while (NextRow(*st)) {
      rows.push_back(EventRow{st->ColumnInt(0), st->ColumnText(1), st->ColumnBlob(2), false});
    }
    return rows;
  }

  int64_t CentralHighWater(const std::string& node_id, const std::string& central_dir = "") const {
    auto db = OpenReadOnly((central_dir.empty() ? central_dir_ : central_dir) + "/central.db");
    if (db == nullptr) return -1;
    auto st = db->Prepare("SELECT high_water_seq FROM node_progress WHERE node_id = ?1");
    if (!st.ok()) return -1;
    st->Bind(1, node_id);
    return NextRow(*st) ? st->ColumnInt(0) : 0;
  }

  Snapshot Snap(const NodeDir& node) const {
    Snapshot s;
    s.central_high_water = CentralHighWater(node.node_id);
    s.central_events = static_cast<int64_t>(CentralEvents(node.node_id).size());
    for (const EventRow& r : NodeOutbox(node)) {
      s.node_last = r.seq;
      if (r.acked && s.node_acked == r.seq - 1) s.node_acked = r.seq;
    }
    return s;
  }

  // The central holds a gapless prefix 1..H of the node's outbox, each event
  // once, stored in seq order, with the node's ids and hashes; H is its high
  // water mark.
  ::testing::AssertionResult CentralHoldsPrefix(const NodeDir& node) const {
    const std::vector<EventRow> outbox = NodeOutbox(node);
    const std::vector<EventRow> central = CentralEvents(node.node_id);
    const int64_t high_water = CentralHighWater(node.node_id);
    if (static_cast<int64_t>(central.size()) != high_water) {
      return ::testing::AssertionFailure()
             << "the central holds " << central.size() << " events of " << node.node_id
             << " but its high water is " << high_water;
    }
    if (central.size() > outbox.size()) {
      return ::testing::AssertionFailure() << "the central holds " << central.size()
                                           << " events, the node wrote " << outbox.size();
    }
    for (size_t i = 0; i < central.size(); ++i) {
      const int64_t want = static_cast<int64_t>(i) + 1;
      if (central[i].seq != want) {
        return ::testing::AssertionFailure()
               << "central event #" << want << " of " << node.node_id << " has seq "
               << central[i].seq << " (lost, doubled or out of order)";
      }
      if (central[i].event_id != outbox[i].event_id || central[i].hash != outbox[i].hash) {
        return ::testing::AssertionFailure()
               << "seq " << want << " differs between the central and the node";
      }
    }
    return ::testing::AssertionSuccess();
  }

  // Both sides agree on everything (see the top of this file).
  ::testing::AssertionResult Converged(const NodeDir& node) const {
    ::testing::AssertionResult prefix = CentralHoldsPrefix(node);
    if (!prefix) return prefix;
    const std::vector<EventRow> outbox = NodeOutbox(node);
    const int64_t high_water = CentralHighWater(node.node_id);
    if (high_water != static_cast<int64_t>(outbox.size())) {
      return ::testing::AssertionFailure()
             << "central high water " << high_water << ", node last seq " << outbox.size();
    }
    for (size_t i = 0; i < outbox.size(); ++i) {
      if (outbox[i].seq != static_cast<int64_t>(i) + 1) {
        return ::testing::AssertionFailure()
               << "the node's outbox has a gap before seq " << outbox[i].seq;
      }
      if (!outbox[i].acked) {
        return ::testing::AssertionFailure() << "node seq " << outbox[i].seq << " is not acked";
      }
    }
    auto db = OpenReadOnly(node.dir + "/node.db");
    if (db == nullptr) return ::testing::AssertionFailure() << "cannot open the node database";
    Status chain = node::VerifyChain(*db);
    if (!chain.ok()) return ::testing::AssertionFailure() << chain.ToString();
    return ::testing::AssertionSuccess() << high_water << " events";
  }

  // ---- Intake body ---------------------------------------------------------

  // A complete intake of the alcohol retail licence (its required documents
  // from the catalog in force today), as POST /api/dossiers takes it.
  static std::string IntakeBody() {
    auto text = PosixFileSystem()->ReadFile(DataDir() + "/catalog.json");
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    auto catalog = Catalog::Parse(text.ok() ? *text : "");
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    json::array docs;
    if (catalog.ok()) {
      auto p = catalog->Find("2.000620", LocalDateOf(SystemClock()->NowMs()));
      EXPECT_TRUE(p.ok()) << p.status().ToString();
      if (p.ok()) {
        for (const RequiredDocument& d : (*p)->required_documents) {
          if (!d.optional) docs.push_back(json::object{{"id", d.id}, {"count", d.count}});
        }
      }
    }
    return ToJson(hoso::testing::SampleIntakeBody(std::move(docs)));
  }

  TempDir tmp_;
  std::string central_dir_;
  std::string intake_path_;
  std::unique_ptr<ChildProcess> central_;
};

}  // namespace hoso::e2e

#endif  // HOSO_TESTS_E2E_SYNC_PROCESS_ENV_H_
