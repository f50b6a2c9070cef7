// What the central publishes in the down-sync — zstd dictionaries and
// waybill blocks — end to end: the node's SyncClient against a real
// in-process central over HTTP on 127.0.0.1 (tests/node/sync_test_env.h).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "central/dictionaries.h"
#include "central/waybills.h"
#include "node/sync_client.h"
#include "node/waybills.h"
#include "schema/ids.h"
#include "sync/batch.h"
#include "sync/compress.h"
#include "sync/http_client.h"
#include "tests/node/sync_test_env.h"
#include "tests/testing/child_process.h"

namespace hoso::node {
namespace {

using testing::kNodeId;

// Passes requests on and keeps the last batch sent, to read its header.
class RecordingTransport : public CentralTransport {
 public:
  explicit RecordingTransport(CentralTransport* base) : base_(base) {}
  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override {
    if (path == "/api/sync/batches") batches.push_back(body);
    return base_->Post(path, content_type, body);
  }
  std::vector<std::string> batches;

 private:
  CentralTransport* base_;
};

class PublishSyncTest : public testing::SyncEnv {
 protected:
  void SetUp() override {
    SyncEnv::SetUp();
    recorder_ = std::make_unique<RecordingTransport>(transport_.get());
    dicts_ = std::make_unique<central::DictionaryAdmin>(central_.get(), &clock_);
    waybills_ = std::make_unique<central::WaybillAdmin>(central_.get(), &clock_);
  }

  Result<SyncReport> Sync() {
    SyncClient client(store_.get(), recorder_.get(), {&clock_, {}});
    return client.RunOnce();
  }
  SyncReport SyncOk() {
    auto r = Sync();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SyncReport();
  }
  // Enrols, sends `n` events and trains a dictionary on them at the central.
  int64_t EnrolSyncAndTrain(int n) {
    EnrolNode();
    AddEvents(n);
    EXPECT_EQ(SyncOk().acked_seq, n);
    auto info = dicts_->Train({1000, 2048});
    EXPECT_TRUE(info.ok()) << info.status().ToString();
    return info.ok() ? info->dict_id : 0;
  }
  int64_t LastBatchDictId() {
    EXPECT_FALSE(recorder_->batches.empty());
    if (recorder_->batches.empty()) return -1;
    auto h = sync::PeekBatchHeader(recorder_->batches.back());
    EXPECT_TRUE(h.ok());
    return h.ok() ? h->dict_id : -1;
  }
  std::string NodeSetting(const char* key) {
    auto v = GetNodeSetting(store_->db(), key);
    EXPECT_TRUE(v.ok());
    return v.ok() ? v->value_or("") : "?";
  }
  void ConfigureWaybills(int64_t block_size, int64_t low_water) {
    ASSERT_TRUE(waybills_->Configure({block_size, low_water, {"courier", "desk"}}).ok());
  }
  // Takes `n` numbers on the node and records a shipment with each, as the
  // postal return will.
  std::vector<std::string> Ship(int n) {
    std::vector<std::string> out;
    auto txn = Transaction::Begin(store_->db());
    EXPECT_TRUE(txn.ok());
    for (int i = 0; i < n; ++i) {
      auto w = NextWaybill(store_->db());
      EXPECT_TRUE(w.ok()) << w.status().ToString();
      if (!w.ok()) return out;
      Event e = NewEvent(EventType::kShipmentCreated, kNodeId, clock_.NowMs(),
                         json::object{{"block_id", w->block_id},
                                      {"recipient_name", testing::kApplicant},
                                      {"address", "12 Lê Lợi, Phường Sài Gòn"},
                                      {"postal_fee_vnd", 30000}});
      e.dossier_code = *FormatDossierCode(testing::kUnitCode, Date{2026, 3, 12}, ++shipments_);
      e.waybill = w->waybill;
      auto seq = AppendEvent(store_->db(), e);
      EXPECT_TRUE(seq.ok()) << seq.status().ToString();
      out.push_back(w->waybill);
    }
    EXPECT_TRUE(txn->Commit().ok());
    return out;
  }
  WaybillStock Stock() {
    auto s = ReadWaybillStock(store_->db());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : WaybillStock();
  }

