// Desk: the JSON forms of docs/API.md and the catalog-free validation of an
// intake request.
#include <set>
#include <utility>

#include "node/desk.h"
#include "schema/dossier_state.h"
#include "schema/ids.h"
#include "schema/text.h"

namespace hoso::node {

namespace {

constexpr size_t kMaxDocuments = 100;
constexpr int kMaxDocumentCount = 1000;
constexpr size_t kMaxNoteChars = 2000;
constexpr size_t kMaxAddressPartChars = 300;
constexpr size_t kMaxProvinceChars = 100;

Status OneOf(const std::string& value, std::initializer_list<const char*> allowed,
             const std::string& field) {
  std::string names;
  for (const char* a : allowed) {
    if (value == a) return Status::OK();
    names += (names.empty() ? "" : ", ") + std::string(a);
  }
  return Status::InvalidArgument(field + " must be one of " + names + ", not '" + value + "'",
                                 field);
}

// Optional free text: valid UTF-8, spaces normalised, bounded.
Result<std::string> FreeText(const std::string& s, const std::string& field, size_t max_chars) {
  if (NormaliseSpaces(s).empty()) return std::string();
  return NormaliseName(s, field, max_chars);
}

Status ValidateAddress(Address& a, const std::string& path) {
  HOSO_ASSIGN_OR_RETURN(a.province,
                        NormaliseName(a.province, path + ".province", kMaxProvinceChars));
  HOSO_ASSIGN_OR_RETURN(a.ward, FreeText(a.ward, path + ".ward", kMaxAddressPartChars));
  HOSO_ASSIGN_OR_RETURN(a.street, NormaliseName(a.street, path + ".street", kMaxAddressPartChars));
  return Status::OK();
}

Status ValidateApplicant(Applicant& a) {
  HOSO_RETURN_IF_ERROR(OneOf(a.kind, {"person", "business"}, "applicant.kind"));
  HOSO_ASSIGN_OR_RETURN(a.full_name, NormaliseName(a.full_name, "applicant.full_name"));
  if (a.kind == "person" || !NormaliseSpaces(a.id_number).empty()) {
    HOSO_ASSIGN_OR_RETURN(a.id_number, NormaliseIdNumber(a.id_number, "applicant.id_number"));
  } else {
    a.id_number.clear();
  }
  if (a.kind == "business") {
    HOSO_ASSIGN_OR_RETURN(a.business_name,
                          NormaliseName(a.business_name, "applicant.business_name", 300));
    HOSO_ASSIGN_OR_RETURN(a.tax_code, NormaliseTaxCode(a.tax_code, "applicant.tax_code"));
  } else {
    a.business_name.clear();
    a.tax_code.clear();
  }
  HOSO_ASSIGN_OR_RETURN(a.phone, NormalisePhone(a.phone, "applicant.phone"));
  if (!NormaliseSpaces(a.email).empty()) {
    HOSO_ASSIGN_OR_RETURN(a.email, NormaliseEmail(a.email, "applicant.email"));
  } else {
    a.email.clear();
  }
  return ValidateAddress(a.address, "applicant.address");
}

// ---- JSON reading -----------------------------------------------------------

// Reads an optional string member into *out (left as is when absent).
Status ReadString(const json::object& o, std::string_view key, std::string_view path,
                  std::string* out) {
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> v, GetOptString(o, key, path));
  if (v) *out = std::move(*v);
  return Status::OK();
}

Result<const json::object*> OptObject(const json::object& o, std::string_view key,
                                      std::string_view path) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return static_cast<const json::object*>(nullptr);
  return GetObject(o, key, path);
}

Status ReadAddress(const json::object& o, const std::string& path, Address* a) {
  HOSO_RETURN_IF_ERROR(ReadString(o, "province", path, &a->province));
  HOSO_RETURN_IF_ERROR(ReadString(o, "ward", path, &a->ward));
  return ReadString(o, "street", path, &a->street);
}

