// bench_tracking: public tracking lookups against a central holding many
// dossiers (docs/PERFORMANCE.md, "Public tracking").
//
// 1. Builds a central with --dossiers dossiers the way they arrive: desk
//    nodes (one per 100,000 dossiers, each its own unit) are enrolled with
//    real keys, and each node's dossier_received events (hash-chained, with
//    every field desk intake fills in, the lookup secret's verifier among
//    them) go through Ingestor::ApplyBatch as signed, zstd-compressed batches
//    of 2,000 events: the exactly-once ingest, its event rows and indexes and
//    the dossier projection folded at ingest are the production code paths,
//    only the HTTP hop of the upload is skipped. A share of the dossiers
//    (--assigned-share) is then assigned to an officer through
//    RecordOfficerAction, the officers' route's own path, so lookups also
//    read officers' events from central_events.
// 2. Serves the database with the real `hoso-central serve` on 127.0.0.1
//    (--track-limit 0: one address would otherwise be rate limited).
// 3. Measures, from --connections concurrent keep-alive connections for
//    --seconds each: POST /api/track with the right secret of a random
//    dossier, the same with a wrong secret and with an unknown code (both
//    404), and GET /healthz as the reference; prints lookups per second and p50/p99 latency of each and
//    their ratios to /healthz.
//
// With --keep DIR the database is built in DIR and kept; a later run with
// the same --keep DIR and --dossiers serves it again without rebuilding.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "central/audit.h"
#include "central/central_store.h"
#include "central/dossiers.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "central/tracking.h"
#include "schema/data_dir.h"
#include "schema/events.h"
#include "schema/ids.h"
#include "schema/json_util.h"
#include "sync/batch.h"
#include "sync/http_client.h"
#include "sync/keys.h"
#include "tools/cli.h"

