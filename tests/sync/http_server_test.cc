#include "sync/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "schema/json_util.h"
#include "sync/http_client.h"

namespace hoso {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Echoes the request back as JSON; "/throw" throws, "/bad-status" returns an
// impossible status.
HttpResponse EchoHandler(const HttpRequest& request) {
  if (request.path == "/throw") throw std::runtime_error("database is locked");
  if (request.path == "/bad-status") {
    HttpResponse response;
    response.status = 42;
    return response;
  }
  if (request.path == "/text") {
    HttpResponse response;
    response.content_type = "text/plain; charset=utf-8";
    response.body = request.body;
    return response;
  }
  json::object query;
  for (const auto& [key, value] : request.query) query[key] = value;
  return JsonResponse(200, json::object{{"method", request.method},
                                        {"path", request.path},
                                        {"target", request.target},
                                        {"query", query},
                                        {"body", request.body},
                                        {"node", request.Header("x-node-id")},
                                        {"remote", request.remote_address}});
}

std::unique_ptr<HttpServer> StartServer(HttpServerOptions options = {},
                                        HttpHandler handler = EchoHandler) {
  auto server = HttpServer::Start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

json::object BodyOf(const HttpResponse& response) {
  auto parsed = ParseJsonObject(response.body);
  EXPECT_TRUE(parsed.ok()) << response.body;
  return parsed.ok() ? *parsed : json::object();
}

// A plain socket, for bytes no well-behaved client would send.
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

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until the peer closes, `until` appears, or `timeout_ms` passes.
  // Sets closed() when the peer closed (or reset) the connection.
  std::string Read(int timeout_ms, std::string_view until = "") {
    std::string out;
    auto start = Clock::now();
    while (MillisSince(start) < timeout_ms) {
      pollfd pfd{fd_, POLLIN, 0};
      int ready = poll(&pfd, 1, 20);
      if (ready <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
      if (!until.empty() && out.find(until) != std::string::npos) break;
    }
    return out;
  }

  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

TEST(HttpServerTest, GetCarriesPathQueryHeadersAndPeerAddress) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto response = client.Send("GET", "/api/dossiers?q=Nguy%E1%BB%85n+V%C4%83n&at=2026-03-12", "",
                              {{"X-Node-Id", "desk-7"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  json::object body = BodyOf(*response);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["path"], "/api/dossiers");
  EXPECT_EQ(body["target"], "/api/dossiers?q=Nguy%E1%BB%85n+V%C4%83n&at=2026-03-12");
  EXPECT_EQ(body["query"].at("q"), "Nguyễn Văn");
  EXPECT_EQ(body["query"].at("at"), "2026-03-12");
  EXPECT_EQ(body["node"], "desk-7");
  EXPECT_EQ(body["remote"], "127.0.0.1");
}

TEST(HttpServerTest, PostBodyInVietnameseRoundTripsByteExact) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  const std::string name = "Nguyễn Văn Ánh";
  auto response = client.Send("POST", "/text", name, {{"Content-Type", "text/plain"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, name);
  EXPECT_EQ(response->body.size(), name.size());
  EXPECT_EQ(response->content_type, "text/plain; charset=utf-8");
}

TEST(HttpServerTest, JsonResponsesCarryServerAndNoStoreHeaders) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto json_response = client.Send("GET", "/x");
  ASSERT_TRUE(json_response.ok());
  EXPECT_EQ(json_response->content_type, kJsonContentType);
  EXPECT_EQ(json_response->Header("Cache-Control"), "no-store");
  EXPECT_EQ(json_response->Header("Server"), "hoso");
  auto text_response = client.Send("POST", "/text", "x");
  ASSERT_TRUE(text_response.ok());
  EXPECT_EQ(text_response->Header("Cache-Control"), "");
  EXPECT_EQ(text_response->Header("Server"), "hoso");
}

TEST(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  for (int i = 0; i < 25; ++i) {
    auto response = client.Send("POST", "/text", std::to_string(i));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body, std::to_string(i));
  }
  EXPECT_EQ(server->connections_accepted(), 1u);
}

TEST(HttpServerTest, OversizedBodyGets413JsonErrorAndServerKeepsServing) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto response = client.Send("POST", "/text", std::string(256 * 1024, 'x'));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(BodyOf(*response)["error"].at("code"), "body_too_large");
  EXPECT_EQ(response->content_type, kJsonContentType);

  auto next = client.Send("POST", "/text", std::string(1024, 'y'));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, std::string(1024, 'y'));
}

TEST(HttpServerTest, BodyStillArrivingAfterA413IsDrainedNotReset) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("POST /text HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
  std::string answer = raw.Read(1500, "}}");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  // A client that sends its whole body before reading must not get a reset.
  std::string chunk(16 * 1024, 'x');
  for (int i = 0; i < 16; ++i) {
    ASSERT_TRUE(raw.Send(chunk)) << "send " << i << " failed: the server reset the connection";
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST(HttpServerTest, ChunkedBodyOverTheLimitGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 16;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send(
      "POST /text HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  std::string answer = raw.Read(1500, "}}");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"body_too_large\""), std::string::npos) << answer;
}

