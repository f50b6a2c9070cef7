#include "schema/catalog.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <set>

#include "schema/json_util.h"

namespace hoso {

namespace {

// Bounds that catch typos in hand-edited data (an extra zero on a day count).
constexpr int64_t kMaxProcessingDays = 365;
constexpr int64_t kMaxDocumentCount = 100;
constexpr int kMaxJsonDepth = 16;

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

constexpr EnumName<ProcessingKind> kKindNames[] = {{ProcessingKind::kWorkingDays, "working_days"},
                                                   {ProcessingKind::kCalendarDays, "calendar_days"},
                                                   {ProcessingKind::kNone, "none"}};
constexpr EnumName<DocumentForm> kFormNames[] = {{DocumentForm::kOriginal, "original"},
                                                 {DocumentForm::kCopy, "copy"},
                                                 {DocumentForm::kCertifiedCopy, "certified_copy"}};
constexpr EnumName<ApplicantType> kApplicantNames[] = {
    {ApplicantType::kOrganisation, "organisation"},
    {ApplicantType::kHousehold, "household"},
    {ApplicantType::kAny, "any"}};
constexpr EnumName<FeeArea> kAreaNames[] = {
    {FeeArea::kUrban, "urban"}, {FeeArea::kOther, "other"}, {FeeArea::kAny, "any"}};
constexpr EnumName<ProcedureLevel> kLevelNames[] = {{ProcedureLevel::kProvince, "province"},
                                                    {ProcedureLevel::kCommune, "commune"},
                                                    {ProcedureLevel::kMinistry, "ministry"}};

template <typename E, size_t N>
std::optional<E> ValueOf(const EnumName<E> (&table)[N], std::string_view name) {
  for (const auto& e : table) {
    if (name == e.name) return e.value;
  }
  return std::nullopt;
}

template <typename E, size_t N>
const char* NameOf(const EnumName<E> (&table)[N], E value) {
  for (const auto& e : table) {
    if (e.value == value) return e.name;
  }
  return "?";
}

Status Invalid(const std::string& path, const std::string& reason) {
  return Status::InvalidArgument("'" + path + "' " + reason, path);
}

template <typename E, size_t N>
Result<E> GetEnum(const json::object& o, std::string_view key, const std::string& path,
                  const EnumName<E> (&table)[N]) {
  HOSO_ASSIGN_OR_RETURN(std::string s, GetString(o, key, path));
  if (auto v = ValueOf(table, s)) return *v;
  std::string allowed;
  for (const auto& e : table) allowed += std::string(allowed.empty() ? "" : ", ") + e.name;
  return Invalid(JoinPath(path, key), "must be one of " + allowed + " (got '" + s + "')");
}

Result<std::string> GetNonEmpty(const json::object& o, std::string_view key,
                                const std::string& path) {
  HOSO_ASSIGN_OR_RETURN(std::string s, GetString(o, key, path));
  if (s.empty()) return Invalid(JoinPath(path, key), "must not be empty");
  return s;
}

Result<std::string> GetOptionalText(const json::object& o, std::string_view key,
                                    const std::string& path) {
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> s, GetOptString(o, key, path));
  return s.value_or("");
}

Result<Date> GetDate(const json::object& o, std::string_view key, const std::string& path) {
  HOSO_ASSIGN_OR_RETURN(std::string s, GetString(o, key, path));
  auto d = ParseDate(s);
  if (!d.ok())
    return Invalid(JoinPath(path, key), "must be a valid date YYYY-MM-DD (got '" + s + "')");
  return *d;
}

Result<std::optional<int>> GetOptBoundedInt(const json::object& o, std::string_view key,
                                            const std::string& path, int64_t lo, int64_t hi) {
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> v, GetOptInt(o, key, path));
  if (!v) return std::optional<int>();
  if (*v < lo || *v > hi) {
    return Invalid(JoinPath(path, key),
                   "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return std::optional<int>(static_cast<int>(*v));
}

// Unknown members are refused: in hand-edited data they are almost always a
// misspelt known member whose value would otherwise be silently ignored.
Status CheckMembers(const json::object& o, const std::string& path,
                    std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    if (std::find(known.begin(), known.end(), kv.key()) == known.end()) {
      return Invalid(JoinPath(path, std::string(kv.key())), "is not a known member");
    }
  }
  return Status::OK();
}

bool IsSlug(std::string_view s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// National procedure codes look like "2.000620".
bool IsNationalCode(std::string_view s) {
  if (s.size() != 8 || s[1] != '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != 1 && (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

// {"vi": "...", "en": "..."}, both non-empty.
Status ParseText(const json::object& o, std::string_view key, const std::string& path,
                 std::string* vi, std::string* en) {
  HOSO_ASSIGN_OR_RETURN(const json::object* t, GetObject(o, key, path));
  const std::string p = JoinPath(path, key);
  HOSO_RETURN_IF_ERROR(CheckMembers(*t, p, {"vi", "en"}));
  HOSO_ASSIGN_OR_RETURN(*vi, GetNonEmpty(*t, "vi", p));
  HOSO_ASSIGN_OR_RETURN(*en, GetNonEmpty(*t, "en", p));
  return Status::OK();
}

Result<RequiredDocument> ParseDocument(const json::object& o, const std::string& path) {
  HOSO_RETURN_IF_ERROR(
      CheckMembers(o, path, {"id", "name_vi", "name_en", "form", "count", "optional"}));
  RequiredDocument d;
  HOSO_ASSIGN_OR_RETURN(d.id, GetString(o, "id", path));
  if (!IsSlug(d.id)) return Invalid(JoinPath(path, "id"), "must be lower-case a-z, 0-9 and '-'");
  HOSO_ASSIGN_OR_RETURN(d.name_vi, GetNonEmpty(o, "name_vi", path));
  HOSO_ASSIGN_OR_RETURN(d.name_en, GetNonEmpty(o, "name_en", path));
  HOSO_ASSIGN_OR_RETURN(d.form, GetEnum(o, "form", path, kFormNames));
  HOSO_ASSIGN_OR_RETURN(int64_t count, GetInt(o, "count", path));
  if (count < 1 || count > kMaxDocumentCount) {
    return Invalid(JoinPath(path, "count"),
                   "must be between 1 and " + std::to_string(kMaxDocumentCount));
  }
  d.count = static_cast<int>(count);
  HOSO_ASSIGN_OR_RETURN(d.optional, GetBool(o, "optional", path));
  return d;
}

Result<Processing> ParseProcessing(const json::object& o, const std::string& path) {
  HOSO_RETURN_IF_ERROR(CheckMembers(o, path, {"kind", "days", "online_days", "verified", "note"}));
  Processing p;
  HOSO_ASSIGN_OR_RETURN(p.kind, GetEnum(o, "kind", path, kKindNames));
  HOSO_ASSIGN_OR_RETURN(p.days, GetOptBoundedInt(o, "days", path, 1, kMaxProcessingDays));
  HOSO_ASSIGN_OR_RETURN(p.online_days,
                        GetOptBoundedInt(o, "online_days", path, 1, kMaxProcessingDays));
  HOSO_ASSIGN_OR_RETURN(p.verified, GetBool(o, "verified", path));
  HOSO_ASSIGN_OR_RETURN(p.note, GetOptionalText(o, "note", path));
  if (p.kind == ProcessingKind::kNone) {
    if (p.days || p.online_days) {
      return Invalid(JoinPath(path, "days"), "must be null when kind is none");
    }
  } else if (!p.days && p.verified) {
    // A figure may be unknown only if the data says so: days are required
    // unless the row is marked unverified (with a note saying why).
    return Invalid(JoinPath(path, "days"), std::string("is required when kind is ") +
                                               NameOf(kKindNames, p.kind) +
                                               " and verified is true");
  } else if (p.online_days && !p.days) {
    return Invalid(JoinPath(path, "online_days"), "needs days to be set too");
  }
  if (!p.verified && p.note.empty()) {
    return Invalid(JoinPath(path, "note"), "must say why the figure is not verified");
  }
  return p;
}

Result<Fee> ParseFee(const json::object& o, const std::string& path) {
  HOSO_RETURN_IF_ERROR(
      CheckMembers(o, path, {"applicant_type", "area", "amount_vnd", "verified", "note"}));
  Fee f;
  HOSO_ASSIGN_OR_RETURN(f.applicant_type, GetEnum(o, "applicant_type", path, kApplicantNames));
  HOSO_ASSIGN_OR_RETURN(f.area, GetEnum(o, "area", path, kAreaNames));
  HOSO_ASSIGN_OR_RETURN(f.amount_vnd, GetOptInt(o, "amount_vnd", path));
  HOSO_ASSIGN_OR_RETURN(f.verified, GetBool(o, "verified", path));
  HOSO_ASSIGN_OR_RETURN(f.note, GetOptionalText(o, "note", path));
  if (f.amount_vnd && *f.amount_vnd < 0) {
    return Invalid(JoinPath(path, "amount_vnd"), "must not be negative");
  }
  if (!f.amount_vnd && f.verified) {
    return Invalid(JoinPath(path, "verified"), "must be false when amount_vnd is null");
  }
  if (!f.verified && f.note.empty()) {
    return Invalid(JoinPath(path, "note"), "must say why the fee is not verified");
  }
  return f;
}

// Everything about one procedure row except what needs the other rows.
Result<Procedure> ParseProcedureBody(const json::object& o, const std::string& path, Procedure p) {
  HOSO_RETURN_IF_ERROR(CheckMembers(
      o, path,
      {"id", "code", "code_note", "field", "name", "level", "required_documents", "processing",
       "fees", "postal_return", "online", "report_due", "effective_from", "effective_to", "sources",
       "notes"}));
  HOSO_ASSIGN_OR_RETURN(p.code, GetOptString(o, "code", path));
  if (p.code && !IsNationalCode(*p.code)) {
    return Invalid(JoinPath(path, "code"), "must look like 2.000620 or be null");
  }
  HOSO_ASSIGN_OR_RETURN(p.code_note, GetOptionalText(o, "code_note", path));
  if (!p.code && p.code_note.empty()) {
    return Invalid(JoinPath(path, "code_note"), "must say why code is null");
  }
  HOSO_RETURN_IF_ERROR(ParseText(o, "field", path, &p.field_vi, &p.field_en));
  HOSO_RETURN_IF_ERROR(ParseText(o, "name", path, &p.name_vi, &p.name_en));
  HOSO_ASSIGN_OR_RETURN(p.level, GetEnum(o, "level", path, kLevelNames));

  HOSO_ASSIGN_OR_RETURN(const json::array* docs, GetArray(o, "required_documents", path));
  const std::string docs_path = JoinPath(path, "required_documents");
  if (docs->empty()) return Invalid(docs_path, "must list at least one document");
  std::set<std::string> doc_ids;
  for (size_t i = 0; i < docs->size(); ++i) {
    const std::string dp = JoinPath(docs_path, "[" + std::to_string(i) + "]");
    if (!(*docs)[i].is_object()) return Invalid(dp, "must be an object");
    HOSO_ASSIGN_OR_RETURN(RequiredDocument d, ParseDocument((*docs)[i].get_object(), dp));
    if (!doc_ids.insert(d.id).second) {
      return Invalid(JoinPath(dp, "id"), "repeats document id '" + d.id + "'");
    }
    p.required_documents.push_back(std::move(d));
  }

  HOSO_ASSIGN_OR_RETURN(const json::object* proc, GetObject(o, "processing", path));
  HOSO_ASSIGN_OR_RETURN(p.processing, ParseProcessing(*proc, JoinPath(path, "processing")));

  HOSO_ASSIGN_OR_RETURN(const json::array* fees, GetArray(o, "fees", path));
  const std::string fees_path = JoinPath(path, "fees");
  if (fees->empty()) return Invalid(fees_path, "must have at least one row (amount 0 for no fee)");
  std::set<std::pair<ApplicantType, FeeArea>> fee_keys;
  for (size_t i = 0; i < fees->size(); ++i) {
    const std::string fp = JoinPath(fees_path, "[" + std::to_string(i) + "]");
    if (!(*fees)[i].is_object()) return Invalid(fp, "must be an object");
    HOSO_ASSIGN_OR_RETURN(Fee f, ParseFee((*fees)[i].get_object(), fp));
    if (!fee_keys.insert({f.applicant_type, f.area}).second) {
      return Invalid(fp, "repeats the row for this applicant_type and area");
    }
    p.fees.push_back(std::move(f));
  }

  HOSO_ASSIGN_OR_RETURN(p.postal_return, GetBool(o, "postal_return", path));
  HOSO_ASSIGN_OR_RETURN(p.online, GetBool(o, "online", path));
  HOSO_ASSIGN_OR_RETURN(p.report_due, GetOptString(o, "report_due", path));
  if (p.report_due) {
    const std::string& d = *p.report_due;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const bool shaped = d.size() == 5 && d[2] == '-' && digit(d[0]) && digit(d[1]) &&
                        digit(d[3]) && digit(d[4]);
    const int month = shaped ? (d[0] - '0') * 10 + (d[1] - '0') : 0;
    const int day = shaped ? (d[3] - '0') * 10 + (d[4] - '0') : 0;
    // A day of every year: 02-29 is refused.
    if (!shaped || month < 1 || month > 12 || day < 1 || day > DaysInMonth(2001, month)) {
      return Invalid(JoinPath(path, "report_due"), "must be a day of every year as MM-DD");
    }
    if (p.processing.kind != ProcessingKind::kNone) {
      return Invalid(JoinPath(path, "report_due"), "is only for filings with processing kind none");
    }
  }
  HOSO_ASSIGN_OR_RETURN(p.effective_from, GetDate(o, "effective_from", path));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> to, GetOptString(o, "effective_to", path));
  if (to) {
    HOSO_ASSIGN_OR_RETURN(p.effective_to, GetDate(o, "effective_to", path));
    if (*p.effective_to < p.effective_from) {
      return Invalid(JoinPath(path, "effective_to"), "must not be before effective_from");
    }
  }

  HOSO_ASSIGN_OR_RETURN(const json::array* sources, GetArray(o, "sources", path));
  const std::string src_path = JoinPath(path, "sources");
  if (sources->empty()) return Invalid(src_path, "must name at least one source");
  for (size_t i = 0; i < sources->size(); ++i) {
    const json::value& s = (*sources)[i];
    if (!s.is_string() || s.get_string().empty()) {
      return Invalid(JoinPath(src_path, "[" + std::to_string(i) + "]"),
                     "must be a non-empty string");
    }
    p.sources.emplace_back(s.get_string());
  }
  HOSO_ASSIGN_OR_RETURN(p.notes, GetOptionalText(o, "notes", path));
  return p;
}

Result<Procedure> ParseProcedure(const json::object& o, const std::string& path) {
  Procedure p;
  HOSO_ASSIGN_OR_RETURN(p.id, GetString(o, "id", path));
  if (!IsSlug(p.id)) return Invalid(JoinPath(path, "id"), "must be lower-case a-z, 0-9 and '-'");
  const std::string id = p.id;
  auto body = ParseProcedureBody(o, path, std::move(p));
  if (!body.ok()) {
    const Status s = body.status();
    return Status(s.code(), s.message() + " (procedure '" + id + "')", s.field());
  }
  return body;
}

std::string RangeText(const Procedure& p) {
  return FormatDate(p.effective_from) + " to " +
         (p.effective_to ? FormatDate(*p.effective_to) : std::string("open end"));
}

// Rules across rows: one row per (id, effective_from), no overlapping
// ranges for one id, and one national code never names two ids.
Status CheckAcrossRows(const std::vector<Procedure>& rows) {
  std::map<std::string, std::vector<size_t>> by_id;
  std::map<std::string, std::string> id_of_code;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Procedure& p = rows[i];
    const std::string path = "procedures[" + std::to_string(i) + "]";
    by_id[p.id].push_back(i);
    if (p.code) {
      auto [it, inserted] = id_of_code.emplace(*p.code, p.id);
      if (!inserted && it->second != p.id) {
        return Invalid(path + ".code", "is already used by procedure '" + it->second +
                                           "' (procedure '" + p.id + "')");
      }
    }
  }
  for (auto& [id, idx] : by_id) {
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return rows[a].effective_from < rows[b].effective_from;
    });
    for (size_t k = 1; k < idx.size(); ++k) {
      const Procedure& prev = rows[idx[k - 1]];
      const Procedure& cur = rows[idx[k]];
      // Report the row that comes later in the file, where the edit usually is.
      const size_t at = std::max(idx[k - 1], idx[k]);
      const std::string path = "procedures[" + std::to_string(at) + "].effective_from";
      const size_t other = at == idx[k] ? idx[k - 1] : idx[k];
      if (prev.effective_from == cur.effective_from) {
        return Invalid(path, "duplicates procedures[" + std::to_string(other) + "]: procedure '" +
                                 id + "' already has a row from " + FormatDate(cur.effective_from));
      }
      if (!prev.effective_to || *prev.effective_to >= cur.effective_from) {
        return Invalid(path, "overlaps procedures[" + std::to_string(other) + "] (" +
                                 RangeText(rows[other]) + ") of procedure '" + id + "'");
      }
    }
  }
  return Status::OK();
}

