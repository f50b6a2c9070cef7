#include "node/collections_cli.h"

#include <iostream>
#include <map>
#include <optional>

#include "node/collections.h"
#include "node/node_store.h"
#include "schema/dossier_state.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/time.h"
#include "tools/cli.h"

namespace hoso::node {
namespace {

constexpr char kProgram[] = "hoso-node collections";

const std::map<std::string, const char*>& Subs() {
  static const std::map<std::string, const char*> kSubs = {
      {"list",
       "collections list --data DIR [--status N] [--json]\n"
       "  online dossiers whose result is collected at this desk, newest first\n"},
      {"show", "collections show --data DIR CODE [--json]\n  one of them\n"},
      {"return",
       "collections return --data DIR CODE --recipient-name NAME --id-last4 NNNN\n"
       "       --clerk NAME [--on-behalf] [--json]\n"
       "  hand the result over (status 9 -> 10; a result_returned event)\n"},
  };
  return kSubs;
}

void PrintUsage(std::ostream& out) {
  out << "usage: hoso-node collections <command> --data DIR ...\n\n";
  for (const auto& [name, usage] : Subs()) out << "  " << usage;
  out << "\nEvery command takes --help and --json. Errors print one line and exit non-zero.\n";
}

std::string When(const std::optional<UnixMs>& t) { return t ? FormatLocalIso(*t) : "-"; }

void PrintCollection(const Collection& c, std::ostream& out) {
  out << c.code << "  status " << c.status << " ("
      << DossierStatusNameEn(static_cast<DossierStatus>(c.status)) << ")\n"
      << "  applicant:   " << c.applicant_name << "\n"
      << "  procedure:   " << c.procedure_id
      << (c.procedure_name_vi.empty() ? "" : " " + c.procedure_name_vi) << "\n"
      << "  appointment: " << When(c.appointment_ms) << "\n";
  if (!c.result_outcome.empty()) out << "  result:      " << c.result_outcome << "\n";
  if (c.returned_at_ms) {
    out << "  returned:    " << When(c.returned_at_ms) << " to " << c.returned_recipient_name
        << " (ID ..." << c.returned_recipient_id_suffix
        << (c.returned_on_behalf ? ", on behalf" : "") << ") by " << c.returned_clerk << "\n";
  }
}

int Print(const Result<Collection>& c, bool json_output) {
  if (!c.ok()) return cli::Fail(kProgram, c.status());
  if (json_output) {
    std::cout << ToPrettyJson(Collections::ToJson(*c));
  } else {
    PrintCollection(*c, std::cout);
  }
  return 0;
}

}  // namespace

int RunCollectionsCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    PrintUsage(std::cout);
    return argv.empty() ? 2 : 0;
  }
  auto it = Subs().find(argv[0]);
  if (it == Subs().end()) {
    std::cerr << kProgram << ": unknown command '" << argv[0] << "' (see --help)\n";
    return 2;
  }
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  auto args = cli::Args::Parse(rest, {"data", "status", "recipient-name", "id-last4", "clerk"},
                               {"json", "on-behalf"});
  if (!args.ok()) return cli::Fail(kProgram, args.status());
  if (args->Has("help")) {
    std::cout << "usage: hoso-node " << it->second;
    return 0;
  }
  auto dir = args->Require("data");
  if (!dir.ok()) return cli::Fail(kProgram, dir.status());
  auto store = NodeStore::Open(*dir);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  Collections collections(store->get(), SystemClock());
  const bool json_output = args->Has("json");

  if (argv[0] == "list") {
    std::optional<int> status;
    if (auto s = args->Get("status")) {
      if (s->empty() || s->size() > 2 || s->find_first_not_of("0123456789") != std::string::npos) {
        return cli::Fail(kProgram, Status::InvalidArgument("--status must be 1..10", "status"));
      }
      status = std::stoi(*s);
    }
    auto list = collections.List(status);
    if (!list.ok()) return cli::Fail(kProgram, list.status());
    if (json_output) {
      json::array a;
      for (const Collection& c : *list) a.push_back(Collections::ToJson(c));
      std::cout << ToPrettyJson(json::object{{"count", a.size()}, {"collections", std::move(a)}});
    } else {
      for (const Collection& c : *list) PrintCollection(c, std::cout);
      std::cout << list->size() << " collection(s)\n";
    }
    return 0;
  }
  if (args->positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("give one CODE", "code"));
  }
  const std::string& code = args->positional()[0];
  if (argv[0] == "show") return Print(collections.Get(code), json_output);

  CollectionReturn r;
  for (auto [flag, field] :
       {std::pair{"recipient-name", &r.recipient_name},
        std::pair{"id-last4", &r.recipient_id_last4}, std::pair{"clerk", &r.clerk}}) {
    auto v = args->Require(flag);
    if (!v.ok()) return cli::Fail(kProgram, v.status());
    *field = *v;
  }
  r.on_behalf = args->Has("on-behalf");
  return Print(collections.Return(code, r), json_output);
}

}  // namespace hoso::node
