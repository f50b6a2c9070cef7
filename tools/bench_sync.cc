// bench_sync: end-to-end sync of a desk node into the central, measured
// against limits taken on the same machine in the same run
// (docs/PERFORMANCE.md, "End-to-end sync").
//
//   1. Rate. N dossiers are taken in through the node's Desk (real intake
//      events, tools/bench_sync_data.h). A real `hoso-central serve` and a
//      real `hoso-node serve` (whose background sync does the work) run on
//      127.0.0.1; the clock runs from starting the node until the central's
//      node_progress.high_water_seq equals the node's last seq. The limit:
//      the same event rows (same columns, the central's own schema with its
//      indexes and triggers, WAL and synchronous=FULL as the central opens
//      it) inserted into a fresh central database in transactions of 10,000.
//   2. Bytes. The sync of (1) runs through the link emulator with no limits,
//      which counts every byte both ways, HTTP included. The limit: the
//      batch lines of the same events (canonical JSON, as the batch body
//      carries them) compressed as one zstd -19 frame.
//   3. A bad link. M more dossiers from a second node through the link
//      emulator at 256 kbit/s each way, 200 ms round trip, every connection
//      cut every 30 s; three runs whose first cut falls 5, 15 and 25 s after
//      the node starts, and their mean time. The limit: the time the link
//      needs to carry the bytes these dossiers take, (bytes up + bytes down)
//      / bandwidth, counted on a copy of the node synced over a clean link.
//   4. Memory. The node's peak resident set (VmHWM) during (1).
//
// Usage: bench_sync [--dossiers N] [--link-dossiers M] [--check] [--keep] ...
// (--help lists every option).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/node_store.h"
#include "node/outbox.h"
#include "schema/data_dir.h"
#include "schema/events.h"
#include "schema/sqlite.h"
#include "tools/bench_sync_data.h"
#include "tools/cli.h"
#include "tools/link_emulator.h"

