#include "node/courier_cli.h"

#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "node/courier.h"
#include "node/node_store.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/time.h"
#include "tools/cli.h"

namespace hoso::node {
namespace {

constexpr char kProgram[] = "hoso-node courier";

struct Sub {
  const char* usage;
  std::optional<ShipmentAction> action;
};

const std::map<std::string, Sub>& Subs() {
  static const std::map<std::string, Sub> kSubs = {
      {"list",
       {"courier list --data DIR [--all] [--json]\n"
        "  today's shipments (not yet ended, or ended today); --all lists every one\n",
        std::nullopt}},
      {"show", {"courier show --data DIR WAYBILL [--json]\n  one shipment\n", std::nullopt}},
      {"pickup",
       {"courier pickup --data DIR WAYBILL [--actor NAME] [--note TEXT] [--json]\n"
        "  picked up from the agency\n",
        ShipmentAction::kPickUp}},
      {"out",
       {"courier out --data DIR WAYBILL [--actor NAME] [--json]\n  out for delivery\n",
        ShipmentAction::kGoOutForDelivery}},
      {"deliver",
       {"courier deliver --data DIR WAYBILL --recipient-name NAME --id-suffix NNNN\n"
        "       --proof FILE [--relation TEXT] [--fee-collected VND] [--actor NAME] [--json]\n"
        "  delivered; FILE is the signature or photo (JPEG or PNG, at most 5 MiB)\n",
        ShipmentAction::kDeliver}},
      {"fail",
       {"courier fail --data DIR WAYBILL --reason not_home|wrong_address|refused|\n"
        "       unreachable_phone|other [--note TEXT] [--actor NAME] [--json]\n"
        "  a failed delivery attempt (reason other needs --note)\n",
        ShipmentAction::kFailAttempt}},
      {"hold",
       {"courier hold --data DIR WAYBILL --post-office NAME [--note TEXT] [--actor NAME] "
        "[--json]\n  held at the post office\n",
        ShipmentAction::kHoldAtPostOffice}},
      {"return",
       {"courier return --data DIR WAYBILL --reason TEXT [--actor NAME] [--json]\n"
        "  returned to the agency\n",
        ShipmentAction::kReturnToAgency}},
  };
  return kSubs;
}

void PrintUsage(std::ostream& out) {
  out << "usage: hoso-node courier <command> --data DIR ...\n\n";
  for (const auto& [name, sub] : Subs()) out << "  " << sub.usage;
  out << "\nEvery command takes --help and --json. Errors print one line and exit non-zero.\n";
}

void PrintShipment(const CourierShipment& s, std::ostream& out) {
  out << s.waybill << "  " << ShipmentStateName(s.state) << "  " << s.dossier_code << "\n"
      << "  recipient: " << s.recipient_name.value_or("(purged)") << "\n"
      << "  phone:     " << s.phone.value_or("-") << "\n"
      << "  address:   " << s.address.value_or("-") << "\n"
      << "  fee:       " << s.postal_fee_vnd << " VND\n"
      << "  procedure: " << s.procedure_name << "\n"
      << "  assigned:  " << FormatLocalIso(s.assigned_at) << "\n"
      << "  synced:    " << (s.synced ? "yes" : "no") << "\n";
}

int Print(const Result<CourierShipment>& s, bool json_output) {
  if (!s.ok()) return cli::Fail(kProgram, s.status());
  if (json_output) {
    std::cout << ToPrettyJson(Courier::ToJson(*s));
  } else {
    PrintShipment(*s, std::cout);
  }
  return 0;
}

}  // namespace

int RunCourierCommand(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    PrintUsage(std::cout);
    return argv.empty() ? 2 : 0;
  }
  auto it = Subs().find(argv[0]);
  if (it == Subs().end()) {
    std::cerr << kProgram << ": unknown command '" << argv[0] << "' (see --help)\n";
    return 2;
  }
  const Sub& sub = it->second;
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  auto args = cli::Args::Parse(rest,
                               {"data", "actor", "note", "reason", "post-office", "recipient-name",
                                "relation", "id-suffix", "proof", "fee-collected"},
                               {"json", "all"});
  if (!args.ok()) return cli::Fail(kProgram, args.status());
  if (args->Has("help")) {
    std::cout << "usage: hoso-node " << sub.usage;
    return 0;
  }
  auto dir = args->Require("data");
  if (!dir.ok()) return cli::Fail(kProgram, dir.status());
  auto store = NodeStore::Open(*dir);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  if ((*store)->identity().role != "courier") {
    return cli::Fail(kProgram, Status::Conflict(
                                   "node " + (*store)->identity().node_id +
                                   " is a desk node; courier commands need --role courier"));
  }
  Courier courier(store->get(), Courier::Options{});
  const bool json_output = args->Has("json");

  if (argv[0] == "list") {
    auto list = courier.List(args->Has("all"));
    if (!list.ok()) return cli::Fail(kProgram, list.status());
    if (json_output) {
      json::array a;
      for (const CourierShipment& s : *list) a.push_back(Courier::ToJson(s));
      std::cout << ToPrettyJson(json::object{{"count", a.size()}, {"shipments", std::move(a)}});
    } else {
      for (const CourierShipment& s : *list) PrintShipment(s, std::cout);
      std::cout << list->size() << " shipment(s)\n";
    }
    return 0;
  }
  if (args->positional().size() != 1) {
    return cli::Fail(kProgram, Status::InvalidArgument("give one WAYBILL", "waybill"));
  }
  const std::string& waybill = args->positional()[0];
  if (!sub.action) return Print(courier.Get(waybill), json_output);

  CourierActionRequest r;
  r.action = *sub.action;
  r.actor = args->Get("actor");
  r.note = args->Get("note").value_or("");
  switch (r.action) {
    case ShipmentAction::kFailAttempt: {
      auto reason = args->Require("reason");
      if (!reason.ok()) return cli::Fail(kProgram, reason.status());
      auto fr = FailureReasonFromName(*reason);
      if (!fr.ok()) return cli::Fail(kProgram, fr.status());
      r.reason = *fr;
      break;
    }
    case ShipmentAction::kHoldAtPostOffice:
      r.post_office = args->Get("post-office").value_or("");
      break;
    case ShipmentAction::kReturnToAgency:
      r.return_reason = args->Get("reason").value_or("");
      break;
    case ShipmentAction::kDeliver: {
      r.recipient_name = args->Get("recipient-name").value_or("");
      r.recipient_relation = args->Get("relation").value_or("");
      r.id_suffix = args->Get("id-suffix").value_or("");
      auto proof_path = args->Require("proof");
      if (!proof_path.ok()) return cli::Fail(kProgram, proof_path.status());
      auto proof = PosixFileSystem()->ReadFile(*proof_path);
      if (!proof.ok()) return cli::Fail(kProgram, proof.status());
      r.proof = std::move(*proof);
      r.proof_file_name = *proof_path;
      if (auto fee = args->Get("fee-collected")) {
        if (fee->empty() || fee->size() > 12 ||
            fee->find_first_not_of("0123456789") != std::string::npos) {
          return cli::Fail(kProgram, Status::InvalidArgument(
                                         "--fee-collected must be a whole number of dong",
                                         "fee_collected_vnd"));
        }
        r.fee_collected_vnd = std::stoll(*fee);
      }
      break;
    }
    default:
      break;
  }
  return Print(courier.Record(waybill, r), json_output);
}

}  // namespace hoso::node
