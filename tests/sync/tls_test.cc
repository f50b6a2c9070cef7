// HTTPS: HttpServer with a certificate and HttpClient with tls, over real
// sockets on 127.0.0.1, with certificates made for each test (a root CA, an
// intermediate and a server certificate; clients trust only the root, so
// every successful handshake also checks that the server sends its chain).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/testing/child_process.h"
#include "tests/testing/test_pki.h"

namespace hoso {
namespace {

using hoso::testing::MakeTlsFiles;
using hoso::testing::ServerCertSpec;
using hoso::testing::TempDir;
using hoso::testing::TlsFiles;
using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Answers "<method> <body>"; "/big?n=N" answers N bytes.
HttpResponse EchoHandler(const HttpRequest& request) {
  HttpResponse response;
  response.content_type = "text/plain; charset=utf-8";
  if (request.path == "/big") {
    response.body.assign(std::stoul(request.query.at("n")), 'b');
    return response;
  }
  response.body = request.method + " " + request.body;
  return response;
}

// Collects error_log lines from the I/O threads.
class LogLines {
 public:
  std::function<void(const std::string&)> Sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(line);
    };
  }
  // True when some line contains `text`; waits up to 2 s for it to arrive.
  bool Contains(const std::string& text) {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const std::string& line : lines_) {
          if (line.find(text) != std::string::npos) return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string All() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const std::string& line : lines_) out += line + "\n";
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// A plain TCP socket, for bytes no TLS client would send.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool Send(std::string_view data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Reads until the peer closes or `timeout_ms` passes; true when it closed.
  bool WaitForClose(int timeout_ms) {
    auto start = Clock::now();
    while (MillisSince(start) < timeout_ms) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, 20) <= 0) continue;
      char buf[4096];
      if (recv(fd_, buf, sizeof(buf), 0) <= 0) return true;
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override { files_ = MakeTlsFiles(dir_.path(), "central"); }

  HttpServerOptions TlsOptions(const TlsFiles& files) {
    HttpServerOptions options;
    options.tls_cert_file = files.cert_file;
    options.tls_key_file = files.key_file;
    options.error_log = log_.Sink();
    return options;
  }

  std::unique_ptr<HttpServer> StartTlsServer(HttpServerOptions options) {
    auto server = HttpServer::Start(std::move(options), EchoHandler);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }
  std::unique_ptr<HttpServer> StartTlsServer() { return StartTlsServer(TlsOptions(files_)); }

  static HttpClientOptions TlsClient(const std::string& ca_file) {
    HttpClientOptions options;
    options.tls = true;
    options.tls_ca_file = ca_file;
    return options;
  }

  TempDir dir_;
  TlsFiles files_;
  LogLines log_;
};

// ---- Round trips -----------------------------------------------------------------

TEST_F(TlsTest, HttpsRoundTripKeepsOneConnectionForManyRequests) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->tls());
  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  for (int i = 0; i < 5; ++i) {
    const std::string body = "hồ sơ số " + std::to_string(i);
    auto response = client.Send("POST", "/api/sync/batches", body);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "POST " + body);
  }
  EXPECT_EQ(server->connections_accepted(), 1u);
}

TEST_F(TlsTest, LargeBodiesCrossTlsRecordsIntact) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  std::string body(700 * 1000, 'x');
  for (size_t i = 0; i < body.size(); i += 997) body[i] = static_cast<char>('a' + i % 26);
  auto echoed = client.Send("POST", "/echo", body);
  ASSERT_TRUE(echoed.ok()) << echoed.status().ToString();
  EXPECT_EQ(echoed->body, "POST " + body);
  auto big = client.Send("GET", "/big?n=3000000");
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->body.size(), 3000000u);
}

TEST_F(TlsTest, DnsNameInTheCertificateIsAccepted) {
  const TlsFiles named =
      MakeTlsFiles(dir_.path(), "named", ServerCertSpec{{"DNS:localhost"}, -1, 30});
  HttpServerOptions options = TlsOptions(named);
  options.host = "localhost";  // the same address the client resolves first
  auto server = StartTlsServer(options);
  ASSERT_NE(server, nullptr);
  HttpClient client("localhost", server->port(), TlsClient(named.ca_file));
  auto response = client.Send("GET", "/x");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST_F(TlsTest, ClientReconnectsOnceWhenTheServerClosedTheIdleTlsConnection) {
  HttpServerOptions options = TlsOptions(files_);
  options.idle_timeout_ms = 100;
  auto server = StartTlsServer(options);
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  ASSERT_TRUE(client.Send("GET", "/a").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto second = client.Send("POST", "/b", "again");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->body, "POST again");
  EXPECT_EQ(server->connections_accepted(), 2u);
}

TEST_F(TlsTest, BodyOverTheLimitGets413OverTls) {
  HttpServerOptions options = TlsOptions(files_);
  options.max_body_bytes = 1000;
  auto server = StartTlsServer(options);
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  auto response = client.Send("POST", "/x", std::string(200 * 1000, 'z'));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("body_too_large"), std::string::npos) << response->body;
  auto next = client.Send("POST", "/x", "small");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->body, "POST small");
}

