#include "tools/link_emulator.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

namespace hoso {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
// Reads are at most this big, and at a limited bandwidth about 20 ms worth
// (but at least kMinReadBytes), so that a slow link trickles instead of
// delivering in bursts.
constexpr int64_t kMaxReadBytes = 16384;
constexpr int64_t kMinReadBytes = 512;
// Bytes a connection holds per direction between reading and delivering.
// When full, the emulator stops reading and TCP flow control pushes back on
// the sender. At a limited bandwidth it covers the bandwidth-delay product.
constexpr int64_t kUnlimitedInFlightBytes = 2 << 20;
constexpr int64_t kMinInFlightBytes = 64 << 10;
constexpr int64_t kMaxInFlightBytes = 8 << 20;
constexpr int kListenBacklog = 64;

// Owns a file descriptor; Reset() with an abortive close sends a TCP reset.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Reset() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }

 private:
  int fd_ = -1;
};

void Wake(int event_fd) {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(event_fd, &one, sizeof one);
}

void Drain(int event_fd) {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(event_fd, &count, sizeof count);
}

std::string ErrnoText(int err) { return std::strerror(err); }

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:8080", for messages

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }

  bool IsLoopback() const {
    if (family() == AF_INET) {
      auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
      return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
  }
};

// Only IP literals and "localhost": the emulator never resolves names, so
// it never sends a packet anywhere but where it was told.
Result<Address> ParseAddress(const std::string& host, uint16_t port, const std::string& field) {
  std::string h = host == "localhost" ? "127.0.0.1" : host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  Address a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (::inet_pton(AF_INET, h.c_str(), &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
    a.text = h + ":" + std::to_string(port);
  } else if (::inet_pton(AF_INET6, h.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
    a.text = "[" + h + "]:" + std::to_string(port);
  } else {
    return Status::InvalidArgument(
        field + " must be an IP address or localhost, not '" + host + "'", field);
  }
  return a;
}

void SetNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

int64_t InFlightCap(const LinkOptions& o) {
  if (o.bandwidth_bytes_per_s == 0) return kUnlimitedInFlightBytes;
  const int64_t window_ms = int64_t{o.latency_ms} + o.jitter_ms + 250;
  const double bytes = static_cast<double>(o.bandwidth_bytes_per_s) * window_ms / 1000.0;
  return std::clamp(static_cast<int64_t>(std::min(bytes, 1e15)), kMinInFlightBytes,
                    kMaxInFlightBytes);
}

int64_t ReadSize(const LinkOptions& o) {
  if (o.bandwidth_bytes_per_s == 0) return kMaxReadBytes;
  return std::clamp<int64_t>(o.bandwidth_bytes_per_s / 50, kMinReadBytes, kMaxReadBytes);
}

}  // namespace

Status ValidateLinkOptions(const LinkOptions& o) {
  if (o.bandwidth_bytes_per_s < 0) {
    return Status::InvalidArgument("bandwidth must not be negative", "bandwidth_bytes_per_s");
  }
  if (o.latency_ms < 0)
    return Status::InvalidArgument("latency must not be negative", "latency_ms");
  if (o.jitter_ms < 0) return Status::InvalidArgument("jitter must not be negative", "jitter_ms");
  if (!(o.cut_probability_per_kb >= 0 && o.cut_probability_per_kb <= 1)) {
    return Status::InvalidArgument("cut probability must be between 0 and 1",
                                   "cut_probability_per_kb");
  }
  if (o.cut_after_bytes_upstream && *o.cut_after_bytes_upstream < 0) {
    return Status::InvalidArgument("cut-after bytes must not be negative",
                                   "cut_after_bytes_upstream");
  }
  if (o.cut_after_bytes_downstream && *o.cut_after_bytes_downstream < 0) {
    return Status::InvalidArgument("cut-after bytes must not be negative",
                                   "cut_after_bytes_downstream");
  }
  if (o.stall_after_bytes < -1) {
    return Status::InvalidArgument("stall-after bytes must be -1 (never) or more",
                                   "stall_after_bytes");
  }
  if (o.stall_ms < 0) return Status::InvalidArgument("stall must not be negative", "stall_ms");
  return Status::OK();
}

struct LinkEmulator::Impl {
  Fd listen_fd;
  Fd wake_fd;  // wakes the acceptor on Stop()
  uint16_t port = 0;
  Address target;

  std::mutex stop_mu;  // serialises Stop()
  std::thread acceptor;
  std::atomic<bool> stopping{false};

  mutable std::mutex mu;
  std::condition_variable closed_cv;  // a connection closed its sockets
  LinkOptions options;                // guarded by mu
  std::atomic<uint64_t> options_generation{0};
  Clock::time_point link_free_at[2];  // guarded by mu: when each direction's wire is idle
  std::vector<std::shared_ptr<Connection>> connections;  // guarded by mu

  std::atomic<uint64_t> accepted{0}, open{0}, bytes[2], cuts{0}, connect_failures{0};

  void AcceptLoop();
  // Reserves the wire of `direction` for `n` bytes read at `now`; returns
  // when the last of them has left the sender's end of the link.
  Clock::time_point Transmit(int direction, int64_t n, Clock::time_point now,
                             int64_t bandwidth_bytes_per_s) {
    if (bandwidth_bytes_per_s == 0) return now;
    std::lock_guard lock(mu);
    Clock::time_point start = std::max(now, link_free_at[direction]);
    link_free_at[direction] = start + nanoseconds(n * 1'000'000'000 / bandwidth_bytes_per_s);
    return link_free_at[direction];
  }
  // Gives back wire time reserved for bytes that a cut dropped before they
  // went on the wire: a link that drops loses what waits to be sent, and the
  // next connection does not wait behind bytes nobody will carry.
  void Release(int direction, nanoseconds unused, Clock::time_point now) {
    if (unused <= nanoseconds(0)) return;
    std::lock_guard lock(mu);
    link_free_at[direction] = std::max(now, link_free_at[direction] - unused);
  }
};

// One client connection and its target connection, run by one thread.
class LinkEmulator::Connection {
 public:
  Connection(Impl* link, uint64_t index, Fd client)
      : link_(link), rng_(SplitMix64(link->options.seed ^ SplitMix64(index))) {
    dirs_[0].src = std::move(client);
    wake_ = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Called by the emulator with link->mu held.
  void RequestCut() {
    cut_requested_ = true;
    Wake(wake_.get());
  }
  void Notify() { Wake(wake_.get()); }
  bool closed() const { return closed_; }

 private:
  struct Chunk {
    std::string bytes;
    size_t sent = 0;
    Clock::time_point deliver_at;
    // When its last byte leaves the sender's end of the wire, and how long
    // the wire takes for it (zero at unlimited bandwidth).
    Clock::time_point wire_end;
    nanoseconds wire_time{0};
  };
  // dirs_[0] is upstream (client -> target), dirs_[1] downstream. Each owns
  // its source socket; the destination is the other direction's source.
  struct Direction {
    Fd src;
    int dst = -1;
    std::deque<Chunk> queue;
    int64_t queued = 0;
    int64_t delivered = 0;
    bool src_eof = false;
    bool src_hup = false;  // poll reported a hang-up: stop polling it once idle
    // The source peer reset: what it sent before still arrives (a reset does
    // not overtake data on the emulated wire), then the other side is reset.
    bool src_reset = false;
    bool dst_shut = false;
    bool dst_blocked = false;  // the last send would block: wait for POLLOUT
    Clock::time_point last_deliver_at;
    std::optional<int64_t> cut_after;
    bool stall_done = false;
    Clock::time_point stall_until;
  };
  enum class Step { kContinue, kCut, kFailed };

  void Run();
  bool ConnectTarget();
  void RefreshOptions(bool first);
  bool WantsRead(int i) const {
    const Direction& d = dirs_[i];
    return !d.src_eof && !dirs_[1 - i].src_reset && d.queued < InFlightCap(options_);
  }
  void SourceReset(int i) {
    dirs_[i].src_eof = dirs_[i].src_reset = dirs_[i].src_hup = true;
    dirs_[1 - i].dst_blocked = false;
  }
  void Read(int i, Clock::time_point now);
  Step Deliver(int i);
  bool CutDue() const;
  int PollTimeoutMs(Clock::time_point now) const;
  void Finish(bool reset, bool count_cut);

  Impl* link_;
  std::mt19937_64 rng_;
  Fd wake_;
  std::thread thread_;
  std::atomic<bool> cut_requested_{false};
  std::atomic<bool> closed_{false};

  LinkOptions options_;  // this thread's copy; stall fields stay as at accept
  uint64_t options_generation_ = 0;
  int64_t random_cut_at_ = kNever;  // total bytes (both directions) at which to cut
  int64_t total_delivered_ = 0;
  Direction dirs_[2];
};

void LinkEmulator::Connection::Run() {
  if (wake_.get() < 0) return Finish(/*reset=*/true, /*count_cut=*/false);  // out of fds
  RefreshOptions(/*first=*/true);
  if (!ConnectTarget()) return;
  for (Direction& d : dirs_) d.last_deliver_at = Clock::now();
  while (true) {
    if (link_->stopping) return Finish(/*reset=*/true, /*count_cut=*/false);
    if (cut_requested_) return Finish(true, true);
    if (link_->options_generation != options_generation_) RefreshOptions(false);
    if (CutDue()) return Finish(true, true);
    for (int i = 0; i < 2; ++i) {
      Step step = Deliver(i);
      if (step == Step::kCut) return Finish(true, true);
      if (step == Step::kFailed) return Finish(true, false);
      Direction& d = dirs_[i];
      if (d.src_reset && d.queue.empty()) return Finish(true, false);
      if (d.src_eof && d.queue.empty() && !d.dst_shut) {
        ::shutdown(d.dst, SHUT_WR);  // pass the half-close on
        d.dst_shut = true;
      }
    }
    if (dirs_[0].dst_shut && dirs_[1].dst_shut) return Finish(false, false);

    pollfd fds[3] = {{wake_.get(), POLLIN, 0}, {-1, 0, 0}, {-1, 0, 0}};
    for (int i = 0; i < 2; ++i) {
      const Direction& d = dirs_[i];
      const Direction& other = dirs_[1 - i];
      short events = (WantsRead(i) ? POLLIN : 0) | (other.dst_blocked ? POLLOUT : 0);
      // A hung-up socket polls ready forever: leave it out unless it is needed.
      fds[i + 1] = {(events == 0 && d.src_hup) ? -1 : d.src.get(), events, 0};
    }
    const Clock::time_point now = Clock::now();
    if (::poll(fds, 3, PollTimeoutMs(now)) < 0 && errno != EINTR) return Finish(true, false);
    if (fds[0].revents & POLLIN) Drain(wake_.get());
    for (int i = 0; i < 2; ++i) {
      const short revents = fds[i + 1].revents;
      if (revents & POLLNVAL) return Finish(true, false);
      if (revents & POLLOUT) dirs_[1 - i].dst_blocked = false;
      if ((revents & (POLLIN | POLLHUP | POLLERR)) && WantsRead(i)) {
        Read(i, Clock::now());  // bytes before a reset still count; the read reports it
      } else if (revents & POLLERR) {
        SourceReset(i);
      } else if (revents & POLLHUP) {
        dirs_[i].src_hup = true;
      }
    }
  }
}

bool LinkEmulator::Connection::ConnectTarget() {
  const Address& target = link_->target;
  Fd fd(::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  bool connected = false;
  if (fd.get() >= 0) {
    if (::connect(fd.get(), target.get(), target.length) == 0) {
      connected = true;
    } else if (errno == EINPROGRESS) {
      pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {fd.get(), POLLOUT, 0}};
      const Clock::time_point deadline =
          Clock::now() + milliseconds(LinkEmulator::kConnectTimeoutMs);
      while (!link_->stopping && !cut_requested_ && Clock::now() < deadline) {
        auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
        if (::poll(fds, 2, static_cast<int>(left) + 1) < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) Drain(wake_.get());
        if (fds[1].revents != 0) {
          int err = 0;
          socklen_t len = sizeof err;
          connected = ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
          break;
        }
      }
    }
  }
  if (!connected) {
    if (!link_->stopping && !cut_requested_) ++link_->connect_failures;
    Finish(/*reset=*/true, /*count_cut=*/cut_requested_ && !link_->stopping);
    return false;
  }
  SetNoDelay(fd.get());
  dirs_[1].src = std::move(fd);
  dirs_[0].dst = dirs_[1].src.get();
  dirs_[1].dst = dirs_[0].src.get();
  return true;
}

void LinkEmulator::Connection::RefreshOptions(bool first) {
  LinkOptions fresh;
  {
    std::lock_guard lock(link_->mu);
    fresh = link_->options;
    options_generation_ = link_->options_generation;
  }
  const bool redraw = first || fresh.cut_probability_per_kb != options_.cut_probability_per_kb;
  if (!first) {  // stalls keep the settings of the moment of accept
    fresh.stall_after_bytes = options_.stall_after_bytes;
    fresh.stall_ms = options_.stall_ms;
  }
  options_ = fresh;
  dirs_[0].cut_after = options_.cut_after_bytes_upstream;
  dirs_[1].cut_after = options_.cut_after_bytes_downstream;
  if (!redraw) return;
  // The exponential distribution is memoryless, so drawing afresh from the
  // current position is exact when the probability changes.
  const double p = options_.cut_probability_per_kb;
  if (p <= 0) {
    random_cut_at_ = kNever;
  } else if (p >= 1) {
    random_cut_at_ = total_delivered_;
  } else {
    std::exponential_distribution<double> bytes_until_cut(-std::log1p(-p) / 1024.0);
    const double draw = bytes_until_cut(rng_);
    random_cut_at_ = draw >= 1e18 ? kNever : total_delivered_ + static_cast<int64_t>(draw);
  }
}

bool LinkEmulator::Connection::CutDue() const {
  if (total_delivered_ >= random_cut_at_) return true;
  for (const Direction& d : dirs_) {
    if (!d.cut_after) continue;
    // A limit of 0 waits for the first byte that way and drops it, so a
    // downstream cut at 0 lets the request through and loses the whole answer.
    if (*d.cut_after == 0 ? d.delivered > 0 || !d.queue.empty() : d.delivered >= *d.cut_after) {
      return true;
    }
  }
  return false;
}

void LinkEmulator::Connection::Read(int i, Clock::time_point now) {
  Direction& d = dirs_[i];
  const int64_t want = std::min(ReadSize(options_), InFlightCap(options_) - d.queued);
  std::string buffer(static_cast<size_t>(want), '\0');
  const ssize_t n = ::recv(d.src.get(), buffer.data(), buffer.size(), 0);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) SourceReset(i);
    return;
  }
  if (n == 0) {
    d.src_eof = true;
    return;
  }
  buffer.resize(static_cast<size_t>(n));
  Clock::time_point sent = link_->Transmit(i, n, now, options_.bandwidth_bytes_per_s);
  int64_t delay_us = int64_t{options_.latency_ms} * 1000;
  if (options_.jitter_ms > 0) {
    const int64_t jitter_us = int64_t{options_.jitter_ms} * 1000;
    delay_us += std::uniform_int_distribution<int64_t>(-jitter_us, jitter_us)(rng_);
  }
  // TCP never reorders: a chunk with a shorter delay waits for the one before.
  d.last_deliver_at =
      std::max(sent + microseconds(std::max<int64_t>(delay_us, 0)), d.last_deliver_at);
  const nanoseconds wire_time =
      options_.bandwidth_bytes_per_s == 0
          ? nanoseconds(0)
          : nanoseconds(n * 1'000'000'000 / options_.bandwidth_bytes_per_s);
  d.queue.push_back(Chunk{std::move(buffer), 0, d.last_deliver_at, sent, wire_time});
  d.queued += n;
}

// Sends what is due, stopping exactly at cut and stall points.
LinkEmulator::Connection::Step LinkEmulator::Connection::Deliver(int i) {
  Direction& d = dirs_[i];
  if (dirs_[1 - i].src_reset) {  // the destination is gone: so are these bytes
    d.queue.clear();
    d.queued = 0;
    return Step::kContinue;
  }
  const bool stalls = options_.stall_after_bytes >= 0 && options_.stall_ms > 0;
  while (!d.queue.empty() && !d.dst_blocked) {
    const Clock::time_point now = Clock::now();
    if (stalls && !d.stall_done && d.delivered >= options_.stall_after_bytes) {
      d.stall_done = true;
      d.stall_until = now + milliseconds(options_.stall_ms);
    }
    Chunk& c = d.queue.front();
    if (d.stall_until > now || c.deliver_at > now) return Step::kContinue;
    if (CutDue()) return Step::kCut;
    int64_t room = static_cast<int64_t>(c.bytes.size() - c.sent);
    if (d.cut_after) room = std::min(room, *d.cut_after - d.delivered);
    room = std::min(room, random_cut_at_ - total_delivered_);
    if (stalls && !d.stall_done) room = std::min(room, options_.stall_after_bytes - d.delivered);
    const ssize_t n =
        ::send(d.dst, c.bytes.data() + c.sent, static_cast<size_t>(room), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return Step::kFailed;
      d.dst_blocked = true;
      return Step::kContinue;
    }
    c.sent += static_cast<size_t>(n);
    d.delivered += n;
    d.queued -= n;
    total_delivered_ += n;
    link_->bytes[i] += static_cast<uint64_t>(n);
    if (c.sent == c.bytes.size()) d.queue.pop_front();
  }
  return CutDue() ? Step::kCut : Step::kContinue;
}

int LinkEmulator::Connection::PollTimeoutMs(Clock::time_point now) const {
  std::optional<Clock::time_point> next;
  for (const Direction& d : dirs_) {
    if (d.queue.empty() || d.dst_blocked) continue;
    const Clock::time_point due = std::max(d.queue.front().deliver_at, d.stall_until);
    if (!next || due < *next) next = due;
  }
  if (!next) return -1;
  if (*next <= now) return 0;
  // Round up: waking early would only spin.
  const auto us = std::chrono::duration_cast<microseconds>(*next - now).count();
  return static_cast<int>(std::min<int64_t>((us + 999) / 1000, 60'000));
}

void LinkEmulator::Connection::Finish(bool reset, bool count_cut) {
  if (count_cut) {
    // The bytes of a cut connection that had not yet gone on the wire never
    // will: free the wire time they held.
    const Clock::time_point now = Clock::now();
    for (int i = 0; i < 2; ++i) {
      nanoseconds unused{0};
      for (const Chunk& c : dirs_[i].queue) {
        if (c.wire_end <= now) continue;
        unused += std::min(c.wire_time, std::chrono::duration_cast<nanoseconds>(c.wire_end - now));
      }
      link_->Release(i, unused, now);
    }
  }
  // Counters first: whoever sees the socket close may read them at once.
  if (count_cut) ++link_->cuts;
  --link_->open;
  for (Direction& d : dirs_) reset ? d.src.Reset() : d.src.Close();
  std::lock_guard lock(link_->mu);
  closed_ = true;
  link_->closed_cv.notify_all();
}

void LinkEmulator::Impl::AcceptLoop() {
  while (!stopping) {
    pollfd fds[2] = {{wake_fd.get(), POLLIN, 0}, {listen_fd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (stopping) break;
    if (!(fds[1].revents & POLLIN)) continue;
    Fd client(::accept4(listen_fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (client.get() < 0) {
      // Out of descriptors: back off instead of spinning on a ready socket.
      if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(milliseconds(50));
      continue;
    }
    SetNoDelay(client.get());
    std::vector<std::shared_ptr<Connection>> finished;
    std::lock_guard lock(mu);
    std::erase_if(connections, [&](const std::shared_ptr<Connection>& c) {
      if (!c->closed()) return false;
      finished.push_back(c);
      return true;
    });
    // Their threads only return after closing: joining is immediate.
    for (auto& c : finished) c->Join();
    if (open >= static_cast<uint64_t>(kMaxConnections)) {
      client.Reset();
      continue;
    }
    ++open;
    auto connection = std::make_shared<Connection>(this, accepted++, std::move(client));
    connections.push_back(connection);
    connection->Start();
  }
}

LinkEmulator::LinkEmulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LinkEmulator::~LinkEmulator() { Stop(); }

Result<std::unique_ptr<LinkEmulator>> LinkEmulator::Start(std::string listen_host,
                                                          uint16_t listen_port,
                                                          std::string target_host,
                                                          uint16_t target_port,
                                                          LinkOptions options) {
  HOSO_RETURN_IF_ERROR(ValidateLinkOptions(options));
  HOSO_ASSIGN_OR_RETURN(Address listen, ParseAddress(listen_host, listen_port, "listen"));
  HOSO_ASSIGN_OR_RETURN(Address target, ParseAddress(target_host, target_port, "target"));
  if (!target.IsLoopback()) {
    return Status::InvalidArgument("target must be a loopback address (127.0.0.1, ::1)", "target");
  }
  auto impl = std::make_unique<Impl>();
  impl->target = target;
  impl->options = options;
  impl->wake_fd = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (impl->wake_fd.get() < 0) return Status::IoError("eventfd: " + ErrnoText(errno));
  impl->listen_fd = Fd(::socket(listen.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (impl->listen_fd.get() < 0) return Status::IoError("socket: " + ErrnoText(errno));
  int one = 1;
  ::setsockopt(impl->listen_fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(impl->listen_fd.get(), listen.get(), listen.length) != 0 ||
      ::listen(impl->listen_fd.get(), kListenBacklog) != 0) {
    const int err = errno;
    std::string message = listen.text + ": " + ErrnoText(err);
    return err == EADDRINUSE ? Status::Unavailable(message) : Status::IoError(message);
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockname(impl->listen_fd.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    return Status::IoError("getsockname: " + ErrnoText(errno));
  }
  impl->port =
      ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  Impl* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->AcceptLoop(); });
  return std::unique_ptr<LinkEmulator>(new LinkEmulator(std::move(impl)));
}

uint16_t LinkEmulator::port() const { return impl_->port; }

Status LinkEmulator::SetOptions(const LinkOptions& options) {
  HOSO_RETURN_IF_ERROR(ValidateLinkOptions(options));
  std::lock_guard lock(impl_->mu);
  impl_->options = options;
  ++impl_->options_generation;
  for (auto& c : impl_->connections) c->Notify();
  return Status::OK();
}

LinkOptions LinkEmulator::options() const {
  std::lock_guard lock(impl_->mu);
  return impl_->options;
}

void LinkEmulator::CutAll() {
  std::unique_lock lock(impl_->mu);
  std::vector<std::shared_ptr<Connection>> cut;
  for (auto& c : impl_->connections) {
    if (c->closed()) continue;
    c->RequestCut();
    cut.push_back(c);
  }
  // Each thread reacts at once to its wake-up; the bound only guards
  // against a thread stuck in the kernel.
  impl_->closed_cv.wait_for(lock, std::chrono::seconds(5), [&] {
    return std::all_of(cut.begin(), cut.end(), [](auto& c) { return c->closed(); });
  });
}

LinkStats LinkEmulator::stats() const {
  LinkStats s;
  s.connections_accepted = impl_->accepted;
  s.connections_open = impl_->open;
  s.bytes_upstream = impl_->bytes[0];
  s.bytes_downstream = impl_->bytes[1];
  s.cuts = impl_->cuts;
  s.target_connect_failures = impl_->connect_failures;
  return s;
}

void LinkEmulator::Stop() {
  std::lock_guard stop_lock(impl_->stop_mu);
  if (impl_->stopping.exchange(true)) return;
  Wake(impl_->wake_fd.get());
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  std::vector<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(impl_->mu);
    connections.swap(impl_->connections);
    for (auto& c : connections) c->Notify();
  }
  for (auto& c : connections) c->Join();
  impl_->listen_fd.Close();
}

}  // namespace hoso
