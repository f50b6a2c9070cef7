#include "schema/events.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "schema/ids.h"

namespace hoso {
namespace {

using T = EventType;

constexpr UnixMs kT0 = 1'773'300'000'000;  // 2026-03-12 local morning

json::object Obj(std::string_view text) {
  Result<json::object> o = ParseJsonObject(text);
  EXPECT_TRUE(o.ok()) << o.status().ToString() << " in " << text;
  return o.ok() ? *o : json::object();
}

// A valid version-1 payload for every type, with every conditional field that
// the chosen values make required.
json::object SamplePayload(EventType t) {
  switch (t) {
    case T::kTicketIssued:
      return Obj(R"({"ticket_number":12,"counter_group":"A","service_date":"2026-03-12"})");
    case T::kTicketCalled:
    case T::kTicketRecalled:
      return Obj(
          R"({"ticket_number":12,"counter_group":"A","service_date":"2026-03-12","counter":"3"})");
    case T::kTicketSkipped:
    case T::kTicketServed:
      return Obj(R"({"ticket_number":12,"counter_group":"A","service_date":"2026-03-12"})");
    case T::kDossierSubmittedOnline:
      return Obj(R"({"procedure_id":"2.000620","applicant":{"name":"Công ty TNHH Minh Phát"}})");
    case T::kDossierReceived:
      return Obj(R"({"procedure_id":"2.000620",
          "applicant":{"name":"Nguyễn Thị Hồng Nhung","id_number":"079190001234"},
          "appointment_ms":1774500000000,"lookup_secret_hash":"$argon2id$v=19$x",
          "catalog_version":"2026.1","calendar_version":"2026.2",
          "return_method":"post","delivery_address":"Số 12 Lê Lợi, phường Bến Thành",
          "postal_fee_vnd":30000,"documents":["Đơn đề nghị","Bản sao giấy phép kinh doanh"]})");
    case T::kDossierRefused:
      return Obj(R"({"procedure_id":"2.000620","applicant":{"name":"Trần Văn Bình"},
          "reason":"thiếu hồ sơ","missing_documents":["Bản vẽ mặt bằng"]})");
    case T::kHandlerAssigned:
      return Obj(R"({"unit_code":"000.00.17.H29","handler_id":"u42","handler_name":"Lê Hoa"})");
    case T::kHandlerTransferred:
      return Obj(R"({"to_unit_code":"000.00.18.H29","to_handler_id":"u7",
          "to_handler_name":"Phạm Quân","reason":"đúng thẩm quyền"})");
    case T::kSupplementRequested:
      return Obj(R"({"reason":"thiếu bản vẽ","items":["Bản vẽ mặt bằng cửa hàng"]})");
    case T::kSupplementReceived:
      return Obj(R"({"items":["Bản vẽ mặt bằng cửa hàng"],"new_appointment_ms":1774600000000})");
    case T::kPaymentRequested:
      return Obj(R"({"amount_vnd":1200000,"description":"phí thẩm định"})");
    case T::kPaymentReceived:
      return Obj(R"({"amount_vnd":1200000,"receipt_number":"BL-0091"})");
    case T::kResultRecorded:
      return Obj(R"({"outcome":"refused","reason":"không đủ điều kiện"})");
    case T::kApologyIssued:
      return Obj(R"({"new_appointment_ms":1774700000000,"reason":"chờ ý kiến liên ngành"})");
    case T::kDossierWithdrawn:
      return Obj(R"({"reason":"công dân đề nghị rút"})");
    case T::kDossierStopped:
      return Obj(R"({"reason":"hồ sơ giả mạo"})");
    case T::kResultReturned:
      return Obj(R"({"recipient_name":"Nguyễn Thị Hồng Nhung","recipient_id_suffix":"1234"})");
    case T::kShipmentCreated:
      return Obj(R"({"block_id":"b-2026-01","recipient_name":"Nguyễn Thị Hồng Nhung",
          "address":"Số 12 Lê Lợi, phường Bến Thành","postal_fee_vnd":30000})");
    case T::kShipmentPickedUp:
      return Obj(R"({})");
    case T::kShipmentOutForDelivery:
      return Obj(R"({"attempt":1})");
    case T::kShipmentDelivered:
      return Obj(R"({"recipient_name":"Nhung","proof_hash":"ab12","fee_collected_vnd":30000})");
    case T::kShipmentFailedAttempt:
      return Obj(R"({"reason":"other","note":"chó dữ"})");
    case T::kShipmentHeld:
      return Obj(R"({"post_office":"Bưu cục Bến Thành"})");
    case T::kShipmentReturned:
      return Obj(R"({"reason":"quá hạn lưu giữ"})");
    case T::kShipmentAssigned:
      return Obj(R"({"courier_node_id":"courier-01","note":"tuyến Quận 1"})");
    case T::kCatalogPublished:
    case T::kCalendarPublished:
      return Obj(R"({"version":"2026.2","effective_from":"2026-04-01","content_hash":"cd34"})");
    case T::kNodeEnrolled:
      return Obj(R"({"enrolled_node_id":"desk-02","unit_code":"000.00.18.H29","role":"desk",
          "public_key":"0a0b"})");
    case T::kNodeRevoked:
      return Obj(R"({"revoked_node_id":"desk-02","reason":"máy bị mất"})");
    case T::kReconciliationResolved:
      return Obj(R"({"mismatch_id":"m-17","resolution":"kept the courier's record"})");
    case T::kAttachmentAdded:
      return Obj(R"({"attachment_hash":"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
          "size_bytes":300000,"media_type":"application/pdf","file_name":"đơn đề nghị.pdf",
          "document_id":"don-de-nghi","chunk_size":262144,
          "chunk_hashes":["1111111111111111111111111111111111111111111111111111111111111111",
                          "2222222222222222222222222222222222222222222222222222222222222222"]})");
    case T::kOnlineCompletionRequested:
      return Obj(R"({"items":["the-le"],"reason":"thiếu chữ ký","round":1})");
    case T::kOnlineCompletionSubmitted:
      return Obj(R"({"documents":["the-le"],"round":1})");
  }
  return {};
}

