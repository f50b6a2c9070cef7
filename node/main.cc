// hoso-node: the desk (or courier) node. Parses arguments and wires the parts
// together; the work is done by NodeStore, Desk and DeskApi.
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "node/api.h"
#include "node/desk.h"
#include "node/node_store.h"
#include "node/receipt.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tools/cli.h"

namespace hoso::node {
namespace {

constexpr char kProgram[] = "hoso-node";

constexpr char kUsage[] =
    "usage: hoso-node <command> --data DIR [options]\n"
    "\n"
    "  init --data DIR --unit-code CODE --name NAME [--role desk|courier]\n"
    "       [--node-id ID] [--province PROVINCE] [--source-data DIR]\n"
    "                                   create a node's data directory\n"
    "  serve --data DIR [--listen HOST:PORT]\n"
    "                                   local API and web UI (default 127.0.0.1:8081)\n"
    "  intake --data DIR --json FILE|- [--format text|json]\n"
    "                                   intake one dossier (body of POST /api/dossiers)\n"
    "  refuse --data DIR --json FILE|- --reason TEXT\n"
    "                                   record a dossier not accepted at intake (status 3)\n"
    "  show --data DIR CODE [--json]    one dossier with its timeline\n"
    "  search --data DIR TEXT [--status N] [--from DATE] [--to DATE] [--json]\n"
    "  receipt --data DIR CODE [--format html|text] [--lang vi|en]\n"
    "  result-arrived --data DIR CODE --clerk NAME [--outcome approved|refused]\n"
    "  hand-back --data DIR CODE --recipient-kind owner|authorised --recipient-name NAME\n"
    "            --recipient-id ID --clerk NAME [--authorisation TEXT]\n"
    "  ticket issue --data DIR --group A [--json]\n"
    "  ticket call-next --data DIR --group A --counter 3 [--json]\n"
    "  ticket recall|skip|done --data DIR ID [--counter 3] [--json]\n"
    "  ticket list --data DIR [--day DATE] [--json]\n"
    "\n"
    "Every command takes --help. Errors print one line and exit non-zero.\n";

const std::set<std::string> kValueFlags = {
    "data",   "unit-code", "name",   "role",  "node-id", "province", "source-data",
    "listen", "format",    "reason", "status", "from",   "to",       "lang",
    "clerk",  "outcome",   "recipient-kind", "recipient-name", "recipient-id",
    "authorisation", "group", "counter", "day", "note", "limit"};
const std::set<std::string> kSwitches = {"json"};

Result<std::string> ReadInput(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  return PosixFileSystem()->ReadFile(path);
}

struct Opened {
  std::unique_ptr<NodeStore> store;
  std::unique_ptr<Desk> desk;
};

Result<Opened> OpenDesk(const cli::Args& args) {
  HOSO_ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<NodeStore> store, NodeStore::Open(dir));
  Opened o;
  o.desk = std::make_unique<Desk>(store.get(), Desk::Options{});
  o.store = std::move(store);
  return o;
}

void PrintDossier(const Dossier& d, std::ostream& out) {
  out << "code:        " << d.code << "\n"
      << "secret:      " << d.lookup_secret << "\n"
      << "status:      " << d.status << "\n"
      << "procedure:   " << d.procedure_name_vi
      << (d.procedure_code.empty() ? "" : " (" + d.procedure_code + ")") << "\n"
      << "applicant:   " << d.applicant.full_name
      << (d.applicant.business_name.empty() ? "" : " / " + d.applicant.business_name) << "\n"
      << "received:    " << FormatLocalIso(d.received_at) << "\n"
      << "appointment: " << (d.processing_kind == "none" ? "-" : FormatLocalIso(d.appointment))
      << "\n";
}

int PrintResult(const Result<Dossier>& d, const cli::Args& args, bool json_output) {
  if (!d.ok()) return cli::Fail(kProgram, d.status());
  if (json_output) {
    std::cout << ToPrettyJson(Desk::DossierToJson(*d));
  } else {
    PrintDossier(*d, std::cout);
  }
  (void)args;
  return 0;
}

int CmdInit(const cli::Args& a) {
  InitOptions o;
  auto dir = a.Require("data");
  if (!dir.ok()) return cli::Fail(kProgram, dir.status());
  auto unit = a.Require("unit-code");
  if (!unit.ok()) return cli::Fail(kProgram, unit.status());
  auto name = a.Require("name");
  if (!name.ok()) return cli::Fail(kProgram, name.status());
  o.identity.unit_code = *unit;
  o.identity.name = *name;
  o.identity.role = a.Get("role").value_or("desk");
  o.identity.node_id = a.Get("node-id").value_or("");
  o.identity.province = a.Get("province").value_or("");
  o.source_data_dir = a.Get("source-data").value_or(HOSO_DATA_DIR);
  if (o.identity.role != "desk" && o.identity.role != "courier") {
    return cli::Fail(kProgram, Status::InvalidArgument("--role must be desk or courier", "role"));
  }
  Status s = NodeStore::Init(*dir, o);
  if (!s.ok()) return cli::Fail(kProgram, s);
  auto store = NodeStore::Open(*dir);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  std::cout << "created node " << (*store)->identity().node_id << " (" << o.identity.role
            << ", unit " << o.identity.unit_code << ") in " << *dir << "\n";
  return 0;
}


int CmdServe(const cli::Args& a) {
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto hp = ParseHostPort(a.Get("listen").value_or("127.0.0.1:8081"));
  if (!hp.ok()) return cli::Fail(kProgram, hp.status());
  DeskApi api(opened->store.get(), opened->desk.get());
  HttpServerOptions so;
  so.host = hp->first;
  so.port = hp->second;
  so.threads = 1;  // Desk is single-threaded; SQLite commits serialise anyway.
  so.max_body_bytes = 1 << 20;
  // Block the stop signals before threads start so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = HttpServer::Start(so, [&api](const HttpRequest& r) { return api.Handle(r); });
  if (!server.ok()) return cli::Fail(kProgram, server.status());
  std::cout << "listening on http://" << so.host << ":" << (*server)->port() << std::endl;
  std::cerr << "hoso-node " << opened->store->identity().node_id << " ("
            << opened->store->identity().role << ") serving " << opened->store->dir()
            << "; Ctrl-C to stop" << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Stop();
  return 0;
}

int CmdIntake(const cli::Args& a, bool refuse) {
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto path = a.Require("json");
  if (!path.ok()) return cli::Fail(kProgram, path.status());
  auto text = ReadInput(*path);
  if (!text.ok()) return cli::Fail(kProgram, text.status());
  auto body = ParseJsonObject(*text);
  if (!body.ok()) return cli::Fail(kProgram, body.status());
  auto req = Desk::ParseIntakeRequest(*body);
  if (!req.ok()) return cli::Fail(kProgram, req.status());
  const bool json_out = a.Get("format").value_or("text") == "json";
  if (refuse) {
    auto reason = a.Require("reason");
    if (!reason.ok()) return cli::Fail(kProgram, reason.status());
    return PrintResult(opened->desk->RefuseAtIntake(*req, *reason), a, json_out);
  }
  std::vector<MissingDocument> missing;
  auto d = opened->desk->Intake(*req, &missing);
  if (!d.ok() && !missing.empty()) {
    std::cerr << kProgram << ": incomplete dossier, missing:";
    for (const auto& m : missing) std::cerr << " " << m.id << " (" << m.name_vi << ")";
    std::cerr << "\n";
    return 1;
  }
  return PrintResult(d, a, json_out);
}

int CmdShow(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-node show --data DIR CODE"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto d = opened->desk->Get(a.positional()[0]);
  if (!d.ok()) return cli::Fail(kProgram, d.status());
  auto tl = opened->desk->Timeline(d->code);
  if (!tl.ok()) return cli::Fail(kProgram, tl.status());
  if (a.Has("json")) {
    json::object o = Desk::DossierToJson(*d);
    json::array t;
    for (const auto& e : *tl) {
      t.push_back(json::object{{"seq", e.seq}, {"type", e.type}, {"at", FormatLocalIso(e.at)},
                               {"summary_vi", e.summary_vi}, {"summary_en", e.summary_en}});
    }
    o["timeline"] = std::move(t);
    std::cout << ToPrettyJson(o);
    return 0;
  }
  PrintDossier(*d, std::cout);
  std::cout << "timeline:\n";
  for (const auto& e : *tl) {
    std::cout << "  #" << e.seq << "  " << FormatLocalIso(e.at) << "  " << e.summary_vi << "\n";
  }
  return 0;
}

int CmdSearch(const cli::Args& a) {
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  SearchQuery q;
  for (const auto& p : a.positional()) q.text += (q.text.empty() ? "" : " ") + p;
  if (auto s = a.Get("status")) {
    if (s->empty() || s->size() > 2 || s->find_first_not_of("0123456789") != std::string::npos) {
      return cli::Fail(kProgram, Status::InvalidArgument("--status must be 1..10", "status"));
    }
    q.status = std::stoi(*s);
  }
  for (const char* key : {"from", "to"}) {
    if (auto v = a.Get(key)) {
      auto d = ParseDate(*v);
      if (!d.ok()) return cli::Fail(kProgram, Status::InvalidArgument(d.status().message(), key));
      (std::string(key) == "from" ? q.from : q.to) = *d;
    }
  }
  auto found = opened->desk->Search(q);
  if (!found.ok()) return cli::Fail(kProgram, found.status());
  if (a.Has("json")) {
    json::array arr;
    for (const auto& d : *found) arr.push_back(Desk::DossierToJson(d));
    std::cout << ToPrettyJson(json::object{{"count", arr.size()}, {"dossiers", std::move(arr)}});
    return 0;
  }
  for (const auto& d : *found) {
    std::cout << d.code << "  " << d.status << "  " << d.applicant.full_name << "  "
              << d.procedure_name_vi << "\n";
  }
  std::cout << found->size() << " dossier(s)\n";
  return 0;
}

int CmdReceipt(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-node receipt --data DIR CODE"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto d = opened->desk->Get(a.positional()[0]);
  if (!d.ok()) return cli::Fail(kProgram, d.status());
  const std::string lang = a.Get("lang").value_or("vi");
  if (a.Get("format").value_or("html") == "text") {
    std::cout << ReceiptText80mm(*d, opened->store->identity(), lang);
  } else {
    std::cout << ReceiptHtml(*d, opened->store->identity(), lang);
  }
  return 0;
}

int CmdResultArrived(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-node result-arrived --data DIR CODE --clerk NAME"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto clerk = a.Require("clerk");
  if (!clerk.ok()) return cli::Fail(kProgram, clerk.status());
  return PrintResult(opened->desk->ResultArrived(a.positional()[0], *clerk,
                                                 a.Get("outcome").value_or("approved"),
                                                 a.Get("note").value_or("")),
                     a, a.Has("json"));
}

int CmdHandBack(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-node hand-back --data DIR CODE ..."));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  HandBack hb;
  for (const char* f : {"recipient-kind", "recipient-name", "recipient-id", "clerk"}) {
    if (!a.Get(f)) return cli::Fail(kProgram, a.Require(f).status());
  }
  hb.recipient_kind = *a.Get("recipient-kind");
  hb.recipient_name = *a.Get("recipient-name");
  hb.clerk = *a.Get("clerk");
  hb.authorisation = a.Get("authorisation").value_or("");
  return PrintResult(opened->desk->HandBackAtDesk(a.positional()[0], hb, *a.Get("recipient-id")),
                     a, a.Has("json"));
}

int PrintTicket(const Result<Ticket>& t, const cli::Args& a) {
  if (!t.ok()) return cli::Fail(kProgram, t.status());
  if (a.Has("json")) {
    std::cout << ToPrettyJson(Desk::TicketToJson(*t));
  } else {
    std::cout << t->display << "  " << t->state << (t->counter.empty() ? "" : "  counter " + t->counter)
              << "  (id " << t->id << ")\n";
  }
  return 0;
}

int CmdTicket(const cli::Args& a) {
  if (a.positional().empty()) {
    return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-node ticket issue|call-next|recall|skip|done|list ..."));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  Desk& desk = *opened->desk;
  const std::string sub = a.positional()[0];
  if (sub == "issue") {
    auto g = a.Require("group");
    if (!g.ok()) return cli::Fail(kProgram, g.status());
    return PrintTicket(desk.IssueTicket(*g), a);
  }
  if (sub == "call-next") {
    auto g = a.Require("group");
    if (!g.ok()) return cli::Fail(kProgram, g.status());
    auto c = a.Require("counter");
    if (!c.ok()) return cli::Fail(kProgram, c.status());
    return PrintTicket(desk.CallNext(*g, *c), a);
  }
  if (sub == "list") {
    Date day = LocalDateOf(SystemClock()->NowMs());
    if (auto d = a.Get("day")) {
      auto p = ParseDate(*d);
      if (!p.ok()) return cli::Fail(kProgram, Status::InvalidArgument(p.status().message(), "day"));
      day = *p;
    }
    auto ts = desk.TicketsOfDay(day);
    if (!ts.ok()) return cli::Fail(kProgram, ts.status());
    if (a.Has("json")) {
      json::array arr;
      for (const auto& t : *ts) arr.push_back(Desk::TicketToJson(t));
      std::cout << ToPrettyJson(json::object{{"day", FormatDate(day)}, {"tickets", std::move(arr)}});
    } else {
      for (const auto& t : *ts) std::cout << t.display << "  " << t.state << "  " << t.counter << "\n";
    }
    return 0;
  }
  if (sub == "recall" || sub == "skip" || sub == "done") {
    if (a.positional().size() != 2 ||
        a.positional()[1].find_first_not_of("0123456789") != std::string::npos) {
      return cli::Fail(kProgram, Status::InvalidArgument("usage: hoso-node ticket " + sub + " --data DIR ID"));
    }
    const int64_t id = std::stoll(a.positional()[1]);
    if (sub == "skip") return PrintTicket(desk.Skip(id), a);
    if (sub == "done") return PrintTicket(desk.Done(id), a);
    auto c = a.Require("counter");
    if (!c.ok()) return cli::Fail(kProgram, c.status());
    return PrintTicket(desk.Recall(id, *c), a);
  }
  return cli::Fail(kProgram, Status::InvalidArgument("unknown ticket command '" + sub + "'"));
}

}  // namespace
}  // namespace hoso::node

