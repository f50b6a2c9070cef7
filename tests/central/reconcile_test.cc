// The reconciliation report (central/reconcile.h): each rule with a case
// that triggers it and one that does not, on a data set of real signed node
// batches and officers' actions; resolution and reappearance; the CSV form.
#include "central/reconcile.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "central/audit.h"
#include "tests/central/reconcile_test_util.h"

namespace hoso::central {
namespace {

using testing::At;
using testing::DossierCode;
using testing::kAsOf;
using testing::kCourier;
using testing::kD;
using testing::kDesk;
using testing::kH;
using testing::kT0;
using testing::Waybill;

class ReconcileTest : public testing::ReconcileFixture {
 protected:
  void SetUp() override {
    ReconcileFixture::SetUp();
    Scenario();
  }

  Outcome<ReconcileItem> Resolve(const std::string& id, const std::string& note,
                                 std::optional<std::string> facts_hash = std::nullopt,
                                 UnixMs now = kAsOf) {
    auto db = store_->Db();
    EXPECT_TRUE(db.ok());
    Actor a;
    a.name = "giam.sat";
    ResolveRequest r;
    r.item_id = id;
    r.note = note;
    r.facts_hash = std::move(facts_hash);
    ReconcileOptions o;
    o.as_of_ms = now;
    return ResolveItem(**db, testing::kCentralId, a, r, o, now);
  }

  // Every item id of the report, for readable failure messages.
  static std::vector<std::string> Ids(const ReconcileReport& r) {
    std::vector<std::string> out;
    for (const ReconcileItem& it : r.items) out.push_back(it.item_id);
    return out;
  }
};

TEST_F(ReconcileTest, TheDataSetGivesExactlyTheExpectedItems) {
  const std::vector<std::string> expected = {
      Id(kRuleDeliveredBeforeResult, DossierCode(1)),
      Id(kRuleResultNotDispatched, DossierCode(4)),
      Id(kRuleDispatchedNotDelivered, Waybill(6)),
      Id(kRuleDispatchedNotDelivered, Waybill(7)),
      Id(kRuleFailedAttemptsNoReturn, Waybill(7)),
      Id(kRuleTwoDeliveries, DossierCode(3)),
      Id(kRulePostalFee, Waybill(9)),
      Id(kRuleAppointmentMismatch, DossierCode(11)),
      Id(kRuleOverdueNoApology, DossierCode(11)),
      Id(kRuleOverdueNoApology, DossierCode(12)),
      Id(kRuleNodeSilentBacklog, kDesk),
  };
  ReconcileReport r = Report();
  EXPECT_EQ(Ids(r), expected);
  EXPECT_EQ(r.appointments_unchecked, 1);  // dossier 12's catalog version
}

TEST_F(ReconcileTest, DeliveredBeforeTheResultListsBothFactsSideBySide) {
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRuleDeliveredBeforeResult, DossierCode(1)));
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->subject_kind, "dossier");
  ASSERT_EQ(it->facts.size(), 2u);
  EXPECT_EQ(it->facts[0].type, "shipment_delivered");
  EXPECT_EQ(it->facts[0].author, kCourier);
  EXPECT_EQ(it->facts[0].source, "event");
  EXPECT_EQ(it->facts[0].device_time_ms, kT0 + 3 * kH);
  EXPECT_EQ(it->facts[0].received_at_ms, kT0 + 4 * kH);
  EXPECT_EQ(it->facts[1].type, "result_recorded");
  EXPECT_EQ(it->facts[1].author, testing::kCentralId);
  EXPECT_EQ(it->facts[1].source, "central_event");
  EXPECT_EQ(it->facts[1].actor, "tran.van.binh");
  // Dossier 2 was delivered after its result.
  EXPECT_EQ(Find(r, Id(kRuleDeliveredBeforeResult, DossierCode(2))), nullptr);
}

