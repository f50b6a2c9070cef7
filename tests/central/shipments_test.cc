// Postal return at the central: the shipment fold (order-independent,
// conflicts kept), shipments created with the result of a dossier returned
// by post (and kept pending on an empty waybill pool), the dispatchers'
// routes over real HTTP on 127.0.0.1, and the assignment / unassignment
// down-sync items of courier nodes with their resend rules.
#include "central/shipments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "central/api.h"
#include "central/officer_api.h"
#include "central/waybills.h"
#include "schema/ids.h"
#include "schema/json_util.h"
#include "sync/http_client.h"
#include "sync/http_server.h"
#include "tests/central/users_test_util.h"

namespace hoso::central {
namespace {

using testing::kCentralId;
using testing::kT0;
using testing::kUnit;
using testing::TestNode;
using testing::UsersFixture;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kDay = 24 * 3'600'000;
constexpr char kIdNumber[] = "079188001234";
constexpr char kCourierUnit1[] = "000.00.31.H29";
constexpr char kCourierUnit2[] = "000.00.32.H29";

std::string Code(int n) { return *FormatDossierCode(kUnit, Date{2026, 3, 12}, n); }

class ShipmentsTest : public UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    AddUser("lan", Role::kSupervisor, kUnit, "Trần Thị Lan");
    AddUser("an", Role::kOfficer, kUnit, "Nguyễn Văn An");
    AddUser("dieu", Role::kDispatcher, kUnit, "Lê Điều");
    officer_ = std::make_unique<OfficerApi>(store_.get(), auth_.get(), users_.get());
    api_ =
        std::make_unique<CentralApi>(store_.get(), admin_.get(), ingestor_.get(), officer_.get());
    Serve(api_.get());
    desk_ = Enrol("desk-01", kUnit, 0);
    courier1_ = Enrol("courier-01", kCourierUnit1, 0, "courier");
    courier2_ = Enrol("courier-02", kCourierUnit2, 0, "courier");
  }
  void TearDown() override {
    if (server_) server_->Stop();
    client_.reset();
  }

