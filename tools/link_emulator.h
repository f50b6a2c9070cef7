// LinkEmulator: a TCP proxy on 127.0.0.1 that makes the link between a node
// and the central as bad as a rural 2G line, for tests and benchmarks.
//
// Every accepted connection is forwarded to one target on the loopback
// interface through an emulated link: per-direction bandwidth shared by all
// connections (a FIFO, like a modem's queue), one-way latency with jitter,
// cuts after a byte count or at random, and a one-off stall. Bytes are never
// reordered, dropped or altered; a cut closes both sides with a TCP reset
// and drops what the connection held that had not yet gone on the wire,
// freeing the wire for the connections after it.
// See docs/LINK_EMULATOR.md.
//
// Each connection has its own thread (plain POSIX sockets and poll()), one
// more thread accepts. Everything stops, and every thread is joined, in Stop().
//
// Thread-safety: port(), SetOptions(), CutAll(), stats() and Stop() may be
// called from any thread, concurrently.
#ifndef HOSO_TOOLS_LINK_EMULATOR_H_
#define HOSO_TOOLS_LINK_EMULATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "schema/status.h"

namespace hoso {

// How bad the link is. Directions: upstream is client -> target (the node
// sending batches), downstream is target -> client.
struct LinkOptions {
  // Per direction, shared by every connection; 0 = unlimited.
  int64_t bandwidth_bytes_per_s = 0;
  // Added one way, in each direction, to every byte.
  int latency_ms = 0;
  // Each chunk's one-way delay is drawn uniformly from
  // [latency_ms - jitter_ms, latency_ms + jitter_ms] (at least 0). Bytes are
  // never reordered: a chunk is never delivered before the one read before it.
  int jitter_ms = 0;
  // Probability that a connection is cut while 1 KiB passes (either
  // direction counts; the cut point is drawn from the exponential
  // distribution with that rate). 1.0 cuts every connection at once.
  double cut_probability_per_kb = 0;
  // Reset both sides of a connection as soon as exactly N bytes went
  // through in that direction. 0 cuts when the first byte comes to go that
  // way, before it is delivered: a downstream cut at 0 lets the request
  // through and loses every byte of the answer.
  std::optional<int64_t> cut_after_bytes_upstream;
  std::optional<int64_t> cut_after_bytes_downstream;
  // Once per connection and direction, after `stall_after_bytes` bytes went
  // through, nothing more goes that way for `stall_ms`. -1 = never.
  int stall_after_bytes = -1;
  int stall_ms = 0;
  // Seeds jitter and random cuts; connection i of an emulator draws from
  // its own stream derived from (seed, i), so runs are reproducible.
  uint64_t seed = 1;
};

// kInvalidArgument naming the field for negative sizes or times, or a
// probability outside [0, 1].
Status ValidateLinkOptions(const LinkOptions& options);

// Counters since Start(). Bytes are those delivered to the other side.
struct LinkStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_open = 0;
  uint64_t bytes_upstream = 0;
  uint64_t bytes_downstream = 0;
  // Connections the emulator reset: byte-count cuts, random cuts, CutAll().
  uint64_t cuts = 0;
  // Accepted connections whose target refused or did not answer in time;
  // the client's connection is reset. Not counted in `cuts`.
  uint64_t target_connect_failures = 0;
};

class LinkEmulator {
 public:
  // Connections beyond this many open at once are reset at accept.
  static constexpr int kMaxConnections = 128;
  // Connecting to the target gives up after this long.
  static constexpr int kConnectTimeoutMs = 5000;

  // Listens on listen_host:listen_port (0: ephemeral, see port()) and starts
  // forwarding to target_host:target_port. Hosts are IP literals or
  // "localhost". Errors: kInvalidArgument for a bad host, a target that is
  // not a loopback address or invalid options; kUnavailable when the listen
  // address is in use; kIoError for other socket failures.
  static Result<std::unique_ptr<LinkEmulator>> Start(std::string listen_host, uint16_t listen_port,
                                                     std::string target_host, uint16_t target_port,
                                                     LinkOptions options);

  LinkEmulator(const LinkEmulator&) = delete;
  LinkEmulator& operator=(const LinkEmulator&) = delete;
  // Calls Stop().
  ~LinkEmulator();

  // The port actually bound.
  uint16_t port() const;

  // Replaces the options. Bandwidth, latency and jitter apply to bytes read
  // after the call; stalls apply to connections accepted after it; cuts
  // apply at once to open connections too (one that already carried more
  // than a new cut_after_bytes limit is cut now). Errors: kInvalidArgument
  // as ValidateLinkOptions, and the old options stay.
  Status SetOptions(const LinkOptions& options);
  LinkOptions options() const;

  // Resets every open connection. Returns once their sockets are closed.
  // New connections are accepted as before.
  void CutAll();

  LinkStats stats() const;

  // Stops accepting, resets every open connection and joins all threads.
  // Prompt: it does not wait for delays, stalls or slow peers. Idempotent.
  void Stop();

 private:
  struct Impl;
  class Connection;
  explicit LinkEmulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoso

#endif  // HOSO_TOOLS_LINK_EMULATOR_H_
