// Waybills: the central's pool of UPU S10 waybill serials (schema/ids.h) and
// the blocks it allocates from it to the nodes that number postal shipments
// offline (DESIGN.md flow 6).
//
// The pool is a set of ranges per two-letter prefix entered by the operator
// (`hoso-central waybill add-range`); ranges of one prefix never overlap, and
// blocks are cut from the ranges in the order the ranges were added, each
// from the range's first serial not yet allocated, so no serial is ever
// allocated twice (the waybill_blocks trigger checks it again).
//
// Which nodes get blocks: those whose role is in the configured roles
// (default "courier,desk": a courier numbers the items it takes over, a desk
// prints the waybill of a result returned by post). A node of another role
// gets none.
//
// The central cannot see a node's counter; it knows what it allocated and
// which waybills the events it received carry. A serial is "used" once any
// received event (of any node) carries its waybill. With every down-sync to
// a waybill-issuing node, in the ingest transaction:
//   1. each of the node's blocks not yet used up is counted; a block with a
//      used serial is confirmed (the node evidently holds it);
//   2. while the node's unused serials are below the low-water mark, a new
//      block of block_size serials (less at the end of a range) is
//      allocated, at most kMaxBlocksPerDownSync at a time;
//   3. every unconfirmed block (new ones included) goes into the down-sync.
// So a lost answer loses no block: the next answer carries the same block
// again, and the central, which counts it as the node's, allocates no other.
// The node stores blocks idempotently (by block id). An empty pool is no
// sync error: the node is marked short (node_waybill_stock.short_since_ms),
// which `hoso-central node list`, `waybill list` and /healthz show.
//
// Thread-safety: WaybillAdmin is safe for concurrent use (each call takes its
// own connection). The free functions use the caller's connection.
#ifndef HOSO_CENTRAL_WAYBILLS_H_
#define HOSO_CENTRAL_WAYBILLS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "central/central_store.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"

namespace hoso::central {

inline constexpr int64_t kDefaultWaybillBlockSize = 1000;
inline constexpr int64_t kDefaultWaybillLowWater = 200;
inline constexpr char kDefaultWaybillRoles[] = "courier,desk";
inline constexpr int kMaxBlocksPerDownSync = 4;

// central_settings keys.
inline constexpr char kSettingWaybillBlockSize[] = "waybill_block_size";
inline constexpr char kSettingWaybillLowWater[] = "waybill_low_water";
inline constexpr char kSettingWaybillRoles[] = "waybill_roles";

struct WaybillSettings {
  int64_t block_size = kDefaultWaybillBlockSize;         // 1..100,000,000
  int64_t low_water = kDefaultWaybillLowWater;           // 1..100,000,000
  std::vector<std::string> roles = {"courier", "desk"};  // subset of desk, courier

  bool IssuesWaybills(const std::string& role) const;
  json::object ToJson() const;
};

struct WaybillRangeInfo {
  int64_t range_id = 0;
  std::string prefix;
  int64_t first = 0;
  int64_t last = 0;
  int64_t next = 0;  // first serial not yet allocated
  UnixMs added_at_ms = 0;

  int64_t free_serials() const { return last - next + 1; }
  json::object ToJson() const;
};

struct WaybillBlockInfo {
  int64_t block_id = 0;
  std::string node_id;
  std::string prefix;
  int64_t first = 0;
  int64_t last = 0;
  UnixMs allocated_at_ms = 0;
  std::optional<UnixMs> confirmed_at_ms;
  std::optional<UnixMs> used_up_at_ms;

  json::object ToJson() const;
};

struct NodeWaybillStock {
  std::string node_id;
  int64_t unused_serials = 0;
  UnixMs checked_at_ms = 0;
  std::optional<UnixMs> short_since_ms;  // below low water with an empty pool

  json::object ToJson() const;
};

struct WaybillPool {
  WaybillSettings settings;
  std::vector<WaybillRangeInfo> ranges;
  std::vector<WaybillBlockInfo> blocks;
  std::vector<NodeWaybillStock> stock;
  int64_t free_serials = 0;  // over all ranges

  json::object ToJson() const;
};

class WaybillAdmin {
 public:
  // REQUIRES: store and clock outlive the WaybillAdmin.
  explicit WaybillAdmin(CentralStore* store, Clock* clock = SystemClock());

  // Adds serials first..last of `prefix` to the pool. kInvalidArgument
  // (field named) unless prefix is two upper-case letters and
  // 0 <= first <= last <= 99,999,999; kConflict when the range overlaps a
  // range or an allocated block of that prefix.
  Result<WaybillRangeInfo> AddRange(const std::string& prefix, int64_t first, int64_t last);

  // Ranges, blocks, per-node stock and settings.
  Result<WaybillPool> List();

  Result<WaybillSettings> Settings();
  // kInvalidArgument for sizes out of range or an unknown role.
  Status Configure(const WaybillSettings& settings);

 private:
  CentralStore* store_;
  Clock* clock_;
};

// Roles as typed ("courier,desk", spaces allowed, "" for none) -> settings
// roles. kInvalidArgument naming field "roles" for an unknown role.
Result<std::vector<std::string>> ParseWaybillRoles(const std::string& text);

Result<WaybillSettings> ReadWaybillSettings(Database& db);

// Steps 1-3 above for one down-sync to `node_id`: the waybill_block items
// {"kind":"waybill_block","block_id":N,"prefix":"EB","first":N,"last":N}.
// REQUIRES: a write transaction is open on `db`.
Result<std::vector<json::object>> TakeWaybillBlockItems(Database& db, const std::string& node_id,
                                                        UnixMs now);

// One line per node that is short of serials with an empty pool, for
// `node list` and /healthz: "waybill pool empty: node X has N unused
// waybill serials (low water M); add a range with hoso-central waybill
// add-range".
Result<std::vector<std::string>> WaybillWarnings(Database& db);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_WAYBILLS_H_
