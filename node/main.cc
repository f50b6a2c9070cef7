// hoso-node: the desk (or courier) node. Parses arguments and wires the parts
// together; the work is done by NodeStore, Desk and DeskApi.
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "node/api.h"
#include "node/attachments.h"
#include "node/collections_cli.h"
#include "node/courier_cli.h"
#include "node/desk.h"
#include "node/enrolment.h"
#include "node/node_store.h"
#include "node/receipt.h"
#include "node/store_forward.h"
#include "node/sync_client.h"
#include "schema/data_dir.h"
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
    "  serve --data DIR [--listen HOST:PORT] [--sync-poll-ms MS]\n"
    "                                   local API and web UI (default 127.0.0.1:8081);\n"
    "                                   background sync polls every MS when idle (30000)\n"
    "  intake --data DIR --json FILE|- [--format text|json]\n"
    "                                   intake one dossier (body of POST /api/dossiers)\n"
    "  refuse --data DIR --json FILE|- --reason TEXT\n"
    "                                   record a dossier not accepted at intake (status 3)\n"
    "  show --data DIR CODE [--json]    one dossier with its timeline\n"
    "  search --data DIR TEXT [--status N] [--from DATE] [--to DATE] [--json]\n"
    "  receipt --data DIR CODE [--format html|text] [--lang vi|en]\n"
    "  guidance-slip --data DIR --json FILE|- [--lang vi|en]\n"
    "                                   Form 02 (what is missing) as HTML for an intake body\n"
    "  reveal-id --data DIR CODE --viewer NAME --reason TEXT\n"
    "                                   the full ID number (the view is logged)\n"
    "  id-views --data DIR [--json]     who viewed full ID numbers, when and why\n"
    "  attach --data DIR CODE FILE [--doc ID] [--name NAME] [--clerk NAME] [--json]\n"
    "                                   add a scanned document (PDF, JPEG, PNG) to a dossier\n"
    "  attachments --data DIR CODE [--json]\n"
    "                                   a dossier's scanned documents and their upload state\n"
    "  result-arrived --data DIR CODE --clerk NAME [--outcome approved|refused]\n"
    "  hand-back --data DIR CODE --recipient-kind owner|authorised --recipient-name NAME\n"
    "            --recipient-id ID --clerk NAME [--authorisation TEXT]\n"
    "  ticket issue --data DIR --group A [--json]\n"
    "  ticket call-next --data DIR --group A --counter 3 [--json]\n"
    "  ticket recall|skip|done --data DIR ID [--counter 3] [--json]\n"
    "  ticket list --data DIR [--day DATE] [--json]\n"
    "  enroll --data DIR --central URL --token TOKEN [--ca FILE]\n"
    "                                   register with the central (pins its key); for an\n"
    "                                   https:// URL, --ca names the CA of its certificate\n"
    "                                   (kept in DIR/keys/central-ca.pem)\n"
    "  enroll --data DIR --token TOKEN --request-file FILE\n"
    "                                   offline: write the request for hoso-central import\n"
    "  sync --data DIR --once [--central URL] [--ca FILE] [--json]\n"
    "                                   one sync exchange (serve syncs in the background)\n"
    "  sync-status --data DIR [--json]  enrolment, pending events, last sync, last error\n"
    "  export --data DIR --to DIR       pending batches and attachment chunks as sealed\n"
    "                                   files (USB sync)\n"
    "  import --data DIR FILE...        down-sync or enrolment answer files\n"
    "  rotate-key --data DIR [--central URL] [--ca FILE]\n"
    "                                   new node key, confirmed by the central\n"
    "  courier list|show|pickup|out|deliver|fail|hold|return --data DIR ...\n"
    "                                   a courier node's shipments and actions\n"
    "                                   (hoso-node courier --help)\n"
    "  collections list|show|return --data DIR ...\n"
    "                                   online dossiers whose result is collected\n"
    "                                   here (hoso-node collections --help)\n"
    "\n"
    "Every command takes --help. Errors print one line and exit non-zero.\n";