// ---- What the client refuses --------------------------------------------------------

TEST_F(TlsTest, ClientWithoutTheCaRefusesTheCertificateAsNotTrusted) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port(), TlsClient(""));  // the system's store
  auto response = client.Send("GET", "/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnauthenticated)
      << response.status().ToString();
  EXPECT_NE(response.status().message().find("certificate not trusted"), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("--ca"), std::string::npos);
}

TEST_F(TlsTest, ClientTrustingAnotherCaRefusesTheCertificate) {
  const TlsFiles other = MakeTlsFiles(dir_.path(), "other");
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port(), TlsClient(other.ca_file));
  auto response = client.Send("GET", "/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnauthenticated);
  EXPECT_NE(response.status().message().find("certificate not trusted"), std::string::npos)
      << response.status().message();
}

TEST_F(TlsTest, CertificateForAnotherHostIsRefusedAsHostNameMismatch) {
  const TlsFiles elsewhere = MakeTlsFiles(
      dir_.path(), "elsewhere", ServerCertSpec{{"DNS:hoso-central.sct.local", "IP:10.0.0.7"}});
  auto server = StartTlsServer(TlsOptions(elsewhere));
  ASSERT_NE(server, nullptr);
  HttpClient by_address("127.0.0.1", server->port(), TlsClient(elsewhere.ca_file));
  auto response = by_address.Send("GET", "/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnauthenticated);
  EXPECT_NE(response.status().message().find("host name mismatch"), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("'127.0.0.1'"), std::string::npos);

  HttpClient by_name("localhost", server->port(), TlsClient(elsewhere.ca_file));
  auto named = by_name.Send("GET", "/x");
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.status().message().find("host name mismatch"), std::string::npos)
      << named.status().message();
}

TEST_F(TlsTest, ExpiredCertificateIsRefused) {
  const TlsFiles expired =
      MakeTlsFiles(dir_.path(), "expired", ServerCertSpec{{"IP:127.0.0.1"}, -30, -1});
  auto server = StartTlsServer(TlsOptions(expired));
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(log_.Contains("has expired")) << log_.All();
  HttpClient client("127.0.0.1", server->port(), TlsClient(expired.ca_file));
  auto response = client.Send("GET", "/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnauthenticated);
  EXPECT_NE(response.status().message().find("expired"), std::string::npos)
      << response.status().message();
}

TEST_F(TlsTest, TlsClientToAPlainServerFailsTheHandshakeWithAReason) {
  auto server = HttpServer::Start({}, EchoHandler);
  ASSERT_TRUE(server.ok());
  HttpClient client("127.0.0.1", (*server)->port(), TlsClient(files_.ca_file));
  auto response = client.Send("GET", "/x");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kUnauthenticated)
      << response.status().ToString();
  EXPECT_NE(response.status().message().find("TLS handshake"), std::string::npos)
      << response.status().message();
}

TEST_F(TlsTest, ConnectionDroppedDuringTheHandshakeIsRetryable) {
  // A listener that accepts and hangs up at once, like a restarting central.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::thread hang_up([fd] {
    int conn = accept(fd, nullptr, nullptr);
    if (conn >= 0) close(conn);
  });
  HttpClient client("127.0.0.1", ntohs(addr.sin_port), TlsClient(files_.ca_file));
  auto response = client.Send("GET", "/x");
  hang_up.join();
  close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  EXPECT_NE(response.status().message().find("TLS handshake"), std::string::npos)
      << response.status().message();
}

TEST_F(TlsTest, UnreadableOrEmptyCaFileIsInvalidArgument) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  HttpClient missing("127.0.0.1", server->port(), TlsClient(dir_.path() + "/none.pem"));
  auto r = missing.Send("GET", "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("none.pem"), std::string::npos) << r.status().message();

  std::ofstream(dir_.path() + "/junk.pem") << "not a certificate\n";
  HttpClient junk("127.0.0.1", server->port(), TlsClient(dir_.path() + "/junk.pem"));
  r = junk.Send("GET", "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_EQ(server->connections_accepted(), 0u);  // refused before connecting
}

TEST_F(TlsTest, CheckCaCertificatesAcceptsPemCertificatesOnly) {
  std::ifstream in(files_.ca_file);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(CheckCaCertificates(pem).ok());
  EXPECT_TRUE(CheckCaCertificates(pem + pem).ok());
  EXPECT_TRUE(CheckCaCertificates("").IsInvalidArgument());
  std::string damaged = pem;
  damaged[damaged.size() / 2] = '!';
  EXPECT_TRUE(CheckCaCertificates(damaged).IsInvalidArgument());
}

// ---- What the server does with bad peers ----------------------------------------------

TEST_F(TlsTest, PlainHttpToTheTlsPortGets400HttpsRequiredAndTheServerKeepsServing) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  HttpClient plain("127.0.0.1", server->port());
  auto refused = plain.Send("POST", "/api/sync/batches", "batch");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, 400);
  auto body = ParseJsonObject(refused->body);
  ASSERT_TRUE(body.ok()) << refused->body;
  EXPECT_EQ(body->at("error").at("code").as_string(), "https_required");
  EXPECT_TRUE(log_.Contains("speaks HTTPS only")) << log_.All();

  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  auto served = client.Send("GET", "/x");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_EQ(served->status, 200);
}

