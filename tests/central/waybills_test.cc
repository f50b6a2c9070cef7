#include "central/waybills.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "schema/events.h"
#include "schema/ids.h"
#include "sync/batch.h"
#include "tests/central/central_test_util.h"

namespace hoso::central {
namespace {

using testing::CentralFixture;
using testing::TestNode;

std::string Waybill(const std::string& prefix, int64_t serial) {
  return *FormatWaybill(WaybillBlock{"b", prefix, serial, serial}, serial);
}

// One shipment_created event per serial, numbered from `block_id`.
std::vector<Event> Shipments(const std::string& node_id, const std::string& prefix,
                             int64_t block_id, const std::vector<int64_t>& serials) {
  std::vector<Event> out;
  int number = 0;
  for (int64_t serial : serials) {
    json::object p{{"block_id", std::to_string(block_id)},
                   {"recipient_name", "Trần Thị Bích"},
                   {"address", "12 Lê Lợi, Phường Sài Gòn"},
                   {"postal_fee_vnd", 30000}};
    Event e = NewEvent(EventType::kShipmentCreated, node_id, testing::kT0, p);
    e.dossier_code = *FormatDossierCode("000.00.17.H29", Date{2026, 3, 12}, ++number);
    e.waybill = Waybill(prefix, serial);
    out.push_back(std::move(e));
  }
  return out;
}

struct Block {
  int64_t block_id = 0;
  std::string prefix;
  int64_t first = 0;
  int64_t last = 0;
  bool operator==(const Block&) const = default;
};

class WaybillsTest : public CentralFixture {
 protected:
  void SetUp() override {
    CentralFixture::SetUp();
    waybills_ = std::make_unique<WaybillAdmin>(store_.get(), &clock_);
  }