TEST_F(ReconcileTest, ResultNotDispatchedCountsWorkingDaysFromTheResult) {
  // Dossier 4's result was recorded an hour before its appointment.
  const UnixMs result = Due(kT0 + 4 * 60'000) - kH;
  ReconcileOptions o;
  o.as_of_ms = result + 2 * kD;  // at most two working days later
  EXPECT_EQ(Find(Report(o), Id(kRuleResultNotDispatched, DossierCode(4))), nullptr);
  o.as_of_ms = result + 7 * kD;
  const ReconcileReport later = Report(o);
  const ReconcileItem* it = Find(later, Id(kRuleResultNotDispatched, DossierCode(4)));
  ASSERT_NE(it, nullptr);
  o.not_dispatched_working_days = 10;
  EXPECT_EQ(Find(Report(o), Id(kRuleResultNotDispatched, DossierCode(4))), nullptr);
  // Picked up: dossier 6 is never listed.
  EXPECT_EQ(Find(Report(), Id(kRuleResultNotDispatched, DossierCode(6))), nullptr);
}

TEST_F(ReconcileTest, PickedUpButNotDeliveredAfterNDays) {
  ReconcileOptions o;
  o.as_of_ms = kT0 + 5 * kD;  // four days after the pick-up
  EXPECT_EQ(Find(Report(o), Id(kRuleDispatchedNotDelivered, Waybill(6))), nullptr);
  o.as_of_ms = kT0 + 7 * kD;
  ReconcileReport r = Report(o);
  const ReconcileItem* it = Find(r, Id(kRuleDispatchedNotDelivered, Waybill(6)));
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->waybill, Waybill(6));
  EXPECT_EQ(it->dossier_code, DossierCode(6));
  // Delivered (2) or returned (8): never listed.
  EXPECT_EQ(Find(r, Id(kRuleDispatchedNotDelivered, Waybill(2))), nullptr);
  EXPECT_EQ(Find(r, Id(kRuleDispatchedNotDelivered, Waybill(8))), nullptr);
}

TEST_F(ReconcileTest, ThreeFailedAttemptsWithoutAReturn) {
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRuleFailedAttemptsNoReturn, Waybill(7)));
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->facts.size(), 3u);
  for (const ReconcileFact& f : it->facts) EXPECT_EQ(f.type, "shipment_failed_attempt");
  // Waybill 8 failed as often and went back to the agency.
  EXPECT_EQ(Find(r, Id(kRuleFailedAttemptsNoReturn, Waybill(8))), nullptr);
  ReconcileOptions o;
  o.failed_attempts = 4;
  EXPECT_EQ(Find(Report(o), Id(kRuleFailedAttemptsNoReturn, Waybill(7))), nullptr);
}

TEST_F(ReconcileTest, ADeskReturnAndACourierDeliveryAreTwoDeliveries) {
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRuleTwoDeliveries, DossierCode(3)));
  ASSERT_NE(it, nullptr);
  ASSERT_EQ(it->facts.size(), 2u);
  EXPECT_EQ(it->facts[0].type, "result_returned");
  EXPECT_EQ(it->facts[0].author, kDesk);
  EXPECT_EQ(it->facts[1].type, "shipment_delivered");
  EXPECT_EQ(it->facts[1].author, kCourier);
  EXPECT_EQ(Find(r, Id(kRuleTwoDeliveries, DossierCode(2))), nullptr);
}

TEST_F(ReconcileTest, TwoCourierDeliveriesOfOneShipmentAreTwoDeliveries) {
  clock_.Set(kT0 + 3 * kD);
  Send(courier_, {Delivered(2, kT0 + 3 * kD - kH, 25000)});
  EXPECT_NE(Find(Report(), Id(kRuleTwoDeliveries, DossierCode(2))), nullptr);
}

TEST_F(ReconcileTest, PostalFeeCollectedIsComparedWithTheShipmentAndTheTariff) {
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRulePostalFee, Waybill(9)));
  ASSERT_NE(it, nullptr);
  EXPECT_NE(it->summary.find("collected 30000 VND, the shipment expects 25000"),
            std::string::npos)
      << it->summary;
  ASSERT_EQ(it->facts.size(), 2u);
  EXPECT_EQ(it->facts[0].values.at("tariff_same_province_vnd").as_int64(), 25000);
  EXPECT_EQ(it->facts[1].values.at("fee_collected_vnd").as_int64(), 30000);
  EXPECT_EQ(Find(r, Id(kRulePostalFee, Waybill(2))), nullptr);
}