namespace hoso::bench {
namespace {

using Steady = std::chrono::steady_clock;

constexpr char kProgram[] = "bench_sync";
constexpr char kUsage[] =
    "usage: bench_sync [options]\n"
    "  --dossiers N         dossiers synced at full speed (default 100000)\n"
    "  --link-dossiers M    dossiers synced over the bad link (default 2000; 0 skips it)\n"
    "  --link-kbit K        bad link bandwidth per direction, kbit/s (default 256)\n"
    "  --link-rtt-ms MS     bad link round trip (default 200)\n"
    "  --cut-every-s S      cut every connection every S seconds (default 30; 0: never)\n"
    "  --cut-phases K       runs over the bad link, the first cut of run i at\n"
    "                       (i + 0.5) * S / K seconds after the node starts (default 3)\n"
    "  --hoso-node PATH     default: ../node/hoso-node next to this program\n"
    "  --hoso-central PATH  default: ../central/hoso-central next to this program\n"
    "  --work-dir DIR       where the data directories go (default: a fresh /tmp dir)\n"
    "  --keep               keep the work directory\n"
    "  --save-node DIR      copy the generated node (before it syncs) to DIR\n"
    "  --node-from DIR      start from a copy of a node saved with --save-node\n"
    "                       instead of generating one (same --dossiers and --seed)\n"
    "  --skip-wire          skip the zstd -19 reference and figure 2 (saves a minute\n"
    "                       and a half at 100,000 dossiers)\n"
    "  --check              exit 1 when a target is missed\n"
    "  --seed S             seeds the generated dossiers (default 1)\n"
    "  --verbose            print the central's high water each time it moves\n";

constexpr int kBaselineTxnRows = 10000;

bool g_verbose = false;  // --verbose: print the central's high water as it moves
constexpr int kProgressTimeoutS = 180;  // no progress for this long fails the run
constexpr double kTargetRateRatio = 0.40;
constexpr double kTargetBytesRatio = 1.20;
constexpr double kTargetLinkRatio = 1.30;
constexpr double kTargetRssMb = 40.0;

// ---- Processes ------------------------------------------------------------------

std::string Quote(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Runs argv to completion; stdout is returned, stderr goes to `log`.
Result<std::string> Run(const std::vector<std::string>& argv, const std::string& log) {
  int out[2];
  if (::pipe(out) != 0) return Status::IoError("pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::close(out[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, size_t(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal(Quote(argv) + " failed (see " + log + ")");
  }
  return text;
}

// A server process that printed "listening on http://HOST:PORT".
struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
  int stdout_fd = -1;  // kept open: a closed pipe would kill the server on its next line
};

Result<Server> StartServer(const std::vector<std::string>& argv, const std::string& log) {
  int out[2];
  if (::pipe(out) != 0) return Status::IoError("pipe");
  Server s;
  s.pid = ::fork();
  if (s.pid == 0) {
    ::dup2(out[1], 1);
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::close(out[0]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  s.stdout_fd = out[0];
  if (line.rfind("listening on http://", 0) != 0) {
    ::kill(s.pid, SIGKILL);
    ::waitpid(s.pid, nullptr, 0);
    ::close(s.stdout_fd);
    return Status::Internal(Quote(argv) + " did not start (see " + log + ")");
  }
  s.port = static_cast<uint16_t>(std::atoi(line.c_str() + line.rfind(':') + 1));
  return s;
}

void Stop(Server& s) {
  if (s.pid <= 0) return;
  ::kill(s.pid, SIGTERM);
  ::waitpid(s.pid, nullptr, 0);
  ::close(s.stdout_fd);
  s.pid = -1;
}

// A "VmRSS"-style line of /proc/PID/status in kB, -1 when unreadable.
int64_t ProcStatusKb(pid_t pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::atoll(line.c_str() + key.size() + 1);
  }
  return -1;
}

// User + system CPU seconds of a live process.
double CpuSeconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; rest >> field && i <= 15; ++i) {
    if (i == 14 || i == 15) ticks += std::atof(field.c_str());
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double Seconds(Steady::time_point a, Steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---- Setting up ----------------------------------------------------------------------

struct Bins {
  std::string node, central;
};

struct NodeSpec {
  std::string dir, node_id, unit_code;
  int64_t dossiers = 0;
  uint64_t seed = 1;
};

// Creates the node and takes in its dossiers; returns its last seq.
Result<int64_t> MakeNode(const NodeSpec& spec, double* seconds) {
  node::InitOptions init;
  init.identity.node_id = spec.node_id;
  init.identity.unit_code = spec.unit_code;
  init.identity.name = "Bộ phận một cửa Sở Công Thương";
  init.identity.province = "Thành phố Hồ Chí Minh";
  init.identity.role = "desk";
  const char* env = std::getenv("HOSO_DATA_DIR");
  init.source_data_dir = env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
  HOSO_RETURN_IF_ERROR(node::NodeStore::Init(spec.dir, init));
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<node::NodeStore> store, node::NodeStore::Open(spec.dir));
  const auto t0 = Steady::now();
  DeskTrafficOptions traffic;
  traffic.dossiers = spec.dossiers;
  traffic.seed = spec.seed;
  HOSO_RETURN_IF_ERROR(GenerateDeskTraffic(store.get(), traffic));
  *seconds = Seconds(t0, Steady::now());
  return node::LastSeq(store->db());
}

// A central with the node added; returns the enrolment token.
Result<std::string> MakeCentral(const Bins& bins, const std::string& dir, const NodeSpec& node,
                                const std::string& log) {
  HOSO_RETURN_IF_ERROR(
      Run({bins.central, "init", "--data", dir, "--central-id", "central-bench"}, log).status());
  HOSO_ASSIGN_OR_RETURN(std::string token,
                        Run({bins.central, "node", "add", "--data", dir, "--id", node.node_id,
                             "--unit-code", node.unit_code, "--role", "desk"},
                            log));
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

Status Enrol(const Bins& bins, const NodeSpec& node, uint16_t port, const std::string& token,
             const std::string& log) {
  return Run({bins.node, "enroll", "--data", node.dir, "--central",
              "http://127.0.0.1:" + std::to_string(port), "--token", token},
             log)
      .status();
}

// ---- The zstd -19 reference ------------------------------------------------------------

struct JsonReference {
  int64_t events = 0;
  int64_t plain_bytes = 0;   // batch lines, canonical JSON, LF-terminated
  int64_t zstd19_bytes = 0;  // one zstd frame at level 19
};

// Streams `input` into `cctx`, counting the output bytes.
void Feed(ZSTD_CCtx* cctx, std::string_view input, ZSTD_EndDirective end, int64_t* out_bytes) {
  std::string buf(ZSTD_CStreamOutSize(), '\0');
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    const size_t left = ZSTD_compressStream2(cctx, &out, &in, end);
    *out_bytes += static_cast<int64_t>(out.pos);
    if (ZSTD_isError(left)) return;
    if (end == ZSTD_e_end ? left == 0 : in.pos == in.size) return;
  }
}

Result<JsonReference> ComputeReference(const std::string& node_dir) {
  DatabaseOptions ro;
  ro.read_only = true;
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(node_dir + "/node.db", ro));
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 19);
  JsonReference ref;
  for (int64_t from = 1;;) {
    HOSO_ASSIGN_OR_RETURN(std::vector<node::OutboxRecord> records,
                          node::EventsFrom(*db, from, 10000));
    if (records.empty()) break;
    std::string lines;
    for (const node::OutboxRecord& r : records) {
      // The batch line exactly as EncodeBatch writes it.
      json::object line{{"event", EventToJsonObject(r.event)},
                        {"prev_hash", HexEncode(r.prev_hash)},
                        {"hash", HexEncode(r.hash)}};
      lines += CanonicalJsonValue(json::value(std::move(line)));
      lines.push_back('\n');
    }
    ref.events += static_cast<int64_t>(records.size());
    ref.plain_bytes += static_cast<int64_t>(lines.size());
    Feed(cctx.get(), lines, ZSTD_e_continue, &ref.zstd19_bytes);
    from = records.back().event.seq + 1;
  }
  Feed(cctx.get(), {}, ZSTD_e_end, &ref.zstd19_bytes);
  return ref;
}

// ---- Syncing ---------------------------------------------------------------------------

struct SyncRun {
  double seconds = 0;
  int64_t events = 0;
  uint64_t bytes_up = 0, bytes_down = 0;
  uint64_t cuts = 0;
  int64_t node_hwm_kb = 0, node_rss_max_kb = 0;
  double node_cpu_s = 0, central_cpu_s = 0;
};

// Starts `hoso-node serve` (its background sync talks to the URL it
// enrolled with) and waits until the central's high water reaches last_seq.
// `every_poll` runs at every poll (cuts).
Result<SyncRun> SyncUntilDone(const Bins& bins, const NodeSpec& node, int64_t last_seq,
                              const std::string& central_dir, const Server& central,
                              LinkEmulator* link, const std::string& log,
                              const std::function<void(double elapsed_s)>& every_poll) {
  DatabaseOptions ro;
  ro.read_only = true;
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> cdb,
                        Database::Open(central_dir + "/central.db", ro));
  HOSO_ASSIGN_OR_RETURN(Statement hw, cdb->Prepare("SELECT high_water_seq FROM node_progress "
                                                   "WHERE node_id = ?1"));
  const LinkStats before = link->stats();
  const double central_cpu0 = CpuSeconds(central.pid);
  SyncRun run;
  const auto t0 = Steady::now();
  HOSO_ASSIGN_OR_RETURN(
      Server n,
      StartServer({bins.node, "serve", "--data", node.dir, "--listen", "127.0.0.1:0"}, log));
  int64_t high = -1;
  auto last_progress = t0;
  while (true) {
    hw.Reset();
    hw.Bind(1, node.node_id);
    HOSO_ASSIGN_OR_RETURN(bool row, hw.Step());
    const int64_t now_high = row ? hw.ColumnInt(0) : 0;
    const auto now = Steady::now();
    if (now_high != high) {
      last_progress = now;
      if (g_verbose) {
        const LinkStats st = link->stats();
        std::printf("  %7.2f s  high water %lld  (link: %llu B up, %llu cuts)\n", Seconds(t0, now),
                    static_cast<long long>(now_high),
                    static_cast<unsigned long long>(st.bytes_upstream - before.bytes_upstream),
                    static_cast<unsigned long long>(st.cuts - before.cuts));
      }
    }
    high = now_high;
    run.node_rss_max_kb = std::max(run.node_rss_max_kb, ProcStatusKb(n.pid, "VmRSS"));
    if (high >= last_seq) break;
    if (Seconds(last_progress, now) > kProgressTimeoutS) {
      Stop(n);
      return Status::Unavailable("no sync progress for " + std::to_string(kProgressTimeoutS) +
                                      " s at seq " + std::to_string(high) + " (see " + log + ")");
    }
    if (every_poll) every_poll(Seconds(t0, now));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  run.seconds = Seconds(t0, Steady::now());
  hw.Reset();
  run.events = last_seq;
  run.node_hwm_kb = ProcStatusKb(n.pid, "VmHWM");
  run.node_cpu_s = CpuSeconds(n.pid);
  run.central_cpu_s = CpuSeconds(central.pid) - central_cpu0;
  Stop(n);
  const LinkStats after = link->stats();
  run.bytes_up = after.bytes_upstream - before.bytes_upstream;
  run.bytes_down = after.bytes_downstream - before.bytes_downstream;
  run.cuts = after.cuts - before.cuts;
  return run;
}

// A fresh central for `node`, a link emulator with `link` options in front of
// it (enrolment runs before the options apply), then SyncUntilDone.
Result<SyncRun> SyncOverFreshCentral(
    const Bins& bins, const NodeSpec& node, int64_t last_seq, const std::string& central_dir,
    const LinkOptions& link_options, const std::string& log,
    const std::function<void(LinkEmulator*, double elapsed_s)>& every_poll) {
  HOSO_ASSIGN_OR_RETURN(std::string token, MakeCentral(bins, central_dir, node, log));
  HOSO_ASSIGN_OR_RETURN(
      Server central,
      StartServer({bins.central, "serve", "--data", central_dir, "--listen", "127.0.0.1:0"}, log));
  auto link = LinkEmulator::Start("127.0.0.1", 0, "127.0.0.1", central.port, LinkOptions{});
  Result<SyncRun> run = link.status();
  if (link.ok()) {
    Status s = Enrol(bins, node, (*link)->port(), token, log);
    if (s.ok()) s = (*link)->SetOptions(link_options);
    run = s;
    if (s.ok()) {
      LinkEmulator* l = link->get();
      run = SyncUntilDone(bins, node, last_seq, central_dir, central, l, log,
                          [&](double elapsed) {
                            if (every_poll) every_poll(l, elapsed);
                          });
    }
    (*link)->Stop();
  }
  Stop(central);
  return run;
}

// ---- The SQLite limit ------------------------------------------------------------------

struct EventRow {
  std::string node_id, event_id, type, payload, hash;
  int64_t seq = 0, schema_version = 0, device_time_ms = 0, received_at_ms = 0;
  std::optional<std::string> dossier_code, actor, waybill;
};

// The rows the central stored, read into memory so that the timed part is
// the inserts alone.
Result<std::vector<EventRow>> LoadRows(const std::string& central_dir) {
  DatabaseOptions ro;
  ro.read_only = true;
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db,
                        Database::Open(central_dir + "/central.db", ro));
  HOSO_ASSIGN_OR_RETURN(
      Statement q, db->Prepare("SELECT node_id, seq, event_id, type, schema_version, dossier_code, "
                               "payload, device_time_ms, received_at_ms, hash, actor, waybill "
                               "FROM events ORDER BY node_id, seq"));
  std::vector<EventRow> rows;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    EventRow r;
    r.node_id = q.ColumnText(0);
    r.seq = q.ColumnInt(1);
    r.event_id = q.ColumnText(2);
    r.type = q.ColumnText(3);
    r.schema_version = q.ColumnInt(4);
    r.dossier_code = q.ColumnOptText(5);
    r.payload = q.ColumnText(6);
    r.device_time_ms = q.ColumnInt(7);
    r.received_at_ms = q.ColumnInt(8);
    r.hash = q.ColumnBlob(9);
    r.actor = q.ColumnOptText(10);
    r.waybill = q.ColumnOptText(11);
    rows.push_back(std::move(r));
  }
  return rows;
}

