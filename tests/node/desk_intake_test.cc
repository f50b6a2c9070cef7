// Intake, refusal, result arrival and hand-back on a real node directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "node/desk.h"
#include "node/node_store.h"
#include "node/outbox.h"
#include "schema/ids.h"
#include "tests/node/desk_test_env.h"

namespace hoso::node {
namespace {

using testing::At;

// Every test gets a copy of one node directory made once (Init fsyncs a lot).
class DeskIntakeTest : public testing::DeskTestBase {
 protected:
  DeskIntakeTest() : DeskTestBase("2026-03-12T08:05:00+07:00") {}
  static void SetUpTestSuite() {
    MakeTemplate({"desk-h29-01", "Bộ phận một cửa Sở Công Thương", "000.00.17.H29",
                  "desk",        "Thành phố Hồ Chí Minh",          0});
  }
  static void TearDownTestSuite() { RemoveTemplate(); }

  // The alcohol retail licence with its whole mandatory checklist.
  IntakeRequest Valid() {
    IntakeRequest r;
    r.procedure_id = "2.000620";
    r.applicant.kind = "person";
    r.applicant.full_name = "Nguyễn Văn Ánh";
    r.applicant.id_number = "079203001234";
    r.applicant.phone = "090 312 3456";
    r.applicant.address = {"Thành phố Hồ Chí Minh", "Phường Sài Gòn", "12 Lê Lợi"};
    r.applicant_type = "household";
    r.area = "urban";
    const Procedure* p = store_->catalog().Find("2.000620", Date{2026, 3, 12}).value();
    for (const RequiredDocument& d : p->required_documents) {
      if (!d.optional) r.documents.emplace_back(d.id, d.count);
    }
    r.clerk = "Lê Thu Hà";
    return r;
  }

  int64_t Count(const std::string& table) {
    return store_->db().QueryInt("SELECT COUNT(*) FROM " + table).value().value_or(-1);
  }