  void FillPool() {
    WaybillAdmin pool(store_.get(), &clock_);
    ASSERT_TRUE(pool.AddRange("EB", 0, 99'999).ok());
  }

  // Dossier n received at the desk, returned by `method`.
  void Receive(int n, const std::string& method) {
    json::object p{{"procedure_id", "2.000620"},
                   {"applicant", json::object{{"name", "Nguyễn Văn An"},
                                              {"phone", "0903123456"},
                                              {"id_number", kIdNumber}}},
                   {"appointment_ms", kT0 + 10 * kDay},
                   {"lookup_secret_hash", "00ff"},
                   {"catalog_version", "2026.1"},
                   {"calendar_version", "2026.1"},
                   {"return_method", method},
                   {"postal_fee_vnd", 35000}};
    if (method == "post") p["delivery_address"] = "12 Lê Lợi, Phường Bến Nghé, Quận 1";
    Event e = NewEvent(EventType::kDossierReceived, "desk-01", kT0 + n, p);
    e.dossier_code = Code(n);
    const int64_t first = static_cast<int64_t>(desk_.log.size()) + 1;
    testing::Extend(desk_.log, {e});
    ASSERT_EQ(Apply(Batch(desk_, first, first)).result, "applied");
  }

  HttpResponse Call(const std::string& who, const std::string& method, const std::string& target,
                    const json::object& body = {}) {
    Headers h{{"Authorization", "Bearer " + LoginToken(who)}};
    auto r = client_->Send(method, target, method == "POST" ? ToJson(body) : "", h);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : HttpResponse{};
  }
  static json::object Body(const HttpResponse& r) {
    auto o = ParseJsonObject(r.body);
    return o.ok() ? *o : json::object();
  }
  static std::string ErrorCode(const HttpResponse& r) {
    json::object o = Body(r);
    return o.contains("error") ? std::string(o.at("error").at("code").as_string()) : "";
  }

  // Assigns a handler and records the result of dossier n over HTTP.
  HttpResponse RecordResult(int n) {
    HttpResponse a =
        Call("lan", "POST", "/api/officer/dossiers/" + Code(n) + "/assign", {{"handler", "an"}});
    EXPECT_EQ(a.status, 200) << a.body;
    return Call("an", "POST", "/api/officer/dossiers/" + Code(n) + "/result",
                {{"outcome", "approved"}});
  }
  // The waybill of dossier n's shipment after its result ("" if none).
  std::string ShipDossier(int n) {
    Receive(n, "post");
    HttpResponse r = RecordResult(n);
    EXPECT_EQ(r.status, 200) << r.body;
    json::object b = Body(r);
    if (!b.contains("shipment") || !b.at("shipment").is_object() ||
        !b.at("shipment").as_object().contains("waybill")) {
      return "";
    }
    return std::string(b.at("shipment").at("waybill").as_string());
  }
  HttpResponse Assign(const std::string& who, const std::string& waybill,
                      const std::string& courier) {
    return Call(who, "POST", "/api/dispatch/shipments/" + waybill + "/assign",
                {{"courier", courier}});
  }

  std::optional<ShipmentProjection> Shipment(const std::string& waybill) {
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    auto p = LoadShipment(**db, waybill);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : std::nullopt;
  }

  // A courier event of the shipment appended to the node's log and sent
  // (alone) over `channel`; returns the down-sync items.
  std::vector<json::object> CourierSends(TestNode& n, EventType type, const std::string& waybill,
                                         int dossier, json::object payload, UnixMs at,
                                         Channel channel = Channel::kHttp) {
    Event e = NewEvent(type, n.node_id, at, std::move(payload));
    e.waybill = waybill;
    e.dossier_code = Code(dossier);
    const int64_t first = static_cast<int64_t>(n.log.size()) + 1;
    testing::Extend(n.log, {e});
    IngestReport r = Apply(Batch(n, first, first), channel);
    EXPECT_EQ(r.result, "applied") << (r.refusal ? r.refusal->ToString() : "");
    return OpenDownSync(r.downsync, n).items;
  }
  // A poll of the node (no events) over `channel`; its items.
  std::vector<json::object> Poll(const TestNode& n, Channel channel = Channel::kHttp) {
    const int64_t next = static_cast<int64_t>(n.log.size()) + 1;
    IngestReport r = Apply(Batch(n, next, next - 1), channel);
    EXPECT_EQ(r.result, "poll") << (r.refusal ? r.refusal->ToString() : "");
    return OpenDownSync(r.downsync, n).items;
  }
  static std::vector<json::object> OfKind(const std::vector<json::object>& items,
                                          const std::string& kind) {
    std::vector<json::object> out;
    for (const json::object& i : items) {
      if (i.at("kind").as_string() == kind) out.push_back(i);
    }
    return out;
  }

  TestNode desk_;
  TestNode courier1_;
  TestNode courier2_;
  std::unique_ptr<OfficerApi> officer_;
  std::unique_ptr<CentralApi> api_;
};

// ---- Creation -------------------------------------------------------------------

TEST_F(ShipmentsTest, AResultReturnedByPostCreatesItsShipmentInTheSameTransaction) {
  FillPool();
  Receive(1, "post");
  HttpResponse r = RecordResult(1);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = Body(r);
  const std::string waybill(body.at("shipment").at("waybill").as_string());
  EXPECT_TRUE(ValidateWaybill(waybill).ok()) << waybill;
  EXPECT_EQ(body.at("shipment").at("state").as_string(), "requested");

  std::optional<ShipmentProjection> s = Shipment(waybill);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->dossier_code, Code(1));
  EXPECT_EQ(s->state, ShipmentState::kRequested);
  EXPECT_EQ(s->recipient_name, "Nguyễn Văn An");
  EXPECT_EQ(s->phone, "0903123456");
  EXPECT_EQ(s->address, "12 Lê Lợi, Phường Bến Nghé, Quận 1");
  EXPECT_EQ(s->postal_fee_vnd, 35000);
  EXPECT_EQ(s->origin_node_id, "desk-01");
  EXPECT_FALSE(s->courier_node_id.has_value());
  // The central's chain: result then shipment_created, with the waybill and
  // the desk as the node it flows to.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE type = 'shipment_created' AND "
                "waybill = '" +
                waybill + "' AND origin_node_id = 'desk-01' AND actor = 'an'"),
            1);
  EXPECT_EQ(Int("SELECT seq FROM central_events WHERE type = 'shipment_created'"),
            Int("SELECT seq FROM central_events WHERE type = 'result_recorded'") + 1);
  // Its waybill comes from a block the central allocated to itself.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_waybill_blocks"), 1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM waybill_blocks WHERE prefix = 'EB' AND first <= " +
                std::to_string(std::stoll(waybill.substr(2, 8))) +
                " AND last >= " + std::to_string(std::stoll(waybill.substr(2, 8)))),
            0);
  // The desk is sent it with the envelope's waybill, so it validates there.
  std::vector<json::object> events = OfKind(Poll(desk_), "event");
  bool seen = false;
  for (const json::object& item : events) {
    auto e = EventFromJsonObject(item.at("event").as_object());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    if (e->type == EventType::kShipmentCreated) {
      seen = true;
      EXPECT_EQ(e->waybill, waybill);
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(ShipmentsTest, AResultReturnedAtTheDeskCreatesNoShipment) {
  FillPool();
  Receive(1, "desk");
  HttpResponse r = RecordResult(1);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(Body(r).contains("shipment"));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM shipments"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE type = 'shipment_created'"), 0);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM pending_shipments"), 0);
}

