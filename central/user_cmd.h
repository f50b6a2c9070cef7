// `hoso-central user ...`: the user commands of the command line (add, list,
// disable, enable, passwd). Each change is written to the audit log with the
// actor "cli:<os user>".
//
// Passwords never travel on the command line (where `ps` and shell history
// would show them): they are read from --password-file or stdin (its first
// line), or asked twice without echo when stdin is a terminal.
//
// Thread-safety: one command per process; not for concurrent use.
#ifndef HOSO_CENTRAL_USER_CMD_H_
#define HOSO_CENTRAL_USER_CMD_H_

#include "tools/cli.h"

namespace hoso::central {

// The usage text of `hoso-central user --help`.
extern const char kUserUsage[];

// Runs `hoso-central user <sub> ...`; returns the exit code.
int CmdUser(const cli::Args& args);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_USER_CMD_H_