json::value OptInt(const std::optional<int64_t>& v) { return v ? json::value(*v) : nullptr; }

}  // namespace

const char* ProcessingKindName(ProcessingKind k) { return NameOf(kKindNames, k); }
const char* DocumentFormName(DocumentForm f) { return NameOf(kFormNames, f); }
const char* ApplicantTypeName(ApplicantType a) { return NameOf(kApplicantNames, a); }
const char* FeeAreaName(FeeArea a) { return NameOf(kAreaNames, a); }
const char* ProcedureLevelName(ProcedureLevel l) { return NameOf(kLevelNames, l); }
std::optional<ApplicantType> ParseApplicantType(std::string_view name) {
  return ValueOf(kApplicantNames, name);
}
std::optional<FeeArea> ParseFeeArea(std::string_view name) { return ValueOf(kAreaNames, name); }

Result<Catalog> Catalog::Parse(std::string_view text) {
  HOSO_ASSIGN_OR_RETURN(json::object root, ParseJsonObject(text, kMaxJsonDepth));
  HOSO_RETURN_IF_ERROR(CheckMembers(root, "", {"format", "version", "published_at", "procedures"}));
  HOSO_ASSIGN_OR_RETURN(std::string format, GetString(root, "format"));
  if (format != kCatalogFormat) {
    return Invalid("format", "must be \"" + std::string(kCatalogFormat) + "\" (got '" + format +
                                 "'); this program cannot read another catalog format");
  }
  Catalog c;
  HOSO_ASSIGN_OR_RETURN(c.version_, GetNonEmpty(root, "version", ""));
  HOSO_ASSIGN_OR_RETURN(c.published_at_, GetDate(root, "published_at", ""));
  HOSO_ASSIGN_OR_RETURN(const json::array* procs, GetArray(root, "procedures"));
  c.procedures_.reserve(procs->size());
  for (size_t i = 0; i < procs->size(); ++i) {
    const std::string path = "procedures[" + std::to_string(i) + "]";
    if (!(*procs)[i].is_object()) return Invalid(path, "must be an object");
    HOSO_ASSIGN_OR_RETURN(Procedure p, ParseProcedure((*procs)[i].get_object(), path));
    c.procedures_.push_back(std::move(p));
  }
  HOSO_RETURN_IF_ERROR(CheckAcrossRows(c.procedures_));
  return c;
}

