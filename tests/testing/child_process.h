// ChildProcess: starts a real program (hoso-node, hoso-central) for
// integration tests, reads the "listening on http://HOST:PORT" (or https://)
// line it prints first, and stops or kills it.
//
// Thread-safety: not thread-safe; one owner.
#ifndef HOSO_TESTS_TESTING_CHILD_PROCESS_H_
#define HOSO_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hoso::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents in the
// destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `argv` to completion; returns its exit code (or 128+signal) and its
// stdout+stderr in *output.
int RunProgram(const std::vector<std::string>& argv, std::string* output,
               const std::string& stdin_data = "");

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // kills the child if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts `argv` and waits up to `timeout_ms` for a stdout line starting
  // with "listening on http://" or "listening on https://"; returns false
  // (and kills it) otherwise. With `stderr_path`, the child's stderr goes to
  // that file (truncated).
  bool StartServer(const std::vector<std::string>& argv, int timeout_ms = 20000,
                   const std::string& stderr_path = "");
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGKILL, then reap.
  void Kill();
  // SIGTERM, wait up to timeout_ms, then SIGKILL; returns the exit code.
  int Stop(int timeout_ms = 5000);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace hoso::testing

#endif  // HOSO_TESTS_TESTING_CHILD_PROCESS_H_
