// The courier node (node/courier.h): assignment items from the down-sync,
// every courier action and every refused one, the delivery proof, the purge
// of personal data after the central's acknowledgement, and the courier's
// events synced to a real in-process central.
#include "node/courier.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "node/attachments.h"
#include "node/enrolment.h"
#include "node/outbox.h"
#include "node/sync_client.h"
#include "schema/attachment.h"
#include "schema/migrations.h"
#include "tests/node/sync_test_env.h"

namespace hoso::node {
namespace {

using testing::kT0;

constexpr char kCourierId[] = "courier-h29-01";
// The central keeps one node per unit code: the courier has its own.
constexpr char kCourierUnit[] = "000.00.18.H29";
constexpr char kWaybill[] = "EB000000195VN";
constexpr char kWaybill2[] = "EB000000204VN";
constexpr char kDossier[] = "000.00.17.H29-260312-0001";
constexpr char kAddressee[] = "Nguyễn Văn Ánh";
constexpr char kPhone[] = "0903123456";
constexpr char kAddress[] = "12 Lê Lợi, Phường Bến Nghé, Quận 1";
constexpr char kTaker[] = "Trần Thị Bình";
constexpr char kIdNumber[] = "079203001234";

json::object Assignment(const std::string& id, const std::string& waybill) {
  return json::object{{"kind", "assignment"},
                      {"assignment_id", id},
                      {"waybill", waybill},
                      {"dossier_code", kDossier},
                      {"recipient_name", kAddressee},
                      {"phone", kPhone},
                      {"address", kAddress},
                      {"postal_fee_vnd", 35000},
                      {"procedure_name", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá"},
                      {"assigned_at_ms", kT0}};
}

json::object Unassignment(const std::string& id, const std::string& waybill) {
  return json::object{{"kind", "unassignment"},
                      {"assignment_id", id},
                      {"waybill", waybill},
                      {"reason", "reassigned"}};
}

std::string Png() { return std::string("\x89PNG\r\n\x1A\n", 8) + std::string(3000, '\x05'); }

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CourierTest : public testing::SyncEnv {
 protected:
  static void SetUpTestSuite() {
    SyncEnv::SetUpTestSuite();
    InitOptions o;
    o.identity = {kCourierId, "Bưu tá Quận 1", kCourierUnit, "courier", "Thành phố Hồ Chí Minh",
                  kT0};
    o.source_data_dir = testing::DataDir();
    Status s = NodeStore::Init(suite_dir_ + "/courier-template", o);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  void SetUp() override {
    SyncEnv::SetUp();
    std::filesystem::copy(suite_dir_ + "/courier-template", CourierDir(),
                          std::filesystem::copy_options::recursive);
    auto store = NodeStore::Open(CourierDir());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    courier_store_ = std::move(*store);
    courier_ = std::make_unique<Courier>(courier_store_.get(), Courier::Options{&clock_});
    auto token = admin_->AddNode(kCourierId, kCourierUnit, "courier");
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    auto pin = Enrol(*courier_store_, url_, token->token, *transport_, &clock_);
    ASSERT_TRUE(pin.ok()) << pin.status().ToString();
  }

  void TearDown() override {
    courier_.reset();
    courier_store_.reset();
    SyncEnv::TearDown();
  }

  std::string CourierDir() const { return dir_ + "/courier"; }

  // Feeds items through the node's down-sync apply function, as a verified
  // down-sync from the central would.
  DownSyncEffects Feed(NodeStore& store, std::vector<json::object> items) {
    sync::DownSync ds;
    ds.central_id = testing::kCentralId;
    ds.node_id = store.identity().node_id;
    ds.result = sync::kResultPoll;
    ds.created_at_ms = clock_.NowMs();
    ds.acked_seq = AckedPosition(store.db()).value();
    ds.items = std::move(items);
    auto pin = RequireCentralPin(store.db());
    EXPECT_TRUE(pin.ok()) << pin.status().ToString();
    if (!pin.ok()) return {};
    auto fx = ApplyDownSync(store, *pin, ds, &clock_);
    EXPECT_TRUE(fx.ok()) << fx.status().ToString();
    return fx.ok() ? *fx : DownSyncEffects{};
  }

  int64_t CourierInt(const std::string& sql) {
    auto v = courier_store_->db().QueryInt(sql);
    EXPECT_TRUE(v.ok()) << v.status().ToString() << " " << sql;
    return v.ok() ? v->value_or(-1) : -1;
  }
  int64_t CourierOutbox() { return CourierInt("SELECT COUNT(*) FROM outbox_events"); }

  Status Act(ShipmentAction a, const std::string& waybill = kWaybill) {
    CourierActionRequest r;
    r.action = a;
    r.actor = "Phạm Văn Cường";
    if (a == ShipmentAction::kFailAttempt) r.reason = FailureReason::kNotHome;
    if (a == ShipmentAction::kHoldAtPostOffice) r.post_office = "Bưu cục Bến Thành";
    if (a == ShipmentAction::kReturnToAgency) r.return_reason = "ba lần không gặp người nhận";
    if (a == ShipmentAction::kDeliver) {
      r.recipient_name = kTaker;
      r.recipient_relation = "vợ";
      r.id_suffix = "1234";
      r.proof = Png();
    }
    Status st = courier_->Record(waybill, r).status();
    return st;
  }

  SyncReport Sync() {
    SyncClient client(courier_store_.get(), transport_.get(), {&clock_, {}});
    auto r = client.RunOnce();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SyncReport{};
  }

  std::unique_ptr<NodeStore> courier_store_;
  std::unique_ptr<Courier> courier_;
};

TEST_F(CourierTest, AssignmentItemsAreAppliedOnceByAssignmentId) {
  EXPECT_EQ(Feed(*courier_store_, {Assignment("a-1", kWaybill)}).assignments, 1);
  EXPECT_EQ(Feed(*courier_store_, {Assignment("a-1", kWaybill)}).assignments, 0);
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM courier_shipments"), 1);
  auto list = courier_->List();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  const CourierShipment& s = list->front();
  EXPECT_EQ(s.waybill, kWaybill);
  EXPECT_EQ(s.dossier_code, kDossier);
  EXPECT_EQ(s.recipient_name, kAddressee);  // diacritics intact
  EXPECT_EQ(s.phone, kPhone);
  EXPECT_EQ(s.address, kAddress);
  EXPECT_EQ(s.postal_fee_vnd, 35000);
  EXPECT_EQ(s.state, ShipmentState::kRequested);
}

TEST_F(CourierTest, TodaysListKeepsShipmentsEndedTodayButNotEarlier) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill), Assignment("a-2", kWaybill2)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  ASSERT_TRUE(Act(ShipmentAction::kDeliver).ok());
  EXPECT_EQ(courier_->List()->size(), 2u);
  clock_.Advance(24 * 3600 * 1000);
  auto list = courier_->List();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().waybill, kWaybill2);
  EXPECT_EQ(courier_->List(/*all=*/true)->size(), 2u);
}

TEST_F(CourierTest, AnAssignmentWithoutPhoneIsApplied) {
  json::object item = Assignment("a-1", kWaybill);
  item.erase("phone");
  EXPECT_EQ(Feed(*courier_store_, {item}).assignments, 1);
  EXPECT_FALSE(courier_->Get(kWaybill)->phone.has_value());
}

TEST_F(CourierTest, AMalformedAssignmentIsLeftOutAndOthersApply) {
  json::object bad = Assignment("a-1", kWaybill);
  bad.erase("address");
  EXPECT_EQ(Feed(*courier_store_, {bad, Assignment("a-2", kWaybill2)}).assignments, 1);
  EXPECT_TRUE(courier_->Get(kWaybill).status().IsNotFound());
  EXPECT_TRUE(courier_->Get(kWaybill2).ok());
}

TEST_F(CourierTest, ADeskNodeIgnoresCourierItems) {
  EnrolNode();
  EXPECT_EQ(Feed(*store_, {Assignment("a-1", kWaybill)}).assignments, 0);
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM courier_shipments"), 0);
  EXPECT_EQ(NodeInt("SELECT COUNT(*) FROM courier_items"), 0);
}

TEST_F(CourierTest, UnassignmentCancelsAnUntouchedShipmentAndForgetsTheRecipient) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  EXPECT_EQ(Feed(*courier_store_, {Unassignment("a-1", kWaybill)}).assignments, 1);
  EXPECT_EQ(Feed(*courier_store_, {Unassignment("a-1", kWaybill)}).assignments, 0);
  EXPECT_TRUE(courier_->Get(kWaybill).status().IsNotFound());
  EXPECT_TRUE(courier_->List()->empty());
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM courier_shipments WHERE recipient_name IS NULL "
                       "AND phone IS NULL AND address IS NULL"),
            1);
  EXPECT_TRUE(Act(ShipmentAction::kPickUp).IsNotFound());
}