  Status IntakeError(const IntakeRequest& r) {
    std::vector<MissingDocument> missing;
    auto d = desk_->Intake(r, &missing);
    return d.status();
  }
};

TEST_F(DeskIntakeTest, IntakeGivesCodeSecretAppointmentAndFee) {
  std::vector<MissingDocument> missing;
  auto d = desk_->Intake(Valid(), &missing);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(d->code, "000.00.17.H29-260312-0001");
  // Printed as ABCD-EFGH from the unambiguous alphabet.
  ASSERT_EQ(d->lookup_secret.size(), 9u);
  EXPECT_EQ(d->lookup_secret[4], '-');
  auto canonical = NormaliseLookupSecret(d->lookup_secret);
  ASSERT_TRUE(canonical.ok()) << d->lookup_secret;
  EXPECT_EQ(FormatLookupSecret(*canonical), d->lookup_secret);
  EXPECT_EQ(d->status, 2);
  EXPECT_EQ(d->procedure_id, "ruou-ban-le");
  EXPECT_EQ(d->procedure_code, "2.000620");
  EXPECT_EQ(d->applicant.phone, "0903123456");
  EXPECT_EQ(d->received_at, At("2026-03-12T08:05:00+07:00"));
  EXPECT_EQ(d->counted_from, d->received_at);
  // 8 working days from Thursday 08:05: Tuesday 24 March at 08:05.
  EXPECT_EQ(FormatLocalIso(d->appointment), "2026-03-24T08:05:00+07:00");
  EXPECT_EQ(d->appointment, store_->working_calendar().DueWorkingDays(d->received_at, 8).value());
  EXPECT_EQ(d->processing_kind, "working_days");
  EXPECT_EQ(d->processing_days, 8);
  EXPECT_EQ(d->fee_vnd, std::optional<int64_t>(400000));  // household, urban
  EXPECT_FALSE(d->postal_fee_vnd.has_value());
  EXPECT_EQ(d->catalog_version, store_->catalog().version());
  EXPECT_EQ(d->calendar_version, store_->calendar_data().version);
  EXPECT_EQ(d->documents.size(), 4u);
  EXPECT_EQ(d->documents[0].id, "don-de-nghi");
  EXPECT_FALSE(d->documents[0].name_vi.empty());
}

TEST_F(DeskIntakeTest, IntakeWritesTheReceivedEventInTheChain) {
  auto d = desk_->Intake(Valid(), nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto events = EventsOfDossier(store_->db(), d->code).value();
  ASSERT_EQ(events.size(), 1u);
  const Event& ev = events[0].event;
  EXPECT_EQ(ev.type, EventType::kDossierReceived);
  EXPECT_EQ(ev.seq, 1);
  EXPECT_EQ(ev.node_id, "desk-h29-01");
  EXPECT_EQ(ev.actor, std::optional<std::string>("Lê Thu Hà"));
  EXPECT_EQ(events[0].prev_hash, GenesisHash());
  const json::object& p = ev.payload;
  const std::string secret = NormaliseLookupSecret(d->lookup_secret).value();
  EXPECT_EQ(p.at("lookup_secret_hash").as_string(), LookupSecretHash(d->code, secret));
  EXPECT_EQ(p.at("lookup_secret").as_string(), secret);
  EXPECT_EQ(p.at("appointment_ms").as_int64(), d->appointment);
  EXPECT_EQ(p.at("applicant").at("kind").as_string(), "citizen");
  EXPECT_EQ(p.at("applicant").at("id_last4").as_string(), "1234");
  EXPECT_EQ(ToJson(p).find("079203001234"), std::string::npos);
  EXPECT_TRUE(VerifyChain(store_->db()).ok());
}

TEST_F(DeskIntakeTest, NumbersRunPerDayAndRestartTheNextDay) {
  EXPECT_EQ(desk_->Intake(Valid(), nullptr)->code, "000.00.17.H29-260312-0001");
  EXPECT_EQ(desk_->Intake(Valid(), nullptr)->code, "000.00.17.H29-260312-0002");
  IntakeRequest next_day = Valid();
  next_day.received_at = At("2026-03-13T07:45:00+07:00");
  EXPECT_EQ(desk_->Intake(next_day, nullptr)->code, "000.00.17.H29-260313-0001");
  // Local date, not UTC: 06:30 local on 13 March is still 12 March in UTC.
  next_day.received_at = At("2026-03-13T06:30:00+07:00");
  EXPECT_EQ(desk_->Intake(next_day, nullptr)->code, "000.00.17.H29-260313-0002");
}

TEST_F(DeskIntakeTest, IntakeAfterTheCutOffCountsFromTheNextWorkingDay) {
  IntakeRequest r = Valid();
  r.received_at = At("2026-03-13T16:30:00+07:00");  // Friday after 16:00
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(FormatLocalIso(d->counted_from), "2026-03-16T07:30:00+07:00");
  EXPECT_EQ(d->appointment, store_->working_calendar().DueWorkingDays(*r.received_at, 8).value());
}

TEST_F(DeskIntakeTest, ReturnByPostAddsThePostalFeeOfTheZone) {
  IntakeRequest r = Valid();
  r.return_method = {"post",
                     "Nguyễn Văn Ánh",
                     "0903.123.456",
                     {"Thành phố Hồ Chí Minh", "Phường Bến Thành", "5 Lê Thánh Tôn"}};
  auto same = desk_->Intake(r, nullptr);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  const Tariff& t = store_->tariff();
  EXPECT_EQ(same->postal_fee_vnd,
            t.PostalReturnFee("Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh").amount_vnd);
  EXPECT_EQ(same->return_method.recipient_phone, "0903123456");
  r.return_method.address.province = "Thành phố Hà Nội";
  auto other = desk_->Intake(r, nullptr);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->postal_fee_vnd,
            t.PostalReturnFee("Thành phố Hồ Chí Minh", "Thành phố Hà Nội").amount_vnd);
  EXPECT_NE(same->postal_fee_vnd, other->postal_fee_vnd);
  auto ev = EventsOfDossier(store_->db(), other->code).value();
  EXPECT_EQ(ev[0].event.payload.at("return_method").as_string(), "post");
  EXPECT_NE(ev[0].event.payload.at("delivery_address").as_string().find("Hà Nội"),
            std::string::npos);
}

TEST_F(DeskIntakeTest, CalendarDayProcedureUsesCalendarDays) {
  IntakeRequest r = Valid();
  r.procedure_id = "hop-dong-mau-bo";  // 20 calendar days until mid-2024
  r.documents = {{"don-dang-ky", 1}, {"du-thao-hop-dong", 1}};
  r.received_at = At("2024-03-12T09:00:00+07:00");
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->processing_kind, "calendar_days");
  EXPECT_EQ(d->processing_days, 20);
  EXPECT_EQ(d->appointment, store_->working_calendar().DueCalendarDays(*r.received_at, 20).value());
}

TEST_F(DeskIntakeTest, ProcedureWithoutTimeLimitPromisesNoDate) {
  IntakeRequest r = Valid();
  r.procedure_id = "khuyen-mai-thong-bao";
  r.documents = {{"thong-bao", 1}};
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->processing_kind, "none");
  EXPECT_EQ(d->appointment, 0);
  EXPECT_TRUE(Desk::DossierToJson(*d).at("appointment").is_null());
}