const std::set<std::string> kValueFlags = {"data",
                                           "unit-code",
                                           "name",
                                           "role",
                                           "node-id",
                                           "province",
                                           "source-data",
                                           "listen",
                                           "format",
                                           "reason",
                                           "status",
                                           "from",
                                           "to",
                                           "lang",
                                           "clerk",
                                           "outcome",
                                           "recipient-kind",
                                           "recipient-name",
                                           "recipient-id",
                                           "authorisation",
                                           "group",
                                           "counter",
                                           "day",
                                           "note",
                                           "limit",
                                           "central",
                                           "token",
                                           "request-file",
                                           "viewer",
                                           "sync-poll-ms",
                                           "ca",
                                           "doc"};
const std::set<std::string> kSwitches = {"json", "once"};

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

// The serve command's sync thread. It has its own NodeStore, hence its own
// database connection: the Desk stays single-threaded and SQLite serialises
// the two writers.
class BackgroundSync {
 public:
  // nullptr when the node is not enrolled or knows no central URL (offline
  // enrolment: sync goes by export / import then).
  static Result<std::unique_ptr<BackgroundSync>> Start(const std::string& dir,
                                                       int64_t idle_poll_ms) {
    HOSO_ASSIGN_OR_RETURN(std::unique_ptr<NodeStore> store, NodeStore::Open(dir));
    HOSO_ASSIGN_OR_RETURN(std::optional<CentralPin> pin, LoadCentralPin(store->db()));
    if (!pin || pin->central_url.empty()) return std::unique_ptr<BackgroundSync>();
    HttpClientOptions http;
    http.timeout_ms = 20000;  // bounds how long a stop waits for an exchange in flight
    HOSO_ASSIGN_OR_RETURN(std::unique_ptr<HttpCentralTransport> transport,
                          HttpCentralTransport::ForNode(*store, pin->central_url, http));
    std::unique_ptr<BackgroundSync> bg(new BackgroundSync());
    bg->store_ = std::move(store);
    bg->transport_ = std::move(transport);
    SyncClientOptions co;
    co.send_ahead = true;
    bg->client_ = std::make_unique<SyncClient>(bg->store_.get(), bg->transport_.get(), co);
    SyncLoopOptions lo;
    lo.idle_poll_ms = idle_poll_ms;
    lo.log = [](const std::string& line) {
      std::cerr << kProgram << ": sync: " << line << std::endl;
    };
    bg->loop_ = std::make_unique<SyncLoop>(bg->client_.get(), lo);
    bg->central_url_ = pin->central_url;
    bg->thread_ = std::thread([loop = bg->loop_.get()] { loop->Run(); });
    return bg;
  }
  ~BackgroundSync() { Stop(); }
  void Stop() {
    loop_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  const std::string& central_url() const { return central_url_; }

 private:
  BackgroundSync() = default;
  std::unique_ptr<NodeStore> store_;
  std::unique_ptr<HttpCentralTransport> transport_;
  std::unique_ptr<SyncClient> client_;
  std::unique_ptr<SyncLoop> loop_;
  std::string central_url_;
  std::thread thread_;
};

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

// --sync-poll-ms: how long the background sync waits between exchanges
// when nothing is pending (kIdlePollMs by default). Tests lower it so that
// the central sees intakes at once.
Result<int64_t> SyncPollMs(const cli::Args& a) {
  const std::optional<std::string> text = a.Get("sync-poll-ms");
  if (!text) return kIdlePollMs;
  const bool digits = !text->empty() && text->size() <= 9 &&
                      text->find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoll(*text) < 1) {
    return Status::InvalidArgument("--sync-poll-ms must be a positive number of milliseconds",
                                   "sync-poll-ms");
  }
  return std::stoll(*text);
}

