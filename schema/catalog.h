// The procedure catalog: which administrative procedures a desk accepts, with
// each one's checklist of required documents, processing time and fees, as
// versioned data loaded at run time from catalog.json (format documented in
// docs/CATALOG.md).
//
// A procedure id may appear several times with different, non-overlapping
// effective ranges (a fee that changes on 1 January); lookups take the day
// they are about and pick the row in force on that day.
//
// Thread-safety: a Catalog is immutable after Parse/Load; concurrent reads are
// safe. Pointers it hands out stay valid as long as the Catalog they came from
// lives (moving a Catalog keeps them valid; copying does not carry them over).
#ifndef HOSO_SCHEMA_CATALOG_H_
#define HOSO_SCHEMA_CATALOG_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/env.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

// The only catalog format this build reads and writes.
inline constexpr std::string_view kCatalogFormat = "hoso.catalog/1";

enum class ProcessingKind { kWorkingDays, kCalendarDays, kNone };
enum class DocumentForm { kOriginal, kCopy, kCertifiedCopy };
enum class ApplicantType { kOrganisation, kHousehold, kAny };
enum class FeeArea { kUrban, kOther, kAny };
// Which authority decides: the provincial Department, the commune/ward
// People's Committee, or a ministry (listed so desks can redirect applicants).
enum class ProcedureLevel { kProvince, kCommune, kMinistry };

// The JSON spellings: "working_days", "certified_copy", "household", ...
const char* ProcessingKindName(ProcessingKind k);
const char* DocumentFormName(DocumentForm f);
const char* ApplicantTypeName(ApplicantType a);
const char* FeeAreaName(FeeArea a);
const char* ProcedureLevelName(ProcedureLevel l);
// The reverse, for request fields ("household" -> kHousehold); nullopt for
// any other spelling.
std::optional<ApplicantType> ParseApplicantType(std::string_view name);
std::optional<FeeArea> ParseFeeArea(std::string_view name);

struct RequiredDocument {
  std::string id;  // unique within its procedure, e.g. "don-de-nghi"
  std::string name_vi;
  std::string name_en;
  DocumentForm form = DocumentForm::kOriginal;
  int count = 1;  // copies to hand in; >= 1
  bool optional = false;
};

struct Processing {
  ProcessingKind kind = ProcessingKind::kWorkingDays;
  // Null when kind is kNone, or when the figure is not known (then verified
  // is false and note says why).
  std::optional<int> days;
  // Only where online submission is processed in a different time.
  std::optional<int> online_days;
  bool verified = false;
  std::string note;
};

struct Fee {
  ApplicantType applicant_type = ApplicantType::kAny;
  FeeArea area = FeeArea::kAny;
  std::optional<int64_t> amount_vnd;  // null: not known (verified is false)
  bool verified = false;
  std::string note;
};

struct Procedure {
  std::string id;                   // stable local id, e.g. "ruou-ban-le"
  std::optional<std::string> code;  // national code "2.000620"; null if unknown
  std::string code_note;            // why the code is null, or a remark on it
  std::string field_vi;             // lĩnh vực, e.g. "Xúc tiến thương mại"
  std::string field_en;
  std::string name_vi;  // official name
  std::string name_en;
  ProcedureLevel level = ProcedureLevel::kProvince;
  std::vector<RequiredDocument> required_documents;
  Processing processing;
  std::vector<Fee> fees;
  bool postal_return = false;  // the result can be returned by post
  bool online = false;         // offered as online submission
  // A yearly report (processing kind none): the report on year Y is due by
  // this "MM-DD" of year Y + 1; filings past it, and years never filed, are
  // overdue. nullopt: not a periodic report.
  std::optional<std::string> report_due;
  Date effective_from;
  std::optional<Date> effective_to;  // inclusive; null: open-ended
  std::vector<std::string> sources;
  std::string notes;

  bool InForceOn(const Date& day) const {
    return effective_from <= day && (!effective_to || day <= *effective_to);
  }
};

class Catalog {
 public:
  // Parses and validates a whole catalog. Every error is kInvalidArgument
  // whose field() is the JSON path ("procedures[3].processing.kind") and whose
  // message names that path and, when known, the procedure id.
  static Result<Catalog> Parse(std::string_view json);
  // Reads `path` through `fs` and parses it; I/O errors keep their code and
  // name the path.
  static Result<Catalog> Load(const std::string& path, FileSystem* fs = PosixFileSystem());

  const std::string& version() const { return version_; }
  const Date& published_at() const { return published_at_; }
  // Every row, in file order (several rows may share an id).
  const std::vector<Procedure>& procedures() const { return procedures_; }

  // Rows in force on `day`, in file order; at most one per id.
  std::vector<const Procedure*> InForce(const Date& day) const;

  // The row with this id or national code in force on `day`.
  // kNotFound "unknown procedure 'x'" when no row has that id or code at all;
  // kConflict "procedure 'x' is not in force on DATE (...)" when it exists but
  // none of its rows covers `day`. The two are shown differently to users.
  Result<const Procedure*> Find(std::string_view id_or_code, const Date& day) const;

  // The whole catalog as compact JSON; Parse(Serialize()) gives an equal
  // catalog. Used for down-sync to nodes and the data_versions table.
  std::string Serialize() const;
  boost::json::object ToJsonObject() const;

 private:
  std::string version_;
  Date published_at_;
  std::vector<Procedure> procedures_;
};

// One procedure as a JSON object in the catalog.json shape (for the API).
boost::json::object ProcedureToJson(const Procedure& p);

// The fee row that applies to this applicant in this area: an exact match
// first, then the row for `applicant` in any area, then any applicant in
// `area`, then the row for anyone anywhere. nullptr when none applies.
const Fee* FindFee(const Procedure& p, ApplicantType applicant, FeeArea area);
// The amount of FindFee(); nullopt when no row applies or its amount is not
// known. A known "no fee" is 0.
std::optional<int64_t> FeeFor(const Procedure& p, ApplicantType applicant, FeeArea area);

// Days the appointment is computed with: online_days for an online
// submission when the catalog gives one, else days. nullopt when the kind is
// kNone or the figure is not known (the desk must then not print a date).
std::optional<int> ProcessingDays(const Procedure& p, bool online);

// Mandatory documents not handed in, or handed in with fewer copies than
// required, in checklist order. `received` holds (document id, count); ids
// that are not on the checklist are ignored and repeated ids add up. Intake
// refuses a dossier while this is not empty.
std::vector<const RequiredDocument*> MissingDocuments(
    const Procedure& p, const std::vector<std::pair<std::string, int>>& received);

}  // namespace hoso

#endif  // HOSO_SCHEMA_CATALOG_H_
