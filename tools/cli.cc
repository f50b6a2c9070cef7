#include "tools/cli.h"

#include <iostream>

namespace hoso::cli {

Result<Args> Args::Parse(const std::vector<std::string>& argv,
                         const std::set<std::string>& value_flags,
                         const std::set<std::string>& switches) {
  Args a;
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (only_positional || s.size() < 3 || s.rfind("--", 0) != 0) {
      if (s == "--") {
        only_positional = true;
        continue;
      }
      a.positional_.push_back(s);
      continue;
    }
    std::string name = s.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (value_flags.count(name)) {
      if (inline_value) {
        a.values_[name] = *inline_value;
      } else if (i + 1 < argv.size()) {
        a.values_[name] = argv[++i];
      } else {
        return Status::InvalidArgument("option --" + name + " needs a value", name);
      }
    } else if (switches.count(name) || name == "help") {
      if (inline_value) {
        return Status::InvalidArgument("option --" + name + " takes no value", name);
      }
      a.switches_.insert(name);
    } else {
      return Status::InvalidArgument("unknown option --" + name, name);
    }
  }
  return a;
}

bool Args::Has(const std::string& flag) const {
  return switches_.count(flag) > 0 || values_.count(flag) > 0;
}

std::optional<std::string> Args::Get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<std::string> Args::Require(const std::string& flag) const {
  auto v = Get(flag);
  if (!v) return Status::InvalidArgument("missing required option --" + flag, flag);
  return *v;
}

int Fail(const std::string& program, const Status& status) {
  std::cerr << program << ": " << status.message() << "\n";
  return status.IsInvalidArgument() ? 2 : 1;
}

}  // namespace hoso::cli