int CmdServe(const cli::Args& a) {
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto hp = ParseHostPort(a.Get("listen").value_or("127.0.0.1:8081"));
  if (!hp.ok()) return cli::Fail(kProgram, hp.status());
  auto poll_ms = SyncPollMs(a);
  if (!poll_ms.ok()) return cli::Fail(kProgram, poll_ms.status());
  DeskApi api(opened->store.get(), opened->desk.get());
  HttpServerOptions so;
  so.host = hp->first;
  so.port = hp->second;
  so.threads = 1;  // Desk is single-threaded; SQLite commits serialise anyway.
  so.max_body_bytes = DeskApi::kMaxRequestBodyBytes;  // JSON routes check their own 1 MiB
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
  // Started after the signal mask, so the sync thread inherits it.
  auto sync = BackgroundSync::Start(opened->store->dir(), *poll_ms);
  if (!sync.ok()) {
    (*server)->Stop();
    return cli::Fail(kProgram, sync.status().WithContext("background sync"));
  }
  if (*sync) std::cerr << "syncing with " << (*sync)->central_url() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  if (*sync) (*sync)->Stop();
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
      t.push_back(json::object{{"seq", e.seq},
                               {"type", e.type},
                               {"at", FormatLocalIso(e.at)},
                               {"summary_vi", e.summary_vi},
                               {"summary_en", e.summary_en}});
    }
    o["timeline"] = std::move(t);
    NodeAttachments files(opened->store.get(), NodeAttachments::Options{});
    auto list = files.OfDossier(d->code);
    if (!list.ok()) return cli::Fail(kProgram, list.status());
    json::array at;
    for (const AttachmentInfo& info : *list) at.push_back(NodeAttachments::ToJson(info));
    o["attachments"] = std::move(at);
    std::cout << ToPrettyJson(o);
    return 0;
  }
  PrintDossier(*d, std::cout);
  std::cout << "timeline:\n";
  for (const auto& e : *tl) {
    std::cout << "  #" << e.seq << "  " << FormatLocalIso(e.at) << "  " << e.summary_vi << "\n";
  }
  NodeAttachments files(opened->store.get(), NodeAttachments::Options{});
  auto list = files.OfDossier(d->code);
  if (!list.ok()) return cli::Fail(kProgram, list.status());
  if (!list->empty()) std::cout << "attachments:\n";
  for (const AttachmentInfo& f : *list) {
    std::cout << "  " << f.file_name << "  " << f.media_type << "  " << f.size_bytes
              << " bytes  uploaded " << f.chunks_uploaded << "/" << f.chunk_count << "\n";
  }
  return 0;
}

void PrintAttachment(const AttachmentInfo& f, std::ostream& out) {
  out << f.hash.substr(0, 16) << "  " << f.media_type << "  " << f.size_bytes << " bytes  "
      << "uploaded " << f.chunks_uploaded << "/" << f.chunk_count << "  " << f.file_name;
  if (f.document_id) out << "  [" << *f.document_id << "]";
  out << "\n";
}

int CmdAttach(const cli::Args& a) {
  if (a.positional().size() != 2) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "usage: hoso-node attach --data DIR CODE FILE [--doc ID]"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  const std::string& path = a.positional()[1];
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > static_cast<uintmax_t>(kMaxAttachmentBytes)) {
    return cli::Fail(kProgram, Status::ResourceExhausted(path + " has " + std::to_string(size) +
                                                         " bytes, over the limit of " +
                                                         std::to_string(kMaxAttachmentBytes) +
                                                         " bytes (25 MiB)"));
  }
  auto bytes = PosixFileSystem()->ReadFile(path);
  if (!bytes.ok()) return cli::Fail(kProgram, bytes.status());
  AddAttachmentRequest req;
  req.file_name = a.Get("name").value_or(path);
  req.document_id = a.Get("doc");
  req.clerk = a.Get("clerk");
  NodeAttachments files(opened->store.get(), NodeAttachments::Options{});
  auto f = files.Add(a.positional()[0], *bytes, req);
  if (!f.ok()) return cli::Fail(kProgram, f.status().WithContext(path));
  if (a.Has("json")) {
    json::object o = NodeAttachments::ToJson(*f);
    o["already_attached"] = f->already_attached;
    std::cout << ToPrettyJson(o);
    return 0;
  }
  std::cout << (f->already_attached ? "already attached to " : "attached to ") << f->dossier_code
            << (f->already_attached ? " (nothing recorded)" : "") << "\n"
            << "file:  " << f->file_name << "\n"
            << "hash:  " << f->hash << "\n"
            << "type:  " << f->media_type << ", " << f->size_bytes << " bytes in " << f->chunk_count
            << " chunk(s)\n"
            << "event: seq " << f->event_seq << "\n";
  return 0;
}

