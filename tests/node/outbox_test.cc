#include "node/outbox.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "schema/events.h"
#include "schema/ids.h"
#include "schema/migrations.h"

namespace hoso::node {
namespace {

constexpr char kNodeId[] = "desk-h29-01";

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hoso-outbox-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    DatabaseOptions o;
    o.synchronous = "OFF";  // durability is not what these tests are about
    auto db = OpenNodeDatabase(tmp_ + "/node.db", o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(
        db_->Exec(std::string("INSERT INTO node_settings VALUES ('node_id', '") + kNodeId + "')")
            .ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(tmp_);
  }

  static Event Ticket(int number) {
    return NewEvent(
        EventType::kTicketIssued, kNodeId, 1773277500000 + number,
        json::object{
            {"ticket_number", number}, {"counter_group", "A"}, {"service_date", "2026-03-12"}});
  }

  // Appends in its own transaction; returns the seq.
  int64_t Append(Event ev) {
    auto txn = Transaction::Begin(*db_);
    EXPECT_TRUE(txn.ok());
    auto seq = AppendEvent(*db_, ev);
    EXPECT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_TRUE(txn->Commit().ok());
    return seq.ok() ? *seq : -1;
  }

  // Bypasses the immutability trigger, as someone editing the file would.
  void Tamper(const std::string& sql) {
    ASSERT_TRUE(db_->Exec("DROP TRIGGER outbox_events_immutable").ok());
    ASSERT_TRUE(db_->Exec(sql).ok()) << sql;
  }

  std::string tmp_;
  std::unique_ptr<Database> db_;
};

TEST_F(OutboxTest, FirstEventChainsFromTheGenesisHash) {
  Event ev = Ticket(1);
  EXPECT_EQ(Append(ev), 1);
  auto pending = PendingEvents(*db_, 0, 10);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  const OutboxRecord& r = pending->front();
  EXPECT_EQ(r.prev_hash, GenesisHash());
  Event expected = ev;
  expected.seq = 1;
  EXPECT_EQ(r.event, expected);
  EXPECT_EQ(r.hash, ChainHash(GenesisHash(), CanonicalJson(expected)));
}

TEST_F(OutboxTest, EachEventChainsToThePreviousHash) {
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(Append(Ticket(i)), i);
  auto all = PendingEvents(*db_, 0, 10).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].prev_hash, all[0].hash);
  EXPECT_EQ(all[2].prev_hash, all[1].hash);
  EXPECT_NE(all[1].hash, all[2].hash);
  EXPECT_TRUE(VerifyChain(*db_).ok());
}

TEST_F(OutboxTest, RolledBackTransactionDoesNotConsumeASeq) {
  EXPECT_EQ(Append(Ticket(1)), 1);
  for (int i = 0; i < 3; ++i) {
    auto txn = Transaction::Begin(*db_);
    ASSERT_TRUE(txn.ok());
    Event ev = Ticket(2);
    EXPECT_EQ(AppendEvent(*db_, ev).value(), 2);
    ASSERT_TRUE(txn->Rollback().ok());
  }
  EXPECT_EQ(LastSeq(*db_).value(), 1);
  EXPECT_EQ(Append(Ticket(2)), 2);
  EXPECT_EQ(Append(Ticket(3)), 3);
  EXPECT_TRUE(VerifyChain(*db_).ok());
}

TEST_F(OutboxTest, AppendOutsideATransactionIsRefused) {
  Event ev = Ticket(1);
  auto seq = AppendEvent(*db_, ev);
  EXPECT_EQ(seq.status().code(), Status::Code::kInternal);
  EXPECT_EQ(LastSeq(*db_).value(), 0);
}

TEST_F(OutboxTest, InvalidPayloadIsRefusedAndTakesNoSeq) {
  auto txn = Transaction::Begin(*db_);
  ASSERT_TRUE(txn.ok());
  Event ev = NewEvent(EventType::kTicketIssued, kNodeId, 1,
                      json::object{{"ticket_number", 1}, {"service_date", "2026-03-12"}});
  auto seq = AppendEvent(*db_, ev);
  EXPECT_TRUE(seq.status().IsInvalidArgument());
  EXPECT_EQ(seq.status().field(), "payload.counter_group");
  EXPECT_EQ(ev.seq, 0);
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Append(Ticket(1)), 1);
}

