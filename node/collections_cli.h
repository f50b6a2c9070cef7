// `hoso-node collections ...`: the online dossiers a desk node hands over
// (node/collections.h), one process per command like the rest of
// hoso-node. Usage in PrintUsage and docs/API.md.
//
// Thread-safety: runs on the main thread of the hoso-node process.
#ifndef HOSO_NODE_COLLECTIONS_CLI_H_
#define HOSO_NODE_COLLECTIONS_CLI_H_

#include <string>
#include <vector>

namespace hoso::node {

// `args` are the words after "collections". Returns the process exit code:
// 0, 1 for a refused or failed command (one line on stderr), 2 for bad usage.
int RunCollectionsCommand(const std::vector<std::string>& args);

}  // namespace hoso::node

#endif  // HOSO_NODE_COLLECTIONS_CLI_H_