Event SampleEvent(EventType t) {
  Event e = NewEvent(t, "desk-01", kT0, SamplePayload(t));
  e.seq = 41;
  e.actor = "clerk.lan";
  if (NeedsDossierCode(t)) e.dossier_code = "000.00.17.H29-260312-0007";
  if (NeedsWaybill(t)) e.waybill = "EE123456785VN";
  return e;
}

// Removes a dotted path from a payload.
void Erase(json::object& o, std::string_view path) {
  const size_t dot = path.find('.');
  if (dot == std::string_view::npos) {
    o.erase(path);
    return;
  }
  Erase(o[path.substr(0, dot)].as_object(), path.substr(dot + 1));
}

// ---- Types -------------------------------------------------------------------

TEST(EventTypesTest, ThereAreThirtyThreeTypesWithUniqueWireNames) {
  std::set<std::string> names;
  for (T t : AllEventTypes()) {
    names.insert(EventTypeName(t));
    Result<T> back = EventTypeFromName(EventTypeName(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, t);
    EXPECT_EQ(CurrentSchemaVersion(t), 1);
  }
  EXPECT_EQ(names.size(), 35u);
  EXPECT_EQ(names.count("shipment_assigned"), 1u);
  EXPECT_EQ(names.count("shipment_failed_attempt"), 1u);
  EXPECT_EQ(names.count("reconciliation_resolved"), 1u);
  EXPECT_EQ(names.count("attachment_added"), 1u);
}

TEST(EventTypesTest, UnknownTypeNameIsRefused) {
  Result<T> t = EventTypeFromName("dossier_teleported");
  EXPECT_TRUE(t.status().IsInvalidArgument());
  EXPECT_EQ(t.status().message(), "unknown event type 'dossier_teleported'");
  EXPECT_EQ(t.status().field(), "type");
}

TEST(EventTypesTest, DossierEventsMapToTheirActions) {
  using A = DossierAction;
  const std::map<T, A> expected = {
      {T::kDossierSubmittedOnline, A::kSubmitOnline},
      {T::kDossierReceived, A::kReceive},
      {T::kDossierRefused, A::kRefuseIntake},
      {T::kHandlerAssigned, A::kAssignHandler},
      {T::kHandlerTransferred, A::kTransferHandler},
      {T::kSupplementRequested, A::kRequestSupplement},
      {T::kSupplementReceived, A::kSupplementReceived},
      {T::kPaymentRequested, A::kRequestPayment},
      {T::kPaymentReceived, A::kPaymentReceived},
      {T::kResultRecorded, A::kRecordResult},
      {T::kApologyIssued, A::kIssueApology},
      {T::kDossierWithdrawn, A::kWithdraw},
      {T::kDossierStopped, A::kStop},
      {T::kResultReturned, A::kReturnResult},
      {T::kShipmentDelivered, A::kReturnResult},
  };
  std::set<A> covered;
  for (T t : AllEventTypes()) {
    std::optional<A> got = DossierActionFor(t);
    auto it = expected.find(t);
    if (it == expected.end()) {
      EXPECT_FALSE(got.has_value()) << EventTypeName(t);
    } else {
      ASSERT_TRUE(got.has_value()) << EventTypeName(t);
      EXPECT_EQ(*got, it->second) << EventTypeName(t);
      covered.insert(*got);
    }
  }
  EXPECT_EQ(covered.size(), AllDossierActions().size());
}

TEST(EventTypesTest, ShipmentEventsMapToEveryShipmentActionOnce) {
  std::map<ShipmentAction, int> count;
  for (T t : AllEventTypes()) {
    if (std::optional<ShipmentAction> a = ShipmentActionFor(t)) {
      ++count[*a];
      EXPECT_TRUE(NeedsWaybill(t)) << EventTypeName(t);
    }
  }
  EXPECT_EQ(count.size(), AllShipmentActions().size());
  for (const auto& [a, n] : count) EXPECT_EQ(n, 1) << ShipmentActionName(a);
  EXPECT_EQ(ShipmentActionFor(T::kShipmentFailedAttempt), ShipmentAction::kFailAttempt);
  EXPECT_FALSE(ShipmentActionFor(T::kResultReturned).has_value());
}

TEST(EventTypesTest, FailedAttemptReasonsAreTheShipmentMachinesReasons) {
  Result<std::span<const PayloadField>> fields = PayloadFields(T::kShipmentFailedAttempt, 1);
  ASSERT_TRUE(fields.ok());
  for (FailureReason r : AllFailureReasons()) {
    json::object p = Obj(R"({"note":"x"})");
    p["reason"] = FailureReasonName(r);
    EXPECT_TRUE(ValidatePayload(T::kShipmentFailedAttempt, 1, p).ok()) << FailureReasonName(r);
  }
  json::object bad = Obj(R"({"reason":"abducted"})");
  EXPECT_EQ(ValidatePayload(T::kShipmentFailedAttempt, 1, bad).field(), "payload.reason");
}

// ---- Round trips ---------------------------------------------------------------

TEST(EventCodecTest, EveryTypeRoundTripsThroughJson) {
  for (T t : AllEventTypes()) {
    const Event e = SampleEvent(t);
    ASSERT_TRUE(ValidateEvent(e).ok()) << EventTypeName(t) << ": " << ValidateEvent(e).ToString();
    const std::string text = EventToJson(e);
    Result<Event> back = ParseEvent(text);
    ASSERT_TRUE(back.ok()) << EventTypeName(t) << ": " << back.status().ToString();
    EXPECT_EQ(*back, e) << text;
    EXPECT_EQ(CanonicalJson(*back), CanonicalJson(e));
  }
}

TEST(EventCodecTest, VietnamesePayloadTextRoundTripsByteForByte) {
  Event e = SampleEvent(T::kDossierReceived);
  const std::string name = "Nguyễn Thị Hồng Nhung – Hộ kinh doanh Đức Phúc";
  e.payload["applicant"].as_object()["name"] = name;
  const std::string text = EventToJson(e);
  EXPECT_NE(text.find(name), std::string::npos) << "UTF-8 must not be \\u-escaped";
  Result<Event> back = ParseEvent(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::string(back->payload.at("applicant").at("name").as_string()), name);
  EXPECT_NE(CanonicalJson(*back).find(name), std::string::npos);
}

TEST(EventCodecTest, OptionalReferencesAreOmittedWhenAbsentAndNullReadsAsAbsent) {
  Event e = SampleEvent(T::kTicketIssued);
  e.actor.reset();
  const std::string text = EventToJson(e);
  EXPECT_EQ(text.find("dossier_code"), std::string::npos);
  EXPECT_EQ(text.find("actor"), std::string::npos);
  json::object o = EventToJsonObject(e);
  o["waybill"] = nullptr;
  Result<Event> back = EventFromJsonObject(o);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->waybill.has_value());
}