TEST_F(ShipmentsTest, AnEmptyPoolKeepsTheResultAndTheShipmentWaitsUntilTheRangeIsAdded) {
  Receive(1, "post");
  HttpResponse r = RecordResult(1);
  ASSERT_EQ(r.status, 200) << r.body;
  const json::object body = Body(r);
  EXPECT_EQ(body.at("dossier").at("status").as_int64(), 9);
  EXPECT_EQ(body.at("shipment").at("pending").at("code").as_string(), "waybill_pool_empty");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM shipments"), 0);
  HttpResponse pending = Call("dieu", "GET", "/api/dispatch/pending");
  ASSERT_EQ(pending.status, 200);
  ASSERT_EQ(Body(pending).at("pending").as_array().size(), 1u);
  EXPECT_EQ(Body(pending).at("pending").at(0).at("dossier_code").as_string(), Code(1));
  // Still empty: a clear refusal, nothing lost.
  HttpResponse again = Call("dieu", "POST", "/api/dispatch/pending/create");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(ErrorCode(again), "waybill_pool_empty");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM pending_shipments"), 1);

  FillPool();
  HttpResponse created = Call("dieu", "POST", "/api/dispatch/pending/create");
  ASSERT_EQ(created.status, 200) << created.body;
  ASSERT_EQ(Body(created).at("created").as_array().size(), 1u);
  EXPECT_EQ(Body(created).at("pending").as_array().size(), 0u);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM shipments WHERE dossier_code = '" + Code(1) +
                "' AND state = 'requested'"),
            1);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM pending_shipments"), 0);
  EXPECT_EQ(Audit("shipment.create").size(), 1u);
  // A second run creates no second shipment.
  EXPECT_EQ(Call("dieu", "POST", "/api/dispatch/pending/create").status, 200);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM shipments"), 1);
}

// ---- The fold ---------------------------------------------------------------------

ShipmentEvent Ev(const std::string& node, int64_t seq, EventType type, UnixMs at,
                 json::object payload = {}) {
  ShipmentEvent e;
  e.node_id = node;
  e.seq = seq;
  e.event_id = node + "-" + std::to_string(seq);
  e.type = type;
  e.payload = std::move(payload);
  e.device_time_ms = at;
  e.by_central = node == kCentralId;
  e.dossier_code = Code(1);
  return e;
}

