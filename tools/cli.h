// Minimal argument parsing shared by the hoso, hoso-node and hoso-central
// command-line programs.
//
// Conventions every command follows: `--help` prints usage and exits 0;
// `--json` switches data output to JSON; an error prints one line
// "hoso: <reason>" on stderr and exits non-zero (2 for usage errors, 1 for
// everything else).
//
// Thread-safety: values.
#ifndef HOSO_TOOLS_CLI_H_
#define HOSO_TOOLS_CLI_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schema/status.h"

namespace hoso::cli {

// Parsed command line: positional arguments and --flag / --flag=value /
// --flag value options.
class Args {
 public:
  // `value_flags` lists options that take a value ("--data"); any other
  // "--x" is a boolean switch. Unknown options are an error only when
  // they are in neither `value_flags` nor `switches` (--help is always known).
  static Result<Args> Parse(const std::vector<std::string>& argv,
                            const std::set<std::string>& value_flags,
                            const std::set<std::string>& switches);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& flag) const;
  std::optional<std::string> Get(const std::string& flag) const;
  // The value of a required option or kInvalidArgument naming it.
  Result<std::string> Require(const std::string& flag) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
};

// Prints "<program>: <status message>" to stderr and returns the exit code
// (2 for invalid arguments, 1 otherwise).
int Fail(const std::string& program, const Status& status);

}  // namespace hoso::cli

#endif  // HOSO_TOOLS_CLI_H_