// Inserts `rows` into the fresh central database at `dir` (opened as
// CentralStore opens it) in transactions of kBaselineTxnRows; returns the
// seconds the inserts and commits took.
Result<double> InsertBaseline(const std::string& dir, const std::vector<EventRow>& rows) {
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(dir + "/central.db"));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db->Prepare("INSERT INTO events (node_id, seq, event_id, type, schema_version, "
                  "dossier_code, payload, device_time_ms, received_at_ms, hash, actor, waybill) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  const auto t0 = Steady::now();
  for (size_t i = 0; i < rows.size();) {
    HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
    for (size_t end = std::min(rows.size(), i + kBaselineTxnRows); i < end; ++i) {
      const EventRow& r = rows[i];
      ins.Bind(1, r.node_id).Bind(2, r.seq).Bind(3, r.event_id).Bind(4, r.type);
      ins.Bind(5, r.schema_version).Bind(6, r.dossier_code).Bind(7, r.payload);
      ins.Bind(8, r.device_time_ms).Bind(9, r.received_at_ms).BindBlob(10, r.hash);
      ins.Bind(11, r.actor).Bind(12, r.waybill);
      HOSO_RETURN_IF_ERROR(ins.Run());
    }
    HOSO_RETURN_IF_ERROR(txn.Commit());
  }
  return Seconds(t0, Steady::now());
}