Status ReadDocuments(const json::array& docs, IntakeRequest* req) {
  if (docs.size() > kMaxDocuments) {
    return Status::InvalidArgument(
        "documents may list at most " + std::to_string(kMaxDocuments) + " items", "documents");
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::string path = "documents[" + std::to_string(i) + "]";
    if (!docs[i].is_object()) {
      return Status::InvalidArgument(path + " must be an object {\"id\", \"count\"}", path);
    }
    const json::object& d = docs[i].get_object();
    HOSO_ASSIGN_OR_RETURN(std::string id, GetString(d, "id", path));
    HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> count, GetOptInt(d, "count", path));
    const int64_t n = count.value_or(1);
    if (n < 1 || n > kMaxDocumentCount) {
      return Status::InvalidArgument(
          path + ".count must be 1.." + std::to_string(kMaxDocumentCount), path + ".count");
    }
    req->documents.emplace_back(std::move(id), static_cast<int>(n));
  }
  return Status::OK();
}

json::object AddressToJson(const Address& a) {
  return json::object{{"province", a.province}, {"ward", a.ward}, {"street", a.street}};
}

json::value OptIso(UnixMs t) { return t > 0 ? json::value(FormatLocalIso(t)) : json::value(); }

json::value OptInt(const std::optional<int64_t>& v) { return v ? json::value(*v) : json::value(); }

}  // namespace

Result<IntakeRequest> Desk::ValidateIntakeRequest(const IntakeRequest& in) {
  IntakeRequest r = in;
  r.procedure_id = NormaliseSpaces(r.procedure_id);
  if (r.procedure_id.empty()) {
    return Status::InvalidArgument("procedure_id is required", "procedure_id");
  }
  HOSO_RETURN_IF_ERROR(ValidateApplicant(r.applicant));
  if (r.representative) {
    Representative& rep = *r.representative;
    HOSO_ASSIGN_OR_RETURN(rep.full_name, NormaliseName(rep.full_name, "representative.full_name"));
    if (!NormaliseSpaces(rep.id_number).empty()) {
      HOSO_ASSIGN_OR_RETURN(rep.id_number,
                            NormaliseIdNumber(rep.id_number, "representative.id_number"));
    } else {
      rep.id_number.clear();
    }
    HOSO_ASSIGN_OR_RETURN(rep.authorisation,
                          FreeText(rep.authorisation, "representative.authorisation", 500));
  }
  HOSO_RETURN_IF_ERROR(OneOf(r.applicant_type, {"organisation", "household"}, "applicant_type"));
  HOSO_RETURN_IF_ERROR(OneOf(r.area, {"urban", "other"}, "area"));
  HOSO_RETURN_IF_ERROR(OneOf(r.channel, {"desk", "post"}, "channel"));
  if (r.documents.size() > kMaxDocuments) {
    return Status::InvalidArgument(
        "documents may list at most " + std::to_string(kMaxDocuments) + " items", "documents");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < r.documents.size(); ++i) {
    const std::string path = "documents[" + std::to_string(i) + "]";
    auto& [id, count] = r.documents[i];
    id = NormaliseSpaces(id);
    if (id.empty()) return Status::InvalidArgument(path + ".id is required", path + ".id");
    if (!seen.insert(id).second) {
      return Status::InvalidArgument(path + ".id '" + id + "' is listed twice", path + ".id");
    }
    if (count < 1 || count > kMaxDocumentCount) {
      return Status::InvalidArgument(
          path + ".count must be 1.." + std::to_string(kMaxDocumentCount), path + ".count");
    }
  }
  ReturnMethod& ret = r.return_method;
  HOSO_RETURN_IF_ERROR(OneOf(ret.method, {"desk", "post"}, "return.method"));
  if (ret.method == "post") {
    HOSO_ASSIGN_OR_RETURN(ret.recipient_name,
                          NormaliseName(ret.recipient_name, "return.recipient_name"));
    HOSO_ASSIGN_OR_RETURN(ret.recipient_phone,
                          NormalisePhone(ret.recipient_phone, "return.recipient_phone"));
    HOSO_RETURN_IF_ERROR(ValidateAddress(ret.address, "return.address"));
  } else {
    ret = ReturnMethod{};  // nothing to deliver; keep no stray address
  }
  HOSO_ASSIGN_OR_RETURN(r.clerk, NormaliseName(r.clerk, "clerk"));
  if (r.received_at && *r.received_at < 0) {
    return Status::InvalidArgument("received_at is before 1970", "received_at");
  }
  HOSO_ASSIGN_OR_RETURN(r.note, FreeText(r.note, "note", kMaxNoteChars));
  return r;
}

