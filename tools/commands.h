// The subcommands of the `hoso` tool. Each takes the arguments after its
// name ("hoso calendar holidays 2030" -> {"holidays", "2030"}), writes to the
// given streams and returns the process exit code.
#ifndef HOSO_TOOLS_COMMANDS_H_
#define HOSO_TOOLS_COMMANDS_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace hoso::tools {

int RunCalendarCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);
int RunCatalogCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);
// `hoso inspect FILE`: decode, verify and print any sync file (sync/FORMAT.md).
int RunInspectCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

// The directory holding catalog.json and calendar.json: $HOSO_DATA_DIR if set,
// else the one compiled in (the source tree's schema/data).
std::string DefaultDataDir();

}  // namespace hoso::tools

#endif  // HOSO_TOOLS_COMMANDS_H_