TEST(EventCodecTest, UnknownEnvelopeFieldIsRefused) {
  json::object o = EventToJsonObject(SampleEvent(T::kTicketCalled));
  o["priority"] = 1;
  Result<Event> e = EventFromJsonObject(o);
  EXPECT_TRUE(e.status().IsInvalidArgument());
  EXPECT_EQ(e.status().message(), "unknown envelope field 'priority'");
}

TEST(EventCodecTest, UnknownTypeIsRefusedWhenParsing) {
  json::object o = EventToJsonObject(SampleEvent(T::kTicketCalled));
  o["type"] = "ticket_eaten";
  Result<Event> e = EventFromJsonObject(o);
  EXPECT_EQ(e.status().message(), "unknown event type 'ticket_eaten'");
}

TEST(EventCodecTest, NewerVersionIsRefusedNamingTypeAndVersions) {
  json::object o = EventToJsonObject(SampleEvent(T::kDossierReceived));
  o["schema_version"] = 3;
  Result<Event> e = EventFromJsonObject(o);
  ASSERT_TRUE(e.status().IsInvalidArgument());
  EXPECT_EQ(e.status().message(),
            "event type dossier_received version 3 is newer than supported 1");
  EXPECT_EQ(e.status().field(), "schema_version");
  EXPECT_EQ(ValidatePayload(T::kDossierReceived, 2, SamplePayload(T::kDossierReceived)).message(),
            "event type dossier_received version 2 is newer than supported 1");
}