TEST(ShipmentFoldTest, EveryOrderOfTheSameEventsGivesTheSameShipment) {
  const std::vector<ShipmentEvent> events = {
      // The courier's clock runs 10 minutes behind the central's.
      Ev(kCentralId, 1, EventType::kShipmentCreated, kT0 + 600'000,
         {{"block_id", "central-1"},
          {"recipient_name", "An"},
          {"address", "12 Lê Lợi"},
          {"postal_fee_vnd", 35000}}),
      Ev(kCentralId, 2, EventType::kShipmentAssigned, kT0 + 600'001,
         {{"courier_node_id", "courier-01"}}),
      Ev("courier-01", 1, EventType::kShipmentPickedUp, kT0 + 1000),
      Ev("courier-01", 2, EventType::kShipmentOutForDelivery, kT0 + 2000),
      Ev("courier-01", 3, EventType::kShipmentFailedAttempt, kT0 + 3000, {{"reason", "not_home"}}),
      Ev("courier-01", 4, EventType::kShipmentOutForDelivery, kT0 + 900'000),
      Ev("courier-01", 5, EventType::kShipmentDelivered, kT0 + 901'000,
         {{"recipient_name", "An"}, {"proof_hash", "ab"}, {"fee_collected_vnd", 35000}}),
  };
  std::vector<size_t> order(events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::optional<std::string> reference;
  int permutations = 0;
  do {
    std::vector<ShipmentEvent> shuffled;
    for (size_t i : order) shuffled.push_back(events[i]);
    const std::string got = ToJson(FoldShipment("EB000000019VN", shuffled).ToJson());
    if (!reference) reference = got;
    ASSERT_EQ(got, *reference) << "permutation " << permutations;
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 5040);
  const ShipmentProjection p = FoldShipment("EB000000019VN", events);
  EXPECT_EQ(p.state, ShipmentState::kDelivered);
  EXPECT_EQ(p.courier_node_id, "courier-01");
  EXPECT_EQ(p.attempts, 2);
  EXPECT_EQ(p.fee_collected_vnd, 35000);
  EXPECT_TRUE(p.conflicts.empty()) << ToJson(p.ToJson());
}

TEST(ShipmentFoldTest, RefusedTransitionsAreConflictsAndNeverOverwriteTheState) {
  std::vector<ShipmentEvent> events = {
      Ev(kCentralId, 1, EventType::kShipmentCreated, kT0,
         {{"block_id", "central-1"},
          {"recipient_name", "An"},
          {"address", "x"},
          {"postal_fee_vnd", 0}}),
      Ev("courier-01", 1, EventType::kShipmentPickedUp, kT0 + 1000),
      // Delivered without going out for delivery first.
      Ev("courier-01", 2, EventType::kShipmentDelivered, kT0 + 2000,
         {{"recipient_name", "An"}, {"proof_hash", "ab"}}),
      // Assigned after the pick-up.
      Ev(kCentralId, 2, EventType::kShipmentAssigned, kT0 + 3000,
         {{"courier_node_id", "courier-02"}}),
  };
  const ShipmentProjection p = FoldShipment("EB000000019VN", events);
  EXPECT_EQ(p.state, ShipmentState::kPickedUp);
  EXPECT_FALSE(p.courier_node_id.has_value());
  ASSERT_EQ(p.conflicts.size(), 2u);
  EXPECT_EQ(p.conflicts[0].event_id, "courier-01-2");
  EXPECT_EQ(p.conflicts[1].event_id, std::string(kCentralId) + "-2");
  EXPECT_NE(p.conflicts[1].reason.find("picked_up"), std::string::npos) << p.conflicts[1].reason;
  EXPECT_EQ(p.event_count, 4);
  EXPECT_EQ(p.last_event_id, "courier-01-1");
}

TEST_F(ShipmentsTest, TwoDifferentDeliveriesAreBothKeptAsAConflictWhateverTheArrivalOrder) {
  FillPool();
  const std::string waybill = ShipDossier(1);
  ASSERT_FALSE(waybill.empty());
  ASSERT_EQ(Assign("dieu", waybill, "courier-01").status, 200);
  const UnixMs t = clock_.NowMs();
  // The second courier's delivery (later on its clock) arrives first.
  CourierSends(courier2_, EventType::kShipmentDelivered, waybill, 1,
               {{"recipient_name", "Người khác"}, {"proof_hash", "cd"}, {"fee_collected_vnd", 1}},
               t + 50'000);
  EXPECT_EQ(Shipment(waybill)->state, ShipmentState::kRequested);
  EXPECT_EQ(Shipment(waybill)->conflict_count, 1);
  CourierSends(courier1_, EventType::kShipmentPickedUp, waybill, 1, {}, t + 10'000);
  CourierSends(courier1_, EventType::kShipmentOutForDelivery, waybill, 1, {}, t + 20'000);
  CourierSends(
      courier1_, EventType::kShipmentDelivered, waybill, 1,
      {{"recipient_name", "Nguyễn Văn An"}, {"proof_hash", "ab"}, {"fee_collected_vnd", 35000}},
      t + 30'000);
  std::optional<ShipmentProjection> s = Shipment(waybill);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->state, ShipmentState::kDelivered);
  EXPECT_EQ(s->fee_collected_vnd, 35000);
  ASSERT_EQ(s->conflicts.size(), 1u);
  EXPECT_EQ(s->conflicts[0].node_id, "courier-02");
  EXPECT_NE(s->conflicts[0].reason.find("second delivery record"), std::string::npos)
      << s->conflicts[0].reason;
  EXPECT_EQ(Int("SELECT COUNT(*) FROM events WHERE type = 'shipment_delivered' AND waybill = '" +
                waybill + "'"),
            2);
  // The dossier is returned by the delivery in force.
  EXPECT_EQ(Int("SELECT status FROM dossiers WHERE dossier_code = '" + Code(1) + "'"), 10);
}

// ---- Dispatch -------------------------------------------------------------------

TEST_F(ShipmentsTest, DispatcherListsFiltersAndAssignsShipmentsAndReadsOneWithItsEvents) {
  FillPool();
  const std::string w1 = ShipDossier(1);
  const std::string w2 = ShipDossier(2);
  ASSERT_FALSE(w1.empty());
  ASSERT_FALSE(w2.empty());
  HttpResponse couriers = Call("dieu", "GET", "/api/dispatch/couriers");
  ASSERT_EQ(couriers.status, 200) << couriers.body;
  const json::object couriers_body = Body(couriers);
  const auto& list = couriers_body.at("couriers").as_array();
  ASSERT_EQ(list.size(), 2u);  // the desk is not a courier
  EXPECT_EQ(list[0].at("node_id").as_string(), "courier-01");

  HttpResponse a = Assign("dieu", w1, "courier-01");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(Body(a).at("shipment").at("courier_node_id").as_string(), "courier-01");
  auto count = [&](const std::string& query) {
    HttpResponse r = Call("dieu", "GET", "/api/dispatch/shipments" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r).at("shipments").as_array().size();
  };
  EXPECT_EQ(count(""), 2u);
  EXPECT_EQ(count("?unassigned=1"), 1u);
  EXPECT_EQ(count("?courier=courier-01"), 1u);
  EXPECT_EQ(count("?state=requested"), 2u);
  EXPECT_EQ(count("?state=delivered"), 0u);
  EXPECT_EQ(ErrorCode(Call("dieu", "GET", "/api/dispatch/shipments?state=lost")), "bad_request");
  EXPECT_EQ(
      Body(Call("dieu", "GET", "/api/dispatch/couriers")).at("couriers").at(0).at("open_shipments"),
      1);

  HttpResponse one = Call("lan", "GET", "/api/dispatch/shipments/" + w1);
  ASSERT_EQ(one.status, 200) << one.body;
  const json::object one_body = Body(one);
  const auto& timeline = one_body.at("shipment").at("timeline").as_array();
  ASSERT_EQ(timeline.size(), 2u);
  EXPECT_EQ(timeline[0].at("type").as_string(), "shipment_created");
  EXPECT_EQ(timeline[1].at("type").as_string(), "shipment_assigned");
  EXPECT_EQ(timeline[1].at("actor").as_string(), "dieu");
  EXPECT_EQ(Call("dieu", "GET", "/api/dispatch/shipments/EB999999995VN").status, 404);
  // Officers do not dispatch.
  EXPECT_EQ(ErrorCode(Assign("an", w2, "courier-01")), "forbidden");
  // Each assignment is an event and an audit row.
  std::vector<AuditEntry> audit = Audit("shipment.assign");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].target, w1);
}

TEST_F(ShipmentsTest, AssignmentIsRefusedForUnknownShipmentsAndNodesAndAfterThePickUp) {
  FillPool();
  const std::string w = ShipDossier(1);
  ASSERT_FALSE(w.empty());
  HttpResponse r = Assign("dieu", "EB999999995VN", "courier-01");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "not_found");
  r = Assign("dieu", w, "courier-99");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(ErrorCode(r), "unknown_courier");
  r = Assign("dieu", w, "desk-01");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(ErrorCode(r), "not_a_courier");
  EXPECT_EQ(ErrorCode(Call("dieu", "POST", "/api/dispatch/shipments/" + w + "/assign")),
            "bad_request");

  ASSERT_EQ(Assign("dieu", w, "courier-01").status, 200);
  r = Assign("dieu", w, "courier-01");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorCode(r), "already_assigned");
  r = Assign("lan", w, "courier-02");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Shipment(w)->courier_node_id, "courier-02");
  EXPECT_EQ(Audit("shipment.reassign").size(), 1u);

  CourierSends(courier2_, EventType::kShipmentPickedUp, w, 1, {}, clock_.NowMs() + 1000);
  r = Assign("dieu", w, "courier-01");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorCode(r), "invalid_transition");
  EXPECT_EQ(Shipment(w)->courier_node_id, "courier-02");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM central_events WHERE type = 'shipment_assigned'"), 2);
}

