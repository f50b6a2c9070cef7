// hoso-central: the central server. Parses arguments and wires the parts
// together; the work is done by CentralStore, NodeAdmin, Ingestor, Importer,
// CentralApi, DictionaryAdmin and WaybillAdmin, and, for people, UserAdmin,
// Authenticator and OfficerApi.
#include <algorithm>
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
#include "central/auth.h"
#include "central/central_store.h"
#include "central/dictionaries.h"
#include "central/import.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "central/metrics.h"
#include "central/officer_api.h"
#include "central/online.h"
#include "central/online_api.h"
#include "central/reconcile.h"
#include "central/shipment_cmd.h"
#include "central/user_cmd.h"
#include "central/users.h"
#include "central/waybills.h"
#include "schema/data_dir.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tools/cli.h"

namespace hoso::central {
namespace {

constexpr char kProgram[] = "hoso-central";
constexpr char kDefaultListen[] = "127.0.0.1:8080";
// Handlers block (a batch sent ahead waits for the one before it): more
// threads than cores.
constexpr int kServerThreads = 4;

constexpr char kUsage[] =
    "usage: hoso-central <command> --data DIR [options]\n"
    "\n"
    "  init --data DIR [--name NAME] [--central-id ID] [--source-data DIR]\n"
    "                                   create a central's data directory\n"
    "  serve --data DIR [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "        [--track-limit N] [--online-unit CODE] [--province NAME]\n"
    "                                   sync API (default 127.0.0.1:8080); HTTPS with a\n"
    "                                   certificate; N tracking lookups per client address\n"
    "                                   per minute (default 30, 0: no tracking limits);\n"
    "                                   the online door at /submit\n"
    "  node add --data DIR --id ID --unit-code CODE --role desk|courier\n"
    "                                   register a node; prints its one-time enrolment token\n"
    "  node revoke --data DIR --id ID --reason TEXT\n"
    "  node list --data DIR [--json]\n"
    "  import --data DIR FILE... [--out DIR]\n"
    "                                   apply batch and enrolment files from a USB stick and\n"
    "                                   write the answers (default: next to each file)\n"
    "  key show --data DIR [--json]     central id, key id and public key to pin on nodes\n"
    "  dict train|list|retire|export --data DIR ...\n"
    "                                   zstd dictionaries published to the nodes\n"
    "  waybill add-range|list|configure --data DIR ...\n"
    "                                   the pool of waybill serials handed to nodes in blocks\n"
    "  user add USERNAME --data DIR --role ROLE [--unit CODE] [--name NAME]\n"
    "                                   add a user; the password is read from stdin\n"
    "  user list|disable|enable|passwd  see hoso-central user --help\n"
    "  shipment list|show|assign|create-pending --data DIR ...\n"
    "                                   results returned by post and their couriers\n"
    "  attachment list --data DIR [--json]\n"
    "                                   scanned documents announced by nodes, upload state\n"
    "  attachment get --data DIR HASH --out FILE\n"
    "                                   assemble one, verified against its hash\n"
    "  report reconcile --data DIR [--format json|csv] [--as-of TIME] [thresholds]\n"
    "                                   the reconciliation report (docs/OPERATIONS.md)\n"
    "  report resolve --data DIR --item ID --note TEXT [--resolution TEXT]\n"
    "                                   resolve one item of it with a note\n"
    "\n"
    "Every command takes --help. Errors print one line and exit non-zero.\n";

const std::map<std::string, std::string> kCommandUsage = {
    {"init",
     "usage: hoso-central init --data DIR [--name NAME] [--central-id ID] [--source-data DIR]\n"
     "Creates DIR with the central's key, database and the catalog, calendar and tariff\n"
     "copied from --source-data (default: the data directory this program was built with).\n"},
    {"serve",
     "usage: hoso-central serve --data DIR [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
     "                          [--online-unit CODE] [--province NAME]\n"
     "Serves the sync API, the officers' API and the online door (/submit, /reception;\n"
     "docs/API.md) until SIGINT or SIGTERM. Online dossiers are numbered under\n"
     "--online-unit (default 000.00.00.TT); --province is the central's province for the\n"
     "postal fee zone (default Thành phố Hồ Chí Minh).\n"
     "The first line on stdout is \"listening on http://HOST:PORT\" (https:// with\n"
     "--tls-cert / --tls-key: the PEM certificate followed by its intermediates, and its\n"
     "unencrypted private key).\n"},
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
    {"dict",
     "usage: hoso-central dict train --data DIR [--max-samples N] [--size BYTES] [--json]\n"
     "       hoso-central dict list --data DIR [--json]\n"
     "       hoso-central dict retire --data DIR ID\n"
     "       hoso-central dict export --data DIR ID --out FILE\n"
     "`train` learns a zstd dictionary from the newest N event lines (default 20000; personal\n"
     "data scrubbed), at most BYTES large (default 16384), stores it under the next id and\n"
     "publishes it: nodes get it with their next down-sync and compress with it. `retire`\n"
     "stops offering it; batches compressed with it still decode. `export` writes the raw\n"
     "dictionary for `hoso inspect --dictionary`.\n"},
    {"waybill",
     "usage: hoso-central waybill add-range --data DIR --prefix PP --first N --last M\n"
     "       hoso-central waybill list --data DIR [--json]\n"
     "       hoso-central waybill configure --data DIR [--block-size N] [--low-water N]\n"
     "                                      [--roles courier,desk]\n"
     "`add-range` adds UPU S10 serials N..M (0..99999999) of the two-letter prefix PP to the\n"
     "pool. Nodes of the configured roles get blocks of --block-size serials (default 1000)\n"
     "in their down-sync whenever they hold fewer than --low-water unused ones (default 200).\n"},
    {"user", kUserUsage},
    {"shipment", kShipmentUsage},
    {"report",
     "usage: hoso-central report reconcile --data DIR [--format json|csv] [--as-of TIME]\n"
     "                 [--not-dispatched-working-days N] [--not-delivered-days N]\n"
     "                 [--failed-attempts N] [--silent-hours N]\n"
     "       hoso-central report resolve --data DIR --item ID --note TEXT [--resolution TEXT]\n"
     "                 [--facts-hash HEX] [--as-of TIME] [thresholds]\n"
     "`reconcile` prints every mismatch between what desks, officers and couriers recorded,\n"
     "as of TIME (ISO 8601; default now), as JSON (default) or CSV (RFC 4180, UTF-8).\n"
     "Thresholds default to 2 working days, 5 days, 3 attempts and 24 hours.\n"
     "`resolve` records a reconciliation_resolved event for item ID (as listed by the\n"
     "report) with the note; the item shows as resolved until new facts arrive.\n"},
    {"attachment",
     "usage: hoso-central attachment list --data DIR [--json]\n"
     "       hoso-central attachment get --data DIR HASH --out FILE\n"
     "`list` shows every attachment nodes announced, its state (complete, incomplete,\n"
     "failed) and the dossiers it belongs to. `get` assembles a complete one from its\n"
     "chunks, checks it against its hash and writes it to FILE.\n"},
};

const std::set<std::string> kValueFlags = {
    "as-of",         "failed-attempts", "format",  "item",  "resolution",
    "facts-hash",    "not-dispatched-working-days", "not-delivered-days", "silent-hours",
    "block-size",    "central-id", "courier",     "data",        "first",    "id",
    "last",          "listen",     "low-water",   "max-samples", "name",     "note",
    "online-unit",   "out",        "password",    "password-file", "prefix", "province",
    "reason",        "role",       "roles",       "size",        "source-data", "state",
    "tls-cert",      "tls-key",    "track-limit", "unit",        "unit-code"};
const std::set<std::string> kSwitches = {"json", "unassigned"};

Result<std::unique_ptr<CentralStore>> OpenStore(const cli::Args& a) {
  HOSO_ASSIGN_OR_RETURN(std::string dir, a.Require("data"));
  return CentralStore::Open(dir);
}

// A non-negative decimal integer, as typed.
Result<int64_t> ParseCount(const std::string& text, const std::string& field) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument(
        "--" + field + " must be a non-negative integer, not '" + text + "'", field);
  }
  return std::stoll(text);
}