TEST_F(CourierTest, UnassignmentAfterPickupIsKeptAsAConflict) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  EXPECT_EQ(Feed(*courier_store_, {Unassignment("a-1", kWaybill)}).assignments, 0);
  auto s = courier_->Get(kWaybill);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, ShipmentState::kPickedUp);
  EXPECT_EQ(s->recipient_name, kAddressee);
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM courier_items WHERE kind = 'unassignment' AND "
                       "conflict = 1 AND applied = 0"),
            1);
}

TEST_F(CourierTest, AnUnassignmentOfAnotherAssignmentChangesNothing) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  Feed(*courier_store_, {Unassignment("a-0", kWaybill)});
  EXPECT_TRUE(courier_->Get(kWaybill).ok());
}

TEST_F(CourierTest, AnAssignmentWhoseCancellationCameFirstNeverBecomesWork) {
  EXPECT_EQ(Feed(*courier_store_, {Unassignment("a-1", kWaybill)}).assignments, 0);
  EXPECT_EQ(Feed(*courier_store_, {Assignment("a-1", kWaybill)}).assignments, 0);
  EXPECT_TRUE(courier_->Get(kWaybill).status().IsNotFound());
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM courier_shipments"), 0);
}

TEST_F(CourierTest, AnAssignmentAndItsCancellationInOneDownSyncLeaveNothingToDo) {
  EXPECT_EQ(Feed(*courier_store_, {Assignment("a-1", kWaybill), Unassignment("a-1", kWaybill)})
                .assignments,
            2);
  EXPECT_TRUE(courier_->Get(kWaybill).status().IsNotFound());
  EXPECT_TRUE(courier_->List()->empty());
  EXPECT_EQ(courier_->List(/*all=*/true)->size(), 1u);
}

