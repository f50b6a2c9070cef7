// bench_node_intake: end-to-end intake latency of a real hoso-node.
//
// Starts `hoso-node serve` on 127.0.0.1 in a fresh data directory, sends N
// intakes over one keep-alive HTTP connection (request -> durable commit of
// the dossier and its event -> response), and prints p50 / p99 / max, the
// node's resident memory (VmRSS, VmHWM) while serving, and, as the limit
// measured in the same run on the same disk, the latency of a bare SQLite
// commit of one row with synchronous=FULL in WAL mode.
//
// Usage: bench_node_intake PATH_TO_HOSO_NODE [N=2000]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "sync/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string ProcStatus(pid_t pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      auto v = line.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "?";
}

int Run(const std::string& bin, int n) {
  char tmpl[] = "/tmp/hoso-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string data = dir + "/desk";
  const std::string init = bin + " init --data " + data +
                           " --unit-code 000.00.17.H29 --name Bench --province 'Hồ Chí Minh' >/dev/null";
  if (std::system(init.c_str()) != 0) {
    std::cerr << "init failed\n";
    return 1;
  }
  int out[2];
  if (::pipe(out) != 0) return 1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 2);
    ::execl(bin.c_str(), bin.c_str(), "serve", "--data", data.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  const uint16_t port = static_cast<uint16_t>(std::atoi(line.c_str() + line.rfind(':') + 1));
  hoso::HttpClient client("127.0.0.1", port);

  auto proc = client.Send("GET", "/api/catalog/2.000620");
  if (!proc.ok() || proc->status != 200) {
    std::cerr << "catalog fetch failed\n";
    return 1;
  }
  auto p = hoso::ParseJsonObject(proc->body).value();
  boost::json::array docs;
  for (const auto& d : p.at("required_documents").as_array()) {
    const auto& o = d.as_object();
    if (o.contains("optional") && o.at("optional").is_bool() && o.at("optional").as_bool()) continue;
    docs.push_back(boost::json::object{{"id", o.at("id")}, {"count", o.at("count")}});
  }
  boost::json::object body{
      {"procedure_id", "2.000620"},
      {"applicant", boost::json::object{{"kind", "person"}, {"full_name", "Nguyễn Văn Ánh"},
                                        {"id_number", "079203001234"}, {"phone", "0903123456"},
                                        {"address", boost::json::object{{"province", "Hồ Chí Minh"},
                                                                        {"ward", "Sài Gòn"},
                                                                        {"street", "12 Lê Lợi"}}}}},
      {"applicant_type", "household"}, {"area", "urban"}, {"documents", docs},
      {"channel", "desk"}, {"return", boost::json::object{{"method", "desk"}}},
      {"clerk", "Bench"}};
  const std::string text = hoso::ToJson(body);

  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(n));
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    auto r = client.Send("POST", "/api/dossiers", text, {{"Content-Type", "application/json"}});
    const auto t1 = Clock::now();
    if (!r.ok() || r->status != 201) {
      std::cerr << "intake " << i << " failed: " << (r.ok() ? r->body : r.status().ToString()) << "\n";
      return 1;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  const std::string rss = ProcStatus(pid, "VmRSS");
  const std::string hwm = ProcStatus(pid, "VmHWM");
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);

  // The limit: a bare one-row commit on the same disk, same durability.
  std::vector<double> raw;
  {
    auto db = hoso::Database::Open(dir + "/raw.db").value();
    (void)db->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)");
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      (void)db->Exec("BEGIN IMMEDIATE");
      auto st = db->Prepare("INSERT INTO t(body) VALUES(?1)").value();
      st.Bind(1, text);
      (void)st.Run();
      (void)db->Exec("COMMIT");
      raw.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  }
  std::filesystem::remove_all(dir);

  std::printf("intakes: %d over one keep-alive connection, %.0f/s\n", n, n / total_s);
  std::printf("intake latency (HTTP request -> durable commit -> response): p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
              Percentile(ms, 0.50), Percentile(ms, 0.99), Percentile(ms, 1.0));
  std::printf("bare SQLite one-row commit (WAL, synchronous=FULL):      p50 %.3f ms, p99 %.3f ms\n",
              Percentile(raw, 0.50), Percentile(raw, 0.99));
  std::printf("ratio intake/bare commit: p50 %.2fx, p99 %.2fx\n",
              Percentile(ms, 0.50) / Percentile(raw, 0.50), Percentile(ms, 0.99) / Percentile(raw, 0.99));
  std::printf("node resident memory after the run: VmRSS %s, peak VmHWM %s\n", rss.c_str(), hwm.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: bench_node_intake PATH_TO_HOSO_NODE [N=2000]\n";
    return argc < 2 ? 2 : 0;
  }
  return Run(argv[1], argc > 2 ? std::atoi(argv[2]) : 2000);
}
