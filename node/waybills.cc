#include "node/waybills.h"

#include "schema/ids.h"

namespace hoso::node {
namespace {

// The block NextWaybill draws from: the lowest block id with serials left.
constexpr char kCurrentBlock[] =
    "SELECT block_id, prefix, first, last, next FROM waybill_blocks "
    "WHERE next <= last ORDER BY block_id LIMIT 1";

WaybillBlock BlockOf(const Statement& q) {
  return WaybillBlock{std::to_string(q.ColumnInt(0)), q.ColumnText(1), q.ColumnInt(2),
                      q.ColumnInt(3)};
}

}  // namespace

Result<IssuedWaybill> NextWaybill(Database& db) {
  if (!db.InTransaction()) {
    return Status::Internal("NextWaybill needs the transaction of the shipment it numbers");
  }
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(kCurrentBlock));
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return Status::ResourceExhausted(
        "no waybill numbers left on this node; sync with the central to receive a new block");
  }
  const WaybillBlock block = BlockOf(q);
  HOSO_ASSIGN_OR_RETURN(int64_t serial, NextInBlock(block, q.ColumnInt(4)));
  IssuedWaybill issued;
  HOSO_ASSIGN_OR_RETURN(issued.waybill, FormatWaybill(block, serial));
  issued.block_id = block.block_id;
  issued.serial = serial;
  HOSO_ASSIGN_OR_RETURN(Statement up, db.Prepare("UPDATE waybill_blocks SET next = ?2 "
                                                 "WHERE block_id = ?1"));
  HOSO_RETURN_IF_ERROR(up.Bind(1, q.ColumnInt(0)).Bind(2, serial + 1).Run());
  return issued;
}

json::object WaybillStock::ToJson() const {
  return json::object{{"blocks", blocks},
                      {"remaining", remaining},
                      {"next", next ? json::value(*next) : json::value()}};
}

Result<WaybillStock> ReadWaybillStock(Database& db) {
  WaybillStock stock;
  HOSO_ASSIGN_OR_RETURN(Statement sum, db.Prepare("SELECT COUNT(*), COALESCE(SUM(last - next + "
                                                  "1), 0) FROM waybill_blocks "
                                                  "WHERE next <= last"));
  HOSO_ASSIGN_OR_RETURN(bool row, sum.Step());
  if (row) {
    stock.blocks = sum.ColumnInt(0);
    stock.remaining = sum.ColumnInt(1);
  }
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(kCurrentBlock));
  HOSO_ASSIGN_OR_RETURN(bool has_next, q.Step());
  if (has_next) {
    HOSO_ASSIGN_OR_RETURN(std::string next, FormatWaybill(BlockOf(q), q.ColumnInt(4)));
    stock.next = std::move(next);
  }
  return stock;
}

}  // namespace hoso::node