TEST_F(CourierTest, AReassignmentBackToThisCourierStartsAfresh) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  Feed(*courier_store_, {Unassignment("a-1", kWaybill)});
  EXPECT_EQ(Feed(*courier_store_, {Assignment("a-3", kWaybill)}).assignments, 1);
  auto s = courier_->Get(kWaybill);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->assignment_id, "a-3");
  EXPECT_EQ(s->recipient_name, kAddressee);
}

TEST_F(CourierTest, EveryActionWritesItsEventWithWaybillAndDossierCode) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  for (ShipmentAction a :
       {ShipmentAction::kPickUp, ShipmentAction::kGoOutForDelivery, ShipmentAction::kFailAttempt,
        ShipmentAction::kGoOutForDelivery, ShipmentAction::kHoldAtPostOffice,
        ShipmentAction::kDeliver}) {
    ASSERT_TRUE(Act(a).ok()) << ShipmentActionName(a);
  }
  auto events = EventsFrom(courier_store_->db(), 1, 100);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> types;
  for (const OutboxRecord& r : *events) {
    types.push_back(EventTypeName(r.event.type));
    EXPECT_EQ(r.event.dossier_code, kDossier);
    if (r.event.type != EventType::kAttachmentAdded) {
      EXPECT_EQ(r.event.waybill, kWaybill);
    }
    EXPECT_EQ(r.event.actor, "Phạm Văn Cường");
  }
  EXPECT_EQ(types, (std::vector<std::string>{
                       "shipment_picked_up", "shipment_out_for_delivery",
                       "shipment_failed_attempt", "shipment_out_for_delivery", "shipment_held",
                       "attachment_added", "shipment_delivered"}));
  const json::object& delivered = events->back().event.payload;
  EXPECT_EQ(delivered.at("recipient_name").as_string(), kTaker);
  EXPECT_EQ(delivered.at("recipient_relation").as_string(), "vợ");
  EXPECT_EQ(delivered.at("recipient_id_suffix").as_string(), "1234");
  EXPECT_TRUE(delivered.at("collected_at_post_office").as_bool());
  EXPECT_EQ((*events)[3].event.payload.at("attempt").as_int64(), 2);
  auto s = courier_->Get(kWaybill);
  EXPECT_EQ(s->state, ShipmentState::kDelivered);
  EXPECT_EQ(s->attempts, 2);
  EXPECT_TRUE(VerifyChain(courier_store_->db()).ok());
}