TEST_F(ReconcileTest, AShipmentExpectingAFeeOffTheTariffIsListed) {
  clock_.Set(kT0 + 3 * kD);
  Send(desk_, {At(EventType::kDossierReceived, kDesk, kT0 + 3 * kD,
                  Received(Due(kT0 + 3 * kD), true), DossierCode(20)),
               Created(20, kT0 + 3 * kD, 31000)});
  const ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRulePostalFee, Waybill(20)));
  ASSERT_NE(it, nullptr);
  EXPECT_NE(it->summary.find("the tariff 2026.1 says 25000 (same province) or 38000"),
            std::string::npos)
      << it->summary;
  EXPECT_NE(it->summary.find("the receipt quoted 25000 VND"), std::string::npos);
}

TEST_F(ReconcileTest, AReceiptIsCheckedFromItsIntakeTimeNotFromWhenItsEventWasWritten) {
  // A paper intake entered three hours later: the desk counts from the
  // received_at it was given, the event carries the time it was written.
  const UnixMs received = kT0 + 21 * 60'000;
  json::object p = Received(Due(received), false);
  p["received_at_ms"] = received;
  Send(desk_, {At(EventType::kDossierReceived, kDesk, received + 3 * kH, p, DossierCode(21))});
  EXPECT_EQ(Find(Report(), Id(kRuleAppointmentMismatch, DossierCode(21))), nullptr);
}

TEST_F(ReconcileTest, AReceiptAppointmentTheCalendarComputesDifferentlyIsListed) {
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRuleAppointmentMismatch, DossierCode(11)));
  ASSERT_NE(it, nullptr);
  ASSERT_EQ(it->facts.size(), 1u);
  const json::object& v = it->facts[0].values;
  const UnixMs computed = Due(kT0 + 11 * 60'000);
  EXPECT_EQ(v.at("appointment_computed").as_string(), FormatLocalIso(computed));
  EXPECT_EQ(v.at("appointment_printed").as_string(), FormatLocalIso(computed + kD));
  EXPECT_EQ(v.at("processing_days").as_int64(), 8);
  // Receipts computed right are not listed; one of another catalog version
  // cannot be checked and is counted instead.
  for (int n : {1, 2, 3, 10, 12, 13}) {
    EXPECT_EQ(Find(r, Id(kRuleAppointmentMismatch, DossierCode(n))), nullptr) << n;
  }
}

TEST_F(ReconcileTest, AReceiptIsCheckedFromWhenTheDeskTookItInNotFromItsEventTime) {
  // The desk counts the appointment from received_at_ms and stamps the event
  // a few milliseconds later (or much later for a back-dated intake).
  const UnixMs taken_in = kT0 + kD;  // a Friday afternoon, in office hours
  clock_.Set(taken_in + kH);
  json::object right = Received(Due(taken_in), false);
  right["received_at_ms"] = taken_in;
  json::object wrong = Received(Due(taken_in) + kD, false);
  wrong["received_at_ms"] = taken_in;
  Send(desk_, {At(EventType::kDossierReceived, kDesk, taken_in + 7, right, DossierCode(21)),
               At(EventType::kDossierReceived, kDesk, taken_in + kH, wrong, DossierCode(22))});
  const ReconcileReport r = Report();
  EXPECT_EQ(Find(r, Id(kRuleAppointmentMismatch, DossierCode(21))), nullptr);
  const ReconcileItem* it = Find(r, Id(kRuleAppointmentMismatch, DossierCode(22)));
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->facts[0].values.at("appointment_computed").as_string(),
            FormatLocalIso(Due(taken_in)));
}