int main(int argc, char** argv) {
  using namespace hoso::node;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  // "intake --json FILE" uses --json for its input, every other command as
  // the output switch.
  std::set<std::string> value_flags = kValueFlags;
  std::set<std::string> switches = kSwitches;
  if (cmd == "intake" || cmd == "refuse") {
    value_flags.insert("json");
    switches.erase("json");
  }
  auto parsed = hoso::cli::Args::Parse(args, value_flags, switches);
  if (!parsed.ok()) return hoso::cli::Fail(kProgram, parsed.status());
  if (parsed->Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "init") return CmdInit(*parsed);
  if (cmd == "serve") return CmdServe(*parsed);
  if (cmd == "intake") return CmdIntake(*parsed, false);
  if (cmd == "refuse") return CmdIntake(*parsed, true);
  if (cmd == "show") return CmdShow(*parsed);
  if (cmd == "search") return CmdSearch(*parsed);
  if (cmd == "receipt") return CmdReceipt(*parsed);
  if (cmd == "result-arrived") return CmdResultArrived(*parsed);
  if (cmd == "hand-back") return CmdHandBack(*parsed);
  if (cmd == "ticket") return CmdTicket(*parsed);
  std::cerr << kProgram << ": unknown command '" << cmd << "' (see hoso-node --help)\n";
  return 2;
}