Result<Catalog> Catalog::Load(const std::string& path, FileSystem* fs) {
  auto text = fs->ReadFile(path);
  if (!text.ok()) return text.status().WithContext("cannot read catalog");
  auto c = Parse(*text);
  if (!c.ok()) return c.status().WithContext("catalog " + path);
  return c;
}

std::vector<const Procedure*> Catalog::InForce(const Date& day) const {
  std::vector<const Procedure*> out;
  for (const Procedure& p : procedures_) {
    if (p.InForceOn(day)) out.push_back(&p);
  }
  return out;
}

Result<const Procedure*> Catalog::Find(std::string_view id_or_code, const Date& day) const {
  std::vector<const Procedure*> rows;
  for (const Procedure& p : procedures_) {
    if (p.id == id_or_code || (p.code && *p.code == id_or_code)) rows.push_back(&p);
  }
  if (rows.empty()) {
    return Status::NotFound("unknown procedure '" + std::string(id_or_code) + "'");
  }
  std::string ranges;
  for (const Procedure* p : rows) {
    if (p->InForceOn(day)) return p;
    ranges += (ranges.empty() ? "" : ", ") + RangeText(*p);
  }
  return Status::Conflict("procedure '" + std::string(id_or_code) + "' is not in force on " +
                          FormatDate(day) + " (in force " + ranges + ")");
}