TEST_F(DeskIntakeTest, UnverifiedFeeIsNotQuoted) {
  IntakeRequest r = Valid();
  r.procedure_id = "thuoc-la-ban-le";
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->fee_vnd.has_value());
  EXPECT_TRUE(Desk::DossierToJson(*d).at("fee_vnd").is_null());
}

TEST_F(DeskIntakeTest, UnknownProcedureIsNotFoundNamingIt) {
  IntakeRequest r = Valid();
  r.procedure_id = "9.999999";
  Status s = IntakeError(r);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(), "unknown procedure '9.999999'");
  EXPECT_EQ(s.field(), "procedure_id");
}

TEST_F(DeskIntakeTest, ProcedureNotInForceOnTheIntakeDateIsAConflict) {
  IntakeRequest r = Valid();
  r.received_at = At("2020-03-12T09:00:00+07:00");
  Status s = IntakeError(r);
  EXPECT_TRUE(s.IsConflict()) << s.ToString();
  EXPECT_NE(s.message().find("not in force on 2020-03-12"), std::string::npos) << s.message();
  EXPECT_EQ(Count("dossiers"), 0);
}

TEST_F(DeskIntakeTest, MissingDocumentIsRefusedWithTheListAndNothingWritten) {
  IntakeRequest r = Valid();
  r.documents.erase(r.documents.begin() + 1);  // the business registration copy
  std::vector<MissingDocument> missing;
  auto d = desk_->Intake(r, &missing);
  EXPECT_TRUE(d.status().IsInvalidArgument());
  EXPECT_EQ(d.status().field(), "documents");
  EXPECT_EQ(d.status().message(), "1 required document is missing");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].id, "gcn-dang-ky-kinh-doanh");
  EXPECT_EQ(missing[0].form, "copy");
  EXPECT_EQ(missing[0].count_required, 1);
  EXPECT_EQ(missing[0].count_received, 0);
  EXPECT_FALSE(missing[0].name_vi.empty());
  EXPECT_EQ(Count("dossiers"), 0);
  EXPECT_EQ(Count("outbox_events"), 0);
  EXPECT_EQ(Count("daily_counters"), 0);
  r.documents.clear();
  EXPECT_EQ(IntakeError(r).message(), "4 required documents are missing");
  auto check = desk_->CheckDocuments(r);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->size(), 4u);
}

struct FieldCase {
  const char* name;
  void (*mutate)(IntakeRequest&);
  const char* field;
};