Result<IntakeRequest> Desk::ParseIntakeRequest(const json::object& body) {
  IntakeRequest r;
  HOSO_RETURN_IF_ERROR(ReadString(body, "procedure_id", "", &r.procedure_id));
  HOSO_ASSIGN_OR_RETURN(const json::object* app, GetObject(body, "applicant"));
  Applicant& a = r.applicant;
  HOSO_RETURN_IF_ERROR(ReadString(*app, "kind", "applicant", &a.kind));
  HOSO_RETURN_IF_ERROR(ReadString(*app, "full_name", "applicant", &a.full_name));
  HOSO_RETURN_IF_ERROR(ReadString(*app, "id_number", "applicant", &a.id_number));
  HOSO_RETURN_IF_ERROR(ReadString(*app, "business_name", "applicant", &a.business_name));
  HOSO_RETURN_IF_ERROR(ReadString(*app, "tax_code", "applicant", &a.tax_code));
  HOSO_RETURN_IF_ERROR(ReadString(*app, "phone", "applicant", &a.phone));
  HOSO_RETURN_IF_ERROR(ReadString(*app, "email", "applicant", &a.email));
  HOSO_ASSIGN_OR_RETURN(const json::object* addr, OptObject(*app, "address", "applicant"));
  if (addr) HOSO_RETURN_IF_ERROR(ReadAddress(*addr, "applicant.address", &a.address));

  HOSO_ASSIGN_OR_RETURN(const json::object* rep, OptObject(body, "representative", ""));
  if (rep) {
    Representative p;
    HOSO_RETURN_IF_ERROR(ReadString(*rep, "full_name", "representative", &p.full_name));
    HOSO_RETURN_IF_ERROR(ReadString(*rep, "id_number", "representative", &p.id_number));
    HOSO_RETURN_IF_ERROR(ReadString(*rep, "authorisation", "representative", &p.authorisation));
    // An empty form section means "no representative".
    if (!NormaliseSpaces(p.full_name).empty() || !NormaliseSpaces(p.id_number).empty()) {
      r.representative = std::move(p);
    }
  }
  HOSO_RETURN_IF_ERROR(ReadString(body, "applicant_type", "", &r.applicant_type));
  HOSO_RETURN_IF_ERROR(ReadString(body, "area", "", &r.area));
  HOSO_RETURN_IF_ERROR(ReadString(body, "channel", "", &r.channel));
  auto docs = body.find("documents");
  if (docs != body.end() && !docs->value().is_null()) {
    HOSO_ASSIGN_OR_RETURN(const json::array* arr, GetArray(body, "documents"));
    HOSO_RETURN_IF_ERROR(ReadDocuments(*arr, &r));
  }
  HOSO_ASSIGN_OR_RETURN(const json::object* ret, OptObject(body, "return", ""));
  if (ret) {
    ReturnMethod& m = r.return_method;
    HOSO_RETURN_IF_ERROR(ReadString(*ret, "method", "return", &m.method));
    HOSO_RETURN_IF_ERROR(ReadString(*ret, "recipient_name", "return", &m.recipient_name));
    HOSO_RETURN_IF_ERROR(ReadString(*ret, "recipient_phone", "return", &m.recipient_phone));
    HOSO_ASSIGN_OR_RETURN(const json::object* raddr, OptObject(*ret, "address", "return"));
    if (raddr) HOSO_RETURN_IF_ERROR(ReadAddress(*raddr, "return.address", &m.address));
  }
  HOSO_RETURN_IF_ERROR(ReadString(body, "clerk", "", &r.clerk));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> received, GetOptString(body, "received_at"));
  if (received) {
    auto t = ParseIsoTime(*received);
    if (!t.ok()) {
      return Status::InvalidArgument(
          "received_at must be an ISO 8601 time like 2026-03-12T08:05:00+07:00: " +
              t.status().message(),
          "received_at");
    }
    r.received_at = *t;
  }
  HOSO_RETURN_IF_ERROR(ReadString(body, "note", "", &r.note));
  return ValidateIntakeRequest(r);
}