TEST_F(ReconcileTest, OverdueWithoutAnApologyButNotWithOneOrBeforeTheAppointment) {
  ReconcileReport r = Report();
  EXPECT_NE(Find(r, Id(kRuleOverdueNoApology, DossierCode(12))), nullptr);
  // Dossier 13 was apologised for (new appointment T0+40d).
  EXPECT_EQ(Find(r, Id(kRuleOverdueNoApology, DossierCode(13))), nullptr);
  ReconcileOptions o;
  o.as_of_ms = kT0 + 5 * kD;
  EXPECT_EQ(Find(Report(o), Id(kRuleOverdueNoApology, DossierCode(12))), nullptr);
}

TEST_F(ReconcileTest, ANodeSilentWithABacklogIsListedFromWhatItsHeaderSaid) {
  EXPECT_EQ(Int("SELECT backlog_events FROM nodes WHERE node_id = 'desk-01'"), 5);
  EXPECT_EQ(Int("SELECT unacked_events FROM nodes WHERE node_id = 'desk-01'"), 6);
  EXPECT_EQ(Int("SELECT backlog_events FROM nodes WHERE node_id = 'courier-01'"), 0);
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, Id(kRuleNodeSilentBacklog, kDesk));
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(it->node_id, kDesk);
  EXPECT_EQ(it->facts[0].values.at("backlog_events").as_int64(), 5);
  EXPECT_EQ(Find(r, Id(kRuleNodeSilentBacklog, kCourier)), nullptr);  // nothing waits
  ReconcileOptions o;
  o.as_of_ms = kT0 + 2 * kD + 10 * kH;  // seven hours after the desk's last batch
  EXPECT_EQ(Find(Report(o), Id(kRuleNodeSilentBacklog, kDesk)), nullptr);
}

TEST_F(ReconcileTest, ResolvedItemShowsWhoWhenAndTheNoteAndIsAnEventOfTheCentral) {
  const std::string id = Id(kRuleTwoDeliveries, DossierCode(3));
  Outcome<ReconcileItem> done = Resolve(id, "Bưu tá giao nhầm bản sao; đã thu hồi.");
  ASSERT_TRUE(done.ok()) << done.refusal().ToString();
  const ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, id);
  ASSERT_NE(it, nullptr);
  ASSERT_TRUE(it->resolved());
  EXPECT_EQ(it->resolution->actor, "giam.sat");
  EXPECT_EQ(it->resolution->resolved_at_ms, kAsOf);
  EXPECT_EQ(it->resolution->note, "Bưu tá giao nhầm bản sao; đã thu hồi.");
  EXPECT_EQ(it->ToJson().at("status").as_string(), "resolved");
  // The event is whole, valid and chained from the genesis hash.
  auto db = store_->Db();
  ASSERT_TRUE(db.ok());
  auto q = (*db)->Prepare("SELECT event_json, hash FROM reconcile_resolutions WHERE seq = 1");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->Step());
  auto e = ParseEvent(q->ColumnText(0));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->type, EventType::kReconciliationResolved);
  EXPECT_EQ(e->node_id, testing::kCentralId);
  EXPECT_EQ(e->dossier_code, DossierCode(3));
  EXPECT_EQ(e->payload.at("mismatch_id").as_string(), id);
  EXPECT_EQ(q->ColumnBlob(1), ChainHash(GenesisHash(), CanonicalJson(*e)));
  EXPECT_EQ(Audit("reconcile.resolve").size(), 1u);
  // Resolving again changes nothing.
  Outcome<ReconcileItem> again = Resolve(id, "lần nữa");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.refusal().code, "already_resolved");
}