int CmdAttachments(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram,
                     Status::InvalidArgument("usage: hoso-node attachments --data DIR CODE"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  NodeAttachments files(opened->store.get(), NodeAttachments::Options{});
  auto list = files.OfDossier(a.positional()[0]);
  if (!list.ok()) return cli::Fail(kProgram, list.status());
  if (a.Has("json")) {
    json::array arr;
    for (const AttachmentInfo& f : *list) arr.push_back(NodeAttachments::ToJson(f));
    std::cout << ToPrettyJson(
        json::object{{"dossier_code", a.positional()[0]}, {"attachments", std::move(arr)}});
    return 0;
  }
  for (const AttachmentInfo& f : *list) PrintAttachment(f, std::cout);
  std::cout << list->size() << " attachment(s)\n";
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

int CmdGuidanceSlip(const cli::Args& a) {
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
  auto missing = opened->desk->CheckDocuments(*req);
  if (!missing.ok()) return cli::Fail(kProgram, missing.status());
  const UnixMs now = SystemClock()->NowMs();
  auto proc =
      opened->store->catalog().Find(req->procedure_id, LocalDateOf(req->received_at.value_or(now)));
  if (!proc.ok()) return cli::Fail(kProgram, proc.status());
  std::cout << GuidanceSlipHtml(*req, (*proc)->name_vi, (*proc)->code.value_or(""), *missing,
                                opened->store->identity(), now, a.Get("lang").value_or("vi"));
  return 0;
}

int CmdRevealId(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "usage: hoso-node reveal-id --data DIR CODE --viewer NAME "
                                   "--reason TEXT"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto viewer = a.Require("viewer");
  if (!viewer.ok()) return cli::Fail(kProgram, viewer.status());
  auto reason = a.Require("reason");
  if (!reason.ok()) return cli::Fail(kProgram, reason.status());
  auto id = opened->desk->RevealIdNumber(a.positional()[0], *viewer, *reason);
  if (!id.ok()) return cli::Fail(kProgram, id.status());
  std::cout << *id << "\n";
  return 0;
}

int CmdIdViews(const cli::Args& a) {
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto log = opened->desk->IdViewLog(200);
  if (!log.ok()) return cli::Fail(kProgram, log.status());
  if (a.Has("json")) {
    std::cout << ToPrettyJson(json::object{{"views", *log}});
    return 0;
  }
  for (const auto& v : *log) std::cout << ToJson(v) << "\n";
  std::cout << log->size() << " view(s)\n";
  return 0;
}

int CmdResultArrived(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "usage: hoso-node result-arrived --data DIR CODE --clerk NAME"));
  }
  auto opened = OpenDesk(a);
  if (!opened.ok()) return cli::Fail(kProgram, opened.status());
  auto clerk = a.Require("clerk");
  if (!clerk.ok()) return cli::Fail(kProgram, clerk.status());
  return PrintResult(
      opened->desk->ResultArrived(a.positional()[0], *clerk, a.Get("outcome").value_or("approved"),
                                  a.Get("note").value_or("")),
      a, a.Has("json"));
}