  std::unique_ptr<RecordingTransport> recorder_;
  std::unique_ptr<central::DictionaryAdmin> dicts_;
  std::unique_ptr<central::WaybillAdmin> waybills_;
  int shipments_ = 0;
};

// ---- Dictionaries -----------------------------------------------------------------

TEST_F(PublishSyncTest, TheNodeReceivesTheDictionaryAndItsNextBatchUsesIt) {
  const int64_t dict_id = EnrolSyncAndTrain(60);
  SyncReport poll = SyncOk();
  EXPECT_EQ(poll.effects.dictionaries, 1);
  EXPECT_EQ(LastBatchDictId(), 0);
  EXPECT_EQ(NodeSetting(kSettingDictId), std::to_string(dict_id));
  EXPECT_EQ(*PosixFileSystem()->ReadFile(NodeDir() + "/data/dictionaries/1.zdict"),
            dicts_->Get(dict_id)->bytes);

  AddEvents(5);
  SyncReport next = SyncOk();
  EXPECT_EQ(next.result, "applied");
  EXPECT_EQ(next.acked_seq, 65);
  EXPECT_EQ(LastBatchDictId(), dict_id);    // compressed with it, and the central applied it
  EXPECT_EQ(next.effects.dictionaries, 0);  // nothing sent twice
  EXPECT_EQ(CentralEvents(), 65);
  EXPECT_EQ(CentralDistinctSeqs(), 65);
  EXPECT_EQ(SyncStatusJson(*store_)->at("dict_id").as_int64(), dict_id);
}

TEST_F(PublishSyncTest, ADictionaryTheCentralDoesNotKnowIsDroppedAndTheBatchGoesWithout) {
  EnrolNode();
  // A dictionary from elsewhere (a central restored from an older backup).
  std::vector<std::string> samples;
  for (int i = 0; i < 200; ++i) {
    samples.push_back(
        "{\"counter_group\":\"A\",\"service_date\":\"2026-03-12\",\"ticket_number\":" +
        std::to_string(i) + "}\n");
  }
  auto bytes = sync::TrainDictionary(samples, 1024);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  ASSERT_TRUE(store_->fs()->CreateDirs(NodeDir() + "/data/dictionaries", 0700).ok());
  ASSERT_TRUE(
      store_->fs()->WriteFileAtomic(NodeDir() + "/data/dictionaries/9.zdict", *bytes, 0644).ok());
  ASSERT_TRUE(SetNodeSetting(store_->db(), kSettingDictId, "9").ok());
  AddEvents(3);
  SyncReport r = SyncOk();
  EXPECT_EQ(r.acked_seq, 3);
  ASSERT_EQ(recorder_->batches.size(), 2u);
  EXPECT_EQ(sync::PeekBatchHeader(recorder_->batches[0])->dict_id, 9);  // 422 unknown_dictionary
  EXPECT_EQ(LastBatchDictId(), 0);
  EXPECT_EQ(NodeSetting(kSettingDictId), "");
  EXPECT_EQ(CentralEvents(), 3);
}

// ---- Lost answers ---------------------------------------------------------------------

TEST_F(PublishSyncTest, ALostAnswerResendsTheDictionaryAndTheSameWaybillBlock) {
  ConfigureWaybills(100, 20);
  const int64_t dict_id = EnrolSyncAndTrain(60);  // the pool is still empty here
  ASSERT_TRUE(waybills_->AddRange("EB", 1000, 9999).ok());
  AddEvents(2);
  transport_->lose_next_answers = 1;
  auto lost = Sync();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(CentralEvents(), 62);  // applied, and a block allocated, but unheard of
  EXPECT_EQ(CentralInt("SELECT COUNT(*) FROM waybill_blocks"), 1);
  EXPECT_EQ(Stock().blocks, 0);
  EXPECT_EQ(NodeSetting(kSettingDictId), "");

  SyncReport again = SyncOk();
  EXPECT_EQ(again.result, "duplicate");
  EXPECT_EQ(again.acked_seq, 62);
  EXPECT_EQ(again.effects.dictionaries, 1);
  EXPECT_EQ(again.effects.waybill_blocks, 1);
  EXPECT_EQ(NodeSetting(kSettingDictId), std::to_string(dict_id));
  // The very block the central allocated with the lost answer, and no other.
  EXPECT_EQ(CentralInt("SELECT COUNT(*) FROM waybill_blocks"), 1);
  EXPECT_EQ(NodeInt("SELECT block_id FROM waybill_blocks"),
            CentralInt("SELECT block_id FROM waybill_blocks"));
  EXPECT_EQ(NodeInt("SELECT first FROM waybill_blocks"), 1000);
  EXPECT_EQ(NodeInt("SELECT last FROM waybill_blocks"), 1099);
  EXPECT_EQ(CentralInt("SELECT times_sent FROM node_dictionaries"), 2);
  EXPECT_EQ(CentralEvents(), 62);
  EXPECT_EQ(CentralDistinctSeqs(), 62);
}

// ---- Waybill blocks -----------------------------------------------------------------------

TEST_F(PublishSyncTest, ABlockSentAgainIsStoredOnceAndKeepsItsCounter) {
  ConfigureWaybills(100, 20);
  ASSERT_TRUE(waybills_->AddRange("EB", 1000, 9999).ok());
  EnrolNode();
  EXPECT_EQ(SyncOk().effects.waybill_blocks, 1);
  Ship(2);  // numbered here; the central has not seen them yet
  // The central sends a block until it sees it used: the same item again.
  auto pin = RequireCentralPin(store_->db());
  ASSERT_TRUE(pin.ok());
  sync::DownSync ds;
  ds.central_id = pin->central_id;
  ds.node_id = kNodeId;
  ds.result = sync::kResultPoll;
  ds.created_at_ms = clock_.NowMs();
  ds.items.push_back(json::object{{"kind", "waybill_block"},
                                  {"block_id", NodeInt("SELECT block_id FROM waybill_blocks")},
                                  {"prefix", "EB"},
                                  {"first", 1000},
                                  {"last", 1099}});
  for (int i = 0; i < 2; ++i) {
    auto fx = ApplyDownSync(*store_, *pin, ds, &clock_);
    ASSERT_TRUE(fx.ok()) << fx.status().ToString();
    EXPECT_EQ(fx->waybill_blocks, 0);
  }
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM waybill_blocks"), 1);
  EXPECT_EQ(NodeInt("SELECT next FROM waybill_blocks"), 1002);
  EXPECT_EQ(Stock().remaining, 98);
  // A malformed block is refused, not stored.
  ds.items[0]["prefix"] = "eb";
  EXPECT_TRUE(ApplyDownSync(*store_, *pin, ds, &clock_).status().IsInvalidArgument());
  // Once the shipments reach the central it counts the same.
  EXPECT_EQ(SyncOk().effects.waybill_blocks, 0);
  EXPECT_EQ(CentralInt("SELECT unused_serials FROM node_waybill_stock"), 98);
}

TEST_F(PublishSyncTest, ShipmentsNumberedOnTheNodeBringTheNextBlockBelowTheLowWaterMark) {
  ConfigureWaybills(10, 4);
  ASSERT_TRUE(waybills_->AddRange("EB", 0, 99).ok());
  EnrolNode();
  EXPECT_EQ(SyncOk().effects.waybill_blocks, 1);
  std::vector<std::string> shipped = Ship(6);
  ASSERT_EQ(shipped.size(), 6u);
  EXPECT_EQ(shipped[0], *FormatWaybill(WaybillBlock{"1", "EB", 0, 9}, 0));
  EXPECT_EQ(SyncOk().effects.waybill_blocks, 0);  // 4 left: not below 4
  Ship(1);
  SyncReport r = SyncOk();
  EXPECT_EQ(r.effects.waybill_blocks, 1);
  WaybillStock stock = Stock();
  EXPECT_EQ(stock.blocks, 2);
  EXPECT_EQ(stock.remaining, 13);
  EXPECT_EQ(stock.next, *FormatWaybill(WaybillBlock{"1", "EB", 0, 9}, 7));
  EXPECT_EQ(CentralInt("SELECT COUNT(*) FROM waybill_blocks WHERE confirmed_at_ms IS NOT NULL"), 1);

  // sync-status shows what is left.
  std::string out;
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_NODE_BIN, "sync-status", "--data", NodeDir()}, &out), 0)
      << out;
  EXPECT_NE(out.find("waybills:       13 unused in 2 block(s), next " + *stock.next),
            std::string::npos)
      << out;
}

TEST_F(PublishSyncTest, AnEmptyPoolDoesNotBreakSyncAndTheCentralWarnsOfIt) {
  ConfigureWaybills(10, 4);
  EnrolNode();
  AddEvents(3);
  SyncReport r = SyncOk();
  EXPECT_EQ(r.acked_seq, 3);
  EXPECT_EQ(r.effects.waybill_blocks, 0);
  EXPECT_EQ(Stock().remaining, 0);
  EXPECT_EQ(SyncStatusJson(*store_)->at("waybills").at("remaining").as_int64(), 0);
  HttpClient client("127.0.0.1", server_->port());
  auto health = client.Send("GET", "/healthz");
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->body.find(std::string("waybill pool empty: node ") + kNodeId),
            std::string::npos)
      << health->body;

  ASSERT_TRUE(waybills_->AddRange("EB", 0, 99).ok());
  EXPECT_EQ(SyncOk().effects.waybill_blocks, 1);
  EXPECT_EQ(ParseJsonObject(client.Send("GET", "/healthz")->body)->at("warnings").as_array().size(),
            0u);
}

}  // namespace
}  // namespace hoso::node