json::object Desk::DossierToJson(const Dossier& d) {
  json::object o;
  o["code"] = d.code;
  o["lookup_secret"] = d.lookup_secret;
  o["status"] = d.status;
  if (auto s = StatusFromInt(d.status); s.ok()) {
    o["status_name_vi"] = DossierStatusNameVi(*s);
    o["status_name_en"] = DossierStatusNameEn(*s);
  }
  o["procedure_id"] = d.procedure_id;
  o["procedure_code"] = d.procedure_code;
  o["procedure_name_vi"] = d.procedure_name_vi;
  o["procedure_name_en"] = d.procedure_name_en;
  const Applicant& a = d.applicant;
  json::object app{{"kind", a.kind},
                   {"full_name", a.full_name},
                   {"phone", a.phone},
                   {"email", a.email},
                   {"address", AddressToJson(a.address)}};
  if (a.kind == "business") {
    app["business_name"] = a.business_name;
    app["tax_code"] = a.tax_code;
  }
  o["applicant"] = std::move(app);
  o["id_masked"] = d.id_masked;
  if (d.representative) {
    o["representative"] = json::object{{"full_name", d.representative->full_name},
                                       {"authorisation", d.representative->authorisation}};
    o["representative_id_masked"] = d.representative_id_masked;
  }
  o["applicant_type"] = d.applicant_type;
  o["area"] = d.area;
  json::array docs;
  for (const DocumentReceived& doc : d.documents) {
    docs.push_back(json::object{{"id", doc.id},
                                {"name_vi", doc.name_vi},
                                {"name_en", doc.name_en},
                                {"form", doc.form},
                                {"count", doc.count}});
  }
  o["documents"] = std::move(docs);
  o["channel"] = d.channel;
  json::object ret{{"method", d.return_method.method}};
  if (d.return_method.method == "post") {
    ret["recipient_name"] = d.return_method.recipient_name;
    ret["recipient_phone"] = d.return_method.recipient_phone;
    ret["address"] = AddressToJson(d.return_method.address);
  }
  o["return"] = std::move(ret);
  o["clerk"] = d.clerk;
  o["received_at"] = OptIso(d.received_at);
  o["counted_from"] = OptIso(d.counted_from);
  // null: the procedure sets no time limit, or the catalog's figure is not
  // known; no date is promised then.
  o["appointment"] = OptIso(d.appointment);
  o["processing"] = json::object{{"kind", d.processing_kind}, {"days", d.processing_days}};
  o["fee_vnd"] = OptInt(d.fee_vnd);
  o["postal_fee_vnd"] = OptInt(d.postal_fee_vnd);
  o["catalog_version"] = d.catalog_version;
  o["calendar_version"] = d.calendar_version;
  o["tariff_version"] = d.tariff_version;
  if (!d.refusal_reason.empty()) o["refusal_reason"] = d.refusal_reason;
  if (!d.result_outcome.empty()) {
    o["result"] = json::object{{"outcome", d.result_outcome}, {"note", d.result_note}};
  }
  if (d.hand_back) {
    const HandBack& hb = *d.hand_back;
    o["hand_back"] = json::object{{"recipient_kind", hb.recipient_kind},
                                  {"recipient_name", hb.recipient_name},
                                  {"recipient_id_masked", hb.recipient_id_masked},
                                  {"authorisation", hb.authorisation},
                                  {"clerk", hb.clerk},
                                  {"returned_at", OptIso(hb.returned_at)}};
  }
  o["note"] = d.note;
  return o;
}

json::object Desk::TicketToJson(const Ticket& t) {
  json::object o{{"id", t.id},
                 {"day", t.day},
                 {"counter_group", t.counter_group},
                 {"number", t.number},
                 {"display", t.display},
                 {"state", t.state},
                 {"counter", t.counter},
                 {"issued_at", FormatLocalIso(t.issued_at)}};
  o["called_at"] = t.called_at ? json::value(FormatLocalIso(*t.called_at)) : json::value();
  return o;
}

}  // namespace hoso::node
