// bench_https: what TLS costs the sync transport, measured against plain
// HTTP in the same run on the same machine.
//
// Starts two in-process HttpServers on 127.0.0.1 (plain, and HTTPS with the
// given certificate), each answering a small echo and large uploads, and
// measures with HttpClient:
//   - a new connection per request (TCP connect [+ TLS handshake] + one
//     small request): p50 / p99; the difference is the handshake;
//   - building a client's TLS context (once per HttpClient);
//   - small requests on one kept-alive connection: p50;
//   - uploading 8 MiB bodies (a large batch) on one kept-alive connection:
//     MB/s.
//
// Usage: bench_https CERT KEY CA [N=300]
//   CERT / KEY: a server certificate valid for 127.0.0.1 and its key; CA: the
//   CA that issued it (docs/OPERATIONS.md shows how to make them).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "sync/http_client.h"
#include "sync/http_server.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kUploadBytes = 8 << 20;
constexpr int kUploads = 12;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

hoso::HttpResponse Handle(const hoso::HttpRequest& request) {
  hoso::HttpResponse response;
  response.content_type = "text/plain";
  response.body = std::to_string(request.body.size());
  return response;
}

struct Figures {
  double new_client_p50 = 0, fresh_p50 = 0, fresh_p99 = 0, kept_p50 = 0, upload_mb_s = 0;
};

bool Measure(uint16_t port, const hoso::HttpClientOptions& options, int n, Figures* out) {
  std::vector<double> new_client;
  for (int i = 0; i < std::max(1, n / 10); ++i) {
    const auto start = Clock::now();
    hoso::HttpClient client("127.0.0.1", port, options);
    if (!client.Send("GET", "/healthz").ok()) return false;
    new_client.push_back(Ms(Clock::now() - start));
  }
  // One client that drops its connection before each request, as the sync
  // loop's client does after the server's idle timeout: the TLS context
  // (trust store) is built once per client, not per connection.
  hoso::HttpClient client("127.0.0.1", port, options);
  std::vector<double> fresh;
  for (int i = 0; i < n; ++i) {
    client.Close();
    const auto start = Clock::now();
    auto r = client.Send("GET", "/healthz");
    fresh.push_back(Ms(Clock::now() - start));
    if (!r.ok()) {
      std::cerr << r.status().ToString() << "\n";
      return false;
    }
  }
  hoso::HttpClient kept("127.0.0.1", port, options);
  std::vector<double> small;
  for (int i = 0; i < n * 4; ++i) {
    const auto start = Clock::now();
    if (!kept.Send("POST", "/echo", "hồ sơ").ok()) return false;
    small.push_back(Ms(Clock::now() - start));
  }
  const std::string body(kUploadBytes, 'b');
  const auto start = Clock::now();
  for (int i = 0; i < kUploads; ++i) {
    if (!kept.Send("POST", "/api/sync/batches", body).ok()) return false;
  }
  const double seconds = Ms(Clock::now() - start) / 1000.0;
  out->new_client_p50 = Percentile(new_client, 0.5);
  out->fresh_p50 = Percentile(fresh, 0.5);
  out->fresh_p99 = Percentile(fresh, 0.99);
  out->kept_p50 = Percentile(small, 0.5);
  out->upload_mb_s = static_cast<double>(kUploadBytes) * kUploads / seconds / 1e6;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: bench_https CERT KEY CA [N=300]\n";
    return 2;
  }
  const int n = argc > 4 ? std::atoi(argv[4]) : 300;
  hoso::HttpServerOptions plain_options;
  plain_options.max_body_bytes = kUploadBytes + 1024;
  hoso::HttpServerOptions tls_options = plain_options;
  tls_options.tls_cert_file = argv[1];
  tls_options.tls_key_file = argv[2];
  auto plain = hoso::HttpServer::Start(plain_options, Handle);
  auto tls = hoso::HttpServer::Start(tls_options, Handle);
  if (!plain.ok() || !tls.ok()) {
    std::cerr << (plain.ok() ? tls.status() : plain.status()).ToString() << "\n";
    return 1;
  }
  hoso::HttpClientOptions https;
  https.tls = true;
  https.tls_ca_file = argv[3];
  Figures p, t;
  if (!Measure((*plain)->port(), {}, n, &p) || !Measure((*tls)->port(), https, n, &t)) return 1;
  std::printf("%-44s %10s %10s\n", "", "http", "https");
  std::printf("%-44s %7.3f ms %7.3f ms\n", "new client (+ TLS context) + 1 request, p50",
              p.new_client_p50, t.new_client_p50);
  std::printf("%-44s %7.3f ms %7.3f ms\n", "new connection + 1 request, p50", p.fresh_p50,
              t.fresh_p50);
  std::printf("%-44s %7.3f ms %7.3f ms\n", "new connection + 1 request, p99", p.fresh_p99,
              t.fresh_p99);
  std::printf("%-44s %7.3f ms %7.3f ms\n", "small request on a kept connection, p50", p.kept_p50,
              t.kept_p50);
  std::printf("%-44s %7.0f MB/s %5.0f MB/s\n", "8 MiB uploads on a kept connection", p.upload_mb_s,
              t.upload_mb_s);
  std::printf("TLS handshake (p50 difference): %.3f ms; upload throughput ratio https/http: %.2f\n",
              t.fresh_p50 - p.fresh_p50, t.upload_mb_s / p.upload_mb_s);
  return 0;
}