  void Configure(int64_t block_size, int64_t low_water,
                 std::vector<std::string> roles = {"courier", "desk"}) {
    Status s = waybills_->Configure(WaybillSettings{block_size, low_water, std::move(roles)});
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddRange(const std::string& prefix, int64_t first, int64_t last) {
    auto r = waybills_->AddRange(prefix, first, last);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  TestNode Courier(const std::string& node_id, const std::string& unit_code) {
    return Enrol(node_id, unit_code, 0, "courier");
  }
  // A poll from the node's current position.
  IngestReport Poll(const TestNode& n, Channel channel = Channel::kHttp) {
    const int64_t next = HighWater(n.node_id) + 1;
    return Apply(Batch(n, next, next - 1), channel);
  }
  // The waybill blocks of a down-sync answered to `n`.
  std::vector<Block> BlocksIn(const IngestReport& r, const TestNode& n) {
    EXPECT_FALSE(r.refusal.has_value()) << r.refusal->ToString();
    std::vector<Block> out;
    for (const json::object& item : OpenDownSync(r.downsync, n).items) {
      if (item.at("kind").as_string() != "waybill_block") continue;
      out.push_back(Block{item.at("block_id").as_int64(),
                          std::string(item.at("prefix").as_string()), item.at("first").as_int64(),
                          item.at("last").as_int64()});
    }
    return out;
  }
  // Records shipments numbered with `serials` in the node's log and sends them.
  IngestReport Use(TestNode& n, const Block& b, const std::vector<int64_t>& serials) {
    const int64_t from = static_cast<int64_t>(n.log.size()) + 1;
    testing::Extend(n.log, Shipments(n.node_id, b.prefix, b.block_id, serials));
    return Apply(Batch(n, from, static_cast<int64_t>(n.log.size())));
  }
  int64_t Unused(const std::string& node_id) {
    return Int("SELECT unused_serials FROM node_waybill_stock WHERE node_id = '" + node_id + "'");
  }

  std::unique_ptr<WaybillAdmin> waybills_;
};

TEST_F(WaybillsTest, AddRangeRefusesBadPrefixesRangesAndOverlaps) {
  auto r = waybills_->AddRange("EB", 1000, 1999);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->next, 1000);
  EXPECT_EQ(r->free_serials(), 1000);
  for (const auto& [prefix, first, last] : std::vector<std::tuple<std::string, int64_t, int64_t>>{
           {"eb", 0, 9}, {"E1", 0, 9}, {"EBX", 0, 9}, {"RR", 9, 0}, {"RR", 0, 100'000'000}}) {
    EXPECT_TRUE(waybills_->AddRange(prefix, first, last).status().IsInvalidArgument())
        << prefix << " " << first << ".." << last;
  }
  auto overlap = waybills_->AddRange("EB", 1500, 2500);
  EXPECT_TRUE(overlap.status().IsConflict());
  EXPECT_NE(overlap.status().message().find("EB 1000..1999"), std::string::npos);
  EXPECT_TRUE(waybills_->AddRange("EB", 0, 1000).status().IsConflict());
  EXPECT_TRUE(waybills_->AddRange("RR", 1000, 1999).ok());  // another prefix
  EXPECT_TRUE(waybills_->AddRange("EB", 2000, 2999).ok());
  EXPECT_EQ(waybills_->List()->free_serials, 3000);
}

TEST_F(WaybillsTest, ACourierGetsABlockInItsDownSync) {
  Configure(100, 20);
  AddRange("EB", 1000, 9999);
  TestNode c = Courier("courier-01", "000.00.17.H29");
  std::vector<Block> blocks = BlocksIn(Poll(c), c);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].prefix, "EB");
  EXPECT_EQ(blocks[0].first, 1000);
  EXPECT_EQ(blocks[0].last, 1099);
  EXPECT_EQ(Int("SELECT block_id FROM waybill_blocks WHERE node_id = 'courier-01'"),
            blocks[0].block_id);
  EXPECT_EQ(Int("SELECT next FROM waybill_ranges"), 1100);
  EXPECT_EQ(Unused("courier-01"), 100);
  auto nodes = admin_->ListNodes();
  EXPECT_EQ(nodes->at(0).waybill_serials_unused, 100);
}

TEST_F(WaybillsTest, ALostAnswerResendsTheSameBlockAndAllocatesNoOther) {
  Configure(100, 20);
  AddRange("EB", 1000, 9999);
  TestNode c = Enrol("courier-01", "000.00.17.H29", 4, "courier");
  const std::string batch = Batch(c, 1, 2);
  std::vector<Block> first = BlocksIn(Apply(batch), c);
  ASSERT_EQ(first.size(), 1u);
  IngestReport again = Apply(batch);  // the first answer never arrived
  EXPECT_EQ(again.result, "duplicate");
  EXPECT_EQ(BlocksIn(again, c), first);
  EXPECT_EQ(BlocksIn(Apply(Batch(c, 1, 4)), c), first);  // an overlapping resend too
  EXPECT_EQ(Int("SELECT COUNT(*) FROM waybill_blocks"), 1);
  EXPECT_EQ(Int("SELECT next FROM waybill_ranges"), 1100);
}

TEST_F(WaybillsTest, AnUnconfirmedBlockGoesWithEveryAnswerUntilOneOfItsWaybillsArrives) {
  Configure(100, 20);
  AddRange("EB", 1000, 9999);
  TestNode c = Courier("courier-01", "000.00.17.H29");
  const std::vector<Block> a = BlocksIn(Poll(c), c);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(BlocksIn(Poll(c), c), a);  // a lost poll answer cannot be told from a received one
  EXPECT_EQ(BlocksIn(Poll(c, Channel::kFile), c), a);
  IngestReport used = Use(c, a[0], {1000});
  EXPECT_EQ(used.result, "applied");
  EXPECT_TRUE(BlocksIn(used, c).empty());
  EXPECT_TRUE(BlocksIn(Poll(c), c).empty());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM waybill_blocks WHERE confirmed_at_ms IS NOT NULL"), 1);
  EXPECT_EQ(Unused("courier-01"), 99);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM waybill_blocks"), 1);
}

TEST_F(WaybillsTest, FallingBelowTheLowWaterMarkBringsANewBlock) {
  Configure(10, 4);
  AddRange("EB", 0, 99);
  TestNode c = Courier("courier-01", "000.00.17.H29");
  const std::vector<Block> a = BlocksIn(Poll(c), c);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_TRUE(BlocksIn(Use(c, a[0], {0, 1, 2, 3, 4, 5}), c).empty());
  EXPECT_EQ(Unused("courier-01"), 4);  // not below 4 yet
  std::vector<Block> b = BlocksIn(Use(c, a[0], {6}), c);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].first, 10);
  EXPECT_EQ(b[0].last, 19);
  EXPECT_NE(b[0].block_id, a[0].block_id);
  EXPECT_EQ(Unused("courier-01"), 13);
  // The block not yet used keeps coming; the one in use does not.
  EXPECT_EQ(BlocksIn(Poll(c), c), b);
}