TEST_F(OutboxTest, DossierEventWithoutCodeIsRefused) {
  auto txn = Transaction::Begin(*db_);
  ASSERT_TRUE(txn.ok());
  Event ev = NewEvent(EventType::kDossierStopped, kNodeId, 1, json::object{{"reason", "x"}});
  EXPECT_EQ(AppendEvent(*db_, ev).status().field(), "dossier_code");
}

TEST_F(OutboxTest, EventOfAnotherNodeIsRefusedAndEmptyNodeIdIsFilledIn) {
  auto txn = Transaction::Begin(*db_);
  ASSERT_TRUE(txn.ok());
  Event other = Ticket(1);
  other.node_id = "desk-h29-02";
  EXPECT_EQ(AppendEvent(*db_, other).status().field(), "node_id");
  Event blank = Ticket(1);
  blank.node_id.clear();
  EXPECT_EQ(AppendEvent(*db_, blank).value(), 1);
  EXPECT_EQ(blank.node_id, kNodeId);
}

TEST_F(OutboxTest, ActorDossierCodeAndVietnameseTextRoundTrip) {
  Event ev = NewEvent(EventType::kDossierRefused, kNodeId, 5,
                      json::object{{"procedure_id", "ruou-ban-le"},
                                   {"applicant", json::object{{"name", "Nguyễn Văn Ánh"}}},
                                   {"reason", "Thiếu bản sao đăng ký kinh doanh"}});
  ev.dossier_code = "000.00.17.H29-260312-0001";
  ev.actor = "Lê Thu Hà";
  Append(ev);
  auto mine = EventsOfDossier(*db_, "000.00.17.H29-260312-0001");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  ev.seq = 1;
  EXPECT_EQ(mine->front().event, ev);
  EXPECT_TRUE(EventsOfDossier(*db_, "000.00.17.H29-260312-0002")->empty());
  EXPECT_TRUE(VerifyChain(*db_).ok());
}

TEST_F(OutboxTest, VerifyChainNamesTheTamperedPayload) {
  for (int i = 1; i <= 4; ++i) Append(Ticket(i));
  Tamper(
      "UPDATE outbox_events SET payload = json_set(payload, '$.ticket_number', 99) "
      "WHERE seq = 3");
  Status s = VerifyChain(*db_);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("seq 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("hash does not match"), std::string::npos) << s.message();
}

TEST_F(OutboxTest, VerifyChainDetectsABrokenLink) {
  for (int i = 1; i <= 3; ++i) Append(Ticket(i));
  Tamper("UPDATE outbox_events SET prev_hash = zeroblob(32) WHERE seq = 2");
  Status s = VerifyChain(*db_);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("seq 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("prev_hash"), std::string::npos) << s.message();
}

TEST_F(OutboxTest, VerifyChainDetectsAnotherNodeId) {
  Append(Ticket(1));
  ASSERT_TRUE(
      db_->Exec("UPDATE node_settings SET value = 'desk-h29-99' WHERE key = 'node_id'").ok());
  EXPECT_TRUE(VerifyChain(*db_).IsCorruption());
}

TEST_F(OutboxTest, InsertWithAWrongSeqIsRefusedByTheSchema) {
  Append(Ticket(1));
  Status s = db_->Exec(
      "INSERT INTO outbox_events (seq, event_id, type, schema_version, payload, device_time_ms, "
      "prev_hash, hash) VALUES (5, 'x', 'ticket_issued', 1, '{}', 0, zeroblob(32), "
      "zeroblob(32))");
  EXPECT_FALSE(s.ok());
}

TEST_F(OutboxTest, PendingEventsSkipAckedOnesAndHonourTheLimit) {
  for (int i = 1; i <= 5; ++i) Append(Ticket(i));
  ASSERT_TRUE(MarkAcked(*db_, 2).ok());
  auto pending = PendingEvents(*db_, 0, 2).value();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].event.seq, 3);
  EXPECT_EQ(pending[1].event.seq, 4);
  EXPECT_FALSE(pending[0].acked);
  EXPECT_EQ(PendingEvents(*db_, 4, 100).value().size(), 1u);
  EXPECT_TRUE(PendingEvents(*db_, 0, 0).status().IsInvalidArgument());
  EXPECT_TRUE(MarkAcked(*db_, 6).IsInvalidArgument());
  EXPECT_TRUE(VerifyChain(*db_).ok());  // acked moves; the chain does not
}