const FieldCase kFieldCases[] = {
    {"id with 11 digits", [](IntakeRequest& r) { r.applicant.id_number = "07920300123"; },
     "applicant.id_number"},
    {"id with letters", [](IntakeRequest& r) { r.applicant.id_number = "07920300123A"; },
     "applicant.id_number"},
    {"id province 000", [](IntakeRequest& r) { r.applicant.id_number = "000203001234"; },
     "applicant.id_number"},
    {"person without id", [](IntakeRequest& r) { r.applicant.id_number = ""; },
     "applicant.id_number"},
    {"phone with 9 digits", [](IntakeRequest& r) { r.applicant.phone = "090312345"; },
     "applicant.phone"},
    {"phone not starting with 0", [](IntakeRequest& r) { r.applicant.phone = "9903123456"; },
     "applicant.phone"},
    {"bad email", [](IntakeRequest& r) { r.applicant.email = "an@example"; }, "applicant.email"},
    {"bad kind", [](IntakeRequest& r) { r.applicant.kind = "citizen"; }, "applicant.kind"},
    {"blank name", [](IntakeRequest& r) { r.applicant.full_name = "  "; }, "applicant.full_name"},
    {"name too long", [](IntakeRequest& r) { r.applicant.full_name = std::string(201, 'a'); },
     "applicant.full_name"},
    {"no province", [](IntakeRequest& r) { r.applicant.address.province = ""; },
     "applicant.address.province"},
    {"no street", [](IntakeRequest& r) { r.applicant.address.street = ""; },
     "applicant.address.street"},
    {"business without tax code",
     [](IntakeRequest& r) {
       r.applicant.kind = "business";
       r.applicant.business_name = "Công ty TNHH Ánh Dương";
     },
     "applicant.tax_code"},
    {"tax code with 9 digits",
     [](IntakeRequest& r) {
       r.applicant.kind = "business";
       r.applicant.business_name = "Công ty TNHH Ánh Dương";
       r.applicant.tax_code = "031234567";
     },
     "applicant.tax_code"},
    {"branch tax code with 2 digits",
     [](IntakeRequest& r) {
       r.applicant.kind = "business";
       r.applicant.business_name = "Công ty TNHH Ánh Dương";
       r.applicant.tax_code = "0312345678-01";
     },
     "applicant.tax_code"},
    {"business without business name",
     [](IntakeRequest& r) {
       r.applicant.kind = "business";
       r.applicant.tax_code = "0312345678";
     },
     "applicant.business_name"},
    {"representative id",
     [](IntakeRequest& r) {
       r.representative = Representative{"Trần Bình", "12", ""};
     },
     "representative.id_number"},
    {"applicant type", [](IntakeRequest& r) { r.applicant_type = "company"; }, "applicant_type"},
    {"area", [](IntakeRequest& r) { r.area = "rural"; }, "area"},
    {"channel", [](IntakeRequest& r) { r.channel = "email"; }, "channel"},
    {"count zero", [](IntakeRequest& r) { r.documents[1].second = 0; }, "documents[1].count"},
    {"unknown document", [](IntakeRequest& r) { r.documents[2].first = "giay-khai-sinh"; },
     "documents[2].id"},
    {"document twice", [](IntakeRequest& r) { r.documents.push_back(r.documents[0]); },
     "documents[4].id"},
    {"return method", [](IntakeRequest& r) { r.return_method.method = "courier"; },
     "return.method"},
    {"post without address",
     [](IntakeRequest& r) {
       r.return_method = {"post", "Nguyễn Văn Ánh", "0903123456", {}};
     },
     "return.address.province"},
    {"post without recipient",
     [](IntakeRequest& r) {
       r.return_method = {"post", "", "0903123456", {"Hà Nội", "", "1 Tràng Tiền"}};
     },
     "return.recipient_name"},
    {"post with a bad phone",
     [](IntakeRequest& r) {
       r.return_method = {"post", "An", "12345", {"Hà Nội", "", "1 Tràng Tiền"}};
     },
     "return.recipient_phone"},
    {"no clerk", [](IntakeRequest& r) { r.clerk = ""; }, "clerk"},
    {"no procedure", [](IntakeRequest& r) { r.procedure_id = " "; }, "procedure_id"},
};