TEST_F(WaybillsTest, WaybillsSeenInAnyNodesEventsCountAsUsedAndAFullBlockIsUsedUp) {
  Configure(3, 2);
  AddRange("EB", 0, 99);
  TestNode desk = Enrol("desk-01", "000.00.17.H29", 0);
  TestNode courier = Courier("courier-01", "000.00.18.H29");
  const std::vector<Block> a = BlocksIn(Poll(desk), desk);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].last - a[0].first, 2);
  Use(desk, a[0], {a[0].first});
  // The courier picks up the desk's next two items: the desk evidently
  // numbered them, even if its own events are still on the way.
  for (int64_t serial : {a[0].first + 1, a[0].first + 2}) {
    Event e = NewEvent(EventType::kShipmentPickedUp, courier.node_id, testing::kT0, json::object{});
    e.waybill = Waybill("EB", serial);
    testing::Extend(courier.log, {e});
  }
  ASSERT_EQ(Apply(Batch(courier, 1, 2)).result, "applied");
  EXPECT_EQ(BlocksIn(Poll(desk), desk).size(), 1u);  // a new one
  EXPECT_EQ(Int("SELECT COUNT(*) FROM waybill_blocks WHERE used_up_at_ms IS NOT NULL"), 1);
  EXPECT_EQ(Unused("desk-01"), 3);
}

TEST_F(WaybillsTest, BlocksNeverOverlapAcrossNodesAndPrefixes) {
  Configure(7, 1000);  // every node wants more than the pool holds
  AddRange("EB", 0, 49);
  AddRange("RR", 0, 29);
  AddRange("EB", 100, 120);
  std::vector<TestNode> nodes;
  for (int i = 0; i < 4; ++i) {
    nodes.push_back(
        Courier("courier-0" + std::to_string(i), "000.00.1" + std::to_string(i) + ".H29"));
  }
  std::map<int64_t, std::string> owner;
  for (int round = 0; round < 4; ++round) {
    for (const TestNode& n : nodes) {
      for (const Block& b : BlocksIn(Poll(n), n)) {
        auto [it, fresh] = owner.emplace(b.block_id, n.node_id);
        EXPECT_EQ(it->second, n.node_id) << "block " << b.block_id << " sent to two nodes";
      }
    }
  }
  auto pool = waybills_->List();
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(pool->free_serials, 0);
  ASSERT_EQ(pool->blocks.size(), owner.size());
  int64_t serials = 0;
  for (const WaybillBlockInfo& b : pool->blocks) {
    EXPECT_EQ(owner[b.block_id], b.node_id) << "block " << b.block_id << " went to another node";
    serials += b.last - b.first + 1;
    for (const WaybillBlockInfo& other : pool->blocks) {
      if (other.block_id == b.block_id || other.prefix != b.prefix) continue;
      EXPECT_TRUE(b.last < other.first || other.last < b.first)
          << b.prefix << " " << b.first << ".." << b.last << " overlaps " << other.first << ".."
          << other.last;
    }
    const bool in_a_range = std::any_of(pool->ranges.begin(), pool->ranges.end(), [&](auto& r) {
      return r.prefix == b.prefix && r.first <= b.first && b.last <= r.last;
    });
    EXPECT_TRUE(in_a_range) << b.prefix << " " << b.first << ".." << b.last;
  }
  EXPECT_EQ(serials, 50 + 30 + 21);
  // And the database refuses an overlap whoever writes it.
  auto db = store_->Db();
  EXPECT_FALSE((*db)
                   ->Exec("INSERT INTO waybill_blocks (node_id, prefix, first, last, "
                          "allocated_at_ms) VALUES ('courier-00', 'EB', 5, 5, 0)")
                   .ok());
}

