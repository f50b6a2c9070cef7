#include "tools/link_emulator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "sync/http_client.h"
#include "sync/http_server.h"

namespace hoso {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Polls `done` every few milliseconds for up to `timeout_ms`.
bool WaitFor(const std::function<bool()>& done, int timeout_ms = 5000) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// "/echo" answers with the request body; anything else with the body's size.
HttpResponse TestHandler(const HttpRequest& request) {
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.body = request.path == "/echo" ? request.body : std::to_string(request.body.size());
  return response;
}

std::unique_ptr<HttpServer> StartHttpServer() {
  HttpServerOptions options;
  options.max_body_bytes = 4 << 20;
  auto server = HttpServer::Start(options, TestHandler);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::unique_ptr<LinkEmulator> StartLink(uint16_t target_port, LinkOptions options = {}) {
  auto link = LinkEmulator::Start("127.0.0.1", 0, "127.0.0.1", target_port, options);
  EXPECT_TRUE(link.ok()) << link.status().ToString();
  return link.ok() ? std::move(link).value() : nullptr;
}

// A client socket for byte-level checks; reads time out after 5 s.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  // False when the connection failed before everything was written.
  bool SendAll(const std::string& bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  // Everything up to EOF; false on a reset or a timeout.
  bool ReadToEnd(std::string* out) {
    char buffer[4096];
    while (true) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return true;
      if (n < 0) return false;
      out->append(buffer, static_cast<size_t>(n));
    }
  }
  // True when the peer closed or reset the connection, false on a timeout.
  bool SeesClose() {
    char buffer[4096];
    while (true) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) return true;
      if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

// Accepts connections one at a time, reads each until EOF, answers with the
// number of bytes it read and closes.
class SinkServer {
 public:
  SinkServer() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~SinkServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c >= 0) Serve(c);
    }
  }
  void Serve(int c) {
    timeval timeout{0, 20000};  // so that stop_ is noticed
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int64_t total = 0;
    char buffer[16384];
    while (!stop_) {
      ssize_t n = ::recv(c, buffer, sizeof buffer, 0);
      if (n > 0) {
        total += n;
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        break;
      }
    }
    const std::string reply = std::to_string(total);
    ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  int fd_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Accepts one connection, sends `reply`, waits a little and resets it.
class ReplyThenResetServer {
 public:
  explicit ReplyThenResetServer(std::string reply)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)), reply_(std::move(reply)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) != 1) return;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      linger reset{1, 0};
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(c);
    });
  }
  ~ReplyThenResetServer() {
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  std::string reply_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// A port nothing listens on: an HTTP server's, after it stopped.
uint16_t ClosedPort() {
  auto server = StartHttpServer();
  const uint16_t port = server->port();
  server->Stop();
  return port;
}

TEST(LinkEmulatorTest, OneMegabyteOfRandomBytesPassesUnchangedBothWays) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  auto link = StartLink(server->port());
  ASSERT_NE(link, nullptr);
  const std::string payload = RandomBytes(1 << 20, 7);
  HttpClient client("127.0.0.1", link->port());
  auto response = client.Send("POST", "/echo", payload);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_TRUE(response->body == payload) << "echoed body differs";
  const LinkStats stats = link->stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_GT(stats.bytes_upstream, uint64_t{1} << 20);
  EXPECT_GT(stats.bytes_downstream, uint64_t{1} << 20);
  EXPECT_EQ(stats.cuts, 0u);
}

TEST(LinkEmulatorTest, JitterNeverReordersBytes) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.latency_ms = 5;
  options.jitter_ms = 5;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  const std::string payload = RandomBytes(256 << 10, 8);
  HttpClient client("127.0.0.1", link->port());
  auto response = client.Send("POST", "/echo", payload);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_TRUE(response->body == payload) << "echoed body differs";
}

TEST(LinkEmulatorTest, HalfCloseIsPassedOnInBothDirections) {
  SinkServer sink;
  auto link = StartLink(sink.port());
  ASSERT_NE(link, nullptr);
  RawClient client(link->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.SendAll(RandomBytes(3000, 9)));
  client.ShutdownWrite();
  std::string reply;
  ASSERT_TRUE(client.ReadToEnd(&reply));
  EXPECT_EQ(reply, "3000");
  EXPECT_TRUE(WaitFor([&] { return link->stats().connections_open == 0; }));
  EXPECT_EQ(link->stats().cuts, 0u);
}