TEST_F(DeskIntakeTest, EachValidationErrorNamesItsField) {
  for (const FieldCase& c : kFieldCases) {
    IntakeRequest r = Valid();
    c.mutate(r);
    Status s = IntakeError(r);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.name << ": " << s.ToString();
    EXPECT_EQ(s.field(), c.field) << c.name << ": " << s.ToString();
  }
  EXPECT_EQ(Count("dossiers"), 0);
  EXPECT_EQ(Count("daily_counters"), 0);
}

TEST_F(DeskIntakeTest, PostIsRefusedForAProcedureWithoutPostalReturn) {
  IntakeRequest r = Valid();
  r.procedure_id = "khuyen-mai-thong-bao";
  r.documents = {{"thong-bao", 1}};
  r.return_method = {"post", "Nguyễn Văn Ánh", "0903123456", {"Hà Nội", "", "1 Tràng Tiền"}};
  Status s = IntakeError(r);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "return.method");
}

TEST_F(DeskIntakeTest, BusinessApplicantWithBranchTaxCodeIsAccepted) {
  IntakeRequest r = Valid();
  r.applicant.kind = "business";
  r.applicant.business_name = "Công ty TNHH Ánh Dương";
  r.applicant.tax_code = "0312345678-001";
  r.applicant.id_number = "";
  r.applicant_type = "organisation";
  r.applicant.phone = "+84 903 123 456";
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->applicant.tax_code, "0312345678-001");
  EXPECT_EQ(d->applicant.phone, "0903123456");
  EXPECT_EQ(d->id_masked, "");
  EXPECT_EQ(d->fee_vnd, std::optional<int64_t>(1200000));
  auto ev = EventsOfDossier(store_->db(), d->code).value();
  EXPECT_EQ(ev[0].event.payload.at("applicant").at("kind").as_string(), "organisation");
  EXPECT_EQ(ev[0].event.payload.at("applicant").at("name").as_string(), "Công ty TNHH Ánh Dương");
}

TEST_F(DeskIntakeTest, IdNumbersAreStoredMaskedAndNeverInClear) {
  IntakeRequest r = Valid();
  r.representative = Representative{"Trần Thị Bình", "079301004321", "Giấy ủy quyền số 12/2026"};
  auto d = desk_->Intake(r, nullptr);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->id_masked, "********1234");
  EXPECT_EQ(d->representative_id_masked, "********4321");
  EXPECT_TRUE(d->applicant.id_number.empty());
  ASSERT_TRUE(store_->db().Exec("PRAGMA wal_checkpoint(PASSIVE)").ok());
  std::string bytes;
  for (const char* f : {"/node.db", "/node.db-wal"}) {
    std::ifstream in(dir_ + f, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The scan sees the data: the phone number is stored in clear.
  ASSERT_NE(bytes.find("0903123456"), std::string::npos);
  EXPECT_EQ(bytes.find("079203001234"), std::string::npos);
  EXPECT_EQ(bytes.find("079301004321"), std::string::npos);
}

TEST_F(DeskIntakeTest, TenThousandthDossierOfADayIsRefusedWithNothingWritten) {
  ASSERT_TRUE(store_->db()
                  .Exec("INSERT INTO daily_counters VALUES ('dossier:000.00.17.H29', "
                        "'2026-03-12', 9999)")
                  .ok());
  auto d = desk_->Intake(Valid(), nullptr);
  EXPECT_EQ(d.status().code(), Status::Code::kResourceExhausted) << d.status().ToString();
  EXPECT_EQ(Count("dossiers"), 0);
  EXPECT_EQ(Count("outbox_events"), 0);
  EXPECT_EQ(Count("dossier_search"), 0);
  EXPECT_EQ(store_->db().QueryInt("SELECT last_value FROM daily_counters").value(), 9999);
  IntakeRequest tomorrow = Valid();
  tomorrow.received_at = At("2026-03-13T08:00:00+07:00");
  EXPECT_TRUE(desk_->Intake(tomorrow, nullptr).ok());
}

TEST_F(DeskIntakeTest, RefusalAtIntakeRecordsStatus3WithItsReasonAndCode) {
  IntakeRequest r = Valid();
  r.documents.pop_back();
  Status no_reason = desk_->RefuseAtIntake(r, " ").status();
  EXPECT_EQ(no_reason.field(), "reason");
  auto d = desk_->RefuseAtIntake(r, "Thiếu văn bản giới thiệu của thương nhân bán buôn");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->status, 3);
  EXPECT_EQ(d->code, "000.00.17.H29-260312-0001");
  EXPECT_EQ(d->refusal_reason, "Thiếu văn bản giới thiệu của thương nhân bán buôn");
  EXPECT_EQ(d->appointment, 0);
  auto ev = EventsOfDossier(store_->db(), d->code).value();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].event.type, EventType::kDossierRefused);
  const json::array& missing = ev[0].event.payload.at("missing_documents").as_array();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].as_string(), "van-ban-gioi-thieu");
  // The refused dossier still took the day's number.
  EXPECT_EQ(desk_->Intake(Valid(), nullptr)->code, "000.00.17.H29-260312-0002");
}