TEST_F(ShipmentsTest, TheDispatchPageIsServedWithItsStableElementIds) {
  auto r = client_->Send("GET", "/dispatch", "", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  EXPECT_NE(r->body.find("<html lang=\"vi\">"), std::string::npos);
  for (const char* id : {"login-form", "shipment-rows", "filter-state", "filter-courier",
                         "filter-unassigned", "pending-create", "sd-timeline", "lang"}) {
    EXPECT_NE(r->body.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  // No external assets.
  EXPECT_EQ(r->body.find("http://"), std::string::npos);
  EXPECT_EQ(r->body.find("https://"), std::string::npos);
}

// ---- Down-sync ------------------------------------------------------------------

TEST_F(ShipmentsTest, AnAssignmentGoesOnlyToItsCourierWithNoPersonalFieldButNamePhoneAddress) {
  FillPool();
  const std::string w = ShipDossier(1);
  ASSERT_FALSE(w.empty());
  HttpResponse a = Assign("dieu", w, "courier-01");
  ASSERT_EQ(a.status, 200);
  const std::string assignment_id(Body(a).at("shipment").at("assignment_id").as_string());

  std::vector<json::object> items = OfKind(Poll(courier1_), "assignment");
  ASSERT_EQ(items.size(), 1u);
  const json::object& item = items[0];
  const std::set<std::string> allowed = {
      "kind",  "assignment_id", "waybill",        "dossier_code",   "recipient_name",
      "phone", "address",       "postal_fee_vnd", "procedure_name", "assigned_at_ms"};
  for (const auto& m : item) EXPECT_EQ(allowed.count(std::string(m.key())), 1u) << m.key();
  EXPECT_EQ(item.at("assignment_id").as_string(), assignment_id);
  EXPECT_EQ(item.at("waybill").as_string(), w);
  EXPECT_EQ(item.at("dossier_code").as_string(), Code(1));
  EXPECT_EQ(item.at("recipient_name").as_string(), "Nguyễn Văn An");
  EXPECT_EQ(item.at("phone").as_string(), "0903123456");
  EXPECT_EQ(item.at("address").as_string(), "12 Lê Lợi, Phường Bến Nghé, Quận 1");
  EXPECT_EQ(item.at("postal_fee_vnd").as_int64(), 35000);
  EXPECT_FALSE(item.at("procedure_name").as_string().empty());
  EXPECT_EQ(ToJson(item).find(kIdNumber), std::string::npos);
  // Nobody else gets it.
  EXPECT_TRUE(OfKind(Poll(courier2_), "assignment").empty());
  EXPECT_TRUE(OfKind(Poll(desk_), "assignment").empty());
  for (const json::object& i : Poll(desk_)) EXPECT_EQ(ToJson(i).find(kIdNumber), std::string::npos);

  // Reassigned: the first courier is told to drop it, the second gets it.
  ASSERT_EQ(Assign("dieu", w, "courier-02").status, 200);
  std::vector<json::object> first = Poll(courier1_);
  EXPECT_TRUE(OfKind(first, "assignment").empty());
  std::vector<json::object> drop = OfKind(first, "unassignment");
  ASSERT_EQ(drop.size(), 1u);
  EXPECT_EQ(drop[0].at("assignment_id").as_string(), assignment_id);
  EXPECT_EQ(drop[0].at("waybill").as_string(), w);
  EXPECT_EQ(drop[0].at("reason").as_string(), "reassigned");
  EXPECT_EQ(drop[0].size(), 4u);
  std::vector<json::object> second = OfKind(Poll(courier2_), "assignment");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].at("assignment_id").as_string(), assignment_id);
}

TEST_F(ShipmentsTest, AnAssignmentIsSentAgainUntilTheCourierEvidentlyHoldsIt) {
  FillPool();
  const std::string w = ShipDossier(1);
  ASSERT_FALSE(w.empty());
  ASSERT_EQ(Assign("dieu", w, "courier-01").status, 200);
  // Polls and files prove nothing: sent every time.
  EXPECT_EQ(OfKind(Poll(courier1_), "assignment").size(), 1u);
  EXPECT_EQ(OfKind(Poll(courier1_), "assignment").size(), 1u);
  EXPECT_EQ(OfKind(Poll(courier1_, Channel::kFile), "assignment").size(), 1u);
  // A batch of another kind of event moves the high water and carries it.
  json::object ticket = testing::TicketPayload(1);
  Event e = NewEvent(EventType::kTicketIssued, "courier-01", clock_.NowMs(), ticket);
  testing::Extend(courier1_.log, {e});
  IngestReport r = Apply(Batch(courier1_, 1, 1));
  ASSERT_EQ(r.result, "applied");
  EXPECT_EQ(OfKind(OpenDownSync(r.downsync, courier1_).items, "assignment").size(), 1u);
  // The next HTTP request starts right after it: that answer arrived.
  EXPECT_TRUE(OfKind(Poll(courier1_), "assignment").empty());
  EXPECT_TRUE(OfKind(Poll(courier1_, Channel::kFile), "assignment").empty());
}

TEST_F(ShipmentsTest, AnEventOfTheCourierCarryingTheWaybillEndsTheResending) {
  FillPool();
  const std::string w = ShipDossier(1);
  ASSERT_FALSE(w.empty());
  ASSERT_EQ(Assign("dieu", w, "courier-01").status, 200);
  // Sent on a file (proves nothing), then the courier's pick-up arrives on
  // a file too: it evidently holds the assignment.
  EXPECT_EQ(OfKind(Poll(courier1_, Channel::kFile), "assignment").size(), 1u);
  std::vector<json::object> items = CourierSends(courier1_, EventType::kShipmentPickedUp, w, 1, {},
                                                 clock_.NowMs() + 1000, Channel::kFile);
  EXPECT_TRUE(OfKind(items, "assignment").empty());
  EXPECT_TRUE(OfKind(Poll(courier1_, Channel::kFile), "assignment").empty());
  EXPECT_EQ(Shipment(w)->state, ShipmentState::kPickedUp);
}

}  // namespace
}  // namespace hoso::central