json::object ProcedureToJson(const Procedure& p) {
  json::object o;
  o["id"] = p.id;
  o["code"] = p.code ? json::value(*p.code) : nullptr;
  if (!p.code_note.empty()) o["code_note"] = p.code_note;
  o["field"] = {{"vi", p.field_vi}, {"en", p.field_en}};
  o["name"] = {{"vi", p.name_vi}, {"en", p.name_en}};
  o["level"] = ProcedureLevelName(p.level);
  json::array docs;
  for (const RequiredDocument& d : p.required_documents) {
    docs.push_back({{"id", d.id},
                    {"name_vi", d.name_vi},
                    {"name_en", d.name_en},
                    {"form", DocumentFormName(d.form)},
                    {"count", d.count},
                    {"optional", d.optional}});
  }
  o["required_documents"] = std::move(docs);
  const Processing& pr = p.processing;
  json::object proc;
  proc["kind"] = ProcessingKindName(pr.kind);
  proc["days"] = OptInt(pr.days);
  proc["online_days"] = OptInt(pr.online_days);
  proc["verified"] = pr.verified;
  proc["note"] = pr.note;
  o["processing"] = std::move(proc);
  json::array fees;
  for (const Fee& f : p.fees) {
    json::object fo;
    fo["applicant_type"] = ApplicantTypeName(f.applicant_type);
    fo["area"] = FeeAreaName(f.area);
    fo["amount_vnd"] = OptInt(f.amount_vnd);
    fo["verified"] = f.verified;
    fo["note"] = f.note;
    fees.push_back(std::move(fo));
  }
  o["fees"] = std::move(fees);
  o["postal_return"] = p.postal_return;
  o["online"] = p.online;
  if (p.report_due) o["report_due"] = *p.report_due;
  o["effective_from"] = FormatDate(p.effective_from);
  o["effective_to"] = p.effective_to ? json::value(FormatDate(*p.effective_to)) : nullptr;
  json::array sources;
  for (const std::string& s : p.sources) sources.emplace_back(s);
  o["sources"] = std::move(sources);
  o["notes"] = p.notes;
  return o;
}

