// `hoso-node courier ...`: the courier's commands on a courier node's data
// directory (node/courier.h), one process per command like the rest of
// hoso-node. Usage in kCourierUsage and docs/API.md.
//
// Thread-safety: runs on the main thread of the hoso-node process.
#ifndef HOSO_NODE_COURIER_CLI_H_
#define HOSO_NODE_COURIER_CLI_H_

#include <string>
#include <vector>

namespace hoso::node {

// `args` are the words after "courier". Returns the process exit code: 0,
// 1 for a refused or failed command (one line on stderr), 2 for bad usage.
int RunCourierCommand(const std::vector<std::string>& args);

}  // namespace hoso::node

#endif  // HOSO_NODE_COURIER_CLI_H_