TEST_F(CourierTest, AFailedShipmentGoesBackToTheAgency) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  ASSERT_TRUE(Act(ShipmentAction::kFailAttempt).ok());
  ASSERT_TRUE(Act(ShipmentAction::kReturnToAgency).ok());
  EXPECT_EQ(courier_->Get(kWaybill)->state, ShipmentState::kReturnedToAgency);
  auto events = EventsFrom(courier_store_->db(), 1, 100);
  EXPECT_EQ(events->back().event.type, EventType::kShipmentReturned);
  EXPECT_EQ(events->back().event.payload.at("reason").as_string(), "ba lần không gặp người nhận");
}

// From each reachable state, every action the machine forbids is refused
// with kConflict and records nothing.
TEST_F(CourierTest, EveryRefusedTransitionRecordsNothing) {
  struct Path {
    std::string waybill;
    std::vector<ShipmentAction> to_reach;
  };
  using A = ShipmentAction;
  const std::vector<Path> paths = {
      {"EB000000014VN", {}},
      {"EB000000028VN", {A::kPickUp}},
      {"EB000000031VN", {A::kPickUp, A::kGoOutForDelivery}},
      {"EB000000045VN", {A::kPickUp, A::kGoOutForDelivery, A::kFailAttempt}},
      {"EB000000059VN", {A::kPickUp, A::kGoOutForDelivery, A::kHoldAtPostOffice}},
      {"EB000000062VN", {A::kPickUp, A::kGoOutForDelivery, A::kDeliver}},
      {"EB000000076VN",
       {A::kPickUp, A::kGoOutForDelivery, A::kFailAttempt, A::kReturnToAgency}},
  };
  int refused = 0;
  int i = 0;
  for (const Path& p : paths) {
    Feed(*courier_store_, {Assignment("a-" + std::to_string(++i), p.waybill)});
    for (A a : p.to_reach) ASSERT_TRUE(Act(a, p.waybill).ok());
    const ShipmentState state = courier_->Get(p.waybill)->state;
    for (A a : AllShipmentActions()) {
      std::optional<FailureReason> reason;
      if (a == A::kFailAttempt) reason = FailureReason::kNotHome;
      if (ApplyShipmentAction(state, a, reason).ok()) continue;
      const int64_t before = CourierOutbox();
      Status s = Act(a, p.waybill);
      EXPECT_EQ(s.code(), Status::Code::kConflict)
          << ShipmentActionName(a) << " from " << ShipmentStateName(state) << ": " << s.ToString();
      EXPECT_EQ(CourierOutbox(), before);
      EXPECT_EQ(courier_->Get(p.waybill)->state, state);
      ++refused;
    }
  }
  EXPECT_GE(refused, 30);
}

TEST_F(CourierTest, MissingOrBadFieldsAreRefusedWithTheField) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  const int64_t before = CourierOutbox();
  auto refuse = [&](CourierActionRequest r, const std::string& field) {
    Status s = courier_->Record(kWaybill, r).status();
    EXPECT_TRUE(s.IsInvalidArgument()) << field << ": " << s.ToString();
    EXPECT_EQ(s.field(), field) << s.ToString();
  };
  CourierActionRequest fail;
  fail.action = ShipmentAction::kFailAttempt;
  refuse(fail, "reason");
  fail.reason = FailureReason::kOther;
  refuse(fail, "note");
  CourierActionRequest hold;
  hold.action = ShipmentAction::kHoldAtPostOffice;
  refuse(hold, "post_office");
  CourierActionRequest deliver;
  deliver.action = ShipmentAction::kDeliver;
  deliver.id_suffix = "1234";
  deliver.proof = Png();
  refuse(deliver, "recipient_name");
  deliver.recipient_name = kTaker;
  deliver.id_suffix = "";
  refuse(deliver, "id_suffix");
  deliver.id_suffix = kIdNumber;  // a whole ID number is never taken
  refuse(deliver, "id_suffix");
  deliver.id_suffix = "12a4";
  refuse(deliver, "id_suffix");
  deliver.id_suffix = "1234";
  deliver.proof = "";
  refuse(deliver, "proof");
  EXPECT_EQ(CourierOutbox(), before);
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM attachments"), 0);
}

