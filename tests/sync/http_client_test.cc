#include "sync/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sync/http_server.h"

namespace hoso {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Answers with the request body; "/slow" sleeps first, "/big?n=N" answers N
// bytes.
HttpResponse TestHandler(const HttpRequest& request) {
  HttpResponse response;
  response.content_type = "text/plain; charset=utf-8";
  if (request.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(600));
  if (request.path == "/big") {
    response.body.assign(std::stoul(request.query.at("n")), 'b');
    return response;
  }
  response.body = request.method + " " + request.body;
  response.headers.emplace_back("X-Seen-Header", request.Header("X-Test"));
  return response;
}

std::unique_ptr<HttpServer> StartServer(HttpServerOptions options = {}) {
  auto server = HttpServer::Start(std::move(options), TestHandler);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

// A port nothing listens on: a server's, after it stopped.
uint16_t ClosedPort() {
  auto server = StartServer();
  uint16_t port = server->port();
  server->Stop();
  return port;
}

TEST(HttpClientTest, SendsBodyAndHeadersAndReadsTheAnswer) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto response = client.Send("PUT", "/x", "Nguyễn Văn Ánh", {{"X-Test", "yes"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "PUT Nguyễn Văn Ánh");
  EXPECT_EQ(response->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(response->Header("x-seen-header"), "yes");
}

TEST(HttpClientTest, KeepsOneConnectionAcrossCalls) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client.Send("GET", "/x").ok());
  EXPECT_EQ(server->connections_accepted(), 1u);
}

TEST(HttpClientTest, ReconnectsOnceWhenTheServerClosedTheIdleConnection) {
  HttpServerOptions options;
  options.idle_timeout_ms = 50;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  ASSERT_TRUE(client.Send("GET", "/x").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto response = client.Send("POST", "/x", "again");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "POST again");
  EXPECT_EQ(server->connections_accepted(), 2u);
}

TEST(HttpClientTest, ReconnectsAfterTheServerRestartedOnTheSamePort) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  uint16_t port = server->port();
  HttpClient client("127.0.0.1", port);
  ASSERT_TRUE(client.Send("GET", "/x").ok());
  server->Stop();
  HttpServerOptions options;
  options.port = port;
  auto restarted = StartServer(options);
  ASSERT_NE(restarted, nullptr);
  auto response = client.Send("GET", "/x");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST(HttpClientTest, ClosedPortIsUnavailable) {
  uint16_t port = ClosedPort();
  HttpClient client("127.0.0.1", port);
  auto response = client.Send("GET", "/x");
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  EXPECT_NE(response.status().message().find("127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << response.status().message();
}

TEST(HttpClientTest, SlowServerTimesOutAsUnavailable) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClientOptions options;
  options.timeout_ms = 100;
  HttpClient client("127.0.0.1", server->port(), options);
  auto start = Clock::now();
  auto response = client.Send("GET", "/slow");
  EXPECT_LT(MillisSince(start), 450);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  EXPECT_NE(response.status().message().find("100 ms"), std::string::npos)
      << response.status().message();
}

TEST(HttpClientTest, ResponseOverTheLimitIsResourceExhausted) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClientOptions options;
  options.max_response_bytes = 1000;
  HttpClient client("127.0.0.1", server->port(), options);
  auto small = client.Send("GET", "/big?n=1000");
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->body.size(), 1000u);
  auto big = client.Send("GET", "/big?n=1001");
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Status::Code::kResourceExhausted) << big.status().ToString();
  // The connection was dropped; the next call works on a new one.
  EXPECT_TRUE(client.Send("GET", "/x").ok());
}

TEST(HttpClientTest, HeadReadsNoBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  HttpClient client("127.0.0.1", server->port());
  auto head = client.Send("HEAD", "/big?n=5000");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("Content-Length"), "5000");
  auto next = client.Send("GET", "/x");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->body, "GET ");
}

TEST(HttpClientTest, RequestsThatCannotBeSentAreInvalidArgument) {
  HttpClient client("127.0.0.1", 9);
  EXPECT_TRUE(client.Send("GET", "no-slash").status().IsInvalidArgument());
  EXPECT_TRUE(client.Send("GET", "/a b").status().IsInvalidArgument());
  EXPECT_TRUE(client.Send("GE T", "/").status().IsInvalidArgument());
  EXPECT_TRUE(
      client.Send("GET", "/", "", {{"X-Evil", "a\r\nInjected: 1"}}).status().IsInvalidArgument());
}

TEST(ParseHostPortTest, AcceptsAddressesNamesAndBracketedIpv6) {
  auto v4 = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->first, "127.0.0.1");
  EXPECT_EQ(v4->second, 8080);
  auto name = ParseHostPort("localhost:8081");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->first, "localhost");
  auto v6 = ParseHostPort("[::1]:65535");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->first, "::1");
  EXPECT_EQ(v6->second, 65535);
  auto ephemeral = ParseHostPort("0.0.0.0:0");
  ASSERT_TRUE(ephemeral.ok());
  EXPECT_EQ(ephemeral->second, 0);
}

TEST(ParseHostPortTest, RejectsMissingPartsAndBadPorts) {
  for (const char* bad : {"127.0.0.1", ":8080", "127.0.0.1:", "127.0.0.1:65536", "h:80a",
                          "::1:8080", "[::1]8080", "[::1", "h:-1", "h:123456"}) {
    auto parsed = ParseHostPort(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_TRUE(parsed.status().IsInvalidArgument()) << bad;
  }
}

TEST(ParseUrlTest, SplitsHostPortAndTarget) {
  auto url = ParseUrl("http://127.0.0.1:8080/api/sync/batches?since=12");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->target, "/api/sync/batches?since=12");
}

TEST(ParseUrlTest, HttpsIsTlsAndDefaultsToPort443) {
  auto url = ParseUrl("HTTPS://hoso-central.sct.local/hoso");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "hoso-central.sct.local");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/hoso");
  auto with_port = ParseUrl("https://[::1]:8443");
  ASSERT_TRUE(with_port.ok()) << with_port.status().ToString();
  EXPECT_TRUE(with_port->tls);
  EXPECT_EQ(with_port->host, "::1");
  EXPECT_EQ(with_port->port, 8443);
}

TEST(ParseUrlTest, DefaultsToPort80AndRootTarget) {
  auto url = ParseUrl("HTTP://central.example");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->host, "central.example");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  auto v6 = ParseUrl("http://[::1]/x#frag");
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 80);
  EXPECT_EQ(v6->target, "/x");
  auto query_only = ParseUrl("http://h:81?a=1");
  ASSERT_TRUE(query_only.ok());
  EXPECT_EQ(query_only->target, "/?a=1");
}

TEST(ParseUrlTest, RejectsOtherSchemesCredentialsAndMissingHosts) {
  for (const char* bad : {"ftp://h/", "127.0.0.1:8080", "http://", "http:///x", "https://",
                          "http://user:pw@h/", "http://h:0/", "http://h:99999/", "httpss://h/"}) {
    auto url = ParseUrl(bad);
    EXPECT_FALSE(url.ok()) << bad;
    EXPECT_TRUE(url.status().IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace hoso