TEST(EventCodecTest, VersionZeroIsRefused) {
  EXPECT_TRUE(
      ValidatePayload(T::kTicketIssued, 0, SamplePayload(T::kTicketIssued)).IsInvalidArgument());
  json::object o = EventToJsonObject(SampleEvent(T::kTicketIssued));
  o["schema_version"] = 0;
  EXPECT_EQ(EventFromJsonObject(o).status().field(), "schema_version");
}

TEST(EventCodecTest, MalformedEnvelopeFieldsAreNamed) {
  auto field_of = [](const Event& e) { return ValidateEvent(e).field(); };
  Event e = SampleEvent(T::kDossierReceived);
  e.event_id = "not-a-uuid";
  EXPECT_EQ(field_of(e), "event_id");
  e = SampleEvent(T::kDossierReceived);
  e.node_id = "desk 01";
  EXPECT_EQ(field_of(e), "node_id");
  e = SampleEvent(T::kDossierReceived);
  e.seq = -1;
  EXPECT_EQ(field_of(e), "seq");
  e = SampleEvent(T::kDossierReceived);
  e.dossier_code.reset();
  EXPECT_EQ(field_of(e), "dossier_code");
  e = SampleEvent(T::kDossierReceived);
  e.dossier_code = "000.00.17.H29-261312-0007";
  EXPECT_EQ(field_of(e), "dossier_code");
  e = SampleEvent(T::kShipmentPickedUp);
  e.waybill.reset();
  EXPECT_EQ(field_of(e), "waybill");
  e = SampleEvent(T::kShipmentPickedUp);
  e.waybill = "EE123456784VN";
  EXPECT_EQ(field_of(e), "waybill");
  e = SampleEvent(T::kShipmentPickedUp);
  e.actor = "";
  EXPECT_EQ(field_of(e), "actor");
  Result<Event> missing = ParseEvent(R"({"type":"ticket_issued","schema_version":1})");
  EXPECT_EQ(missing.status().field(), "event_id");
}

TEST(EventCodecTest, ShipmentCreatedNeedsBothDossierCodeAndWaybill) {
  EXPECT_TRUE(NeedsDossierCode(T::kShipmentCreated));
  EXPECT_TRUE(NeedsWaybill(T::kShipmentCreated));
  EXPECT_FALSE(NeedsDossierCode(T::kShipmentDelivered));
  EXPECT_FALSE(NeedsDossierCode(T::kTicketIssued));
  EXPECT_FALSE(NeedsWaybill(T::kNodeEnrolled));
}