TEST_F(OutboxTest, TheAckPositionMovesOnlyForwardAndSurvivesReopen) {
  for (int i = 1; i <= 5; ++i) Append(Ticket(i));
  EXPECT_EQ(AckedPosition(*db_).value(), 0);
  ASSERT_TRUE(MarkAcked(*db_, 3).ok());
  EXPECT_EQ(AckedPosition(*db_).value(), 3);
  // An older acknowledgement (a stale down-sync) leaves the position alone.
  ASSERT_TRUE(MarkAcked(*db_, 1).ok());
  EXPECT_EQ(AckedPosition(*db_).value(), 3);
  // The schema refuses a step back, a step past the outbox and removal.
  EXPECT_FALSE(db_->Exec("UPDATE outbox_ack SET acked_seq = 2").ok());
  EXPECT_FALSE(db_->Exec("UPDATE outbox_ack SET acked_seq = 6").ok());
  EXPECT_FALSE(db_->Exec("DELETE FROM outbox_ack").ok());
  EXPECT_FALSE(db_->Exec("INSERT INTO outbox_ack VALUES (2, 0)").ok());

  db_.reset();
  auto db = OpenNodeDatabase(tmp_ + "/node.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  EXPECT_EQ(AckedPosition(*db_).value(), 3);
  auto all = EventsFrom(*db_, 1, 10).value();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_TRUE(all[2].acked);
  EXPECT_FALSE(all[3].acked);
  EXPECT_EQ(PendingEvents(*db_, 0, 10).value().front().event.seq, 4);
}

TEST_F(OutboxTest, ForEachEventFromStopsWhenTheCallbackSaysSo) {
  for (int i = 1; i <= 6; ++i) Append(Ticket(i));
  std::vector<int64_t> seen;
  ASSERT_TRUE(ForEachEventFrom(*db_, 2, 10, [&](OutboxRecord& r) {
                seen.push_back(r.event.seq);
                return seen.size() < 3;
              }).ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{2, 3, 4}));
  seen.clear();
  ASSERT_TRUE(ForEachEventFrom(*db_, 5, 10, [&](OutboxRecord& r) {
                seen.push_back(r.event.seq);
                return true;
              }).ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{5, 6}));
  EXPECT_TRUE(ForEachEventFrom(*db_, 1, 0, [](OutboxRecord&) { return true; }).IsInvalidArgument());
}

TEST_F(OutboxTest, UpgradingCarriesTheAckFlagsOverAsThePosition) {
  // A database as schema version 3 left it: flags on seq 1..2 of 4.
  db_.reset();
  const std::string path = tmp_ + "/old.db";
  std::vector<EmbeddedSql> v3(NodeMigrationFiles().begin(), NodeMigrationFiles().begin() + 3);
  {
    auto old = Database::Open(path);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    ASSERT_TRUE(Migrate(**old, v3).ok());
    db_ = std::move(*old);
    ASSERT_TRUE(
        db_->Exec(std::string("INSERT INTO node_settings VALUES ('node_id', '") + kNodeId + "')")
            .ok());
    for (int i = 1; i <= 4; ++i) Append(Ticket(i));
    ASSERT_TRUE(db_->Exec("UPDATE outbox_events SET acked = 1 WHERE seq <= 2").ok());
    db_.reset();
  }
  auto db = OpenNodeDatabase(path);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(*db);
  EXPECT_EQ(AckedPosition(*db_).value(), 2);
  EXPECT_TRUE(VerifyChain(*db_).ok());
}

TEST_F(OutboxTest, OutboxWithoutANodeIdIsNotFound) {
  ASSERT_TRUE(db_->Exec("DELETE FROM node_settings").ok());
  EXPECT_TRUE(OutboxNodeId(*db_).status().IsNotFound());
  EXPECT_TRUE(VerifyChain(*db_).IsNotFound());
}

}  // namespace
}  // namespace hoso::node