TEST_F(ReconcileTest, ANewConflictingFactReopensAResolvedItem) {
  const std::string id = Id(kRuleTwoDeliveries, DossierCode(3));
  ASSERT_TRUE(Resolve(id, "đã kiểm tra").ok());
  const std::string old_hash = Find(Report(), id)->facts_hash;
  // A third delivery record arrives from the desk after the resolution.
  clock_.Set(kAsOf + kH);
  Send(desk_, {At(EventType::kResultReturned, kDesk, kT0 + 3 * kD,
                  json::object{{"recipient_name", "Lê Văn Cường"}}, DossierCode(3))});
  ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, id);
  ASSERT_NE(it, nullptr);
  EXPECT_FALSE(it->resolved());
  ASSERT_TRUE(it->superseded.has_value());
  EXPECT_EQ(it->superseded->note, "đã kiểm tra");
  EXPECT_NE(it->facts_hash, old_hash);
  EXPECT_EQ(it->facts.size(), 3u);
  // A person who saw the old facts cannot resolve the new ones blind.
  Outcome<ReconcileItem> stale = Resolve(id, "cũ", old_hash);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.refusal().code, "facts_changed");
  EXPECT_TRUE(Resolve(id, "mới", it->facts_hash).ok());
}

TEST_F(ReconcileTest, TheSameFactsArrivingInAnotherOrderKeepTheResolution) {
  const std::string id = Id(kRuleTwoDeliveries, DossierCode(3));
  ASSERT_TRUE(Resolve(id, "ok").ok());
  // Another event of the dossier arrives; the conflicting facts stay.
  clock_.Set(kAsOf + kH);
  Send(courier_, {Courier(EventType::kShipmentHeld, 3, kAsOf,
                          json::object{{"post_office", "Bưu cục Sài Gòn"}})});
  EXPECT_TRUE(Find(Report(), id)->resolved());
}

TEST_F(ReconcileTest, ANodeItemIsResolvedWithoutADossierAndReopensWhenItGoesSilentAgain) {
  const std::string id = Id(kRuleNodeSilentBacklog, kDesk);
  Outcome<ReconcileItem> done = Resolve(id, "Điểm tiếp nhận mất điện, đã gọi điện.");
  ASSERT_TRUE(done.ok()) << done.refusal().ToString();
  EXPECT_TRUE(Find(Report(), id)->resolved());
  // The desk polls once more, still holding its backlog, then falls silent.
  clock_.Set(kT0 + 3 * kD);
  sync::EncodeOptions o;
  o.unacked_events = 5;
  IngestReport poll = Apply(Batch(desk_, static_cast<int64_t>(desk_.log.size()) + 1,
                                  static_cast<int64_t>(desk_.log.size()), o));
  ASSERT_EQ(poll.result, "poll");
  const ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, id);
  ASSERT_NE(it, nullptr);
  EXPECT_FALSE(it->resolved());
  EXPECT_TRUE(it->superseded.has_value());
}

TEST_F(ReconcileTest, ResolveRefusesUnknownItemsAndEmptyNotes) {
  Outcome<ReconcileItem> unknown = Resolve(Id(kRuleTwoDeliveries, DossierCode(2)), "x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.refusal().http_status, 404);
  EXPECT_EQ(unknown.refusal().code, "unknown_item");
  Outcome<ReconcileItem> empty = Resolve(Id(kRuleTwoDeliveries, DossierCode(3)), "  ");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.refusal().http_status, 400);
  EXPECT_EQ(empty.refusal().field, "note");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM reconcile_resolutions"), 0);
}

// A small RFC 4180 reader: records of fields, quotes doubled inside quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

TEST_F(ReconcileTest, CsvQuotesCommasQuotesAndLineBreaksAndKeepsVietnamese) {
  const std::string note = "Đã gọi bà \"Bích\", xác nhận đã nhận;\nhủy bản ghi thứ hai";
  ASSERT_TRUE(Resolve(Id(kRuleTwoDeliveries, DossierCode(3)), note).ok());
  ReconcileReport r = Report();
  const std::string csv = r.ToCsv();
  EXPECT_EQ(csv.substr(0, 3) == "\xEF\xBB\xBF", false);  // no byte-order mark
  auto rows = ParseCsv(csv);
  ASSERT_EQ(rows.size(), r.items.size() + 1);
  for (const auto& row : rows) EXPECT_EQ(row.size(), 15u);
  EXPECT_EQ(rows[0][0], "item_id");
  for (size_t i = 0; i < r.items.size(); ++i) {
    EXPECT_EQ(rows[i + 1][0], r.items[i].item_id);
    EXPECT_EQ(rows[i + 1][9], r.items[i].summary);
  }
  auto row = std::find_if(rows.begin(), rows.end(), [](const auto& row) {
    return row[1] == kRuleTwoDeliveries;
  });
  ASSERT_NE(row, rows.end());
  EXPECT_EQ((*row)[2], "Hai bản ghi trả kết quả khác nhau");
  EXPECT_EQ((*row)[3], "resolved");
  EXPECT_EQ((*row)[11], "giam.sat");
  EXPECT_EQ((*row)[14], note);
  EXPECT_NE(csv.find("\"Đã gọi bà \"\"Bích\"\", xác nhận"), std::string::npos);
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("Lê Lợi"), "Lê Lợi");
}