json::object Catalog::ToJsonObject() const {
  json::object o;
  o["format"] = kCatalogFormat;
  o["version"] = version_;
  o["published_at"] = FormatDate(published_at_);
  json::array procs;
  for (const Procedure& p : procedures_) procs.push_back(ProcedureToJson(p));
  o["procedures"] = std::move(procs);
  return o;
}

std::string Catalog::Serialize() const { return ToJson(ToJsonObject()); }

const Fee* FindFee(const Procedure& p, ApplicantType applicant, FeeArea area) {
  const std::pair<ApplicantType, FeeArea> order[] = {{applicant, area},
                                                     {applicant, FeeArea::kAny},
                                                     {ApplicantType::kAny, area},
                                                     {ApplicantType::kAny, FeeArea::kAny}};
  for (const auto& [a, r] : order) {
    for (const Fee& f : p.fees) {
      if (f.applicant_type == a && f.area == r) return &f;
    }
  }
  return nullptr;
}

std::optional<int64_t> FeeFor(const Procedure& p, ApplicantType applicant, FeeArea area) {
  const Fee* f = FindFee(p, applicant, area);
  if (f == nullptr) return std::nullopt;
  return f->amount_vnd;
}

std::optional<int> ProcessingDays(const Procedure& p, bool online) {
  if (p.processing.kind == ProcessingKind::kNone) return std::nullopt;
  if (online && p.processing.online_days) return p.processing.online_days;
  return p.processing.days;
}

std::vector<const RequiredDocument*> MissingDocuments(
    const Procedure& p, const std::vector<std::pair<std::string, int>>& received) {
  std::map<std::string, int64_t, std::less<>> got;
  for (const auto& [id, count] : received) got[id] += count;
  std::vector<const RequiredDocument*> missing;
  for (const RequiredDocument& d : p.required_documents) {
    if (d.optional) continue;
    auto it = got.find(d.id);
    if (it == got.end() || it->second < d.count) missing.push_back(&d);
  }
  return missing;
}

}  // namespace hoso
