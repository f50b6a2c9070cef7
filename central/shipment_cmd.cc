#include "central/shipment_cmd.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "central/audit.h"
#include "central/central_store.h"
#include "central/shipments.h"
#include "schema/json_util.h"

namespace hoso::central {
namespace {

constexpr char kProgram[] = "hoso-central";

Result<std::unique_ptr<CentralStore>> OpenStore(const cli::Args& a) {
  HOSO_ASSIGN_OR_RETURN(std::string dir, a.Require("data"));
  return CentralStore::Open(dir);
}

int Refused(const Refusal& r) {
  std::cerr << kProgram << ": " << r.code << ": " << r.message << "\n";
  return 1;
}

void PrintRow(const ShipmentProjection& s) {
  std::cout << s.waybill << "  " << s.dossier_code.value_or("-") << "  "
            << (s.state ? ShipmentStateName(*s.state) : "-") << "  "
            << s.courier_node_id.value_or("unassigned") << "  attempts " << s.attempts;
  if (s.conflict_count > 0) std::cout << "  conflicts " << s.conflict_count;
  std::cout << "\n";
}

int List(const cli::Args& a, Database& db) {
  ShipmentQuery q;
  if (auto state = a.Get("state")) {
    auto s = ShipmentStateFromName(*state);
    if (!s.ok()) return cli::Fail(kProgram, s.status());
    q.state = *s;
  }
  q.courier_node_id = a.Get("courier");
  q.unassigned_only = a.Has("unassigned");
  q.limit = 1'000'000;
  auto list = ListShipments(db, q);
  if (!list.ok()) return cli::Fail(kProgram, list.status());
  auto pending = ListPendingShipments(db);
  if (!pending.ok()) return cli::Fail(kProgram, pending.status());
  if (a.Has("json")) {
    json::array arr;
    for (const ShipmentProjection& s : *list) arr.push_back(s.ToJson());
    json::array wait;
    for (const PendingShipment& p : *pending) wait.push_back(p.ToJson());
    std::cout << ToPrettyJson(
        json::object{{"shipments", std::move(arr)}, {"pending", std::move(wait)}});
    return 0;
  }
  for (const ShipmentProjection& s : *list) PrintRow(s);
  std::cout << list->size() << " shipment(s)\n";
  for (const PendingShipment& p : *pending) {
    std::cout << "pending: " << p.dossier_code << "  " << p.error_code << ": " << p.message << "\n";
  }
  return 0;
}

}  // namespace

const char kShipmentUsage[] =
    "usage: hoso-central shipment list --data DIR [--state S] [--courier ID] [--unassigned]\n"
    "                                  [--json]\n"
    "       hoso-central shipment show --data DIR WAYBILL [--json]\n"
    "       hoso-central shipment assign --data DIR WAYBILL --courier ID [--note TEXT]\n"
    "       hoso-central shipment create-pending --data DIR\n"
    "`list` shows the shipments of results returned by post (state, courier, attempts,\n"
    "conflicts) and the results whose shipment waits for waybills. `assign` gives a shipment\n"
    "to a courier node (again to another: a reassignment, only before the pick-up).\n"
    "`create-pending` creates the waiting shipments once the waybill pool is refilled.\n";

int CmdShipment(const cli::Args& a) {
  const std::vector<std::string>& pos = a.positional();
  const std::string sub = pos.empty() ? "" : pos[0];
  const bool ok = ((sub == "list" || sub == "create-pending") && pos.size() == 1) ||
                  ((sub == "show" || sub == "assign") && pos.size() == 2);
  if (!ok) {
    return cli::Fail(kProgram, Status::InvalidArgument(
                                   "usage: hoso-central shipment list|show|assign|create-pending "
                                   "--data DIR ..."));
  }
  auto store = OpenStore(a);
  if (!store.ok()) return cli::Fail(kProgram, store.status());
  auto db = (*store)->Db();
  if (!db.ok()) return cli::Fail(kProgram, db.status());
  const UnixMs now = SystemClock()->NowMs();
  if (sub == "list") return List(a, **db);
  if (sub == "show") {
    auto s = LoadShipment(**db, pos[1]);
    if (!s.ok()) return cli::Fail(kProgram, s.status());
    if (!*s) return cli::Fail(kProgram, Status::NotFound("no shipment with waybill " + pos[1]));
    auto events = ShipmentEvents(**db, pos[1]);
    if (!events.ok()) return cli::Fail(kProgram, events.status());
    if (a.Has("json")) {
      json::object o = (*s)->ToJson();
      json::array timeline;
      for (const ShipmentEvent& e : *events) {
        timeline.push_back(json::object{{"event_id", e.event_id},
                                        {"type", EventTypeName(e.type)},
                                        {"node_id", e.node_id},
                                        {"at", FormatLocalIso(e.device_time_ms)}});
      }
      o["timeline"] = std::move(timeline);
      std::cout << ToPrettyJson(o);
      return 0;
    }
    PrintRow(**s);
    for (const ShipmentEvent& e : *events) {
      std::cout << "  " << FormatLocalIso(e.device_time_ms) << "  " << EventTypeName(e.type) << "  "
                << e.node_id << "\n";
    }
    for (const ShipmentConflict& c : (*s)->conflicts) {
      std::cout << "  conflict: " << c.type << " (" << c.node_id << " #" << c.seq
                << "): " << c.reason << "\n";
    }
    return 0;
  }
  if (sub == "assign") {
    auto courier = a.Require("courier");
    if (!courier.ok()) return cli::Fail(kProgram, courier.status());
    Outcome<ShipmentProjection> done = AssignShipment(**db, (*store)->central_id(), Actor::Cli(),
                                                      pos[1], *courier, a.Get("note"), now);
    if (!done.ok()) return Refused(done.refusal());
    std::cout << "assigned " << done->waybill << " to " << *courier << "\n";
    return 0;
  }
  auto run = CreatePendingShipments(**db, (*store)->central_id(), Actor::Cli(), now);
  if (!run.ok()) return cli::Fail(kProgram, run.status());
  for (const ShipmentProjection& s : run->created) {
    std::cout << "created " << s.waybill << " for " << s.dossier_code.value_or("") << "\n";
  }
  for (const PendingShipment& p : run->still_pending) {
    std::cout << "pending: " << p.dossier_code << "  " << p.error_code << ": " << p.message << "\n";
  }
  return run->created.empty() && !run->still_pending.empty() ? 1 : 0;
}

}  // namespace hoso::central