TEST_F(DeskIntakeTest, HandBackBeforeTheResultIsAConflict) {
  auto d = desk_->Intake(Valid(), nullptr);
  ASSERT_TRUE(d.ok());
  HandBack hb{"owner", "Nguyễn Văn Ánh", "", "", "Lê Thu Hà", 0};
  auto r = desk_->HandBackAtDesk(d->code, hb, "079203001234");
  EXPECT_TRUE(r.status().IsConflict());
  EXPECT_NE(r.status().message().find("status 2"), std::string::npos) << r.status().message();
  EXPECT_EQ(desk_->Get(d->code)->status, 2);
}

TEST_F(DeskIntakeTest, ResultArrivedThenHandBackEndsInStatus10) {
  auto d = desk_->Intake(Valid(), nullptr);
  ASSERT_TRUE(d.ok());
  clock_.Advance(10 * kMsPerDay);
  auto ready = desk_->ResultArrived(d->code, "Lê Thu Hà", "approved", "");
  ASSERT_TRUE(ready.ok()) << ready.status().ToString();
  EXPECT_EQ(ready->status, 9);
  EXPECT_EQ(ready->result_outcome, "approved");
  clock_.Advance(kMsPerDay);
  HandBack hb{"authorised", "Trần Thị Bình", "", "Giấy ủy quyền số 12/2026", "Lê Thu Hà", 0};
  auto done = desk_->HandBackAtDesk(d->code, hb, "0793 0100 4321");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, 10);
  ASSERT_TRUE(done->hand_back.has_value());
  EXPECT_EQ(done->hand_back->recipient_id_masked, "********4321");
  EXPECT_EQ(done->hand_back->returned_at, clock_.NowMs());
  auto ev = EventsOfDossier(store_->db(), d->code).value();
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].event.type, EventType::kResultRecorded);
  EXPECT_EQ(ev[1].event.payload.at("source").as_string(), "desk");
  EXPECT_EQ(ev[2].event.type, EventType::kResultReturned);
  EXPECT_EQ(ev[2].event.payload.at("recipient_id_suffix").as_string(), "4321");
  EXPECT_TRUE(ev[2].event.payload.at("on_behalf").as_bool());
  EXPECT_EQ(ToJson(ev[2].event.payload).find("079301004321"), std::string::npos);
  EXPECT_TRUE(VerifyChain(store_->db()).ok());
  EXPECT_TRUE(desk_->HandBackAtDesk(d->code, hb, "079301004321").status().IsConflict());
  EXPECT_TRUE(desk_->ResultArrived(d->code, "Lê Thu Hà", "approved", "").status().IsConflict());
}