TEST(EventCodecTest, AttachmentAddedNeedsADossierCodeAndFoldsAsNothing) {
  EXPECT_TRUE(NeedsDossierCode(T::kAttachmentAdded));
  EXPECT_FALSE(NeedsWaybill(T::kAttachmentAdded));
  EXPECT_FALSE(DossierActionFor(T::kAttachmentAdded).has_value());
  Event e = SampleEvent(T::kAttachmentAdded);
  e.dossier_code.reset();
  EXPECT_EQ(ValidateEvent(e).field(), "dossier_code");
}

TEST(PayloadTest, AttachmentChunkListThatDisagreesWithTheSizeIsRefused) {
  json::object p = SamplePayload(T::kAttachmentAdded);
  p["size_bytes"] = 600000;  // three chunks of 262144, two listed
  Status s = ValidatePayload(T::kAttachmentAdded, 1, p);
  ASSERT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "payload.chunk_hashes");
  EXPECT_NE(s.message().find("lists 2 chunks"), std::string::npos) << s.message();
}

TEST(PayloadTest, AttachmentHashesMustBeLowerCaseHex) {
  json::object p = SamplePayload(T::kAttachmentAdded);
  p["attachment_hash"] = "0A1B";
  EXPECT_EQ(ValidatePayload(T::kAttachmentAdded, 1, p).field(), "payload.attachment_hash");
  p = SamplePayload(T::kAttachmentAdded);
  p["chunk_hashes"].as_array()[1] = std::string(64, 'g');
  EXPECT_EQ(ValidatePayload(T::kAttachmentAdded, 1, p).field(), "payload.chunk_hashes[1]");
  p = SamplePayload(T::kAttachmentAdded);
  p["chunk_size"] = 300000;  // not a power of two
  EXPECT_EQ(ValidatePayload(T::kAttachmentAdded, 1, p).field(), "payload.chunk_size");
  p = SamplePayload(T::kAttachmentAdded);
  p["media_type"] = "application/x-msdownload";
  EXPECT_EQ(ValidatePayload(T::kAttachmentAdded, 1, p).field(), "payload.media_type");
}

// ---- Payload validation ---------------------------------------------------------

