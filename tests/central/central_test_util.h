// Shared fixture of the central tests: a central in a temporary directory
// with a fake clock, nodes enrolled with real keys, and chained events to put
// in batches.
//
// Thread-safety: test code; the fixture belongs to the test's main thread
// (Ingestor and NodeAdmin themselves are thread-safe).
#ifndef HOSO_TESTS_CENTRAL_CENTRAL_TEST_UTIL_H_
#define HOSO_TESTS_CENTRAL_CENTRAL_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "central/central_store.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "schema/env.h"
#include "schema/events.h"
#include "schema/sqlite.h"
#include "sync/batch.h"
#include "sync/keys.h"
#include "tests/testing/child_process.h"
#include "schema/data_dir.h"

namespace hoso::central::testing {

constexpr UnixMs kT0 = 1'773'300'000'000;  // 2026-03-12 local morning
constexpr char kCentralId[] = "central-hcm";

inline std::string DataDir() {
  const char* env = std::getenv("HOSO_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : HOSO_DATA_DIR;
}

inline json::object TicketPayload(int n) {
  json::object p;
  p["ticket_number"] = n;
  p["counter_group"] = "A";
  p["service_date"] = "2026-03-12";
  return p;
}

// `n` chained events of `node` from `first_seq`, linked to `prev`.
inline std::vector<sync::BatchEvent> Chain(const std::string& node, int n, int64_t first_seq = 1,
                                           std::string prev = GenesisHash()) {
  std::vector<sync::BatchEvent> out;
  for (int i = 0; i < n; ++i) {
    Event e = NewEvent(EventType::kTicketIssued, node, kT0 + i * 1000,
                       TicketPayload(static_cast<int>(first_seq) + i));
    e.seq = first_seq + i;
    std::string hash = ChainHash(prev, CanonicalJson(e));
    out.push_back(sync::BatchEvent{std::move(e), prev, hash});
    prev = out.back().hash;
  }
  return out;
}

// Gives `events` the next seqs of `log` and chains them onto its last event.
inline void Extend(std::vector<sync::BatchEvent>& log, std::vector<Event> events) {
  std::string prev = log.empty() ? GenesisHash() : log.back().hash;
  for (Event& e : events) {
    e.seq = static_cast<int64_t>(log.size()) + 1;
    std::string hash = ChainHash(prev, CanonicalJson(e));
    log.push_back(sync::BatchEvent{std::move(e), prev, hash});
    prev = log.back().hash;
  }
}

// The events of `all` with seq in [first, last].
inline std::vector<sync::BatchEvent> Slice(const std::vector<sync::BatchEvent>& all, int64_t first,
                                           int64_t last) {
  std::vector<sync::BatchEvent> out;
  for (const auto& be : all) {
    if (be.event.seq >= first && be.event.seq <= last) out.push_back(be);
  }
  return out;
}

// A node enrolled at the fixture's central.
struct TestNode {
  std::string node_id;
  std::string unit_code;
  std::unique_ptr<sync::SigningKey> key;
  std::vector<sync::BatchEvent> log;  // its whole outbox, seq 1..log.size()
};

class CentralFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<hoso::testing::TempDir>();
    CentralInitOptions o;
    o.central_id = kCentralId;
    o.name = "Sở Công Thương TP.HCM";
    o.source_data_dir = DataDir();
    o.clock = &clock_;
    ASSERT_TRUE(CentralStore::Init(CentralDir(), o).ok());
    auto store = CentralStore::Open(CentralDir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    admin_ = std::make_unique<NodeAdmin>(store_.get(), &clock_);
    IngestOptions io;
    io.clock = &clock_;
    io.limits = limits_;
    ingestor_ = std::make_unique<Ingestor>(store_.get(), io);
  }

  std::string CentralDir() const { return dir_->path() + "/central"; }
  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }

  // Adds and enrols a node with a fresh key and a log of `events` events.
  TestNode Enrol(const std::string& node_id, const std::string& unit_code, int events = 10,
                 const std::string& role = "desk") {
    TestNode n;
    n.node_id = node_id;
    n.unit_code = unit_code;
    n.key = std::make_unique<sync::SigningKey>(sync::SigningKey::Generate());
    n.log = Chain(node_id, events);
    auto token = admin_->AddNode(node_id, unit_code, role);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    if (!token.ok()) return n;
    auto answer = admin_->Enrol(EnrolRequestFile(n, token->token, role));
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.refusal().ToString());
    return n;
  }

  std::string EnrolRequestFile(const TestNode& n, const std::string& token,
                               const std::string& role = "desk") {
    sync::EnrolRequest req;
    req.node_id = n.node_id;
    req.unit_code = n.unit_code;
    req.role = role;
    req.token = token;
    auto file = sync::EncodeEnrolRequest(req, *n.key, clock_.NowMs());
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return file.ok() ? *file : std::string();
  }

  // A signed batch of the node's events first..last (a poll when first >
  // last), for this central unless `central_id` says otherwise.
  std::string Batch(const TestNode& n, int64_t first, int64_t last,
                    const sync::EncodeOptions& options = sync::EncodeOptions(),
                    const std::string& central_id = kCentralId,
                    const sync::SigningKey* key = nullptr) {
    const std::string prev = first == 1 ? GenesisHash() : n.log[first - 2].hash;
    auto file = sync::EncodeBatch(central_id, n.node_id, Slice(n.log, first, last), first, prev,
                                  key != nullptr ? *key : *n.key, options, clock_.NowMs());
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return file.ok() ? *file : std::string();
  }

  IngestReport Apply(const std::string& file, Channel channel = Channel::kHttp) {
    return ingestor_->ApplyBatch(file, channel);
  }

  int64_t Int(const std::string& sql) {
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    if (!db.ok()) return -1;
    auto v = (*db)->QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString() << " " << sql;
    return v.ok() ? v->value_or(-1) : -1;
  }
  int64_t EventRows(const std::string& node_id) {
    return Int("SELECT COUNT(*) FROM events WHERE node_id = '" + node_id + "'");
  }
  int64_t HighWater(const std::string& node_id) {
    return Int("SELECT high_water_seq FROM node_progress WHERE node_id = '" + node_id + "'");
  }

  // Opens a down-sync answered to `n` (unsealing with its key when sealed).
  sync::DownSync OpenDownSync(const std::string& file, const TestNode& n) {
    auto ds = sync::DecodeDownSync(file, store_->key().public_key(), n.key.get(), nullptr,
                                   sync::DecodeLimits());
    EXPECT_TRUE(ds.ok()) << ds.status().ToString();
    return ds.ok() ? *ds : sync::DownSync();
  }

  FakeClock clock_{kT0};
  sync::DecodeLimits limits_;  // set before SetUp() to change the ingest caps
  std::unique_ptr<hoso::testing::TempDir> dir_;
  std::unique_ptr<CentralStore> store_;
  std::unique_ptr<NodeAdmin> admin_;
  std::unique_ptr<Ingestor> ingestor_;
};

}  // namespace hoso::central::testing

#endif  // HOSO_TESTS_CENTRAL_CENTRAL_TEST_UTIL_H_