TEST(LinkEmulatorTest, ResetFromTheTargetArrivesAfterTheBytesSentBeforeIt) {
  ReplyThenResetServer target("last words");
  LinkOptions options;
  options.latency_ms = 100;
  auto link = StartLink(target.port(), options);
  ASSERT_NE(link, nullptr);
  RawClient client(link->port());
  ASSERT_TRUE(client.connected());
  std::string received;
  EXPECT_FALSE(client.ReadToEnd(&received)) << "expected a reset, not a clean close";
  EXPECT_EQ(received, "last words");
  EXPECT_EQ(link->stats().cuts, 0u);
}

TEST(LinkEmulatorTest, BandwidthLimitSlowsAnUpload) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.bandwidth_bytes_per_s = 400 << 10;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  const auto start = Clock::now();
  auto response = client.Send("POST", "/size", std::string(200 << 10, 'x'));
  const int64_t elapsed_ms = MillisSince(start);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, std::to_string(200 << 10));
  EXPECT_GE(elapsed_ms, 450);
}

TEST(LinkEmulatorTest, BandwidthIsSharedByConcurrentConnections) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.bandwidth_bytes_per_s = 400 << 10;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  const auto start = Clock::now();
  auto upload = [&] {
    HttpClient client("127.0.0.1", link->port());
    auto response = client.Send("POST", "/size", std::string(100 << 10, 'y'));
    EXPECT_TRUE(response.ok()) << response.status().ToString();
  };
  std::thread other(upload);
  upload();
  other.join();
  EXPECT_GE(MillisSince(start), 450);
  EXPECT_EQ(link->stats().connections_accepted, 2u);
}

TEST(LinkEmulatorTest, LatencyIsAddedOneWayInEachDirection) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.latency_ms = 100;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  for (int i = 0; i < 2; ++i) {
    const auto start = Clock::now();
    auto response = client.Send("GET", "/size");
    const int64_t elapsed_ms = MillisSince(start);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_GE(elapsed_ms, 200) << "round trip " << i;
  }
}

TEST(LinkEmulatorTest, CutAfterUpstreamBytesResetsTheConnectionAtExactlyThatByte) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.cut_after_bytes_upstream = 100;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  auto response = client.Send("POST", "/size", std::string(10000, 'z'));
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  const LinkStats stats = link->stats();
  EXPECT_GE(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.bytes_upstream, 100 * stats.connections_accepted);
  EXPECT_EQ(stats.bytes_downstream, 0u);
  EXPECT_EQ(stats.cuts, stats.connections_accepted);
}

TEST(LinkEmulatorTest, CutAfterDownstreamBytesTruncatesTheResponse) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.cut_after_bytes_downstream = 10;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  auto response = client.Send("GET", "/size");
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  const LinkStats stats = link->stats();
  EXPECT_GE(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.bytes_downstream, 10 * stats.connections_accepted);
  EXPECT_EQ(stats.cuts, stats.connections_accepted);
}