TEST(PayloadTest, EveryRequiredFieldMissingIsNamed) {
  int checked = 0;
  for (T t : AllEventTypes()) {
    Result<std::span<const PayloadField>> fields = PayloadFields(t, 1);
    ASSERT_TRUE(fields.ok());
    for (const PayloadField& f : *fields) {
      if (!f.required) continue;
      json::object p = SamplePayload(t);
      Erase(p, f.path);
      Status s = ValidatePayload(t, 1, p);
      ASSERT_TRUE(s.IsInvalidArgument()) << EventTypeName(t) << " without " << f.path;
      EXPECT_EQ(s.field(), "payload." + std::string(f.path)) << s.ToString();
      EXPECT_NE(s.message().find("is required"), std::string::npos) << s.message();
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

TEST(PayloadTest, DossierReceivedRequiresItsDocumentedFields) {
  for (const char* path : {"procedure_id", "applicant.name", "appointment_ms", "lookup_secret_hash",
                           "return_method"}) {
    json::object p = SamplePayload(T::kDossierReceived);
    Erase(p, path);
    EXPECT_EQ(ValidatePayload(T::kDossierReceived, 1, p).field(), "payload." + std::string(path));
  }
}

TEST(PayloadTest, MissingParentObjectIsReportedAtTheLeaf) {
  json::object p = SamplePayload(T::kDossierReceived);
  p.erase("applicant");
  EXPECT_EQ(ValidatePayload(T::kDossierReceived, 1, p).field(), "payload.applicant.name");
  p["applicant"] = "Nhung";
  EXPECT_EQ(ValidatePayload(T::kDossierReceived, 1, p).field(), "payload.applicant");
}

TEST(PayloadTest, WrongKindsAreNamed) {
  struct Case {
    EventType type;
    const char* key;
    const char* value;  // JSON
    const char* field;
  };
  const Case cases[] = {
      {T::kDossierReceived, "appointment_ms", R"("tomorrow")", "payload.appointment_ms"},
      {T::kDossierReceived, "appointment_ms", "-5", "payload.appointment_ms"},
      {T::kDossierReceived, "return_method", R"("drone")", "payload.return_method"},
      {T::kDossierReceived, "documents", R"(["a", 2])", "payload.documents[1]"},
      {T::kDossierReceived, "documents", R"("a")", "payload.documents"},
      {T::kDossierReceived, "procedure_id", R"("")", "payload.procedure_id"},
      {T::kTicketIssued, "service_date", R"("2026-02-30")", "payload.service_date"},
      {T::kTicketIssued, "ticket_number", "true", "payload.ticket_number"},
      {T::kResultReturned, "on_behalf", R"("yes")", "payload.on_behalf"},
      {T::kSupplementRequested, "items", "[]", "payload.items"},
  };
  for (const Case& c : cases) {
    json::object p = SamplePayload(c.type);
    p[c.key] = *ParseJson(c.value);
    Status s = ValidatePayload(c.type, 1, p);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.key << "=" << c.value;
    EXPECT_EQ(s.field(), c.field) << s.ToString();
  }
}

TEST(PayloadTest, ConditionalFieldsAreRequiredOnlyWhenTheirConditionHolds) {
  json::object p = SamplePayload(T::kDossierReceived);
  p.erase("delivery_address");
  Status s = ValidatePayload(T::kDossierReceived, 1, p);
  EXPECT_EQ(s.field(), "payload.delivery_address");
  EXPECT_NE(s.message().find("when return_method=post"), std::string::npos) << s.message();
  p["return_method"] = "desk";
  EXPECT_TRUE(ValidatePayload(T::kDossierReceived, 1, p).ok());

  json::object r = Obj(R"({"outcome":"refused"})");
  EXPECT_EQ(ValidatePayload(T::kResultRecorded, 1, r).field(), "payload.reason");
  r["outcome"] = "approved";
  EXPECT_TRUE(ValidatePayload(T::kResultRecorded, 1, r).ok());

  json::object f = Obj(R"({"reason":"other"})");
  EXPECT_EQ(ValidatePayload(T::kShipmentFailedAttempt, 1, f).field(), "payload.note");
  f["reason"] = "not_home";
  EXPECT_TRUE(ValidatePayload(T::kShipmentFailedAttempt, 1, f).ok());
}

TEST(PayloadTest, FractionalNumbersAreRefusedAnywhere) {
  json::object p = SamplePayload(T::kPaymentRequested);
  p["extra"] = *ParseJson(R"({"rates":[1, 0.5]})");
  Status s = ValidatePayload(T::kPaymentRequested, 1, p);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.field(), "payload.extra.rates[1]");
  p = SamplePayload(T::kPaymentRequested);
  p["amount_vnd"] = 1200000.0;
  EXPECT_EQ(ValidatePayload(T::kPaymentRequested, 1, p).field(), "payload.amount_vnd");
}

TEST(PayloadTest, UndocumentedMembersAreKeptAndHashed) {
  Event e = SampleEvent(T::kShipmentHeld);
  const std::string before = CanonicalJson(e);
  e.payload["shelf"] = "B-3";
  ASSERT_TRUE(ValidateEvent(e).ok());
  Result<Event> back = ParseEvent(EventToJson(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::string(back->payload.at("shelf").as_string()), "B-3");
  EXPECT_NE(CanonicalJson(*back), before);
}

// ---- Canonical form --------------------------------------------------------------

TEST(CanonicalJsonTest, SortsKeysAndHasNoWhitespace) {
  Event e;
  e.event_id = "123e4567-e89b-42d3-a456-426614174000";
  e.type = T::kTicketIssued;
  e.node_id = "desk-01";
  e.seq = 7;
  e.device_time_ms = 1000;
  e.payload = Obj(R"({"service_date":"2026-03-12","ticket_number":5,"counter_group":"A"})");
  EXPECT_EQ(CanonicalJson(e),
            R"({"device_time_ms":1000,"event_id":"123e4567-e89b-42d3-a456-426614174000",)"
            R"("node_id":"desk-01","payload":{"counter_group":"A","service_date":"2026-03-12",)"
            R"("ticket_number":5},"schema_version":1,"seq":7,"type":"ticket_issued"})");
}

TEST(CanonicalJsonTest, ThePayloadSpanIsThePayloadsOwnCanonicalForm) {
  Event e;
  e.event_id = "123e4567-e89b-42d3-a456-426614174000";
  e.type = T::kShipmentDelivered;
  e.node_id = "courier-01";
  e.seq = 12;
  e.device_time_ms = 1772411444528;
  e.actor = "Lê \"payload\":{} Ánh";
  e.waybill = "EP123456789VN";
  e.payload = Obj(R"({"z":{"payload":{"a":1}},"recipient":"Trần \"Văn\" B\n","at":[3,1]})");
  size_t begin = 0;
  size_t size = 0;
  const std::string canonical = CanonicalJson(e, &begin, &size);
  EXPECT_EQ(canonical, CanonicalJson(e));
  EXPECT_EQ(canonical.substr(begin, size), CanonicalJsonValue(json::value(e.payload)));
  e.payload = json::object();
  const std::string empty = CanonicalJson(e, &begin, &size);
  EXPECT_EQ(empty.substr(begin, size), "{}");
}

TEST(CanonicalJsonTest, EventFormEqualsTheCanonicalFormOfItsEnvelopeWithEveryOptionalMember) {
  Event e;
  e.event_id = "123e4567-e89b-42d3-a456-426614174000";
  e.type = T::kShipmentDelivered;
  e.node_id = "courier-01";
  e.seq = 12;
  e.device_time_ms = 1772411444528;
  e.dossier_code = "000.00.17.H29-260312-0007";
  e.waybill = "EP123456789VN";
  e.actor = "Lê \"Ngọc\" Ánh\n";
  e.payload = Obj(R"({"recipient":{"name":"Trần Văn B","id_last4":"1234"},"at":[3,1]})");
  EXPECT_EQ(CanonicalJson(e), CanonicalJsonValue(json::value(EventToJsonObject(e))));
  e.dossier_code.reset();
  e.waybill.reset();
  e.actor.reset();
  EXPECT_EQ(CanonicalJson(e), CanonicalJsonValue(json::value(EventToJsonObject(e))));
}

TEST(CanonicalJsonTest, SameEventInAnyKeyOrderHasTheSameCanonicalForm) {
  const std::string a =
      R"({"event_id":"123e4567-e89b-42d3-a456-426614174000","type":"dossier_refused",
          "schema_version":1,"node_id":"desk-01","seq":3,"device_time_ms":5,
          "dossier_code":"000.00.17.H29-260312-0007",
          "payload":{"procedure_id":"2.000620","reason":"thiếu",
                     "applicant":{"name":"Bình","phone":"0909"}}})";
  const std::string b =
      R"({ "payload" : { "applicant" : { "phone":"0909", "name":"Bình" },
                         "reason":"thiếu", "procedure_id":"2.000620" },
           "dossier_code":"000.00.17.H29-260312-0007", "device_time_ms":5, "seq":3,
           "node_id":"desk-01", "schema_version":1, "type":"dossier_refused",
           "event_id":"123e4567-e89b-42d3-a456-426614174000" })";
  Result<Event> ea = ParseEvent(a);
  Result<Event> eb = ParseEvent(b);
  ASSERT_TRUE(ea.ok()) << ea.status().ToString();
  ASSERT_TRUE(eb.ok()) << eb.status().ToString();
  EXPECT_EQ(CanonicalJson(*ea), CanonicalJson(*eb));
  EXPECT_NE(EventToJson(*ea), EventToJson(*eb));  // only the canonical form is normalised
  EXPECT_EQ(ChainHash(GenesisHash(), CanonicalJson(*ea)),
            ChainHash(GenesisHash(), CanonicalJson(*eb)));
}