TEST_F(CourierTest, AProofMustBeASmallImage) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  CourierActionRequest r;
  r.action = ShipmentAction::kDeliver;
  r.recipient_name = kTaker;
  r.id_suffix = "1234";
  r.proof = "%PDF-1.7\n" + std::string(100, 'x');
  Status pdf = courier_->Record(kWaybill, r).status();
  EXPECT_TRUE(pdf.IsInvalidArgument()) << pdf.ToString();
  EXPECT_EQ(pdf.field(), "proof");
  r.proof = std::string("\xFF\xD8\xFF", 3) + std::string(kMaxProofBytes, 'x');
  Status big = courier_->Record(kWaybill, r).status();
  EXPECT_EQ(big.code(), Status::Code::kResourceExhausted) << big.ToString();
  EXPECT_EQ(courier_->Get(kWaybill)->state, ShipmentState::kOutForDelivery);
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM attachments"), 0);
}

TEST_F(CourierTest, TheProofIsStoredAsAnAttachmentWhoseHashIsInTheEvent) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  ASSERT_TRUE(Act(ShipmentAction::kDeliver).ok());
  const std::string hash = Blake2bHex(Png());
  auto events = EventsFrom(courier_store_->db(), 1, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[2].event.type, EventType::kAttachmentAdded);
  EXPECT_EQ((*events)[2].event.payload.at("attachment_hash").as_string(), hash);
  EXPECT_EQ((*events)[3].event.payload.at("proof_hash").as_string(), hash);
  EXPECT_EQ(courier_->Get(kWaybill)->proof_hash, hash);
  NodeAttachments attachments(courier_store_.get(), {&clock_});
  auto file = attachments.Read(hash);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->media_type, "image/png");
}

TEST_F(CourierTest, CourierEventsReachTheCentralAndAreAcknowledged) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  ASSERT_TRUE(Act(ShipmentAction::kDeliver).ok());
  SyncReport r = Sync();
  EXPECT_EQ(r.acked_seq, 4);
  EXPECT_EQ(CentralInt(std::string("SELECT COUNT(*) FROM events WHERE node_id = '") + kCourierId +
                       "' AND waybill = '" + kWaybill + "' AND dossier_code = '" + kDossier +
                       "'"),
            3);
  EXPECT_EQ(CourierInt("SELECT acked_seq FROM outbox_ack"), 4);
  EXPECT_TRUE(courier_->Get(kWaybill)->synced);
}

TEST_F(CourierTest, PersonalDataIsPurgedOnlyAfterTheCentralAcknowledgesTheEnd) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill), Assignment("a-2", kWaybill2)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  // Not ended yet: acknowledged, but nothing is purged.
  Sync();
  EXPECT_EQ(courier_->Purge()->shipments, 0);
  EXPECT_EQ(courier_->Get(kWaybill)->recipient_name, kAddressee);
  ASSERT_TRUE(Act(ShipmentAction::kDeliver).ok());
  // Ended but not acknowledged: still held.
  EXPECT_EQ(courier_->Purge()->shipments, 0);
  EXPECT_EQ(courier_->Get(kWaybill)->address, kAddress);

  Sync();  // acknowledges the delivery: purged while the down-sync applies
  auto s = courier_->Get(kWaybill);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->recipient_name.has_value());
  EXPECT_FALSE(s->phone.has_value());
  EXPECT_FALSE(s->address.has_value());
  EXPECT_TRUE(s->purged_at.has_value());
  EXPECT_EQ(s->state, ShipmentState::kDelivered);
  EXPECT_EQ(s->waybill, kWaybill);
  // The other shipment, still to deliver, keeps its data.
  EXPECT_EQ(courier_->Get(kWaybill2)->recipient_name, kAddressee);

  // The proof file stays until its chunks are uploaded (next exchange).
  const std::string proof = AttachmentPath(*courier_store_, Blake2bHex(Png()));
  EXPECT_TRUE(std::filesystem::exists(proof));
  SyncReport up = Sync();
  EXPECT_GE(up.uploads.chunks_sent, 1);
  EXPECT_FALSE(std::filesystem::exists(proof));
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM courier_shipments WHERE proof_purged_at_ms IS NOT "
                       "NULL"),
            1);
}

