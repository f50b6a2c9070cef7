// `hoso catalog list|show`: the procedure catalog in force on a day, for
// operators checking a catalog before publishing it and for scripts (--json).
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "schema/catalog.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/text.h"
#include "schema/time.h"
#include "tools/cli.h"
#include "tools/commands.h"

namespace hoso::tools {

namespace {

constexpr const char* kCatalogUsage =
    "usage: hoso catalog <command> [options]\n"
    "\n"
    "commands:\n"
    "  list [--json] [--at DATE] [--field TEXT]   procedures in force on DATE, by field\n"
    "  show ID|CODE [--json] [--at DATE]          one procedure: checklist, time, fees\n"
    "\n"
    "options:\n"
    "  --at DATE        the day (YYYY-MM-DD); default: today in Vietnam (UTC+7)\n"
    "  --data-dir DIR   directory holding catalog.json (default: $HOSO_DATA_DIR or the\n"
    "                   source tree's schema/data)\n";

constexpr const char* kListUsage =
    "usage: hoso catalog list [--json] [--at DATE] [--field TEXT] [--data-dir DIR]\n"
    "\n"
    "Lists the procedures in force on DATE (default today, UTC+7), grouped by field:\n"
    "national code (or -), processing time (\"8 wd\" working days, \"20 cd\" calendar\n"
    "days, \"none\" for notifications and reports; * marks a figure not verified),\n"
    "Vietnamese name and local id.\n"
    "  --field TEXT   only fields whose Vietnamese or English name contains TEXT\n"
    "                 (diacritics and case ignored)\n"
    "  --json         {\"catalog_version\",\"on\",\"procedures\":[full procedure objects]}\n";

constexpr const char* kShowUsage =
    "usage: hoso catalog show ID|CODE [--json] [--at DATE] [--data-dir DIR]\n"
    "\n"
    "Shows the procedure with this local id (\"ruou-ban-le\") or national code\n"
    "(\"2.000620\") as in force on DATE (default today, UTC+7): required documents,\n"
    "processing time, fees, sources.\n"
    "  --json         {\"catalog_version\",\"on\",\"procedure\":{...}}\n";

int UsageError(std::ostream& err, const std::string& reason) {
  err << "hoso: " << reason << "\n";
  return 2;
}

// Everything that is not a bad command line (missing or broken catalog,
// unknown procedure, procedure not in force) exits 1.
int Failure(std::ostream& err, const Status& status) {
  err << "hoso: " << status.message() << "\n";
  return 1;
}

struct Common {
  Catalog catalog;
  Date on;
};

// Loads the catalog and resolves --at. Sets *exit_code on failure.
std::optional<Common> Prepare(const cli::Args& args, std::ostream& err, int* exit_code) {
  Date on = LocalDateOf(SystemClock()->NowMs());
  if (auto at = args.Get("at")) {
    auto d = ParseDate(*at);
    if (!d.ok()) {
      *exit_code = UsageError(err, "--at: " + d.status().message());
      return std::nullopt;
    }
    on = *d;
  }
  const std::string dir = args.Get("data-dir").value_or(DefaultDataDir());
  auto catalog = Catalog::Load(dir + "/catalog.json");
  if (!catalog.ok()) {
    *exit_code = Failure(err, catalog.status());
    return std::nullopt;
  }
  return Common{std::move(catalog).value(), on};
}

std::string DaysText(const Procedure& p) {
  const Processing& pr = p.processing;
  std::string s;
  if (pr.kind == ProcessingKind::kNone) {
    s = "none";
  } else {
    s = pr.days ? std::to_string(*pr.days) : std::string("?");
    s += pr.kind == ProcessingKind::kWorkingDays ? " wd" : " cd";
  }
  if (!pr.verified) s += "*";
  return s;
}

std::string Money(int64_t vnd) {
  std::string digits = std::to_string(vnd);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + " VND";
}

const char* FormText(DocumentForm f) {
  switch (f) {
    case DocumentForm::kOriginal:
      return "original";
    case DocumentForm::kCopy:
      return "copy";
    case DocumentForm::kCertifiedCopy:
      return "certified copy";
  }
  return "?";
}

std::string ProcessingText(const Procedure& p) {
  const Processing& pr = p.processing;
  std::string s;
  switch (pr.kind) {
    case ProcessingKind::kNone:
      s = "none (notification or report; no result to wait for)";
      break;
    case ProcessingKind::kWorkingDays:
    case ProcessingKind::kCalendarDays: {
      const char* unit = pr.kind == ProcessingKind::kWorkingDays ? "working" : "calendar";
      s = pr.days ? std::to_string(*pr.days) + " " + unit + " days" : std::string("unknown");
      if (pr.online_days) s += ", " + std::to_string(*pr.online_days) + " when filed online";
      break;
    }
  }
  s += pr.verified ? " (verified)" : " (NOT VERIFIED)";
  return s;
}

bool FieldMatches(const Procedure& p, const std::string& folded_filter) {
  return FoldForSearch(p.field_vi).find(folded_filter) != std::string::npos ||
         FoldForSearch(p.field_en).find(folded_filter) != std::string::npos;
}

int RunList(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = cli::Args::Parse(argv, {"at", "field", "data-dir"}, {"json"});
  if (!args.ok()) return UsageError(err, args.status().message());
  if (args->Has("help")) {
    out << kListUsage;
    return 0;
  }
  if (!args->positional().empty()) {
    return UsageError(err, "unexpected argument '" + args->positional()[0] + "'");
  }
  int code = 0;
  auto common = Prepare(*args, err, &code);
  if (!common) return code;

  std::vector<const Procedure*> rows = common->catalog.InForce(common->on);
  if (auto field = args->Get("field")) {
    const std::string folded = FoldForSearch(*field);
    std::erase_if(rows, [&](const Procedure* p) { return !FieldMatches(*p, folded); });
  }

  if (args->Has("json")) {
    json::object o;
    o["catalog_version"] = common->catalog.version();
    o["on"] = FormatDate(common->on);
    json::array procs;
    for (const Procedure* p : rows) procs.push_back(ProcedureToJson(*p));
    o["procedures"] = std::move(procs);
    out << ToPrettyJson(o);
    return 0;
  }

  out << "Catalog " << common->catalog.version() << " (published "
      << FormatDate(common->catalog.published_at()) << "): " << rows.size()
      << " procedures in force on " << FormatDate(common->on) << "\n";
  // Fields in the order they first appear in the catalog, which is curated.
  std::vector<std::string> field_order;
  std::map<std::string, std::vector<const Procedure*>> by_field;
  for (const Procedure* p : rows) {
    auto& group = by_field[p->field_vi];
    if (group.empty()) field_order.push_back(p->field_vi);
    group.push_back(p);
  }
  bool any_unverified = false;
  for (const std::string& field : field_order) {
    const auto& group = by_field[field];
    out << "\n" << field << " (" << group.front()->field_en << ")\n";
    for (const Procedure* p : group) {
      any_unverified = any_unverified || !p->processing.verified;
      out << "  " << std::left << std::setw(9) << p->code.value_or("-") << " " << std::setw(8)
          << DaysText(*p) << " " << p->name_vi << "  [" << p->id << "]\n";
    }
  }
  if (any_unverified) {
    out << "\n* processing time not verified; see hoso catalog show ID\n";
  }
  return 0;
}

void PrintProcedure(const Procedure& p, std::ostream& out) {
  out << p.name_vi << "\n" << p.name_en << "\n\n";
  out << "id:          " << p.id << "\n";
  out << "code:        " << p.code.value_or("-");
  if (!p.code_note.empty()) out << " (" << p.code_note << ")";
  out << "\n";
  out << "field:       " << p.field_vi << " (" << p.field_en << ")\n";
  out << "level:       " << ProcedureLevelName(p.level) << "\n";
  out << "in force:    " << FormatDate(p.effective_from) << " to "
      << (p.effective_to ? FormatDate(*p.effective_to) : std::string("(open)")) << "\n";
  out << "processing:  " << ProcessingText(p) << "\n";
  if (!p.processing.note.empty()) out << "             " << p.processing.note << "\n";
  out << "online:      " << (p.online ? "yes" : "no") << "\n";
  out << "by post:     " << (p.postal_return ? "result can be returned by post" : "no") << "\n";

  out << "\nRequired documents:\n";
  int n = 0;
  for (const RequiredDocument& d : p.required_documents) {
    out << "  " << ++n << ". " << d.name_vi << "\n"
        << "     " << d.name_en << "\n"
        << "     [" << d.id << "] " << FormText(d.form) << " x" << d.count
        << (d.optional ? ", optional" : "") << "\n";
  }

  out << "\nFees:\n";
  for (const Fee& f : p.fees) {
    out << "  " << ApplicantTypeName(f.applicant_type) << ", " << FeeAreaName(f.area) << ": ";
    if (!f.amount_vnd) {
      out << "unknown";
    } else if (*f.amount_vnd == 0) {
      out << "no fee";
    } else {
      out << Money(*f.amount_vnd);
    }
    out << (f.verified ? "" : " (NOT VERIFIED)");
    if (!f.note.empty()) out << " - " << f.note;
    out << "\n";
  }

  out << "\nSources:\n";
  for (const std::string& s : p.sources) out << "  " << s << "\n";
  if (!p.notes.empty()) out << "\nNotes: " << p.notes << "\n";
}

int RunShow(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  auto args = cli::Args::Parse(argv, {"at", "data-dir"}, {"json"});
  if (!args.ok()) return UsageError(err, args.status().message());
  if (args->Has("help")) {
    out << kShowUsage;
    return 0;
  }
  if (args->positional().empty()) {
    return UsageError(err, "missing procedure id or code (see hoso catalog show --help)");
  }
  if (args->positional().size() > 1) {
    return UsageError(err, "unexpected argument '" + args->positional()[1] + "'");
  }
  int code = 0;
  auto common = Prepare(*args, err, &code);
  if (!common) return code;

  auto p = common->catalog.Find(args->positional()[0], common->on);
  if (!p.ok()) return Failure(err, p.status());

  if (args->Has("json")) {
    json::object o;
    o["catalog_version"] = common->catalog.version();
    o["on"] = FormatDate(common->on);
    o["procedure"] = ProcedureToJson(**p);
    out << ToPrettyJson(o);
    return 0;
  }
  out << "Catalog " << common->catalog.version() << ", as in force on " << FormatDate(common->on)
      << "\n\n";
  PrintProcedure(**p, out);
  return 0;
}

}  // namespace

int RunCatalogCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    return UsageError(err, "missing catalog command (see hoso catalog --help)");
  }
  const std::string& cmd = args[0];
  if (cmd == "--help" || cmd == "help" || cmd == "-h") {
    out << kCatalogUsage;
    return 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (cmd == "list") return RunList(rest, out, err);
  if (cmd == "show") return RunShow(rest, out, err);
  return UsageError(err, "unknown catalog command '" + cmd + "' (see hoso catalog --help)");
}

}  // namespace hoso::tools