namespace hoso::bench {
namespace {

using Steady = std::chrono::steady_clock;
using central::CentralInitOptions;
using central::Outcome;
using central::TrackingSecretVerifier;

constexpr char kProgram[] = "bench_tracking";
constexpr char kUsage[] =
    "usage: bench_tracking [--dossiers N] [--connections C] [--seconds S]\n"
    "                      [--assigned-share F] [--keep DIR] [--hoso-central PATH]\n"
    "  --dossiers N       dossiers in the central (default 1000000)\n"
    "  --connections C    concurrent keep-alive client connections (default 4)\n"
    "  --seconds S        measuring time of each route (default 10)\n"
    "  --assigned-share F share of dossiers assigned by an officer (default 0.01)\n"
    "  --keep DIR         build the central in DIR and keep it; reuse it when it holds\n"
    "                     the same number of dossiers\n"
    "  --hoso-central PATH default: ../central/hoso-central next to this program\n";
constexpr int64_t kPerNode = 100'000;
constexpr int kPerDay = 400;
constexpr size_t kBatchEvents = 2000;
constexpr char kCentralId[] = "central-bench";

const char* const kFamily[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ"};
const char* const kMiddle[] = {"Văn", "Thị", "Minh", "Ngọc", "Đức", "Thanh", "Hữu", "Quốc"};
const char* const kGiven[] = {"An", "Bình", "Châu", "Dũng", "Hạnh", "Khoa", "Lan", "Nhung"};
const char* const kStreet[] = {"Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Điện Biên Phủ"};
const char* const kProcedures[] = {"2.000620", "1.001612", "2.001815", "1.000894"};

std::string UnitOf(int64_t node) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "000.00.%02lld.H29", static_cast<long long>(10 + node));
  return buf;
}
std::string NodeOf(int64_t node) { return "desk-" + std::to_string(node + 1); }

// Dossier i: its node, code and intake time.
struct DossierId {
  int64_t node;
  std::string code;
  UnixMs at;
};
DossierId Dossier(int64_t i) {
  const int64_t node = i / kPerNode;
  const int64_t j = i % kPerNode;
  const Date day = AddDays(Date{2025, 1, 2}, j / kPerDay);
  const int number = static_cast<int>(j % kPerDay) + 1;
  return {node, *FormatDossierCode(UnitOf(node), day, number),
          LocalToUnixMs(day, 7 * 60 + 30) + number * 60'000};
}

// The secret printed on dossier i's receipt, derived from i so that the
// client side knows it without storing a million of them.
std::string SecretOf(int64_t i) {
  const std::string h = sync::Blake2b256("bench secret " + std::to_string(i));
  std::string s;
  for (size_t k = 0; k < kLookupSecretLength; ++k) {
    s += kLookupSecretAlphabet[static_cast<unsigned char>(h[k]) % kLookupSecretAlphabet.size()];
  }
  return s;
}

json::object IntakePayload(int64_t i, const std::string& code, UnixMs at, std::mt19937_64& rng) {
  auto pick = [&](const auto& list) { return list[rng() % std::size(list)]; };
  const std::string name =
      std::string(pick(kFamily)) + " " + pick(kMiddle) + " " + pick(kGiven);
  const bool post = rng() % 5 == 0;
  json::object p{
      {"procedure_id", pick(kProcedures)},
      {"applicant", json::object{{"name", name},
                                 {"kind", "citizen"},
                                 {"phone", "09" + std::to_string(10'000'000 + rng() % 89'999'999)},
                                 {"id_number", "0792" + std::to_string(10'000'000 + i)}}},
      {"appointment_ms", at + 10 * 24 * 3'600'000LL},
      {"lookup_secret_hash", TrackingSecretVerifier(code, SecretOf(i))},
      {"catalog_version", "2025.1"},
      {"calendar_version", "2025.1"},
      {"return_method", post ? "post" : "desk"},
      {"fee_vnd", 50'000},
      {"documents", json::array{json::value("Đơn đề nghị"), json::value("Bản sao CCCD"),
                                json::value("Giấy chứng nhận")}}};
  if (post) {
    p["delivery_address"] = std::to_string(1 + rng() % 300) + " " + pick(kStreet) + ", Quận 1";
    p["postal_fee_vnd"] = 35'000;
  }
  return p;
}

Status Build(const std::string& dir, int64_t dossiers, double assigned_share) {
  CentralInitOptions init;
  init.central_id = kCentralId;
  init.name = "Trung tâm Phục vụ hành chính công (benchmark)";
  const char* env = std::getenv("HOSO_DATA_DIR");
  init.source_data_dir = env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
  HOSO_RETURN_IF_ERROR(central::CentralStore::Init(dir, init));
  HOSO_ASSIGN_OR_RETURN(auto store, central::CentralStore::Open(dir));
  central::NodeAdmin admin(store.get());
  central::Ingestor ingestor(store.get());
  std::mt19937_64 rng(1);
  const auto t0 = Steady::now();
  const int64_t nodes = (dossiers + kPerNode - 1) / kPerNode;
  for (int64_t node = 0; node < nodes; ++node) {
    const std::string node_id = NodeOf(node);
    HOSO_ASSIGN_OR_RETURN(central::EnrolToken token,
                          admin.AddNode(node_id, UnitOf(node), "desk"));
    const sync::SigningKey key = sync::SigningKey::Generate();
    sync::EnrolRequest req;
    req.node_id = node_id;
    req.unit_code = UnitOf(node);
    req.role = "desk";
    req.token = token.token;
    HOSO_ASSIGN_OR_RETURN(std::string enrol, sync::EncodeEnrolRequest(req, key, SystemClock()->NowMs()));
    Outcome<std::string> answer = admin.Enrol(enrol);
    if (!answer.ok()) return Status::Internal("enrol: " + answer.refusal().ToString());
    std::string prev = GenesisHash();
    int64_t seq = 0;
    const int64_t end = std::min(dossiers, (node + 1) * kPerNode);
    for (int64_t i = node * kPerNode; i < end;) {
      std::vector<sync::BatchEvent> batch;
      const int64_t first = seq + 1;
      for (; i < end && batch.size() < kBatchEvents; ++i) {
        const DossierId d = Dossier(i);
        Event e = NewEvent(EventType::kDossierReceived, node_id, d.at,
                           IntakePayload(i, d.code, d.at, rng));
        e.dossier_code = d.code;
        e.seq = ++seq;
        std::string hash = ChainHash(prev, CanonicalJson(e));
        batch.push_back(sync::BatchEvent{std::move(e), prev, hash});
        prev = batch.back().hash;
      }
      HOSO_ASSIGN_OR_RETURN(std::string file,
                            sync::EncodeBatch(kCentralId, node_id, batch, first, "", key,
                                              sync::EncodeOptions(), SystemClock()->NowMs()));
      central::IngestReport r = ingestor.ApplyBatch(file, central::Channel::kHttp);
      if (r.result != "applied") {
        return Status::Internal("ingest: " + (r.refusal ? r.refusal->ToString() : r.result));
      }
      if (i % 100'000 == 0 || i == dossiers) {
        std::printf("  ingested %lld dossiers (%.0f s)\n", static_cast<long long>(i),
                    std::chrono::duration<double>(Steady::now() - t0).count());
      }
    }
  }
  const double ingest_s = std::chrono::duration<double>(Steady::now() - t0).count();
  const auto t1 = Steady::now();
  int64_t assigned = 0;
  if (assigned_share > 0) {
    const int64_t step = std::max<int64_t>(1, static_cast<int64_t>(1.0 / assigned_share));
    HOSO_ASSIGN_OR_RETURN(central::DbLease db, store->Db());
    central::Actor actor;
    actor.name = "bench-supervisor";
    for (int64_t i = 0; i < dossiers; i += step) {
      const DossierId d = Dossier(i);
      json::object payload{{"unit_code", UnitOf(d.node)},
                           {"handler_id", "khoa"},
                           {"handler_name", "Đỗ Minh Khoa"}};
      auto done = central::RecordOfficerAction(*db, kCentralId, actor, d.code,
                                               EventType::kHandlerAssigned, payload, SystemClock()->NowMs());
      if (!done.ok()) return Status::Internal("assign: " + done.refusal().ToString());
      ++assigned;
    }
  }
  std::printf("built %lld dossiers from %lld desk nodes: ingest %.1f s (%.0f events/s), "
              "%lld officer assignments %.1f s\n",
              static_cast<long long>(dossiers), static_cast<long long>(nodes), ingest_s,
              static_cast<double>(dossiers) / ingest_s, static_cast<long long>(assigned),
              std::chrono::duration<double>(Steady::now() - t1).count());
  return Status::OK();
}

struct Server {
  pid_t pid = -1;
  uint16_t port = 0;
};

Result<Server> Serve(const std::string& bin, const std::string& dir) {
  int out[2];
  if (::pipe(out) != 0) return Status::Internal("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    ::execl(bin.c_str(), bin.c_str(), "serve", "--data", dir.c_str(), "--listen", "127.0.0.1:0",
            "--track-limit", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  if (line.find("listening on") == std::string::npos) {
    ::waitpid(pid, nullptr, 0);
    return Status::Unavailable("hoso-central serve did not start (" + bin + ")");
  }
  return Server{pid, static_cast<uint16_t>(std::atoi(line.c_str() + line.rfind(':') + 1))};
}

struct Figures {
  int64_t requests = 0;
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

enum class Kind { kTrack, kWrongSecret, kUnknownCode, kHealth };

// `connections` threads, each with its own keep-alive connection, send
// requests of `kind` back to back for `seconds`.
Result<Figures> Load(uint16_t port, Kind kind, int64_t dossiers, int connections,
                     double seconds) {
  std::atomic<bool> failed{false};
  std::vector<std::vector<double>> lat(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  const auto start = Steady::now();
  const auto end = start + std::chrono::duration_cast<Steady::duration>(
                               std::chrono::duration<double>(seconds));
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client("127.0.0.1", port);
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + static_cast<uint64_t>(kind));
      auto& mine = lat[static_cast<size_t>(t)];
      while (!failed.load(std::memory_order_relaxed) && Steady::now() < end) {
        const int64_t i = static_cast<int64_t>(rng() % static_cast<uint64_t>(dossiers));
        std::string body;
        int want = 200;
        if (kind != Kind::kHealth) {
          std::string secret = SecretOf(i);
          std::string code = Dossier(i).code;
          if (kind == Kind::kWrongSecret) {
            secret[0] = secret[0] == '2' ? '3' : '2';
            want = 404;
          } else if (kind == Kind::kUnknownCode) {
            // The same day and number at a unit past the last node's.
            const int64_t nodes = (dossiers + kPerNode - 1) / kPerNode;
            code = Dossier(nodes * kPerNode + i % kPerNode).code;
            want = 404;
          }
          body = ToJson(json::object{{"code", code}, {"secret", secret}});
        }
        const auto t0 = Steady::now();
        auto r = kind == Kind::kHealth ? client.Send("GET", "/healthz")
                                       : client.Send("POST", "/api/track", body);
        const double ms = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
        if (!r.ok() || r->status != want) {
          std::cerr << "unexpected answer: " << (r.ok() ? r->body : r.status().ToString())
                    << "\n";
          failed.store(true);
          return;
        }
        mine.push_back(ms);
      }
    });
  }
  for (auto& th : threads) th.join();
  if (failed.load()) return Status::Internal("a request failed");
  const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  Figures f;
  f.requests = static_cast<int64_t>(all.size());
  f.per_second = static_cast<double>(all.size()) / elapsed;
  f.p50_ms = Percentile(all, 0.50);
  f.p99_ms = Percentile(all, 0.99);
  return f;
}

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
  const int64_t dossiers = static_cast<int64_t>(num("dossiers", 1'000'000));
  const int connections = static_cast<int>(num("connections", 4));
  const double seconds = num("seconds", 10);
  const double assigned_share = num("assigned-share", 0.01);
  if (dossiers < 1 || dossiers > 89 * kPerNode || connections < 1 || seconds <= 0 ||
      assigned_share < 0 || assigned_share > 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("bad option value (see --help)"));
  }
  const std::string bin = a.Get("hoso-central").value_or(SelfDir() + "/../central/hoso-central");
  std::string work;
  if (auto keep = a.Get("keep")) {
    work = *keep;
  } else {
    char tmpl[] = "/tmp/hoso-bench-tracking-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    work = tmpl;
  }
  std::filesystem::create_directories(work);
  const std::string data = work + "/central";
  const std::string marker = work + "/bench_tracking.json";
  int64_t kept = -1;
  if (std::ifstream f(marker); f) {
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (auto o = ParseJsonObject(text); o.ok()) {
      if (auto n = GetInt(*o, "dossiers"); n.ok()) kept = *n;
    }
  }
  if (kept == dossiers) {
    std::printf("reusing the central of %lld dossiers in %s\n", static_cast<long long>(dossiers),
                data.c_str());
  } else {
    std::filesystem::remove_all(data);
    if (Status s = Build(data, dossiers, assigned_share); !s.ok()) return cli::Fail(kProgram, s);
    std::ofstream(marker) << ToJson(json::object{{"dossiers", dossiers}}) << "\n";
  }
  std::error_code ec;
  const auto db_bytes = std::filesystem::file_size(data + "/central.db", ec);
  std::printf("central.db: %.1f MB\n", ec ? 0.0 : static_cast<double>(db_bytes) / 1e6);