// Only the addressee of the second shipment (still to deliver) may remain in
// the file: with one shipment, no byte of the name, phone or address is left
// in node.db or its WAL once purged.
TEST_F(CourierTest, PurgedDataIsGoneFromTheDatabaseFileAndWal) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  ASSERT_TRUE(Act(ShipmentAction::kDeliver).ok());
  const std::string db = CourierDir() + "/node.db";
  auto contains = [&](const std::string& needle) {
    return FileBytes(db).find(needle) != std::string::npos ||
           FileBytes(db + "-wal").find(needle) != std::string::npos;
  };
  EXPECT_TRUE(contains(kAddress));  // the check can see it while held
  Sync();
  ASSERT_TRUE(courier_->Get(kWaybill)->purged_at.has_value());
  EXPECT_FALSE(contains(kAddressee));
  EXPECT_FALSE(contains(kPhone));
  EXPECT_FALSE(contains(kAddress));
  EXPECT_FALSE(contains(kIdNumber));
}

TEST_F(CourierTest, ACourierNodeNeverStoresAnIdNumber) {
  Feed(*courier_store_, {Assignment("a-1", kWaybill)});
  ASSERT_TRUE(Act(ShipmentAction::kPickUp).ok());
  ASSERT_TRUE(Act(ShipmentAction::kGoOutForDelivery).ok());
  CourierActionRequest r;
  r.action = ShipmentAction::kDeliver;
  r.recipient_name = kTaker;
  r.id_suffix = kIdNumber;
  r.proof = Png();
  EXPECT_FALSE(courier_->Record(kWaybill, r).ok());
  ASSERT_TRUE(Act(ShipmentAction::kDeliver).ok());
  const std::string db = CourierDir() + "/node.db";
  EXPECT_EQ(FileBytes(db).find(kIdNumber), std::string::npos);
  EXPECT_EQ(FileBytes(db + "-wal").find(kIdNumber), std::string::npos);
  EXPECT_EQ(CourierInt("SELECT COUNT(*) FROM courier_shipments WHERE proof_hash IS NOT NULL"), 1);
}


// Migration 6 rebuilds dossier_attachments without its reference to
// dossiers: a desk's existing attachment rows survive it unchanged.
TEST(CourierMigrationTest, ExistingAttachmentsSurviveMigration6) {
  char tmpl[] = "/tmp/hoso-courier-mig-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    auto db = Database::Open(dir + "/node.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    std::vector<EmbeddedSql> five(NodeMigrationFiles().begin(), NodeMigrationFiles().begin() + 5);
    ASSERT_TRUE(Migrate(**db, five).ok());
    ASSERT_EQ((*db)->UserVersion().value(), 5);
    const std::string hash(64, 'a');
    ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys = OFF").ok());  // no dossiers row
    ASSERT_TRUE((*db)->Exec("INSERT INTO outbox_events (seq, event_id, type, schema_version, "
                            "payload, device_time_ms, prev_hash, hash) VALUES (1, 'e-1', "
                            "'attachment_added', 1, '{}', 1, zeroblob(32), zeroblob(32))").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO attachments VALUES ('" + hash +
                            "', 10, 'image/png', 10, 1, 1)").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO dossier_attachments VALUES ('" + std::string(kDossier) +
                            "', '" + hash + "', 'scan.png', NULL, 'Lê Thu Hà', 1, 1)").ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys = ON").ok());
    Status migrated = Migrate(**db, NodeMigrationFiles());
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    EXPECT_EQ((*db)->UserVersion().value(), static_cast<int>(NodeMigrationFiles().size()));
    EXPECT_EQ((*db)->QueryInt("SELECT COUNT(*) FROM dossier_attachments WHERE file_name = "
                              "'scan.png' AND actor = 'Lê Thu Hà' AND event_seq = 1")
                  .value(),
              1);
    EXPECT_EQ((*db)->QueryInt("SELECT COUNT(*) FROM sqlite_schema WHERE name = "
                              "'dossier_attachments_by_hash'")
                  .value(),
              1);
    EXPECT_EQ((*db)->QueryInt("SELECT COUNT(*) FROM pragma_foreign_key_list("
                              "'dossier_attachments') WHERE \"table\" = 'dossiers'")
                  .value(),
              0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hoso::node
