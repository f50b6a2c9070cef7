// hoso: the command-line tool around the system (calendar, catalog, inspect).
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tools/commands.h"
#include "schema/data_dir.h"

namespace hoso::tools {

std::string DefaultDataDir() {
  if (const char* env = std::getenv("HOSO_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return HOSO_DATA_DIR;
}

}  // namespace hoso::tools

namespace {

constexpr const char* kUsage =
    "usage: hoso <command> [args]\n"
    "\n"
    "commands:\n"
    "  calendar holidays YEAR [--json]        days off of YEAR, with names\n"
    "  calendar due --received TIME --days N [--calendar-days] [--json]\n"
    "                                         appointment for an intake at TIME\n"
    "  catalog list [--json] [--at DATE]      procedures in force\n"
    "  catalog show CODE [--json]             one procedure with its checklist\n"
    "  inspect FILE [--json] [--public-key HEX] [--central-key FILE]\n"
    "                                         decode, verify and print a sync file\n"
    "\n"
    "Every command takes --help. Data files come from $HOSO_DATA_DIR or\n"
    "--data-dir DIR (default: the source tree's schema/data).\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "calendar") return hoso::tools::RunCalendarCommand(args, std::cout, std::cerr);
  if (cmd == "catalog") return hoso::tools::RunCatalogCommand(args, std::cout, std::cerr);
  if (cmd == "inspect") return hoso::tools::RunInspectCommand(args, std::cout, std::cerr);
  std::cerr << "hoso: unknown command '" << cmd << "' (see hoso --help)\n";
  return 2;
}
