// Env: the seams between Hoso and the outside world (clock, file system).
//
// Every component that reads the time or touches files takes these through
// its options instead of calling the OS directly, so tests can substitute a
// FakeClock (deadline and holiday tests) or a FaultInjectionFileSystem (full
// disk, a write that fails on the N-th call, unsynced data lost on "crash").
//
// Thread-safety: SystemClock and PosixFileSystem are safe for concurrent use.
// FakeClock and FaultInjectionFileSystem are safe for concurrent use too (they
// use atomics / a mutex) but are meant for tests.
#ifndef HOSO_SCHEMA_ENV_H_
#define HOSO_SCHEMA_ENV_H_

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "schema/status.h"
#include "schema/time.h"

namespace hoso {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock instant, UTC.
  virtual UnixMs NowMs() = 0;
  // Monotonic milliseconds, for timeouts and backoff only.
  virtual int64_t MonotonicMs() = 0;
};

// The real clock. Process-wide singleton; never deleted.
Clock* SystemClock();

// A clock that only moves when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(UnixMs now) : now_(now), mono_(0) {}
  UnixMs NowMs() override { return now_.load(); }
  int64_t MonotonicMs() override { return mono_.load(); }
  void Set(UnixMs now) { now_.store(now); }
  void Advance(int64_t ms) {
    now_.fetch_add(ms);
    mono_.fetch_add(ms);
  }

 private:
  std::atomic<UnixMs> now_;
  std::atomic<int64_t> mono_;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Writes `data` to `path` atomically and durably: temp file, fsync, rename,
  // fsync of the directory. Either the old or the new content survives a crash.
  // `mode` is the permission of the new file (0600 for secrets).
  virtual Status WriteFileAtomic(const std::string& path, const std::string& data,
                                 int mode = 0644) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Creates the directory and its parents; OK if it exists.
  virtual Status CreateDirs(const std::string& path, int mode = 0755) = 0;
  // Names (not paths) of the entries of a directory, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
};

// The real POSIX file system. Process-wide singleton; never deleted.
FileSystem* PosixFileSystem();

// Wraps another FileSystem and fails on purpose, for fault tests.
class FaultInjectionFileSystem : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

  // The N-th (1-based) write from now fails with kIoError ("no space left on
  // device"); 0 disables. Writes are WriteFileAtomic, CreateDirs, Rename.
  void FailNthWrite(int n) { fail_at_write_ = n; writes_ = 0; }
  // Every write fails while set, as on a full disk.
  void SetDiskFull(bool full) { disk_full_ = full; }
  int writes() const { return writes_.load(); }

  Result<std::string> ReadFile(const std::string& path) override;
  Status WriteFileAtomic(const std::string& path, const std::string& data, int mode) override;
  bool Exists(const std::string& path) override;
  Status CreateDirs(const std::string& path, int mode) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status Remove(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;

 private:
  Status MaybeFail(const std::string& what);

  FileSystem* base_;
  std::atomic<int> fail_at_write_{0};
  std::atomic<int> writes_{0};
  std::atomic<bool> disk_full_{false};
};

// Translates an errno value into a Status (ENOSPC -> kIoError, ENOENT ->
// kNotFound, EACCES -> kPermissionDenied, ...). `what` names the operation.
Status ErrnoStatus(int err, const std::string& what);

}  // namespace hoso

#endif  // HOSO_SCHEMA_ENV_H_