TEST(CanonicalJsonTest, EscapesOnlyQuotesBackslashesAndControlCharacters) {
  json::value v = json::object{{"k", "a\"b\\c\n\t\x01/é"}};
  EXPECT_EQ(CanonicalJsonValue(v), "{\"k\":\"a\\\"b\\\\c\\n\\t\\u0001/é\"}");
}

TEST(CanonicalJsonTest, SortsByUtf8BytesAndKeepsArrayOrder) {
  json::value v = *ParseJson(R"({"é":1,"z":[3,1,2],"A":{"b":null,"a":true},"a":-4})");
  EXPECT_EQ(CanonicalJsonValue(v), R"({"A":{"a":true,"b":null},"a":-4,"z":[3,1,2],"é":1})");
}

TEST(CanonicalJsonTest, LargeIntegersArePlainDecimal) {
  json::value v = *ParseJson(R"({"a":18446744073709551615,"b":-9223372036854775808})");
  EXPECT_EQ(CanonicalJsonValue(v), R"({"a":18446744073709551615,"b":-9223372036854775808})");
}

// ---- Hash chain --------------------------------------------------------------------

TEST(ChainHashTest, GenesisIsThirtyTwoZeroBytes) {
  EXPECT_EQ(GenesisHash(), std::string(32, '\0'));
}

