// hoso-central: the central server. Parses arguments and wires the parts
// together; the work is done by CentralStore, NodeAdmin, Ingestor, Importer
// and CentralApi.
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "central/api.h"
#include "central/attachments.h"
#include "central/central_store.h"
#include "central/import.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tools/cli.h"
#include "schema/data_dir.h"

namespace hoso::central {
namespace {

constexpr char kProgram[] = "hoso-central";
constexpr char kDefaultListen[] = "127.0.0.1:8080";
constexpr int kServerThreads = 2;

constexpr char kUsage[] =
    "usage: hoso-central <command> --data DIR [options]\n"
    "\n"
    "  init --data DIR [--name NAME] [--central-id ID] [--source-data DIR]\n"
    "                                   create a central's data directory\n"
    "  serve --data DIR [--listen HOST:PORT]\n"
    "                                   sync API (default 127.0.0.1:8080)\n"
    "  node add --data DIR --id ID --unit-code CODE --role desk|courier\n"
    "                                   register a node; prints its one-time enrolment token\n"
    "  node revoke --data DIR --id ID --reason TEXT\n"
    "  node list --data DIR [--json]\n"
    "  import --data DIR FILE... [--out DIR]\n"
    "                                   apply batch and enrolment files from a USB stick and\n"
    "                                   write the answers (default: next to each file)\n"
    "  key show --data DIR [--json]     central id, key id and public key to pin on nodes\n"
    "  attachment list --data DIR [--json]\n"
    "                                   scanned documents announced by nodes, upload state\n"
    "  attachment get --data DIR HASH --out FILE\n"
    "                                   assemble one, verified against its hash\n"
    "\n"
    "Every command takes --help. Errors print one line and exit non-zero.\n";

const std::map<std::string, std::string> kCommandUsage = {
    {"init",
     "usage: hoso-central init --data DIR [--name NAME] [--central-id ID] [--source-data DIR]\n"
     "Creates DIR with the central's key, database and the catalog, calendar and tariff\n"
     "copied from --source-data (default: the data directory this program was built with).\n"},
    {"serve",
     "usage: hoso-central serve --data DIR [--listen HOST:PORT]\n"
     "Serves the sync API (docs/API.md) until SIGINT or SIGTERM. The first line on stdout is\n"
     "\"listening on http://HOST:PORT\".\n"},
    {"node",
     "usage: hoso-central node add --data DIR --id ID --unit-code CODE --role desk|courier\n"
     "       hoso-central node revoke --data DIR --id ID --reason TEXT\n"
     "       hoso-central node list --data DIR [--json]\n"
     "`add` prints the one-time enrolment token (valid 7 days) as its only stdout line.\n"},
    {"import",
     "usage: hoso-central import --data DIR FILE... [--out DIR]\n"
     "Applies batch files exactly once, answers enrolment requests and stores attachment\n"
     "chunk files (after the batches that announce them); writes down-sync and enrolment\n"
     "answer files to --out (default: each file's directory). Prints one line per file;\n"
     "exits 1 if any file was refused.\n"},
    {"key",
     "usage: hoso-central key show --data DIR [--json]\n"
     "Prints the central id, key id and public key (hex) that nodes pin.\n"},
    {"attachment",
     "usage: hoso-central attachment list --data DIR [--json]\n"
     "       hoso-central attachment get --data DIR HASH --out FILE\n"
     "`list` shows every attachment nodes announced, its state (complete, incomplete,\n"
     "failed) and the dossiers it belongs to. `get` assembles a complete one from its\n"
     "chunks, checks it against its hash and writes it to FILE.\n"},
};

const std::set<std::string> kValueFlags = {"data",   "name", "central-id", "source-data",
                                           "listen", "id",   "unit-code",  "role",
                                           "reason", "out"};
const std::set<std::string> kSwitches = {"json"};

Result<std::unique_ptr<CentralStore>> OpenStore(const cli::Args& a) {
  HOSO_ASSIGN_OR_RETURN(std::string dir, a.Require("data"));
  return CentralStore::Open(dir);
}

int CmdInit(const cli::Args& a) {
  auto dir = a.Require("data");
  if (!dir.ok()) return cli::Fail(kProgram, dir.status());
  CentralInitOptions o;
  o.central_id = a.Get("central-id").value_or("");
  o.name = a.Get("name").value_or("");
  o.source_data_dir = a.Get("source-data").value_or(HOSO_DATA_DIR);
  Status s = CentralStore::Init(*dir, o);
  if (!s.ok()) return cli::Fail(kProgram, s);
  auto store = CentralStore::Open(*dir);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  std::cout << "created central " << (*store)->central_id() << " (key " << (*store)->key().key_id()
            << ") in " << *dir << "\n";
  return 0;
}

int CmdServe(const cli::Args& a) {
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto hp = ParseHostPort(a.Get("listen").value_or(kDefaultListen));
  if (!hp.ok()) return cli::Fail(kProgram, hp.status());
  NodeAdmin admin(store->get());
  Ingestor ingestor(store->get());
  CentralApi api(store->get(), &admin, &ingestor);
  HttpServerOptions so;
  so.host = hp->first;
  so.port = hp->second;
  so.threads = kServerThreads;
  so.max_body_bytes = CentralApi::kMaxRequestBytes;
  so.error_log = [](const std::string& line) { std::cerr << kProgram << ": " << line << "\n"; };
  // Block the stop signals before threads start so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = HttpServer::Start(so, [&api](const HttpRequest& r) { return api.Handle(r); });
  if (!server.ok()) return cli::Fail(kProgram, server.status());
  std::cout << "listening on http://" << FormatHostPort(so.host, (*server)->port()) << std::endl;
  std::cerr << "hoso-central " << (*store)->central_id() << " serving " << (*store)->dir()
            << "; Ctrl-C to stop" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Stop();
  return 0;
}

int CmdNode(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-central node add|revoke|list "
                                                       "--data DIR ..."));
  }
  const std::string& sub = a.positional()[0];
  if (sub != "add" && sub != "revoke" && sub != "list") {
    return cli::Fail(kProgram, Status::InvalidArgument("unknown node command '" + sub + "'"));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  NodeAdmin admin(store->get());
  if (sub == "add") {
    auto id = a.Require("id");
    if (!id.ok()) return cli::Fail(kProgram, id.status());
    auto unit = a.Require("unit-code");
    if (!unit.ok()) return cli::Fail(kProgram, unit.status());
    auto role = a.Require("role");
    if (!role.ok()) return cli::Fail(kProgram, role.status());
    auto token = admin.AddNode(*id, *unit, *role);
    if (!token.ok()) return cli::Fail(kProgram, token.status());
    std::cout << token->token << std::endl;
    std::cerr << "node " << *id << " added; the token above is shown only once and is valid "
              << "until " << FormatLocalIso(token->expires_at_ms) << std::endl;
    return 0;
  }
  if (sub == "revoke") {
    auto id = a.Require("id");
    if (!id.ok()) return cli::Fail(kProgram, id.status());
    auto reason = a.Require("reason");
    if (!reason.ok()) return cli::Fail(kProgram, reason.status());
    Status s = admin.Revoke(*id, *reason);
    if (!s.ok()) return cli::Fail(kProgram, s);
    std::cout << "revoked node " << *id << "\n";
    return 0;
  }
  auto nodes = admin.ListNodes();
  if (!nodes.ok()) return cli::Fail(kProgram, nodes.status());
  if (a.Has("json")) {
    json::array arr;
    for (const NodeInfo& n : *nodes) arr.push_back(n.ToJson());
    std::cout << ToPrettyJson(json::object{{"nodes", std::move(arr)}});
    return 0;
  }
  for (const NodeInfo& n : *nodes) {
    std::cout << n.node_id << "  " << n.role << "  " << n.unit_code << "  " << n.state
              << "  high_water=" << n.high_water_seq
              << "  last_seen=" << (n.last_seen_ms ? FormatLocalIso(*n.last_seen_ms) : "never");
    if (n.revocation_reason) std::cout << "  reason=" << *n.revocation_reason;
    std::cout << "\n";
  }
  return 0;
}

