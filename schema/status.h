// Status and Result<T>: how every Hoso function reports failure.
//
// A Status is either OK or carries a Code that tells the caller what to do
// next, plus a human message (English, for logs and operators) and, for input
// errors, the name of the offending field. No exceptions cross module
// boundaries: SQLite, errno, zstd, libsodium and Beast errors are translated
// into a Status once, at the edge where they happen.
//
// Thread-safety: values; safe to copy and move between threads.
#ifndef HOSO_SCHEMA_STATUS_H_
#define HOSO_SCHEMA_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hoso {

class [[nodiscard]] Status {
 public:
  // What the caller should do. Keep in step with CodeName() and the HTTP
  // mapping in HttpStatusFor().
  enum class Code {
    kOk = 0,
    kInvalidArgument,    // bad input: fix the request, never retry as is
    kNotFound,           // the thing does not exist
    kConflict,           // valid input that the current state forbids
    kUnauthenticated,    // who you are is unknown or wrong: never retry
    kPermissionDenied,   // known caller, not allowed
    kResourceExhausted,  // a limit (size, count, rate) was hit
    kUnavailable,        // transient: retry with backoff
    kCorruption,         // stored or received bytes are damaged or forged
    kIoError,            // the disk or OS failed (full disk, permission...)
    kInternal,           // a bug: an invariant did not hold
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg, std::string field = "") {
    return Status(Code::kInvalidArgument, std::move(msg), std::move(field));
  }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status Unauthenticated(std::string msg) {
    return Status(Code::kUnauthenticated, std::move(msg));
  }
  static Status PermissionDenied(std::string msg) {
    return Status(Code::kPermissionDenied, std::move(msg));
  }
  static Status ResourceExhausted(std::string msg) {
    return Status(Code::kResourceExhausted, std::move(msg));
  }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(Code::kIoError, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  Status(Code code, std::string message, std::string field = "")
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // For kInvalidArgument: the input field at fault ("applicant.id_number"),
  // empty when the error is not about one field.
  const std::string& field() const { return field_; }

  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIoError() const { return code_ == Code::kIoError; }

  // Returns a copy whose message is "context: message".
  Status WithContext(std::string_view context) const;

  // "OK" or "<code_name>: <message>".
  std::string ToString() const;

  // Machine-readable snake_case name of the code: "invalid_argument", ...
  static const char* CodeName(Code code);
  // The HTTP status a server answers for this code (200 for OK).
  static int HttpStatusFor(Code code);

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // An OK Status carries no value, so it becomes an kInternal error (and
  // asserts in debug builds): a Result is never "OK without a value".
  Result(Status status)  // NOLINT
      : v_(status.ok() ? Status::Internal("Result built from an OK Status") : std::move(status)) {
    assert(!std::get<Status>(v_).message().empty());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok() for a meaningful status; returns OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hoso

// Evaluates `expr` (a Status); returns it from the enclosing function if not OK.
#define HOSO_RETURN_IF_ERROR(expr)          \
  do {                                      \
    ::hoso::Status hoso_status_ = (expr);   \
    if (!hoso_status_.ok()) return hoso_status_; \
  } while (0)

#define HOSO_CONCAT_INNER_(a, b) a##b
#define HOSO_CONCAT_(a, b) HOSO_CONCAT_INNER_(a, b)
// `HOSO_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a Result or returns
// its Status.
#define HOSO_ASSIGN_OR_RETURN(lhs, rexpr)                         \
  auto HOSO_CONCAT_(hoso_result_, __LINE__) = (rexpr);            \
  if (!HOSO_CONCAT_(hoso_result_, __LINE__).ok())                 \
    return HOSO_CONCAT_(hoso_result_, __LINE__).status();         \
  lhs = std::move(HOSO_CONCAT_(hoso_result_, __LINE__)).value()

#endif  // HOSO_SCHEMA_STATUS_H_
