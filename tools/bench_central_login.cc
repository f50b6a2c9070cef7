// bench_central_login: what a login costs a real hoso-central.
//
// Creates a central and one officer in a fresh data directory, starts
// `hoso-central serve` on 127.0.0.1 (production Argon2id cost:
// crypto_pwhash_OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE) and measures
// over HTTP: successful logins, failed logins (wrong password and unknown
// username, which must cost the same), the per-request session check
// (GET /api/auth/me), and how much logins in progress on one connection
// delay session checks on another. The limit, measured in the same run: a
// bare crypto_pwhash_str_verify of the same hash in this process.
//
// Usage: bench_central_login PATH_TO_HOSO_CENTRAL [N=40]
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "schema/json_util.h"
#include "sync/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kPassword[] = "Mùa xuân 2026!";

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double Ms(Clock::time_point from) {
  return std::chrono::duration<double, std::milli>(Clock::now() - from).count();
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

std::string LoginBody(const std::string& username, const std::string& password) {
  return hoso::ToJson(boost::json::object{{"username", username}, {"password", password}});
}

// One login; returns its latency, or -1 when the status is not `want`.
double TimedLogin(hoso::HttpClient& client, const std::string& username,
                  const std::string& password, int want, std::string* token = nullptr) {
  const auto t0 = Clock::now();
  auto r = client.Send("POST", "/api/auth/login", LoginBody(username, password));
  const double ms = Ms(t0);
  if (!r.ok() || r->status != want) {
    std::cerr << "login of " << username << ": " << (r.ok() ? r->body : r.status().ToString())
              << "\n";
    return -1;
  }
  if (token != nullptr) *token = hoso::ParseJsonObject(r->body).value().at("token").as_string();
  return ms;
}

int Run(const std::string& bin, int n) {
  char tmpl[] = "/tmp/hoso-bench-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string data = dir + "/central";
  const std::string pw_file = dir + "/pw";
  std::ofstream(pw_file) << kPassword << "\n";
  const std::string setup =
      bin + " init --data " + data + " >/dev/null && " + bin + " user add bench --data " + data +
      " --role officer --unit 000.00.17.H29 --password-file " + pw_file + " >/dev/null";
  if (std::system(setup.c_str()) != 0) {
    std::cerr << "init or user add failed\n";
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

  std::vector<double> ok_ms;
  std::string token;
  for (int i = 0; i < n; ++i) {
    double ms = TimedLogin(client, "bench", kPassword, 200, &token);
    if (ms < 0) return 1;
    ok_ms.push_back(ms);
  }
  // Failed logins: below the limits (5 per username, 20 per address).
  std::vector<double> wrong_ms;
  std::vector<double> unknown_ms;
  for (int i = 0; i < 4; ++i) {
    wrong_ms.push_back(TimedLogin(client, "bench", "Sai mật khẩu rồi", 401));
    unknown_ms.push_back(TimedLogin(client, "nobody" + std::to_string(i), "Sai mật khẩu rồi", 401));
  }
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"Authorization", "Bearer " + token}};
  std::vector<double> me_ms;
  for (int i = 0; i < 20 * n; ++i) {
    const auto t0 = Clock::now();
    auto r = client.Send("GET", "/api/auth/me", "", bearer);
    if (!r.ok() || r->status != 200) return 1;
    me_ms.push_back(Ms(t0));
  }
  // Session checks on a second connection while logins run on the first.
  std::atomic<bool> logging_in{true};
  std::vector<double> during_ms;
  std::thread checker([&] {
    hoso::HttpClient other("127.0.0.1", port);
    while (logging_in.load()) {
      const auto t0 = Clock::now();
      auto r = other.Send("GET", "/api/auth/me", "", bearer);
      if (r.ok() && r->status == 200) during_ms.push_back(Ms(t0));
    }
  });
  std::vector<double> busy_login_ms;
  for (int i = 0; i < n; ++i) busy_login_ms.push_back(TimedLogin(client, "bench", kPassword, 200));
  logging_in.store(false);
  checker.join();
  const std::string hwm = ProcStatus(pid, "VmHWM");
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);

  // The limit: verifying the same kind of hash in this process.
  std::vector<double> raw_ms;
  {
    if (sodium_init() < 0) return 1;
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(
            hash, kPassword, sizeof kPassword - 1, crypto_pwhash_OPSLIMIT_INTERACTIVE,
            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      if (crypto_pwhash_str_verify(hash, kPassword, sizeof kPassword - 1) != 0) return 1;
      raw_ms.push_back(Ms(t0));
    }
  }
  std::filesystem::remove_all(dir);

  std::printf("Argon2id cost: opslimit %llu, memlimit %zu MiB (INTERACTIVE)\n",
              static_cast<unsigned long long>(crypto_pwhash_OPSLIMIT_INTERACTIVE),
              static_cast<size_t>(crypto_pwhash_MEMLIMIT_INTERACTIVE) >> 20);
  std::printf("successful login over HTTP (%d):     p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", n,
              Percentile(ok_ms, 0.5), Percentile(ok_ms, 0.99), Percentile(ok_ms, 1.0));
  std::printf("failed login, wrong password (4):   p50 %.1f ms\n", Percentile(wrong_ms, 0.5));
  std::printf("failed login, unknown username (4): p50 %.1f ms\n", Percentile(unknown_ms, 0.5));
  std::printf("bare crypto_pwhash_str_verify (%d):  p50 %.1f ms, p99 %.1f ms  (the limit)\n", n,
              Percentile(raw_ms, 0.5), Percentile(raw_ms, 0.99));
  std::printf("ratio login / bare verify, p50:      %.2fx\n",
              Percentile(ok_ms, 0.5) / Percentile(raw_ms, 0.5));
  std::printf("session check GET /api/auth/me (%d): p50 %.3f ms, p99 %.3f ms\n", 20 * n,
              Percentile(me_ms, 0.5), Percentile(me_ms, 0.99));
  std::printf(
      "  the same on a second connection while logins run on the first (%zu): "
      "p50 %.3f ms, p99 %.3f ms, max %.1f ms\n",
      during_ms.size(), Percentile(during_ms, 0.5), Percentile(during_ms, 0.99),
      Percentile(during_ms, 1.0));
  std::printf("  logins meanwhile: p50 %.1f ms\n", Percentile(busy_login_ms, 0.5));
  std::printf("central peak resident memory (VmHWM): %s\n", hwm.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: bench_central_login PATH_TO_HOSO_CENTRAL [N=40]\n";
    return argc < 2 ? 2 : 0;
  }
  return Run(argv[1], argc > 2 ? std::atoi(argv[2]) : 40);
}