TEST(HttpServerTest, MalformedRequestLineGets400BadRequest) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("THIS IS NOT HTTP\r\n\r\n");
  std::string answer = raw.Read(1500);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"code\":\"bad_request\""), std::string::npos) << answer;
  EXPECT_TRUE(raw.closed());

  HttpClient client("127.0.0.1", server->port());
  auto response = client.Send("GET", "/still-up");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST(HttpServerTest, HeaderOverTheLimitGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 512;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(2048, 'a') + "\r\n\r\n");
  std::string answer = raw.Read(1500, "}}");
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
}

TEST(HttpServerTest, StalledHeaderIsDisconnectedAfterHeaderTimeout) {
  HttpServerOptions options;
  options.header_timeout_ms = 200;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  auto start = Clock::now();
  raw.Send("GET /slow HTTP/1.1\r\nHost: x\r\nX-Half: ");
  std::string answer = raw.Read(1800);
  int64_t elapsed = MillisSince(start);
  EXPECT_TRUE(raw.closed()) << "still open after " << elapsed << " ms";
  EXPECT_EQ(answer, "");
  EXPECT_GE(elapsed, 150);
  EXPECT_LT(elapsed, 1500);
}

TEST(HttpServerTest, HandlerExceptionBecomes500AndServerKeepsServing) {
  std::mutex mu;
  std::vector<std::string> log;
  HttpServerOptions options;
  options.error_log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(line);
  };
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto failed = client.Send("GET", "/throw");
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(BodyOf(*failed)["error"].at("code"), "internal");
  auto next = client.Send("GET", "/fine");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(server->connections_accepted(), 1u);
  server->Stop();
  // The exception's text is for operators, not for the client.
  EXPECT_EQ(failed->body.find("database is locked"), std::string::npos) << failed->body;
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("GET /throw"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("database is locked"), std::string::npos) << log[0];
}

TEST(HttpServerTest, InvalidResponseFromHandlerBecomes500) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto response = client.Send("GET", "/bad-status");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 500);
}

TEST(HttpServerTest, Http10RequestIsAnsweredAndClosed) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("GET /old HTTP/1.0\r\n\r\n");
  std::string answer = raw.Read(1500);
  EXPECT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"path\":\"/old\""), std::string::npos) << answer;
  EXPECT_TRUE(raw.closed());
}

TEST(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("POST /text HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(raw.Read(1500, "\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  raw.Send("hello");
  std::string answer = raw.Read(1500, "hello");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
}

TEST(HttpServerTest, HeadAnswersContentLengthWithoutBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("HEAD /text HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string answer = raw.Read(1500);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Length: 0"), std::string::npos) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\n")) << answer;
}

TEST(HttpServerTest, ConcurrentClientsAreAllAnswered) {
  HttpServerOptions options;
  options.threads = 2;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      HttpClient client("127.0.0.1", server->port());
      for (int i = 0; i < 50; ++i) {
        std::string body = std::to_string(t) + "-" + std::to_string(i);
        auto response = client.Send("POST", "/text", body);
        if (response.ok() && response->status == 200 && response->body == body) ++answered;
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(answered.load(), 200);
  EXPECT_EQ(server->connections_accepted(), 4u);
}

TEST(HttpServerTest, StopWhileClientsAreConnectedReturnsPromptly) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient idle("127.0.0.1", server->port());
  ASSERT_TRUE(idle.Send("GET", "/x").ok());
  RawConnection half(server->port());
  ASSERT_TRUE(half.connected());
  half.Send("POST /text HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto start = Clock::now();
  server->Stop();
  EXPECT_LT(MillisSince(start), 1000);
  half.Read(500);
  EXPECT_TRUE(half.closed());
  auto after = idle.Send("GET", "/x");
  EXPECT_FALSE(after.ok());
  EXPECT_TRUE(after.status().IsUnavailable()) << after.status().ToString();
  server->Stop();  // idempotent
}

TEST(HttpServerTest, PortInUseIsAClearUnavailableError) {
  auto first = StartServer();
  ASSERT_NE(first, nullptr);
  HttpServerOptions options;
  options.port = first->port();
  auto second = HttpServer::Start(options, EchoHandler);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsUnavailable()) << second.status().ToString();
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << second.status().message();
}

TEST(HttpServerTest, AddressNotOnThisMachineIsAnIoError) {
  HttpServerOptions options;
  options.host = "192.0.2.1";  // TEST-NET-1, never a local address
  auto server = HttpServer::Start(options, EchoHandler);
  ASSERT_FALSE(server.ok());
  EXPECT_TRUE(server.status().IsIoError()) << server.status().ToString();
  EXPECT_NE(server.status().message().find("192.0.2.1:0"), std::string::npos)
      << server.status().message();
}

}  // namespace
}  // namespace hoso
