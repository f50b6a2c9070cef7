// Waybill numbers on a node: the blocks of UPU S10 serials the central
// allocated to this node (table waybill_blocks, stored by ApplyDownSync in
// node/sync_client.h) and the counter that hands them out, so that a node can
// number postal shipments offline without ever issuing a number twice.
//
// Numbers are taken from the block the central allocated first (lowest
// block id) that still has serials, in ascending order. The central counts a
// serial as used once an event carrying its waybill reaches it, and sends
// further blocks before the node runs out (central/waybills.h).
//
// Thread-safety: functions over a Database, which belongs to one thread at a
// time (schema/sqlite.h).
#ifndef HOSO_NODE_WAYBILLS_H_
#define HOSO_NODE_WAYBILLS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"

namespace hoso::node {

struct IssuedWaybill {
  std::string waybill;   // "EB000010005VN"
  std::string block_id;  // as the shipment_created payload names it
  int64_t serial = 0;
};

// Takes the next unused waybill number. kResourceExhausted when no block has
// a serial left (sync with the central, which sends a new block).
// REQUIRES: a write transaction is open on `db`, the same one that records
// the shipment using the number, so that a rollback gives the number back.
Result<IssuedWaybill> NextWaybill(Database& db);

struct WaybillStock {
  int64_t blocks = 0;               // blocks with serials left
  int64_t remaining = 0;            // unused serials over all blocks
  std::optional<std::string> next;  // the number NextWaybill would issue

  // {"blocks", "remaining", "next"} (next null when none is left).
  json::object ToJson() const;
};

Result<WaybillStock> ReadWaybillStock(Database& db);

}  // namespace hoso::node

#endif  // HOSO_NODE_WAYBILLS_H_