// ---- The report ------------------------------------------------------------------------

struct Row {
  std::string figure, measured, limit;
  double ratio = 0;
  std::string target;
  bool pass = false;
};

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-34s %-22s %-26s %7s %8s %s\n", "figure", "measured", "limit (same run)", "ratio",
              "target", "");
  for (const Row& r : rows) {
    std::printf("%-34s %-22s %-26s %7.3f %8s %s\n", r.figure.c_str(), r.measured.c_str(),
                r.limit.c_str(), r.ratio, r.target.c_str(), r.pass ? "PASS" : "FAIL");
  }
}

// ---- Main ---------------------------------------------------------------------------------

std::string SelfDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : p.parent_path().string();
}

int Main(const cli::Args& a) {
  auto num = [&](const char* flag, double fallback) {
    auto v = a.Get(flag);
    return v ? std::atof(v->c_str()) : fallback;
  };
  const int64_t dossiers = static_cast<int64_t>(num("dossiers", 100000));
  const int64_t link_dossiers = static_cast<int64_t>(num("link-dossiers", 2000));
  const double link_kbit = num("link-kbit", 256);
  const double rtt_ms = num("link-rtt-ms", 200);
  const double cut_every_s = num("cut-every-s", 30);
  const int cut_phases = static_cast<int>(num("cut-phases", 3));
  const uint64_t seed = static_cast<uint64_t>(num("seed", 1));
  g_verbose = a.Has("verbose");
  if (dossiers < 1 || link_dossiers < 0 || link_kbit <= 0 || rtt_ms < 0 || cut_every_s < 0 ||
      cut_phases < 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("bad option value (see --help)"));
  }
  Bins bins{a.Get("hoso-node").value_or(SelfDir() + "/../node/hoso-node"),
            a.Get("hoso-central").value_or(SelfDir() + "/../central/hoso-central")};
  std::string work;
  if (auto w = a.Get("work-dir")) {
    work = *w;
    std::filesystem::create_directories(work);
  } else {
    char tmpl[] = "/tmp/hoso-bench-sync-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return cli::Fail(kProgram, Status::IoError("mkdtemp"));
    work = tmpl;
  }
  const std::string log = work + "/processes.log";
  auto fail = [&](const Status& s) {
    std::cerr << kProgram << ": " << s.ToString() << " (work directory " << work << ")\n";
    return 1;
  };
  std::printf("bench_sync: %lld dossiers at full speed, %lld over the bad link; %u cores; "
              "work directory %s\n",
              static_cast<long long>(dossiers), static_cast<long long>(link_dossiers),
              std::thread::hardware_concurrency(), work.c_str());

  // 1. The node and its dossiers.
  NodeSpec desk{work + "/desk", "bench-desk-h29", "000.00.17.H29", dossiers, seed};
  double gen_s = 0;
  Result<int64_t> last_seq = Status::Internal("no node");
  if (auto from = a.Get("node-from")) {
    std::error_code ec;
    std::filesystem::copy(*from, desk.dir, std::filesystem::copy_options::recursive, ec);
    if (ec) return fail(Status::IoError("copy " + *from + ": " + ec.message()));
    auto store = node::NodeStore::Open(desk.dir);
    if (!store.ok()) return fail(store.status());
    last_seq = node::LastSeq((*store)->db());
    if (!last_seq.ok()) return fail(last_seq.status());
    std::printf("copied the node of %lld events from %s\n", static_cast<long long>(*last_seq),
                from->c_str());
  } else {
    last_seq = MakeNode(desk, &gen_s);
    if (!last_seq.ok()) return fail(last_seq.status());
    std::printf("generated %lld dossiers (%lld events) through the Desk in %.1f s\n",
                static_cast<long long>(dossiers), static_cast<long long>(*last_seq), gen_s);
  }
  if (auto save = a.Get("save-node")) {
    std::error_code ec;
    std::filesystem::copy(desk.dir, *save, std::filesystem::copy_options::recursive, ec);
    if (ec) return fail(Status::IoError("copy to " + *save + ": " + ec.message()));
  }

  const bool skip_wire = a.Has("skip-wire");
  JsonReference ref_figures;
  if (!skip_wire) {
    auto ref_t0 = Steady::now();
    auto ref = ComputeReference(desk.dir);
    if (!ref.ok()) return fail(ref.status());
    ref_figures = *ref;
    std::printf("batch lines: %.0f B/event plain, %.1f B/event as one zstd -19 frame (%.1f s)\n",
                double(ref->plain_bytes) / double(ref->events),
                double(ref->zstd19_bytes) / double(ref->events), Seconds(ref_t0, Steady::now()));
  }
  const JsonReference* ref = &ref_figures;

  // 2. The central, the counting link, enrolment, then the timed sync.
  const std::string central_dir = work + "/central";
  auto sync = SyncOverFreshCentral(bins, desk, *last_seq, central_dir, LinkOptions{}, log, {});
  if (!sync.ok()) return fail(sync.status());
  const double sync_rate = double(sync->events) / sync->seconds;
  std::printf("synced %lld events in %.2f s: %.0f events/s; CPU node %.1f s, central %.1f s\n",
              static_cast<long long>(sync->events), sync->seconds, sync_rate, sync->node_cpu_s,
              sync->central_cpu_s);
  std::printf("on the wire: %.1f B/dossier up, %.1f B/dossier down (HTTP included)\n",
              double(sync->bytes_up) / double(dossiers), double(sync->bytes_down) / double(dossiers));

  // 3. The SQLite limit.
  auto rows = LoadRows(central_dir);
  if (!rows.ok()) return fail(rows.status());
  const std::string base_dir = work + "/baseline";
  NodeSpec base_node = desk;
  if (auto t = MakeCentral(bins, base_dir, base_node, log); !t.ok()) return fail(t.status());
  auto base_s = InsertBaseline(base_dir, *rows);
  if (!base_s.ok()) return fail(base_s.status());
  const double base_rate = double(rows->size()) / *base_s;
  std::printf("baseline: %zu rows inserted in %.2f s: %.0f events/s\n", rows->size(), *base_s,
              base_rate);

  std::vector<Row> table;
  table.push_back({"1. sync rate, events/s", Fmt("%.0f", sync_rate),
                   Fmt("%.0f (SQLite insert)", base_rate), sync_rate / base_rate, ">= 0.40",
                   sync_rate / base_rate >= kTargetRateRatio});
  if (!skip_wire) {
    const double wire = double(sync->bytes_up + sync->bytes_down) / double(dossiers);
    const double z19 = double(ref->zstd19_bytes) / double(dossiers);
    table.push_back({"2. wire bytes/dossier, both ways", Fmt("%.1f B", wire),
                     Fmt("%.1f B (zstd -19)", z19), wire / z19, "<= 1.20",
                     wire / z19 <= kTargetBytesRatio});
  }

  // 4. The bad link.
  if (link_dossiers > 0) {
    NodeSpec far{work + "/far-desk", "bench-desk-h30", "000.00.17.H30", link_dossiers, seed + 1};
    double far_gen_s = 0;
    auto far_last = MakeNode(far, &far_gen_s);
    if (!far_last.ok()) return fail(far_last.status());
    // The limit: the bytes the same dossiers take over a clean, fast link
    // (a copy of the node, its own central).
    NodeSpec clean = far;
    clean.dir = work + "/far-desk-clean";
    std::filesystem::copy(far.dir, clean.dir, std::filesystem::copy_options::recursive);
    auto clean_sync = SyncOverFreshCentral(bins, clean, *far_last, work + "/clean-central",
                                           LinkOptions{}, log, {});
    if (!clean_sync.ok()) return fail(clean_sync.status());
    LinkOptions lo;
    lo.bandwidth_bytes_per_s = static_cast<int64_t>(link_kbit * 1000 / 8);
    lo.latency_ms = static_cast<int>(rtt_ms / 2);
    const double link_s =
        double(clean_sync->bytes_up + clean_sync->bytes_down) / double(lo.bandwidth_bytes_per_s);
    std::printf("the %lld dossiers over a clean link: %llu B up, %llu B down: %.1f s of link time\n",
                static_cast<long long>(link_dossiers),
                static_cast<unsigned long long>(clean_sync->bytes_up),
                static_cast<unsigned long long>(clean_sync->bytes_down), link_s);
    // Where the cuts fall relative to the start matters as much as how often
    // they come: one run per phase, spread evenly over the period.
    double sum_s = 0, worst_s = 0;
    for (int phase = 0; phase < cut_phases; ++phase) {
      NodeSpec copy = far;
      copy.dir = work + "/far-desk-" + std::to_string(phase);
      std::filesystem::copy(far.dir, copy.dir, std::filesystem::copy_options::recursive);
      const double first = cut_every_s * (phase + 0.5) / cut_phases;
      double next_cut = cut_every_s > 0 ? first : 1e300;
      auto cutter = [&](LinkEmulator* link, double elapsed) {
        if (elapsed < next_cut) return;
        link->CutAll();
        next_cut += cut_every_s;
      };
      auto run = SyncOverFreshCentral(bins, copy, *far_last,
                                      work + "/far-central-" + std::to_string(phase), lo, log,
                                      cutter);
      if (!run.ok()) return fail(run.status());
      std::printf("bad link, first cut at %4.1f s: %.1f s (%.2fx); %llu B up, %llu B down "
                  "carried, %llu cuts\n",
                  first, run->seconds, run->seconds / link_s,
                  static_cast<unsigned long long>(run->bytes_up),
                  static_cast<unsigned long long>(run->bytes_down),
                  static_cast<unsigned long long>(run->cuts));
      sum_s += run->seconds;
      worst_s = std::max(worst_s, run->seconds);
    }
    const double mean_s = sum_s / cut_phases;
    std::printf("bad link: mean %.1f s (%.2fx), worst %.1f s (%.2fx)\n", mean_s, mean_s / link_s,
                worst_s, worst_s / link_s);
    table.push_back({"3. bad link sync time (mean)", Fmt("%.1f s", mean_s),
                     Fmt("%.1f s (bytes/bandwidth)", link_s), mean_s / link_s, "<= 1.30",
                     mean_s / link_s <= kTargetLinkRatio});
  }

  const double hwm_mb = double(sync->node_hwm_kb) / 1024.0;
  table.push_back({"4. node memory during sync (VmHWM)", Fmt("%.1f MB", hwm_mb),
                   Fmt("%.0f MB (fixed)", kTargetRssMb), hwm_mb / kTargetRssMb, "< 1.00",
                   hwm_mb < kTargetRssMb});
  PrintTable(table);

  if (!a.Has("keep") && !a.Get("work-dir")) std::filesystem::remove_all(work);
  bool all = true;
  for (const Row& r : table) all = all && r.pass;
  return a.Has("check") && !all ? 1 : 0;
}

}  // namespace
}  // namespace hoso::bench

int main(int argc, char** argv) {
  const std::set<std::string> values = {"dossiers",  "link-dossiers", "link-kbit",    "link-rtt-ms",
                                        "cut-every-s", "cut-phases", "hoso-node",    "hoso-central",
                                        "work-dir",  "seed", "save-node", "node-from"};
  auto args = hoso::cli::Args::Parse(std::vector<std::string>(argv + 1, argv + argc), values,
                                     {"keep", "check", "verbose", "skip-wire"});
  if (!args.ok()) return hoso::cli::Fail(hoso::bench::kProgram, args.status());
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines show up as they happen
  if (args->Has("help")) {
    std::cout << hoso::bench::kUsage;
    return 0;
  }
  return hoso::bench::Main(*args);
}