TEST(ChainHashTest, IsBlake2b256OfPrevHashThenCanonical) {
  // Reference values from an independent BLAKE2b implementation (Python hashlib).
  EXPECT_EQ(HexEncode(ChainHash(GenesisHash(), "")),
            "89eb0d6a8a691dae2cd15ed0369931ce0a949ecafa5c3f93f8121833646e15c3");
  EXPECT_EQ(HexEncode(ChainHash(GenesisHash(), R"({"a":1})")),
            "15a6a2c526f243d2fed1071bd8489633aadfae380f65304cb55de221b10ab022");
}

TEST(ChainHashTest, ChangesWhenAnyByteOfTheEventChanges) {
  const std::string canonical = CanonicalJson(SampleEvent(T::kDossierReceived));
  const std::string h = ChainHash(GenesisHash(), canonical);
  ASSERT_EQ(h.size(), kChainHashBytes);
  for (size_t i = 0; i < canonical.size(); ++i) {
    std::string changed = canonical;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    ASSERT_NE(ChainHash(GenesisHash(), changed), h) << "byte " << i;
  }
}

TEST(ParseJsonTest, TextThatIsNotUtf8IsRefusedAsSuchInsideAndOutsideStrings) {
  for (const std::string& text : {std::string("{\"a\":\"bad \xC3\x28 byte\"}"),
                                 std::string("{\"a\":\"\xED\xA0\x80\"}"),  // a surrogate
                                 std::string("{\"a\":1}\xFF")}) {
    Result<json::value> v = ParseJson(text);
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_EQ(v.status().message(), "body is not valid UTF-8") << text;
  }
  EXPECT_EQ(ParseJson("{\"a\":").status().message().rfind("malformed JSON", 0), 0u);
  EXPECT_EQ(ParseJson("{\"tên\":\"Nguyễn Văn An\"}")->at("tên").as_string(), "Nguyễn Văn An");
}

TEST(ChainHashTest, ChangesWhenAnyByteOfThePreviousHashChanges) {
  const std::string canonical = CanonicalJson(SampleEvent(T::kTicketIssued));
  const std::string prev = ChainHash(GenesisHash(), "previous");
  const std::string h = ChainHash(prev, canonical);
  for (size_t i = 0; i < prev.size(); ++i) {
    std::string changed = prev;
    changed[i] = static_cast<char>(changed[i] ^ 0x80);
    ASSERT_NE(ChainHash(changed, canonical), h) << "byte " << i;
  }
}

TEST(ChainHashTest, ChainHeadDependsOnEveryEventAndTheirOrder) {
  const Event a = SampleEvent(T::kTicketIssued);
  const Event b = SampleEvent(T::kTicketCalled);
  const Event c = SampleEvent(T::kDossierReceived);
  auto head = [](std::initializer_list<const Event*> events) {
    std::string prev = GenesisHash();
    for (const Event* e : events) prev = ChainHash(prev, CanonicalJson(*e));
    return prev;
  };
  EXPECT_EQ(head({&a, &b, &c}), head({&a, &b, &c}));
  EXPECT_NE(head({&a, &b, &c}), head({&b, &a, &c}));
  EXPECT_NE(head({&a, &b, &c}), head({&a, &c}));
}

TEST(HexTest, RoundTripsAndRefusesBadInput) {
  const std::string bytes("\x00\x7f\x80\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "007f80ff");
  EXPECT_EQ(*HexDecode("007F80ff"), bytes);
  EXPECT_TRUE(HexDecode("abc").status().IsInvalidArgument());
  EXPECT_TRUE(HexDecode("zz").status().IsInvalidArgument());
}

}  // namespace
}  // namespace hoso