TEST_F(TlsTest, BrokenHandshakeIsLoggedAndClosedWhileOthersAreServed) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  RawConnection broken(server->port());
  ASSERT_TRUE(broken.connected());
  // A handshake record holding a ClientHello whose body is garbage.
  ASSERT_TRUE(
      broken.Send(std::string("\x16\x03\x01\x00\x40\x01\x00\x00\x3c", 9) + std::string(60, 'j')));
  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  auto served = client.Send("GET", "/x");
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  EXPECT_TRUE(broken.WaitForClose(2000));
  EXPECT_TRUE(log_.Contains("TLS handshake failed")) << log_.All();
}

TEST_F(TlsTest, StalledHandshakeIsClosedAfterTheHandshakeTimeout) {
  HttpServerOptions options = TlsOptions(files_);
  options.handshake_timeout_ms = 300;
  auto server = StartTlsServer(options);
  ASSERT_NE(server, nullptr);
  RawConnection stalled(server->port());
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.Send(std::string("\x16\x03\x01", 3)));  // and then nothing
  auto start = Clock::now();
  HttpClient client("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  ASSERT_TRUE(client.Send("GET", "/x").ok());
  EXPECT_TRUE(stalled.WaitForClose(3000));
  EXPECT_GE(MillisSince(start), 200);
  EXPECT_TRUE(log_.Contains("not completed within 300 ms")) << log_.All();
}

TEST_F(TlsTest, StopWithTlsClientsConnectedReturnsPromptly) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  HttpClient idle("127.0.0.1", server->port(), TlsClient(files_.ca_file));
  ASSERT_TRUE(idle.Send("GET", "/x").ok());
  RawConnection handshaking(server->port());
  ASSERT_TRUE(handshaking.connected());
  auto start = Clock::now();
  server->Stop();
  EXPECT_LT(MillisSince(start), 1500);
}

// Handshakes with an OpenSSL client limited to `cipher_list` under TLS 1.2;
// true when the server agreed.
bool Tls12HandshakeSucceeds(uint16_t port, const char* cipher_list) {
  RawConnection tcp(port);
  if (!tcp.connected()) return false;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  bool ok = false;
  if (SSL_CTX_set_cipher_list(ctx, cipher_list) == 1) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, tcp.fd());
    ok = SSL_connect(ssl) == 1;
    SSL_free(ssl);
  }
  SSL_CTX_free(ctx);
  return ok;
}

TEST_F(TlsTest, Tls12OffersOnlyForwardSecretAeadCipherSuites) {
  auto server = StartTlsServer();
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Tls12HandshakeSucceeds(server->port(), "ECDHE-ECDSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(Tls12HandshakeSucceeds(server->port(), "ECDHE-ECDSA-CHACHA20-POLY1305"));
  EXPECT_FALSE(Tls12HandshakeSucceeds(server->port(), "ECDHE-ECDSA-AES128-SHA"));  // CBC
  EXPECT_FALSE(Tls12HandshakeSucceeds(server->port(), "ECDHE-ECDSA-AES256-SHA384"));
}

// ---- Server configuration ----------------------------------------------------------

TEST_F(TlsTest, ServerRefusesToStartWithUnusableTlsFiles) {
  auto start = [](HttpServerOptions o) { return HttpServer::Start(std::move(o), EchoHandler); };
  HttpServerOptions missing = TlsOptions(files_);
  missing.tls_cert_file = dir_.path() + "/no-such-cert.pem";
  auto r = start(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("no-such-cert.pem"), std::string::npos);

  HttpServerOptions half = TlsOptions(files_);
  half.tls_key_file.clear();
  r = start(half);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();

  HttpServerOptions swapped = TlsOptions(files_);
  swapped.tls_cert_file = files_.key_file;
  r = start(swapped);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a PEM certificate chain"), std::string::npos)
      << r.status().message();

  const TlsFiles other = MakeTlsFiles(dir_.path(), "other");
  HttpServerOptions mismatched = TlsOptions(files_);
  mismatched.tls_key_file = other.key_file;
  r = start(mismatched);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(other.key_file), std::string::npos) << r.status().message();
}

TEST_F(TlsTest, CertificateCloseToExpiryIsToldToTheErrorLog) {
  const TlsFiles soon = MakeTlsFiles(dir_.path(), "soon", ServerCertSpec{{"IP:127.0.0.1"}, -1, 10});
  auto server = StartTlsServer(TlsOptions(soon));
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(log_.Contains("expires in")) << log_.All();
}

}  // namespace
}  // namespace hoso