int CmdImport(const cli::Args& a) {
  if (a.positional().empty()) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-central import --data DIR "
                                                       "FILE... [--out DIR]"));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  NodeAdmin admin(store->get());
  Ingestor ingestor(store->get());
  CentralAttachments attachments(store->get());
  Importer importer(&admin, &ingestor, PosixFileSystem(), &attachments);
  const std::string out_dir = a.Get("out").value_or("");
  bool any_refused = false;
  for (const ImportResult& r : importer.ImportFiles(a.positional(), out_dir)) {
    std::cout << r.ToString() << "\n";
    any_refused = any_refused || r.refused();
  }
  std::cout.flush();
  return any_refused ? 1 : 0;
}

int CmdKey(const cli::Args& a) {
  if (a.positional().size() != 1 || a.positional()[0] != "show") {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-central key show --data DIR"));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  const CentralStore& s = **store;
  if (a.Has("json")) {
    std::cout << ToPrettyJson(json::object{{"central_id", s.central_id()},
                                           {"name", s.identity().name},
                                           {"key_id", s.key().key_id()},
                                           {"public_key", HexEncode(s.key().public_key())}});
    return 0;
  }
  std::cout << "central_id: " << s.central_id() << "\n"
            << "key_id:     " << s.key().key_id() << "\n"
            << "public_key: " << HexEncode(s.key().public_key()) << "\n";
  return 0;
}

int CmdAttachment(const cli::Args& a) {
  const std::string sub = a.positional().empty() ? "" : a.positional()[0];
  if (!((sub == "list" && a.positional().size() == 1) ||
        (sub == "get" && a.positional().size() == 2))) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "usage: hoso-central attachment list|get --data DIR ..."));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  CentralAttachments attachments(store->get());
  if (sub == "get") {
    auto out = a.Require("out");
    if (!out.ok()) return cli::Fail(kProgram, out.status());
    auto bytes = attachments.Assemble(a.positional()[1]);
    if (!bytes.ok()) return cli::Fail(kProgram, bytes.status());
    Status s = PosixFileSystem()->WriteFileAtomic(*out, *bytes, 0600);
    if (!s.ok()) return cli::Fail(kProgram, s);
    std::cout << "wrote " << bytes->size() << " bytes to " << *out << " (BLAKE2b-256 "
              << a.positional()[1] << " verified)\n";
    return 0;
  }
  auto list = attachments.List();
  if (!list.ok()) return cli::Fail(kProgram, list.status());
  if (a.Has("json")) {
    json::array arr;
    for (const CentralAttachmentInfo& f : *list) arr.push_back(f.ToJson());
    std::cout << ToPrettyJson(json::object{{"attachments", std::move(arr)}});
    return 0;
  }
  for (const CentralAttachmentInfo& f : *list) {
    std::cout << f.hash << "  " << f.State() << "  " << f.media_type << "  " << f.size_bytes
              << " bytes  chunks " << f.chunks_stored << "/" << f.chunk_count;
    for (const AttachmentRef& r : f.refs) {
      std::cout << "  " << r.dossier_code << " (" << r.node_id << " #" << r.seq << ")";
    }
    if (f.error) std::cout << "  error: " << *f.error;
    std::cout << "\n";
  }
  std::cout << list->size() << " attachment(s)\n";
  return 0;
}

}  // namespace
}  // namespace hoso::central

int main(int argc, char** argv) {
  using namespace hoso::central;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  auto parsed = hoso::cli::Args::Parse(args, kValueFlags, kSwitches);
  if (!parsed.ok()) return hoso::cli::Fail(kProgram, parsed.status());
  if (parsed->Has("help")) {
    auto it = kCommandUsage.find(cmd);
    std::cout << (it != kCommandUsage.end() ? it->second : std::string(kUsage));
    return 0;
  }
  if (cmd == "init") return CmdInit(*parsed);
  if (cmd == "serve") return CmdServe(*parsed);
  if (cmd == "node") return CmdNode(*parsed);
  if (cmd == "import") return CmdImport(*parsed);
  if (cmd == "key") return CmdKey(*parsed);
  if (cmd == "attachment") return CmdAttachment(*parsed);
  std::cerr << kProgram << ": unknown command '" << cmd << "' (see hoso-central --help)\n";
  return 2;
}
