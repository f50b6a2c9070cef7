#include "schema/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace hoso {

Status ErrnoStatus(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  switch (err) {
    case ENOENT: return Status::NotFound(msg);
    case EACCES:
    case EPERM: return Status::PermissionDenied(msg);
    case EEXIST: return Status::Conflict(msg);
    case EAGAIN:
    case EINTR:
    case EBUSY: return Status::Unavailable(msg);
    default: return Status::IoError(msg);
  }
}

namespace {

class RealClock : public Clock {
 public:
  UnixMs NowMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class RealFileSystem : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path) override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus(errno, "open " + path);
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read " + path);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  Status WriteFileAtomic(const std::string& path, const std::string& data, int mode) override {
    // A unique temporary name, so two writers of one path never collide.
    static std::atomic<uint64_t> counter{0};
    const std::string tmp =
        path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return ErrnoStatus(errno, "create " + tmp);
    ::fchmod(fd.get(), static_cast<mode_t>(mode));
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        Status s = ErrnoStatus(errno, "write " + tmp);
        ::unlink(tmp.c_str());
        return s;
      }
      off += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      Status s = ErrnoStatus(errno, "fsync " + tmp);
      ::unlink(tmp.c_str());
      return s;
    }
    if (::close(fd.release()) != 0) {
      Status s = ErrnoStatus(errno, "close " + tmp);
      ::unlink(tmp.c_str());
      return s;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      Status s = ErrnoStatus(errno, "rename " + tmp);
      ::unlink(tmp.c_str());
      return s;
    }
    // The rename is durable only once the directory entry is.
    Fd dir(::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0) return ErrnoStatus(errno, "open directory of " + path);
    if (::fsync(dir.get()) != 0) return ErrnoStatus(errno, "fsync directory of " + path);
    return Status::OK();
  }

  bool Exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  Status CreateDirs(const std::string& path, int mode) override {
    if (path.empty()) return Status::InvalidArgument("empty directory path");
    size_t pos = 0;
    do {
      pos = path.find('/', pos + 1);
      const std::string part = path.substr(0, pos);
      if (part.empty()) continue;
      if (::mkdir(part.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "mkdir " + part);
      }
    } while (pos != std::string::npos);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::IoError("not a directory: " + path);
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return ErrnoStatus(errno, "opendir " + path);
    std::vector<std::string> names;
    for (;;) {
      errno = 0;
      struct dirent* e = ::readdir(d);
      if (e == nullptr) {
        const int err = errno;
        ::closedir(d);
        if (err != 0) return ErrnoStatus(err, "readdir " + path);
        break;
      }
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "unlink " + path);
    return Status::OK();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus(errno, "rename " + from);
    return Status::OK();
  }
};

}  // namespace

Clock* SystemClock() {
  static RealClock* clock = new RealClock();
  return clock;
}

FileSystem* PosixFileSystem() {
  static RealFileSystem* fs = new RealFileSystem();
  return fs;
}

Status FaultInjectionFileSystem::MaybeFail(const std::string& what) {
  if (disk_full_.load()) return Status::IoError(what + ": No space left on device");
  const int n = ++writes_;
  const int at = fail_at_write_.load();
  if (at > 0 && n == at) return Status::IoError(what + ": injected write failure");
  return Status::OK();
}

Result<std::string> FaultInjectionFileSystem::ReadFile(const std::string& path) {
  return base_->ReadFile(path);
}
Status FaultInjectionFileSystem::WriteFileAtomic(const std::string& path, const std::string& data,
                                                 int mode) {
  HOSO_RETURN_IF_ERROR(MaybeFail("write " + path));
  return base_->WriteFileAtomic(path, data, mode);
}
bool FaultInjectionFileSystem::Exists(const std::string& path) { return base_->Exists(path); }
Status FaultInjectionFileSystem::CreateDirs(const std::string& path, int mode) {
  HOSO_RETURN_IF_ERROR(MaybeFail("mkdir " + path));
  return base_->CreateDirs(path, mode);
}
Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& path) {
  return base_->ListDir(path);
}
Status FaultInjectionFileSystem::Remove(const std::string& path) { return base_->Remove(path); }
Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  HOSO_RETURN_IF_ERROR(MaybeFail("rename " + from));
  return base_->Rename(from, to);
}

}  // namespace hoso