TEST_F(WaybillsTest, ARangeEndGivesTheRemainderAndTheNextRangeFollows) {
  Configure(10, 12);
  AddRange("EB", 0, 14);
  AddRange("EE", 50, 59);
  TestNode c = Courier("courier-01", "000.00.17.H29");
  std::vector<Block> blocks = BlocksIn(Poll(c), c);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ((Block{blocks[0].block_id, "EB", 0, 9}), blocks[0]);
  EXPECT_EQ((Block{blocks[1].block_id, "EB", 10, 14}), blocks[1]);
  TestNode d = Courier("courier-02", "000.00.18.H29");
  blocks = BlocksIn(Poll(d), d);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].prefix, "EE");
  EXPECT_EQ(Unused("courier-02"), 10);
}

TEST_F(WaybillsTest, AnEmptyPoolDoesNotBreakSyncAndShowsAWarning) {
  Configure(10, 5);
  TestNode c = Enrol("courier-01", "000.00.17.H29", 3, "courier");
  IngestReport r = Apply(Batch(c, 1, 3));
  EXPECT_EQ(r.result, "applied");
  EXPECT_TRUE(BlocksIn(r, c).empty());
  auto db = store_->Db();
  auto warnings = WaybillWarnings(**db);
  ASSERT_TRUE(warnings.ok());
  ASSERT_EQ(warnings->size(), 1u);
  EXPECT_NE((*warnings)[0].find("node courier-01 has 0 unused"), std::string::npos)
      << (*warnings)[0];
  auto nodes = admin_->ListNodes();
  EXPECT_EQ(nodes->at(0).waybill_short_since_ms, testing::kT0);
  clock_.Advance(60'000);
  EXPECT_EQ(Poll(c).result, "poll");
  EXPECT_EQ(admin_->ListNodes()->at(0).waybill_short_since_ms, testing::kT0);  // since, not last

  AddRange("EB", 0, 99);
  EXPECT_TRUE(WaybillWarnings(**db)->empty());  // served at its next sync
  EXPECT_EQ(BlocksIn(Poll(c), c).size(), 1u);
  EXPECT_FALSE(admin_->ListNodes()->at(0).waybill_short_since_ms.has_value());
}

TEST_F(WaybillsTest, OnlyNodesOfTheConfiguredRolesGetBlocks) {
  Configure(10, 5, {"courier"});
  AddRange("EB", 0, 99);
  TestNode desk = Enrol("desk-01", "000.00.17.H29", 0);
  TestNode courier = Courier("courier-01", "000.00.18.H29");
  EXPECT_TRUE(BlocksIn(Poll(desk), desk).empty());
  EXPECT_EQ(BlocksIn(Poll(courier), courier).size(), 1u);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM node_waybill_stock WHERE node_id = 'desk-01'"), 0);
  Configure(10, 5, {"courier", "desk"});
  EXPECT_EQ(BlocksIn(Poll(desk), desk).size(), 1u);
}

TEST_F(WaybillsTest, SettingsHaveDefaultsAndAreValidated) {
  auto s = waybills_->Settings();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->block_size, kDefaultWaybillBlockSize);
  EXPECT_EQ(s->low_water, kDefaultWaybillLowWater);
  EXPECT_EQ(s->roles, (std::vector<std::string>{"courier", "desk"}));
  EXPECT_TRUE(waybills_->Configure({0, 5, {}}).IsInvalidArgument());
  EXPECT_TRUE(waybills_->Configure({5, 0, {}}).IsInvalidArgument());
  EXPECT_TRUE(waybills_->Configure({5, 5, {"clerk"}}).IsInvalidArgument());
  EXPECT_TRUE(ParseWaybillRoles("desk,clerk").status().IsInvalidArgument());
  EXPECT_EQ(*ParseWaybillRoles(" desk , courier,desk"),
            (std::vector<std::string>{"desk", "courier"}));
  EXPECT_TRUE(ParseWaybillRoles("")->empty());
  ASSERT_TRUE(waybills_->Configure({250, 50, {}}).ok());
  EXPECT_EQ(waybills_->Settings()->block_size, 250);
  EXPECT_TRUE(waybills_->Settings()->roles.empty());
}

}  // namespace
}  // namespace hoso::central