int CmdHandBack(const cli::Args& a) {
  if (a.positional().size() != 1) {
    return cli::Fail(kProgram,
                     Status::InvalidArgument("usage: hoso-node hand-back --data DIR CODE ..."));
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
  return PrintResult(opened->desk->HandBackAtDesk(a.positional()[0], hb, *a.Get("recipient-id")), a,
                     a.Has("json"));
}

int PrintTicket(const Result<Ticket>& t, const cli::Args& a) {
  if (!t.ok()) return cli::Fail(kProgram, t.status());
  if (a.Has("json")) {
    std::cout << ToPrettyJson(Desk::TicketToJson(*t));
  } else {
    std::cout << t->display << "  " << t->state
              << (t->counter.empty() ? "" : "  counter " + t->counter) << "  (id " << t->id
              << ")\n";
  }
  return 0;
}

int CmdTicket(const cli::Args& a) {
  if (a.positional().empty()) {
    return cli::Fail(kProgram,
                     Status::InvalidArgument(
                         "usage: hoso-node ticket issue|call-next|recall|skip|done|list ..."));
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
      std::cout << ToPrettyJson(
          json::object{{"day", FormatDate(day)}, {"tickets", std::move(arr)}});
    } else {
      for (const auto& t : *ts)
        std::cout << t.display << "  " << t.state << "  " << t.counter << "\n";
    }
    return 0;
  }
  if (sub == "recall" || sub == "skip" || sub == "done") {
    if (a.positional().size() != 2 ||
        a.positional()[1].find_first_not_of("0123456789") != std::string::npos) {
      return cli::Fail(
          kProgram, Status::InvalidArgument("usage: hoso-node ticket " + sub + " --data DIR ID"));
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

// ---- Sync commands ----------------------------------------------------------

Result<std::unique_ptr<NodeStore>> OpenStore(const cli::Args& a) {
  HOSO_ASSIGN_OR_RETURN(std::string dir, a.Require("data"));
  return NodeStore::Open(dir);
}

// --ca FILE only makes sense with an https:// central URL.
Status CheckCaFlag(const cli::Args& a, const std::string& url) {
  if (!a.Get("ca")) return Status::OK();
  HOSO_ASSIGN_OR_RETURN(HttpUrl parsed, ParseUrl(url));
  if (!parsed.tls) {
    return Status::InvalidArgument("--ca is for an https:// central URL, not " + url, "ca");
  }
  return Status::OK();
}

// The transport to the pinned central, or to --central URL (which is then
// remembered, e.g. for a node enrolled offline that now has a link). --ca
// FILE replaces the central's CA the node keeps (a renewed CA).
Result<std::unique_ptr<HttpCentralTransport>> CentralLink(const cli::Args& a, NodeStore& store) {
  HOSO_ASSIGN_OR_RETURN(CentralPin pin, RequireCentralPin(store.db()));
  std::string url = a.Get("central").value_or(pin.central_url);
  if (url.empty()) {
    return Status::InvalidArgument(
        "no central URL is known (enrolled offline): pass --central URL, or sync with "
        "export / import",
        "central");
  }
  HOSO_RETURN_IF_ERROR(CheckCaFlag(a, url));
  if (auto ca = a.Get("ca")) HOSO_RETURN_IF_ERROR(InstallCentralCa(store, *ca));
  HOSO_ASSIGN_OR_RETURN(std::unique_ptr<HttpCentralTransport> transport,
                        HttpCentralTransport::ForNode(store, url));
  if (url != pin.central_url) HOSO_RETURN_IF_ERROR(SetNodeSetting(store.db(), "central_url", url));
  return transport;
}

int CmdEnroll(const cli::Args& a) {
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto token = a.Require("token");
  if (!token.ok()) return cli::Fail(kProgram, token.status());
  if (auto file = a.Get("request-file")) {
    Status s = WriteEnrolRequestFile(**store, *token, *file, SystemClock());
    if (!s.ok()) return cli::Fail(kProgram, s);
    std::cout << "wrote the enrolment request " << *file << "\n"
              << "at the central: hoso-central import --data DIR " << *file << "\n"
              << "then here:      hoso-node import --data " << (*store)->dir() << " ANSWER-FILE\n";
    return 0;
  }
  auto url = a.Require("central");
  if (!url.ok()) return cli::Fail(kProgram, url.status());
  Status ca_ok = CheckCaFlag(a, *url);
  if (!ca_ok.ok()) return cli::Fail(kProgram, ca_ok);
  // The operator's CA file is used as given, and kept only once enrolled.
  const std::optional<std::string> ca = a.Get("ca");
  HttpClientOptions http;
  if (ca) http.tls_ca_file = *ca;
  auto transport = ca ? HttpCentralTransport::Create(*url, http)
                      : HttpCentralTransport::ForNode(**store, *url, http);
  if (!transport.ok()) return cli::Fail(kProgram, transport.status());
  auto pin = Enrol(**store, *url, *token, **transport, SystemClock());
  if (!pin.ok()) return cli::Fail(kProgram, pin.status());
  std::cout << "enrolled with central " << pin->central_id << " (key "
            << sync::KeyIdOf(pin->central_public_key) << ") at " << *url << "\n";
  if (ca) {
    Status kept = InstallCentralCa(**store, *ca);
    if (!kept.ok()) {
      return cli::Fail(kProgram, kept.WithContext("enrolled, but the CA was not kept (run "
                                                  "hoso-node sync --once --ca FILE)"));
    }
    std::cout << "trusting the central's CA kept in " << CentralCaPath(**store) << "\n";
  }
  return 0;
}

int CmdSync(const cli::Args& a) {
  if (!a.Has("once")) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "sync runs one exchange: add --once (hoso-node serve syncs "
                                   "in the background)"));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto transport = CentralLink(a, **store);
  if (!transport.ok()) return cli::Fail(kProgram, transport.status());
  SyncClient client(store->get(), transport->get());
  auto r = client.RunOnce();
  if (!r.ok()) return cli::Fail(kProgram, r.status());
  if (a.Has("json")) {
    std::cout << ToPrettyJson(
        json::object{{"result", r->result},
                     {"first_seq", r->first_seq},
                     {"last_seq", r->last_seq},
                     {"sent_events", r->sent_events},
                     {"acked_seq", r->acked_seq},
                     {"more", r->more},
                     {"data_versions_installed", r->effects.data_versions_installed},
                     {"uploaded_chunks", r->uploads.chunks_sent},
                     {"uploaded_bytes", r->uploads.bytes_sent},
                     {"revoked", r->effects.revoked}});
  } else {
    if (r->sent_events > 0) {
      std::cout << "sent " << r->sent_events << " event(s) (seq " << r->first_seq << ".."
                << r->last_seq << ")";
    } else {
      std::cout << "nothing to send";
    }
    std::cout << "; central acked up to seq " << r->acked_seq << " (" << r->result << ")\n";
    if (r->effects.data_versions_installed > 0) {
      std::cout << "installed " << r->effects.data_versions_installed
                << " data version(s); restart the node to use them\n";
    }
    if (r->uploads.chunks_sent > 0) {
      std::cout << "uploaded " << r->uploads.chunks_sent << " attachment chunk(s), "
                << r->uploads.bytes_sent << " bytes\n";
    }
    if (r->more) std::cout << "more events or attachment chunks are waiting: run sync again\n";
  }
  if (r->effects.revoked) {
    return cli::Fail(kProgram, Status::PermissionDenied("the central revoked this node's key: " +
                                                        r->effects.revoked_reason));
  }
  return 0;
}

int CmdSyncStatus(const cli::Args& a) {
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto st = SyncStatusJson(**store);
  if (!st.ok()) return cli::Fail(kProgram, st.status());
  if (a.Has("json")) {
    std::cout << ToPrettyJson(*st);
    return 0;
  }
  auto text = [&](const char* key) {
    const json::value& v = st->at(key);
    if (v.is_null()) return std::string("-");
    if (v.is_string()) return std::string(v.as_string());
    return ToJson(v);
  };
  std::cout << "enrolled:       " << text("enrolled") << "\n"
            << "central:        " << text("central_id") << " " << text("central_url") << "\n"
            << "pending events: " << text("pending_events") << " (acked up to seq "
            << text("acked_seq") << " of " << text("last_seq") << ")\n"
            << "attachments:    " << text("pending_attachment_bytes") << " bytes in "
            << text("pending_attachment_chunks") << " chunk(s) of " << text("pending_attachments")
            << " file(s) to upload\n"
            << "last sync:      " << text("last_sync_at") << "\n"
            << "last error:     " << text("last_error") << "\n"
            << "batch size:     " << text("batch_events") << " events\n"
            << "keys:           node " << text("node_key_id") << ", central "
            << text("central_key_id")
            << (st->at("key_rotation_pending").as_bool() ? " (key rotation pending)" : "") << "\n";
  const json::object& waybills = st->at("waybills").as_object();
  std::cout << "waybills:       " << ToJson(waybills.at("remaining")) << " unused in "
            << ToJson(waybills.at("blocks")) << " block(s)";
  if (waybills.at("next").is_string()) {
    std::cout << ", next " << std::string(waybills.at("next").as_string());
  }
  std::cout << "\n";
  const int64_t dict_id = st->at("dict_id").as_int64();
  std::cout << "dictionary:     " << (dict_id > 0 ? std::to_string(dict_id) : "none") << "\n";
  if (!st->at("revoked_reason").is_null()) {
    std::cout << "REVOKED:        " << text("revoked_reason") << " (sync is stopped)\n";
  }
  return 0;
}

int CmdExport(const cli::Args& a) {
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto to = a.Require("to");
  if (!to.ok()) return cli::Fail(kProgram, to.status());
  auto files = ExportBatches(**store, *to);
  if (!files.ok()) return cli::Fail(kProgram, files.status());
  for (const auto& f : *files) {
    std::cout << f.path << "  (seq " << f.first_seq << ".." << f.last_seq << ")\n";
  }
  std::cout << files->size() << " sealed batch file(s) written"
            << (files->empty() ? ": nothing is pending" : "") << "\n";
  auto chunks = ExportChunks(**store, *to);
  if (!chunks.ok()) return cli::Fail(kProgram, chunks.status());
  if (!chunks->empty()) {
    int64_t bytes = 0;
    for (const auto& c : *chunks) bytes += c.size_bytes;
    std::cout << chunks->size() << " sealed attachment chunk file(s) written (" << bytes
              << " bytes of scans)\n";
  }
  return 0;
}

int CmdImport(const cli::Args& a) {
  if (a.positional().empty()) {
    return cli::Fail(kProgram,
                     Status::InvalidArgument("usage: hoso-node import --data DIR FILE..."));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  int rc = 0;
  for (const std::string& path : a.positional()) {
    auto bytes = PosixFileSystem()->ReadFile(path);
    Result<ImportReport> r = bytes.ok() ? ImportFile(**store, *bytes) : bytes.status();
    if (!r.ok()) {
      rc = cli::Fail(kProgram, r.status().WithContext(path));
      continue;
    }
    if (r->kind == sync::FileKind::kEnrolAnswer) {
      std::cout << path << ": enrolled with central " << r->central_id << "\n";
      continue;
    }
    std::cout << path << ": down-sync from " << r->central_id << ", acked up to seq "
              << r->acked_seq << " (" << r->result << ")";
    if (r->effects.data_versions_installed > 0) {
      std::cout << ", " << r->effects.data_versions_installed << " data version(s) installed";
    }
    std::cout << "\n";
    if (r->effects.revoked) {
      rc = cli::Fail(kProgram, Status::PermissionDenied("the central revoked this node's key: " +
                                                        r->effects.revoked_reason));
    }
  }
  return rc;
}

int CmdRotateKey(const cli::Args& a) {
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto transport = CentralLink(a, **store);
  if (!transport.ok()) return cli::Fail(kProgram, transport.status());
  auto key_id = RotateKey(**store, **transport);
  if (!key_id.ok()) {
    if (!KeyRotationPending(**store)) return cli::Fail(kProgram, key_id.status());
    return cli::Fail(
        kProgram, key_id.status().WithContext("key rotation pending (keys/node.key.old kept); run "
                                              "rotate-key again"));
  }
  std::cout << "new node key " << *key_id << " is active at the central\n";
  return 0;
}

}  // namespace
}  // namespace hoso::node