  auto server = Serve(bin, data);
  if (!server.ok()) return cli::Fail(kProgram, server.status());
  int rc = 0;
  {
    // Warm up the page cache and the connection pool, not measured.
    (void)Load(server->port, Kind::kTrack, dossiers, connections, std::min(seconds, 2.0));
    auto track = Load(server->port, Kind::kTrack, dossiers, connections, seconds);
    auto wrong = Load(server->port, Kind::kWrongSecret, dossiers, connections, seconds);
    auto unknown = Load(server->port, Kind::kUnknownCode, dossiers, connections, seconds);
    auto health = Load(server->port, Kind::kHealth, dossiers, connections, seconds);
    if (!track.ok() || !wrong.ok() || !unknown.ok() || !health.ok()) {
      std::cerr << kProgram << ": a measured request failed\n";
      rc = 1;
    } else {
      std::printf("%lld dossiers, %d keep-alive connections, %.0f s per route, "
                  "hoso-central serve (2 server threads)\n",
                  static_cast<long long>(dossiers), connections, seconds);
      std::printf("%-26s %10s %12s %10s %10s\n", "route", "requests", "per second", "p50 ms",
                  "p99 ms");
      auto row = [](const char* name, const Figures& f) {
        std::printf("%-26s %10lld %12.0f %10.3f %10.3f\n", name,
                    static_cast<long long>(f.requests), f.per_second, f.p50_ms, f.p99_ms);
      };
      row("POST /api/track (found)", *track);
      row("POST /api/track (wrong)", *wrong);
      row("POST /api/track (unknown)", *unknown);
      row("GET /healthz", *health);
      std::printf("ratio tracking / healthz: throughput %.2f, p50 %.2f, p99 %.2f\n",
                  track->per_second / health->per_second, track->p50_ms / health->p50_ms,
                  track->p99_ms / health->p99_ms);
      std::printf("ratio wrong secret / unknown code: p50 %.2f, p99 %.2f\n",
                  wrong->p50_ms / unknown->p50_ms, wrong->p99_ms / unknown->p99_ms);
    }
  }
  ::kill(server->pid, SIGTERM);
  ::waitpid(server->pid, nullptr, 0);
  if (!a.Get("keep")) std::filesystem::remove_all(work);
  return rc;
}

}  // namespace
}  // namespace hoso::bench

int main(int argc, char** argv) {
  const std::set<std::string> values = {"dossiers", "connections",  "seconds",
                                        "assigned-share", "keep", "hoso-central"};
  auto args =
      hoso::cli::Args::Parse(std::vector<std::string>(argv + 1, argv + argc), values, {});
  if (!args.ok()) return hoso::cli::Fail(hoso::bench::kProgram, args.status());
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (args->Has("help")) {
    std::cout << hoso::bench::kUsage;
    return 0;
  }
  return hoso::bench::Main(*args);
}