Result<std::optional<int64_t>> OptCount(const cli::Args& a, const std::string& flag) {
  auto v = a.Get(flag);
  if (!v) return std::optional<int64_t>();
  HOSO_ASSIGN_OR_RETURN(int64_t n, ParseCount(*v, flag));
  return std::optional<int64_t>(n);
}

Result<int64_t> RequireCount(const cli::Args& a, const std::string& flag) {
  HOSO_ASSIGN_OR_RETURN(std::string v, a.Require(flag));
  return ParseCount(v, flag);
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
  UserAdmin users(store->get());
  Authenticator auth(store->get());
  TrackingOptions track;
  auto track_limit = OptCount(a, "track-limit");
  if (!track_limit.ok()) return cli::Fail(kProgram, track_limit.status());
  if (*track_limit) {
    track.max_lookups_per_address = static_cast<int>(std::min<int64_t>(**track_limit, 1 << 30));
    if (**track_limit == 0) track.max_failures_per_address = 0;
  }
  Tracker tracker(store->get(), track);
  OnlineOptions oo;
  if (auto unit = a.Get("online-unit")) oo.unit_code = *unit;
  if (auto province = a.Get("province")) oo.province = *province;
  auto online = OnlineDesk::Create(store->get(), oo);
  if (!online.ok()) return cli::Fail(kProgram, online.status());
  Metrics metrics;
  OfficerApi officer(store->get(), &auth, &users, &tracker, online->get(), &metrics);
  OnlineApi online_api(online->get());
  CentralApi api(store->get(), &admin, &ingestor, &officer, nullptr, &online_api, &metrics);
  HttpServerOptions so;
  so.host = hp->first;
  so.port = hp->second;
  so.threads = kServerThreads;
  so.max_body_bytes = CentralApi::kMaxRequestBytes;
  so.tls_cert_file = a.Get("tls-cert").value_or("");
  so.tls_key_file = a.Get("tls-key").value_or("");
  if (so.tls_cert_file.empty() != so.tls_key_file.empty()) {
    return cli::Fail(
        kProgram, Status::InvalidArgument("HTTPS needs both --tls-cert and --tls-key", "tls-cert"));
  }
  so.error_log = [](const std::string& line) { std::cerr << kProgram << ": " << line << "\n"; };
  // Block the stop signals before threads start so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = HttpServer::Start(so, [&api](const HttpRequest& r) { return api.Handle(r); });
  if (!server.ok()) return cli::Fail(kProgram, server.status());
  std::cout << "listening on " << ((*server)->tls() ? "https://" : "http://")
            << FormatHostPort(so.host, (*server)->port()) << std::endl;
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
  auto db = (*store)->Db();
  if (!db.ok()) return cli::Fail(kProgram, db.status());
  auto warnings = WaybillWarnings(**db);
  if (!warnings.ok()) return cli::Fail(kProgram, warnings.status());
  if (a.Has("json")) {
    json::array arr, warn;
    for (const NodeInfo& n : *nodes) arr.push_back(n.ToJson());
    for (const std::string& w : *warnings) warn.push_back(json::value(w));
    std::cout << ToPrettyJson(
        json::object{{"nodes", std::move(arr)}, {"warnings", std::move(warn)}});
    return 0;
  }
  for (const NodeInfo& n : *nodes) {
    std::cout << n.node_id << "  " << n.role << "  " << n.unit_code << "  " << n.state
              << "  high_water=" << n.high_water_seq
              << "  last_seen=" << (n.last_seen_ms ? FormatLocalIso(*n.last_seen_ms) : "never");
    if (n.revocation_reason) std::cout << "  reason=" << *n.revocation_reason;
    if (n.waybill_serials_unused) std::cout << "  waybills=" << *n.waybill_serials_unused;
    std::cout << "\n";
  }
  for (const std::string& w : *warnings) std::cout << "warning: " << w << "\n";
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

int CmdDict(const cli::Args& a) {
  const std::vector<std::string>& pos = a.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  const size_t want = (sub == "retire" || sub == "export") ? 2 : 1;
  if ((sub != "train" && sub != "list" && sub != "retire" && sub != "export") ||
      pos.size() != want) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-central dict "
                                                       "train|list|retire ID|export ID "
                                                       "--data DIR ..."));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  DictionaryAdmin admin(store->get());
  if (sub == "train") {
    DictionaryTrainOptions o;
    auto max = OptCount(a, "max-samples");
    if (!max.ok()) return cli::Fail(kProgram, max.status());
    auto size = OptCount(a, "size");
    if (!size.ok()) return cli::Fail(kProgram, size.status());
    if (*max) o.max_samples = static_cast<int>(std::min<int64_t>(**max, 1'000'000'000));
    if (*size) o.dict_bytes = static_cast<size_t>(**size);
    auto info = admin.Train(o);
    if (!info.ok()) return cli::Fail(kProgram, info.status());
    if (a.Has("json")) {
      std::cout << ToPrettyJson(info->ToJson());
      return 0;
    }
    std::cout << "dictionary " << info->dict_id << ": " << info->size_bytes << " bytes from "
              << info->sample_count << " event lines (" << info->sample_bytes
              << " bytes); published\n";
    return 0;
  }
  if (sub == "list") {
    auto list = admin.List();
    if (!list.ok()) return cli::Fail(kProgram, list.status());
    if (a.Has("json")) {
      json::array arr;
      for (const DictionaryInfo& d : *list) arr.push_back(d.ToJson());
      std::cout << ToPrettyJson(json::object{{"dictionaries", std::move(arr)}});
      return 0;
    }
    if (list->empty()) std::cout << "no dictionaries (hoso-central dict train)\n";
    for (const DictionaryInfo& d : *list) {
      std::cout << d.dict_id << "  " << d.state << (d.offered ? " (offered)" : "") << "  "
                << d.size_bytes << " bytes  " << d.sample_count << " samples  trained "
                << FormatLocalIso(d.trained_at_ms) << "  sent to " << d.nodes_sent << " node(s)";
      if (d.retired_at_ms) std::cout << "  retired " << FormatLocalIso(*d.retired_at_ms);
      std::cout << "\n";
    }
    return 0;
  }
  auto id = ParseCount(pos[1], "id");
  if (!id.ok()) return cli::Fail(kProgram, id.status());
  if (sub == "retire") {
    Status s = admin.Retire(*id);
    if (!s.ok()) return cli::Fail(kProgram, s);
    std::cout << "retired dictionary " << *id
              << "; nodes are no longer sent it, and batches compressed with it still decode\n";
    return 0;
  }
  auto out = a.Require("out");
  if (!out.ok()) return cli::Fail(kProgram, out.status());
  auto dict = admin.Get(*id);
  if (!dict.ok()) return cli::Fail(kProgram, dict.status());
  Status s = PosixFileSystem()->WriteFileAtomic(*out, dict->bytes, 0644);
  if (!s.ok()) return cli::Fail(kProgram, s);
  std::cout << "wrote dictionary " << *id << " (" << dict->bytes.size() << " bytes) to " << *out
            << "\n";
  return 0;
}

int CmdWaybill(const cli::Args& a) {
  const std::vector<std::string>& pos = a.positional();
  const std::string sub = pos.size() == 1 ? pos[0] : "";
  if (sub != "add-range" && sub != "list" && sub != "configure") {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-central waybill "
                                                       "add-range|list|configure --data DIR ..."));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  WaybillAdmin admin(store->get());
  if (sub == "add-range") {
    auto prefix = a.Require("prefix");
    if (!prefix.ok()) return cli::Fail(kProgram, prefix.status());
    auto first = RequireCount(a, "first");
    if (!first.ok()) return cli::Fail(kProgram, first.status());
    auto last = RequireCount(a, "last");
    if (!last.ok()) return cli::Fail(kProgram, last.status());
    auto r = admin.AddRange(*prefix, *first, *last);
    if (!r.ok()) return cli::Fail(kProgram, r.status());
    std::cout << "added range " << r->range_id << ": " << r->prefix << " " << r->first << ".."
              << r->last << " (" << r->free_serials() << " serials)\n";
    return 0;
  }
  if (sub == "configure") {
    auto settings = admin.Settings();
    if (!settings.ok()) return cli::Fail(kProgram, settings.status());
    auto block = OptCount(a, "block-size");
    if (!block.ok()) return cli::Fail(kProgram, block.status());
    auto low = OptCount(a, "low-water");
    if (!low.ok()) return cli::Fail(kProgram, low.status());
    if (*block) settings->block_size = **block;
    if (*low) settings->low_water = **low;
    if (auto roles = a.Get("roles")) {
      auto parsed = ParseWaybillRoles(*roles);
      if (!parsed.ok()) return cli::Fail(kProgram, parsed.status());
      settings->roles = std::move(parsed).value();
    }
    Status s = admin.Configure(*settings);
    if (!s.ok()) return cli::Fail(kProgram, s);
    std::cout << "waybill blocks of " << settings->block_size << " serials when a node has fewer "
              << "than " << settings->low_water << " unused; roles: "
              << (settings->roles.empty() ? "none" : ToJson(settings->ToJson().at("roles")))
              << "\n";
    return 0;
  }
  auto pool = admin.List();
  if (!pool.ok()) return cli::Fail(kProgram, pool.status());
  auto db = (*store)->Db();
  if (!db.ok()) return cli::Fail(kProgram, db.status());
  auto warnings = WaybillWarnings(**db);
  if (!warnings.ok()) return cli::Fail(kProgram, warnings.status());
  if (a.Has("json")) {
    json::object o = pool->ToJson();
    json::array warn;
    for (const std::string& w : *warnings) warn.push_back(json::value(w));
    o["warnings"] = std::move(warn);
    std::cout << ToPrettyJson(o);
    return 0;
  }
  std::cout << "settings: blocks of " << pool->settings.block_size << ", low water "
            << pool->settings.low_water << ", roles " << ToJson(pool->settings.ToJson().at("roles"))
            << "\n"
            << "pool: " << pool->free_serials << " free serials in " << pool->ranges.size()
            << " range(s)\n";
  for (const WaybillRangeInfo& r : pool->ranges) {
    std::cout << "  range " << r.range_id << "  " << r.prefix << " " << r.first << ".." << r.last
              << "  next " << r.next << "  free " << r.free_serials() << "\n";
  }
  for (const WaybillBlockInfo& b : pool->blocks) {
    std::cout << "  block " << b.block_id << "  " << b.node_id << "  " << b.prefix << " " << b.first
              << ".." << b.last << "  "
              << (b.used_up_at_ms     ? "used up"
                  : b.confirmed_at_ms ? "in use"
                                      : "sent")
              << "\n";
  }
  for (const NodeWaybillStock& s : pool->stock) {
    std::cout << "  node " << s.node_id << "  " << s.unused_serials << " unused\n";
  }
  for (const std::string& w : *warnings) std::cout << "warning: " << w << "\n";
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

// The thresholds and --as-of of `report`, by the names of
// ReconcileOptionsFrom.
Result<ReconcileOptions> ReportOptions(const cli::Args& a) {
  std::map<std::string, std::string> values;
  for (const char* flag : {"as-of", "not-dispatched-working-days", "not-delivered-days",
                           "failed-attempts", "silent-hours"}) {
    if (auto v = a.Get(flag)) {
      std::string key = flag;
      for (char& c : key) c = c == '-' ? '_' : c;
      values[key] = *v;
    }
  }
  return ReconcileOptionsFrom(values, SystemClock()->NowMs());
}

int CmdReport(const cli::Args& a) {
  const std::string sub = a.positional().size() == 1 ? a.positional()[0] : "";
  if (sub != "reconcile" && sub != "resolve") {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "usage: hoso-central report reconcile|resolve --data DIR ..."));
  }
  auto options = ReportOptions(a);
  if (!options.ok()) return cli::Fail(kProgram, options.status());
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto db = (*store)->Db();
  if (!db.ok()) return cli::Fail(kProgram, db.status());
  if (sub == "resolve") {
    auto item = a.Require("item");
    if (!item.ok()) return cli::Fail(kProgram, item.status());
    auto note = a.Require("note");
    if (!note.ok()) return cli::Fail(kProgram, note.status());
    ResolveRequest r;
    r.item_id = *item;
    r.note = *note;
    r.resolution = a.Get("resolution").value_or("");
    r.facts_hash = a.Get("facts-hash");
    const UnixMs now = SystemClock()->NowMs();
    Outcome<ReconcileItem> done =
        ResolveItem(**db, (*store)->central_id(), Actor::Cli(), r, *options, now);
    if (!done.ok()) {
      std::cerr << kProgram << ": " << done.refusal().ToString() << "\n";
      return 1;
    }
    if (a.Has("json")) {
      std::cout << ToPrettyJson(done->ToJson());
      return 0;
    }
    std::cout << "resolved " << done->item_id << " (event " << done->resolution->event_id
              << ")\n";
    return 0;
  }
  const std::string format = a.Get("format").value_or("json");
  if (format != "json" && format != "csv") {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "--format must be json or csv, not '" + format + "'", "format"));
  }
  auto report = BuildReconcileReport(**db, *options);
  if (!report.ok()) return cli::Fail(kProgram, report.status());
  if (format == "csv") {
    std::cout << report->ToCsv();
  } else {
    std::cout << ToPrettyJson(report->ToJson());
  }
  std::cout.flush();
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
  if (cmd == "dict") return CmdDict(*parsed);
  if (cmd == "waybill") return CmdWaybill(*parsed);
  if (cmd == "user") return CmdUser(*parsed);
  if (cmd == "attachment") return CmdAttachment(*parsed);
  if (cmd == "shipment") return CmdShipment(*parsed);
  if (cmd == "report") return CmdReport(*parsed);
  std::cerr << kProgram << ": unknown command '" << cmd << "' (see hoso-central --help)\n";
  return 2;
}