int main(int argc, char** argv) {
  using namespace hoso::node;
#ifdef __GLIBC__
  // One malloc arena for the whole process (M_ARENA_TEST too, or glibc
  // still counts arenas against its own threshold first): a node's few
  // threads rarely allocate at once, and with an arena per thread each of
  // them (the sync thread, the threads that post batches) keeps a batch's
  // worth of free pages.
  mallopt(M_ARENA_TEST, 1);
  mallopt(M_ARENA_MAX, 1);
#endif
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "courier") return RunCourierCommand(args);  // its own flags and --help
  if (cmd == "collections") return RunCollectionsCommand(args);
  // "intake --json FILE" uses --json for its input, every other command as
  // the output switch.
  std::set<std::string> value_flags = kValueFlags;
  std::set<std::string> switches = kSwitches;
  if (cmd == "intake" || cmd == "refuse" || cmd == "guidance-slip") {
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
  if (cmd == "guidance-slip") return CmdGuidanceSlip(*parsed);
  if (cmd == "reveal-id") return CmdRevealId(*parsed);
  if (cmd == "id-views") return CmdIdViews(*parsed);
  if (cmd == "attach") return CmdAttach(*parsed);
  if (cmd == "attachments") return CmdAttachments(*parsed);
  if (cmd == "result-arrived") return CmdResultArrived(*parsed);
  if (cmd == "hand-back") return CmdHandBack(*parsed);
  if (cmd == "ticket") return CmdTicket(*parsed);
  if (cmd == "enroll") return CmdEnroll(*parsed);
  if (cmd == "sync") return CmdSync(*parsed);
  if (cmd == "sync-status") return CmdSyncStatus(*parsed);
  if (cmd == "export") return CmdExport(*parsed);
  if (cmd == "import") return CmdImport(*parsed);
  if (cmd == "rotate-key") return CmdRotateKey(*parsed);
  std::cerr << kProgram << ": unknown command '" << cmd << "' (see hoso-node --help)\n";
  return 2;
}
