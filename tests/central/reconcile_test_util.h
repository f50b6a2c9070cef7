// Fixture of the reconciliation, dashboard and metrics tests: a central with
// users, a desk node and a courier node enrolled with real keys, and a known
// data set put in as real signed batches (desk intake, a shipment_created
// authored by the desk, courier events) and officers' actions recorded at
// the central, so that every rule of central/reconcile.h has a dossier,
// waybill or node that triggers it and one that does not.
//
// Thread-safety: test code; the fixture belongs to the test's main thread.
#ifndef HOSO_TESTS_CENTRAL_RECONCILE_TEST_UTIL_H_
#define HOSO_TESTS_CENTRAL_RECONCILE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "central/dossiers.h"
#include "central/reconcile.h"
#include "schema/calendar.h"
#include "schema/holidays.h"
#include "schema/ids.h"
#include "tests/central/central_test_util.h"
#include "tests/central/users_test_util.h"

namespace hoso::central::testing {

constexpr int64_t kH = kMsPerHour;
constexpr int64_t kD = kMsPerDay;
constexpr char kDesk[] = "desk-01";
constexpr char kCourier[] = "courier-01";
constexpr char kProcedure[] = "2.000620";  // 8 working days in the catalog
// The report's "now" in the data set: every appointment has passed.
constexpr UnixMs kAsOf = kT0 + 30 * kD;

inline std::string DossierCode(int n) { return *FormatDossierCode(kUnit, Date{2026, 3, 12}, n); }

inline std::string Waybill(int n) {
  const std::string digits = std::to_string(10'000'000 + n);
  return "EB" + digits + std::to_string(S10CheckDigit(10'000'000 + n)) + "VN";
}

inline Event At(EventType type, const std::string& node, UnixMs t, json::object payload,
                const std::string& code = "", const std::string& waybill = "") {
  Event e = NewEvent(type, node, t, std::move(payload));
  if (!code.empty()) e.dossier_code = code;
  if (!waybill.empty()) e.waybill = waybill;
  e.actor = node == kCourier ? "buu-ta-01" : "le-thi-thu";
  return e;
}

class ReconcileFixture : public UsersFixture {
 protected:
  void SetUp() override {
    UsersFixture::SetUp();
    std::ifstream in(DataDir() + "/calendar.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto data = ParseCalendarData(ss.str());
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    auto cal = WorkingCalendar::ForSite(*data);
    ASSERT_TRUE(cal.ok());
    calendar_ = std::make_unique<WorkingCalendar>(*cal);
    desk_ = Enrol(kDesk, kUnit, 0);
    courier_ = Enrol(kCourier, "000.00.99.H29", 0, "courier");
  }

  // Chains `events` onto the node's log and applies them as one signed batch
  // at the fixture clock's time; the header says `extra_unacked` more events
  // wait on the node.
  void Send(TestNode& n, std::vector<Event> events, int64_t extra_unacked = 0) {
    const int64_t first = static_cast<int64_t>(n.log.size()) + 1;
    Extend(n.log, std::move(events));
    sync::EncodeOptions o;
    o.unacked_events = static_cast<int64_t>(n.log.size()) - first + 1 + extra_unacked;
    IngestReport r = Apply(Batch(n, first, static_cast<int64_t>(n.log.size()), o));
    ASSERT_EQ(r.result, "applied") << (r.refusal ? r.refusal->ToString() : "");
  }

  UnixMs Due(UnixMs received) { return *calendar_->DueWorkingDays(received, 8); }

  json::object Received(UnixMs appointment, bool post,
                        const std::string& catalog_version = "2026.1") {
    json::object p{{"procedure_id", kProcedure},
                   {"applicant", json::object{{"name", "Công ty TNHH Ánh Dương, chi nhánh 2"}}},
                   {"appointment_ms", appointment},
                   {"lookup_secret_hash", "00ff"},
                   {"catalog_version", catalog_version},
                   {"calendar_version", "2026.1"},
                   {"return_method", post ? "post" : "desk"}};
    if (post) {
      p["delivery_address"] = "12 Lê Lợi, Phường Bến Nghé, Quận 1";
      p["postal_fee_vnd"] = 25000;
    }
    return p;
  }

  Event Created(int n, UnixMs t, int64_t fee = 25000) {
    return At(EventType::kShipmentCreated, kDesk, t,
              json::object{{"block_id", "1"},
                           {"recipient_name", "Nguyễn Văn An"},
                           {"address", "12 Lê Lợi, Quận 1"},
                           {"postal_fee_vnd", fee}},
              DossierCode(n), Waybill(n));
  }
  Event Courier(EventType type, int n, UnixMs t, json::object payload = {}) {
    return At(type, kCourier, t, std::move(payload), DossierCode(n), Waybill(n));
  }
  Event Delivered(int n, UnixMs t, int64_t fee = 25000) {
    return Courier(EventType::kShipmentDelivered, n, t,
                   json::object{{"recipient_name", "Nguyễn Văn An"},
                                {"proof_hash", std::string(64, 'a')},
                                {"fee_collected_vnd", fee}});
  }
  std::vector<Event> Attempts(int n, UnixMs t, int failures) {
    std::vector<Event> out;
    for (int i = 0; i < failures; ++i) {
      out.push_back(Courier(EventType::kShipmentOutForDelivery, n, t + i * kH,
                            json::object{{"attempt", i + 1}}));
      out.push_back(Courier(EventType::kShipmentFailedAttempt, n, t + i * kH + kH / 2,
                            json::object{{"reason", "not_home"}}));
    }
    return out;
  }

  // An officer's action at `t` (the fixture clock moves there).
  void Officer(int n, EventType type, json::object payload, UnixMs t) {
    clock_.Set(t);
    auto db = store_->Db();
    ASSERT_TRUE(db.ok());
    Actor a;
    a.name = "tran.van.binh";
    auto r = RecordOfficerAction(**db, kCentralId, a, DossierCode(n), type, std::move(payload), t);
    ASSERT_TRUE(r.ok()) << DossierCode(n) << " " << EventTypeName(type) << ": "
                        << r.refusal().ToString();
  }
  void Decide(int n, UnixMs t) {
    Officer(n, EventType::kHandlerAssigned,
            json::object{{"unit_code", kUnit}, {"handler_id", "an"}, {"handler_name", "Cán bộ An"}},
            t - kH);
    Officer(n, EventType::kResultRecorded, json::object{{"outcome", "approved"}}, t);
  }

  // The data set (dossier n, waybill n):
  //   1  post; delivered at T0+3h, result only at T0+1d     delivered_before_result
  //   2  post; result T0+1d, delivered T0+1d+2h             (nothing)
  //   3  desk; result, returned at the desk, and delivered  two_deliveries
  //   4  post; result on its appointment day, never picked  result_not_dispatched
  //   6  post; result, picked up, then nothing             dispatched_not_delivered
  //   7  post; three failed attempts                        failed_attempts_no_return
  //   8  post; three failed attempts, then returned        (not failed_attempts...)
  //   9  post; the courier collected 30000 instead of 25000 postal_fee_mismatch
  //  10  desk; result late, not yet collected               (nothing)
  //  11  the receipt's appointment one day off, no result  appointment_mismatch,
  //                                                          overdue_without_apology
  //  12  a catalog version the central does not hold       (unchecked), overdue
  //  13  apology issued                                     (not overdue)
  // The desk last synced at T0+2d saying 5 more events wait: node_silent_with_backlog.
  // The courier's last batch said nothing waits.
  void Scenario() {
    std::vector<Event> intake;
    for (int n : {1, 2, 4, 6, 7, 8, 9}) {
      intake.push_back(At(EventType::kDossierReceived, kDesk, kT0 + n * 60'000,
                          Received(Due(kT0 + n * 60'000), true), DossierCode(n)));
    }
    for (int n : {3, 10, 13}) {
      intake.push_back(At(EventType::kDossierReceived, kDesk, kT0 + n * 60'000,
                          Received(Due(kT0 + n * 60'000), false), DossierCode(n)));
    }
    intake.push_back(At(EventType::kDossierReceived, kDesk, kT0 + 11 * 60'000,
                        Received(Due(kT0 + 11 * 60'000) + kD, false), DossierCode(11)));
    intake.push_back(At(EventType::kDossierReceived, kDesk, kT0 + 12 * 60'000,
                        Received(Due(kT0 + 12 * 60'000), false, "2025.9"), DossierCode(12)));
    // The desk hands each postal result (and dossier 3's) to the post itself.
    for (int n : {1, 2, 3, 4, 6, 7, 8, 9}) intake.push_back(Created(n, kT0 + kH));
    clock_.Set(kT0 + kH);
    Send(desk_, std::move(intake));

    clock_.Set(kT0 + 4 * kH);
    Send(courier_, {Courier(EventType::kShipmentPickedUp, 1, kT0 + 2 * kH),
                    Courier(EventType::kShipmentOutForDelivery, 1, kT0 + 2 * kH + kH / 2),
                    Delivered(1, kT0 + 3 * kH)});

    for (int n : {1, 2, 3, 6, 7, 8, 9}) Decide(n, kT0 + kD + n * 60'000);
    Decide(4, Due(kT0 + 4 * 60'000) - kH);           // on time, on its day
    Decide(10, Due(kT0 + 10 * 60'000) + 2 * kD);     // late
    Officer(13, EventType::kHandlerAssigned,
            json::object{{"unit_code", kUnit}, {"handler_id", "an"}, {"handler_name", "Cán bộ An"}},
            kT0 + kD);
    Officer(13, EventType::kApologyIssued,
            json::object{{"new_appointment_ms", kT0 + 40 * kD}, {"reason", "chờ thẩm định"}},
            kT0 + kD + kH);

    std::vector<Event> courier;
    for (int n : {2, 6, 7, 8, 9}) {
      courier.push_back(Courier(EventType::kShipmentPickedUp, n, kT0 + kD + kH));
    }
    courier.push_back(Courier(EventType::kShipmentOutForDelivery, 2, kT0 + kD + kH + kH / 2));
    courier.push_back(Delivered(2, kT0 + kD + 2 * kH));
    for (Event& e : Attempts(7, kT0 + kD + 2 * kH, 3)) courier.push_back(std::move(e));
    for (Event& e : Attempts(8, kT0 + kD + 2 * kH, 3)) courier.push_back(std::move(e));
    courier.push_back(Courier(EventType::kShipmentReturned, 8, kT0 + 2 * kD,
                              json::object{{"reason", "không có người nhận"}}));
    courier.push_back(Courier(EventType::kShipmentOutForDelivery, 9, kT0 + kD + 3 * kH));
    courier.push_back(Delivered(9, kT0 + kD + 4 * kH, 30000));
    courier.push_back(Courier(EventType::kShipmentPickedUp, 3, kT0 + 2 * kD));
    courier.push_back(Courier(EventType::kShipmentOutForDelivery, 3, kT0 + 2 * kD + kH / 2));
    courier.push_back(Delivered(3, kT0 + 2 * kD + kH));
    clock_.Set(kT0 + 2 * kD + 2 * kH);
    Send(courier_, std::move(courier));

    clock_.Set(kT0 + 2 * kD + 3 * kH);
    Send(desk_,
         {At(EventType::kResultReturned, kDesk, kT0 + 2 * kD,
             json::object{{"recipient_name", "Trần Thị Bích"}}, DossierCode(3))},
         /*extra_unacked=*/5);
  }

  ReconcileReport Report(ReconcileOptions o = ReconcileOptions()) {
    if (o.as_of_ms == 0) o.as_of_ms = kAsOf;
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    auto r = BuildReconcileReport(**db, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ReconcileReport();
  }

  static const ReconcileItem* Find(const ReconcileReport& r, const std::string& id) {
    for (const ReconcileItem& it : r.items) {
      if (it.item_id == id) return &it;
    }
    return nullptr;
  }
  static std::string Id(const char* rule, const std::string& subject) {
    return std::string(rule) + ":" + subject;
  }

  std::unique_ptr<WorkingCalendar> calendar_;
  TestNode desk_;
  TestNode courier_;
};

}  // namespace hoso::central::testing

#endif  // HOSO_TESTS_CENTRAL_RECONCILE_TEST_UTIL_H_