TEST_F(ReconcileTest, OptionsAreReadFromNamedValuesAndBadOnesNamed) {
  auto o = ReconcileOptionsFrom({{"as_of", "2026-04-11T08:00:00+07:00"},
                                 {"not_dispatched_working_days", "3"},
                                 {"silent_hours", "48"}},
                                kT0);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->as_of_ms, *ParseIsoTime("2026-04-11T08:00:00+07:00"));
  EXPECT_EQ(o->not_dispatched_working_days, 3);
  EXPECT_EQ(o->silent_hours, 48);
  EXPECT_EQ(o->not_delivered_days, 5);
  auto bad = ReconcileOptionsFrom({{"failed_attempts", "0"}}, kT0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "failed_attempts");
  EXPECT_EQ(ReconcileOptionsFrom({{"as_of", "yesterday"}}, kT0).status().field(), "as_of");
}

}  // namespace
}  // namespace hoso::central

namespace hoso::central {
namespace {

TEST_F(ReconcileTest, TheCommandPrintsCsvAndJsonAndResolvesAsTheCli) {
  const std::string as_of = FormatLocalIso(kAsOf);
  std::string out;
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_CENTRAL_BIN, "report", "reconcile", "--data",
                                       CentralDir(), "--format", "csv", "--as-of", as_of},
                                      &out),
            0)
      << out;
  auto rows = ParseCsv(out);
  ASSERT_EQ(rows.size(), 12u) << out;
  EXPECT_EQ(rows[1][0], Id(kRuleDeliveredBeforeResult, DossierCode(1)));

  const std::string id = Id(kRuleOverdueNoApology, DossierCode(12));
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_CENTRAL_BIN, "report", "resolve", "--data",
                                       CentralDir(), "--item", id, "--note",
                                       "Hồ sơ chờ ý kiến Bộ, đã báo người nộp", "--as-of", as_of},
                                      &out),
            0)
      << out;
  ASSERT_EQ(hoso::testing::RunProgram({HOSO_CENTRAL_BIN, "report", "reconcile", "--data",
                                       CentralDir(), "--as-of", as_of, "--silent-hours", "3000"},
                                      &out),
            0)
      << out;
  auto report = ParseJsonObject(out);
  ASSERT_TRUE(report.ok()) << out;
  EXPECT_EQ(report->at("counts").at("resolved").as_int64(), 1);
  EXPECT_EQ(report->at("counts").at("open").as_int64(), 9);  // the desk is not silent enough
  const ReconcileReport r = Report();
  const ReconcileItem* it = Find(r, id);
  ASSERT_NE(it, nullptr);
  ASSERT_TRUE(it->resolved());
  EXPECT_EQ(it->resolution->actor.rfind("cli:", 0), 0u);

  EXPECT_NE(hoso::testing::RunProgram({HOSO_CENTRAL_BIN, "report", "reconcile", "--data",
                                       CentralDir(), "--format", "xml"},
                                      &out),
            0);
  EXPECT_NE(hoso::testing::RunProgram({HOSO_CENTRAL_BIN, "report", "resolve", "--data",
                                       CentralDir(), "--item", "nothing:here", "--note", "x"},
                                      &out),
            0);
  EXPECT_NE(out.find("unknown_item"), std::string::npos) << out;
}

}  // namespace
}  // namespace hoso::central
