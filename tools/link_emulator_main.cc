// hoso-linkemu: a TCP proxy that puts an emulated bad link (bandwidth,
// latency, jitter, cuts, stalls) between a node and the central. Parses
// arguments, runs a LinkEmulator until SIGINT / SIGTERM; see
// docs/LINK_EMULATOR.md.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdint>
#include <iostream>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "sync/http_client.h"
#include "tools/cli.h"
#include "tools/link_emulator.h"

namespace hoso {
namespace {

constexpr char kProgram[] = "hoso-linkemu";

constexpr char kUsage[] =
    "usage: hoso-linkemu --target HOST:PORT [--listen HOST:PORT] [options]\n"
    "\n"
    "Forwards TCP connections from --listen (default 127.0.0.1:0, an ephemeral\n"
    "port) to --target (a loopback address) through an emulated bad link. Prints\n"
    "\"listening on http://HOST:PORT\" first, runs until SIGINT or SIGTERM, then\n"
    "prints its counters on stderr.\n"
    "\n"
    "  --bandwidth BYTES_PER_S        per direction, shared by all connections (0: unlimited)\n"
    "  --latency-ms MS                added one way, in each direction\n"
    "  --jitter-ms MS                 one-way delay varies by up to +/- MS (never reorders)\n"
    "  --cut-after-bytes N            reset a connection once N bytes went either way\n"
    "  --cut-after-bytes-up N         ... once N bytes went client -> target\n"
    "  --cut-after-bytes-down N       ... once N bytes went target -> client\n"
    "  --cut-probability-per-kb P     random cuts: probability per KiB carried (0..1)\n"
    "  --stall-after-bytes N --stall-ms MS\n"
    "                                 once per connection and direction, after N bytes,\n"
    "                                 forward nothing that way for MS\n"
    "  --seed S                       seeds jitter and random cuts (default 1)\n"
    "\n"
    "Example, a 2G link: --bandwidth 20000 --latency-ms 500 --jitter-ms 100\n"
    "                    --cut-probability-per-kb 0.002\n";

const std::set<std::string> kValueFlags = {"listen",
                                           "target",
                                           "bandwidth",
                                           "latency-ms",
                                           "jitter-ms",
                                           "cut-after-bytes",
                                           "cut-after-bytes-up",
                                           "cut-after-bytes-down",
                                           "cut-probability-per-kb",
                                           "stall-after-bytes",
                                           "stall-ms",
                                           "seed"};

template <typename T>
Status ParseNumber(const cli::Args& args, const std::string& flag, T* out) {
  auto text = args.Get(flag);
  if (!text) return Status::OK();
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, *out);
  if (ec != std::errc() || ptr != end || text->empty()) {
    return Status::InvalidArgument("--" + flag + ": not a number: '" + *text + "'", flag);
  }
  return Status::OK();
}

Status ParseOptionalBytes(const cli::Args& args, const std::string& flag,
                          std::optional<int64_t>* out) {
  if (!args.Has(flag)) return Status::OK();
  int64_t n = 0;
  HOSO_RETURN_IF_ERROR(ParseNumber(args, flag, &n));
  *out = n;
  return Status::OK();
}

Result<LinkOptions> ParseLinkOptions(const cli::Args& args) {
  LinkOptions o;
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "bandwidth", &o.bandwidth_bytes_per_s));
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "latency-ms", &o.latency_ms));
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "jitter-ms", &o.jitter_ms));
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "cut-probability-per-kb", &o.cut_probability_per_kb));
  HOSO_RETURN_IF_ERROR(ParseOptionalBytes(args, "cut-after-bytes", &o.cut_after_bytes_upstream));
  o.cut_after_bytes_downstream = o.cut_after_bytes_upstream;
  HOSO_RETURN_IF_ERROR(ParseOptionalBytes(args, "cut-after-bytes-up", &o.cut_after_bytes_upstream));
  HOSO_RETURN_IF_ERROR(
      ParseOptionalBytes(args, "cut-after-bytes-down", &o.cut_after_bytes_downstream));
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "stall-after-bytes", &o.stall_after_bytes));
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "stall-ms", &o.stall_ms));
  HOSO_RETURN_IF_ERROR(ParseNumber(args, "seed", &o.seed));
  if (args.Has("stall-ms") != args.Has("stall-after-bytes")) {
    return Status::InvalidArgument("--stall-after-bytes and --stall-ms go together", "stall-ms");
  }
  HOSO_RETURN_IF_ERROR(ValidateLinkOptions(o));
  return o;
}

int Run(const std::vector<std::string>& argv) {
  auto args = cli::Args::Parse(argv, kValueFlags, {});
  if (!args.ok()) return cli::Fail(kProgram, args.status());
  if (args->Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (!args->positional().empty()) {
    return cli::Fail(
        kProgram, Status::InvalidArgument("unexpected argument '" + args->positional()[0] + "'"));
  }
  auto target_text = args->Require("target");
  if (!target_text.ok()) return cli::Fail(kProgram, target_text.status());
  auto target = ParseHostPort(*target_text);
  if (!target.ok()) return cli::Fail(kProgram, target.status().WithContext("--target"));
  auto listen = ParseHostPort(args->Get("listen").value_or("127.0.0.1:0"));
  if (!listen.ok()) return cli::Fail(kProgram, listen.status().WithContext("--listen"));
  auto options = ParseLinkOptions(*args);
  if (!options.ok()) return cli::Fail(kProgram, options.status());

  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto emulator =
      LinkEmulator::Start(listen->first, listen->second, target->first, target->second, *options);
  if (!emulator.ok()) return cli::Fail(kProgram, emulator.status());
  const bool v6 = listen->first.find(':') != std::string::npos;
  std::cout << "listening on http://" << (v6 ? "[" : "") << listen->first << (v6 ? "]" : "") << ":"
            << (*emulator)->port() << std::endl;
  std::cerr << kProgram << ": forwarding to " << *target_text << "; Ctrl-C to stop" << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  (*emulator)->Stop();
  const LinkStats s = (*emulator)->stats();
  std::cerr << kProgram << ": " << s.connections_accepted << " connections, " << s.bytes_upstream
            << " bytes up, " << s.bytes_downstream << " bytes down, " << s.cuts << " cuts, "
            << s.target_connect_failures << " target connect failures" << std::endl;
  return 0;
}

}  // namespace
}  // namespace hoso

int main(int argc, char** argv) {
  return hoso::Run(std::vector<std::string>(argv + 1, argv + argc));
}