TEST_F(DeskIntakeTest, ResultArrivalAndHandBackValidateTheirFields) {
  auto d = desk_->Intake(Valid(), nullptr);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(desk_->ResultArrived(d->code, "", "approved", "").status().field(), "clerk");
  EXPECT_EQ(desk_->ResultArrived(d->code, "Hà", "maybe", "").status().field(), "outcome");
  EXPECT_EQ(desk_->ResultArrived(d->code, "Hà", "refused", "").status().field(), "note");
  EXPECT_TRUE(desk_->ResultArrived("000.00.17.H29-260312-0099", "Hà", "approved", "")
                  .status()
                  .IsNotFound());
  ASSERT_TRUE(desk_->ResultArrived(d->code, "Hà", "refused", "Địa điểm không đạt").ok());
  HandBack hb{"owner", "Nguyễn Văn Ánh", "", "", "Lê Thu Hà", 0};
  EXPECT_EQ(desk_->HandBackAtDesk(d->code, hb, "07920300123").status().field(),
            "recipient_id_number");
  hb.recipient_kind = "authorised";
  EXPECT_EQ(desk_->HandBackAtDesk(d->code, hb, "079203001234").status().field(), "authorisation");
  hb.recipient_kind = "neighbour";
  EXPECT_EQ(desk_->HandBackAtDesk(d->code, hb, "079203001234").status().field(), "recipient_kind");
  EXPECT_EQ(desk_->Get(d->code)->status, 9);
}

TEST_F(DeskIntakeTest, ResultCannotArriveForARefusedDossier) {
  IntakeRequest r = Valid();
  auto d = desk_->RefuseAtIntake(r, "Sai thẩm quyền");
  ASSERT_TRUE(d.ok());
  auto ready = desk_->ResultArrived(d->code, "Hà", "approved", "");
  EXPECT_TRUE(ready.status().IsConflict());
  EXPECT_NE(ready.status().message().find("status 3"), std::string::npos);
}

TEST_F(DeskIntakeTest, ParsedJsonIntakeNamesNestedFields) {
  const char* body = R"({
    "procedure_id": "2.000620",
    "applicant": {"kind": "person", "full_name": "Nguyễn Văn An", "id_number": "079203001234",
      "phone": "0903123456", "email": "an@example.vn",
      "address": {"province": "Thành phố Hồ Chí Minh", "ward": "Phường Sài Gòn",
                  "street": "12 Lê Lợi"}},
    "representative": {"full_name": "Trần Thị Bình", "id_number": "079301004321",
                       "authorisation": "Giấy ủy quyền số 12/2026"},
    "applicant_type": "household", "area": "urban",
    "documents": [{"id": "don-de-nghi", "count": 1}, {"id": "dkkd", "count": 1}],
    "channel": "desk",
    "return": {"method": "post", "recipient_name": "Nguyễn Văn An",
               "recipient_phone": "0903123456",
               "address": {"province": "Thành phố Hồ Chí Minh", "ward": "Phường Sài Gòn",
                           "street": "12 Lê Lợi"}},
    "clerk": "Lê Thu Hà", "received_at": "2026-03-12T08:05:00+07:00"})";
  json::object o = ParseJsonObject(body).value();
  auto r = Desk::ParseIntakeRequest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->received_at, At("2026-03-12T08:05:00+07:00"));
  EXPECT_EQ(r->documents.size(), 2u);
  EXPECT_EQ(r->return_method.method, "post");
  ASSERT_TRUE(r->representative.has_value());
  EXPECT_EQ(r->representative->id_number, "079301004321");

  auto field_of = [&](auto mutate) {
    json::object b = o;
    mutate(b);
    return Desk::ParseIntakeRequest(b).status().field();
  };
  EXPECT_EQ(
      field_of([](json::object& b) { b["documents"].as_array()[1].as_object()["count"] = "1"; }),
      "documents[1].count");
  EXPECT_EQ(field_of([](json::object& b) { b["documents"].as_array()[0] = 5; }), "documents[0]");
  EXPECT_EQ(field_of([](json::object& b) { b["received_at"] = "12/03/2026"; }), "received_at");
  EXPECT_EQ(field_of([](json::object& b) {
              b["return"].as_object()["address"].as_object().erase("street");
            }),
            "return.address.street");
  EXPECT_EQ(field_of([](json::object& b) { b["applicant"].as_object()["phone"] = 903123456; }),
            "applicant.phone");
  EXPECT_EQ(field_of([](json::object& b) { b.erase("applicant"); }), "applicant");
}

}  // namespace
}  // namespace hoso::node
