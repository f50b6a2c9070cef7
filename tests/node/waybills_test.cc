#include "node/waybills.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "schema/ids.h"
#include "schema/migrations.h"

namespace hoso::node {
namespace {

class WaybillsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso-waybills-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    DatabaseOptions o;
    o.synchronous = "OFF";  // durability is not what these tests are about
    auto db = OpenNodeDatabase(tmp_ + "/node.db", o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(tmp_);
  }

  // A block as ApplyDownSync stores it.
  void Receive(int64_t block_id, const std::string& prefix, int64_t first, int64_t last) {
    ASSERT_TRUE(db_->Exec("INSERT INTO waybill_blocks (block_id, prefix, first, last, next, "
                          "received_at_ms) VALUES (" +
                          std::to_string(block_id) + ", '" + prefix + "', " +
                          std::to_string(first) + ", " + std::to_string(last) + ", " +
                          std::to_string(first) + ", 0)")
                    .ok());
  }

  // NextWaybill in a transaction of its own, committed.
  Result<IssuedWaybill> Take() {
    auto txn = Transaction::Begin(*db_);
    EXPECT_TRUE(txn.ok());
    auto w = NextWaybill(*db_);
    if (w.ok()) {
      EXPECT_TRUE(txn->Commit().ok());
    }
    return w;
  }

  std::string tmp_;
  std::unique_ptr<Database> db_;
};

TEST_F(WaybillsTest, NumbersComeInOrderFromTheOldestBlockThenTheNext) {
  Receive(8, "EE", 500, 501);
  Receive(3, "EB", 1000, 1001);
  std::vector<std::string> issued;
  for (int i = 0; i < 4; ++i) {
    auto w = Take();
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_TRUE(ValidateWaybill(w->waybill).ok()) << w->waybill;
    issued.push_back(w->waybill);
  }
  auto s10 = [](const char* prefix, int64_t serial) {
    return *FormatWaybill(WaybillBlock{"x", prefix, serial, serial}, serial);
  };
  EXPECT_EQ(issued, (std::vector<std::string>{s10("EB", 1000), s10("EB", 1001), s10("EE", 500),
                                              s10("EE", 501)}));
  EXPECT_EQ(issued[0], "EB000010008VN");
  auto w = Take();
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kResourceExhausted);
  EXPECT_NE(w.status().message().find("sync with the central"), std::string::npos);
}

TEST_F(WaybillsTest, TheBlockIdAndSerialComeWithTheNumber) {
  Receive(3, "EB", 1000, 1999);
  auto w = Take();
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->block_id, "3");
  EXPECT_EQ(w->serial, 1000);
  EXPECT_EQ(w->waybill, *FormatWaybill(WaybillBlock{"3", "EB", 1000, 1999}, 1000));
}

TEST_F(WaybillsTest, ARolledBackShipmentGivesItsNumberBack) {
  Receive(1, "EB", 0, 9);
  {
    auto txn = Transaction::Begin(*db_);
    ASSERT_TRUE(txn.ok());
    ASSERT_EQ(NextWaybill(*db_)->serial, 0);
    ASSERT_TRUE(txn->Rollback().ok());
  }
  EXPECT_EQ(Take()->serial, 0);
  EXPECT_EQ(Take()->serial, 1);
}

TEST_F(WaybillsTest, TakingANumberOutsideATransactionIsRefused) {
  Receive(1, "EB", 0, 9);
  auto w = NextWaybill(*db_);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kInternal);
  EXPECT_EQ(Take()->serial, 0);
}

TEST_F(WaybillsTest, StockCountsWhatIsLeftAndNamesTheNextNumber) {
  auto empty = ReadWaybillStock(*db_);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->remaining, 0);
  EXPECT_FALSE(empty->next.has_value());
  EXPECT_TRUE(empty->ToJson().at("next").is_null());
  Receive(1, "EB", 0, 2);
  Receive(2, "EB", 10, 19);
  ASSERT_TRUE(Take().ok());
  ASSERT_TRUE(Take().ok());
  ASSERT_TRUE(Take().ok());
  auto stock = ReadWaybillStock(*db_);
  ASSERT_TRUE(stock.ok());
  EXPECT_EQ(stock->blocks, 1);
  EXPECT_EQ(stock->remaining, 10);
  EXPECT_EQ(stock->next, *FormatWaybill(WaybillBlock{"2", "EB", 10, 19}, 10));
}

}  // namespace
}  // namespace hoso::node