// The answer is lost after the target acted on the request: the server
// handled it, the client got no byte back.
TEST(LinkEmulatorTest, CutAtZeroDownstreamBytesDeliversTheRequestAndLosesTheWholeAnswer) {
  std::atomic<int> handled{0};
  HttpServerOptions server_options;
  auto server = HttpServer::Start(server_options, [&handled](const HttpRequest& request) {
    ++handled;
    return TestHandler(request);
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  LinkOptions options;
  options.cut_after_bytes_downstream = 0;
  auto link = StartLink((*server)->port(), options);
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  const std::string body(3000, 'q');
  auto response = client.Send("POST", "/size", body);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  EXPECT_EQ(handled.load(), 1);
  const LinkStats stats = link->stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_GT(stats.bytes_upstream, body.size());
  EXPECT_EQ(stats.bytes_downstream, 0u);
  EXPECT_EQ(stats.cuts, 1u);
}

TEST(LinkEmulatorTest, RandomCutsAreReproducibleFromTheSeed) {
  auto bytes_before_cut = [](uint64_t seed) -> uint64_t {
    SinkServer sink;
    LinkOptions options;
    options.cut_probability_per_kb = 0.05;
    options.seed = seed;
    auto link = StartLink(sink.port(), options);
    if (link == nullptr) return 0;
    RawClient client(link->port());
    EXPECT_TRUE(client.connected());
    (void)client.SendAll(RandomBytes(1 << 20, 10));  // fails once the cut reaches us
    EXPECT_TRUE(WaitFor([&] { return link->stats().cuts == 1; }));
    EXPECT_TRUE(client.SeesClose());
    return link->stats().bytes_upstream;
  };
  const uint64_t first = bytes_before_cut(42);
  EXPECT_GT(first, 0u);
  EXPECT_LT(first, uint64_t{1} << 20);
  EXPECT_EQ(bytes_before_cut(42), first);
  EXPECT_NE(bytes_before_cut(43), first);
}

TEST(LinkEmulatorTest, CertainCutProbabilityCutsBeforeTheFirstByte) {
  SinkServer sink;
  LinkOptions options;
  options.cut_probability_per_kb = 1.0;
  auto link = StartLink(sink.port(), options);
  ASSERT_NE(link, nullptr);
  RawClient client(link->port());
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(client.SeesClose());
  EXPECT_TRUE(WaitFor([&] { return link->stats().cuts == 1; }));
  EXPECT_EQ(link->stats().bytes_upstream + link->stats().bytes_downstream, 0u);
}

TEST(LinkEmulatorTest, CutAllResetsLiveConnectionsAndKeepsAccepting) {
  SinkServer sink;
  auto link = StartLink(sink.port());
  ASSERT_NE(link, nullptr);
  RawClient client(link->port());
  ASSERT_TRUE(client.SendAll("hello"));
  ASSERT_TRUE(WaitFor([&] { return link->stats().bytes_upstream == 5; }));
  link->CutAll();
  EXPECT_EQ(link->stats().cuts, 1u);
  EXPECT_EQ(link->stats().connections_open, 0u);
  EXPECT_TRUE(client.SeesClose());

  RawClient again(link->port());
  ASSERT_TRUE(again.SendAll("again"));
  EXPECT_TRUE(WaitFor([&] { return link->stats().bytes_upstream == 10; }));
  EXPECT_EQ(link->stats().connections_open, 1u);
}

TEST(LinkEmulatorTest, ACutFreesTheWireTimeOfBytesThatNeverWentOnIt) {
  SinkServer sink;
  LinkOptions options;
  options.bandwidth_bytes_per_s = 32 << 10;  // 64 KiB take 2 s
  auto link = StartLink(sink.port(), options);
  ASSERT_NE(link, nullptr);
  RawClient first(link->port());
  ASSERT_TRUE(first.SendAll(std::string(64 << 10, 'a')));
  ASSERT_TRUE(WaitFor([&] { return link->stats().bytes_upstream > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  link->CutAll();
  const uint64_t before = link->stats().bytes_upstream;
  EXPECT_LT(before, 32u << 10);  // most of the upload had not gone through

  // 1 KiB takes 31 ms of wire; behind the cut upload's bytes it would wait
  // another 1.5 s or more.
  const auto start = Clock::now();
  RawClient second(link->port());
  ASSERT_TRUE(second.SendAll(std::string(1 << 10, 'b')));
  ASSERT_TRUE(WaitFor([&] { return link->stats().bytes_upstream >= before + (1 << 10); }));
  EXPECT_LT(MillisSince(start), 1000);  // leaves room for a loaded machine
}

TEST(LinkEmulatorTest, NewCutLimitAppliesAtOnceToOpenConnections) {
  SinkServer sink;
  auto link = StartLink(sink.port());
  ASSERT_NE(link, nullptr);
  RawClient client(link->port());
  ASSERT_TRUE(client.SendAll(std::string(50, 'a')));
  ASSERT_TRUE(WaitFor([&] { return link->stats().bytes_upstream == 50; }));
  LinkOptions options;
  options.cut_after_bytes_upstream = 10;
  ASSERT_TRUE(link->SetOptions(options).ok());
  EXPECT_TRUE(client.SeesClose());
  EXPECT_EQ(link->stats().cuts, 1u);
  EXPECT_EQ(link->options().cut_after_bytes_upstream, 10);
}

TEST(LinkEmulatorTest, InvalidNewOptionsAreRefusedAndTheOldOnesStay) {
  SinkServer sink;
  LinkOptions options;
  options.latency_ms = 7;
  auto link = StartLink(sink.port(), options);
  ASSERT_NE(link, nullptr);
  LinkOptions bad;
  bad.cut_probability_per_kb = 1.5;
  Status status = link->SetOptions(bad);
  EXPECT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_EQ(status.field(), "cut_probability_per_kb");
  EXPECT_EQ(link->options().latency_ms, 7);
  EXPECT_EQ(link->options().cut_probability_per_kb, 0);
}

TEST(LinkEmulatorTest, StallHoldsBackForwardingForTheStallTime) {
  auto server = StartHttpServer();
  ASSERT_NE(server, nullptr);
  LinkOptions options;
  options.stall_after_bytes = 20;
  options.stall_ms = 300;
  auto link = StartLink(server->port(), options);
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  const auto start = Clock::now();
  auto response = client.Send("POST", "/echo", "stalled after twenty bytes");
  const int64_t elapsed_ms = MillisSince(start);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "stalled after twenty bytes");
  EXPECT_GE(elapsed_ms, 300);
}

TEST(LinkEmulatorTest, StopIsPromptWhileALinkIsStalled) {
  SinkServer sink;
  LinkOptions options;
  options.stall_after_bytes = 0;
  options.stall_ms = 30000;
  options.latency_ms = 30000;
  auto link = StartLink(sink.port(), options);
  ASSERT_NE(link, nullptr);
  RawClient client(link->port());
  ASSERT_TRUE(client.SendAll(std::string(1000, 's')));
  ASSERT_TRUE(WaitFor([&] { return link->stats().connections_open == 1; }));
  const auto start = Clock::now();
  link->Stop();
  EXPECT_LT(MillisSince(start), 5000);
  EXPECT_TRUE(client.SeesClose());
  EXPECT_EQ(link->stats().bytes_upstream, 0u);
  link->Stop();  // idempotent
  RawClient after(link->port());
  EXPECT_FALSE(after.connected());
}

TEST(LinkEmulatorTest, UnreachableTargetResetsTheClient) {
  auto link = StartLink(ClosedPort());
  ASSERT_NE(link, nullptr);
  HttpClient client("127.0.0.1", link->port());
  auto response = client.Send("GET", "/size");
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(response.status().IsUnavailable()) << response.status().ToString();
  EXPECT_GE(link->stats().target_connect_failures, 1u);
  EXPECT_EQ(link->stats().cuts, 0u);
}

TEST(LinkEmulatorTest, TargetMustBeALoopbackAddress) {
  auto remote = LinkEmulator::Start("127.0.0.1", 0, "10.0.0.1", 80, {});
  ASSERT_FALSE(remote.ok());
  EXPECT_TRUE(remote.status().IsInvalidArgument());
  EXPECT_EQ(remote.status().field(), "target");
  auto name = LinkEmulator::Start("127.0.0.1", 0, "central.example", 80, {});
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.status().field(), "target");
  EXPECT_TRUE(LinkEmulator::Start("localhost", 0, "::1", 80, {}).ok());
}

TEST(LinkEmulatorTest, NegativeOptionsAreRejectedNamingTheField) {
  LinkOptions options;
  options.bandwidth_bytes_per_s = -1;
  auto link = LinkEmulator::Start("127.0.0.1", 0, "127.0.0.1", 80, options);
  ASSERT_FALSE(link.ok());
  EXPECT_TRUE(link.status().IsInvalidArgument());
  EXPECT_EQ(link.status().field(), "bandwidth_bytes_per_s");
  options = {};
  options.cut_after_bytes_downstream = -5;
  EXPECT_EQ(ValidateLinkOptions(options).field(), "cut_after_bytes_downstream");
  options = {};
  options.stall_ms = -1;
  EXPECT_EQ(ValidateLinkOptions(options).field(), "stall_ms");
}

TEST(LinkEmulatorTest, ListenAddressInUseIsUnavailable) {
  auto first = StartLink(80);
  ASSERT_NE(first, nullptr);
  auto second = LinkEmulator::Start("127.0.0.1", first->port(), "127.0.0.1", 80, {});
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsUnavailable()) << second.status().ToString();
}

}  // namespace
}  // namespace hoso
