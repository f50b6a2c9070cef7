// Refusal and Outcome<T>: how the central's sync operations say "no" in the
// exact vocabulary of the sync contract (docs/API.md, "Central"): an HTTP
// status plus a machine-readable code such as "sequence_gap" or
// "key_revoked", which a plain Status cannot carry.
//
// An Outcome<T> converts implicitly from a Status, so HOSO_RETURN_IF_ERROR and
// HOSO_ASSIGN_OR_RETURN work inside functions that return one; such a Status
// becomes the generic refusal for its code (Refusal::FromStatus).
//
// Thread-safety: values; safe to copy and move between threads.
#ifndef HOSO_CENTRAL_REFUSAL_H_
#define HOSO_CENTRAL_REFUSAL_H_

#include <boost/json/object.hpp>
#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "schema/status.h"
#include "sync/http.h"

namespace hoso::central {

struct Refusal {
  int http_status = 500;
  std::string code;  // "sequence_gap", "invalid_token", ... (docs/API.md)
  std::string message;
  std::string field;                    // the input field at fault, if any
  std::optional<int64_t> expected_seq;  // only for "sequence_gap" and "ahead_refused"

  // The generic refusal for a Status: Status::HttpStatusFor and CodeName,
  // except that invalid input is "bad_request", as the sync routes call it.
  // REQUIRES: !status.ok()
  static Refusal FromStatus(const Status& status) {
    const char* code = status.IsInvalidArgument() ? "bad_request" : Status::CodeName(status.code());
    return Refusal{Status::HttpStatusFor(status.code()), code, status.message(), status.field(),
                   std::nullopt};
  }
  // The JSON error response of docs/API.md; "expected_seq" goes inside the
  // error object when set.
  HttpResponse ToHttp() const {
    boost::json::object error{{"code", code}, {"message", message}};
    if (!field.empty()) error["field"] = field;
    if (expected_seq) error["expected_seq"] = *expected_seq;
    return JsonResponse(http_status, boost::json::object{{"error", std::move(error)}});
  }
  // "sequence_gap: <message>": one line for operators.
  std::string ToString() const { return code + ": " + message; }
};

inline Refusal Refuse(int http_status, std::string code, std::string message) {
  return Refusal{http_status, std::move(code), std::move(message), "", std::nullopt};
}

// Either a value or a Refusal.
template <typename T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  Outcome(Refusal refusal) : v_(std::move(refusal)) {}  // NOLINT
  // REQUIRES: !status.ok()
  Outcome(const Status& status) : v_(Refusal::FromStatus(status)) {  // NOLINT
    assert(!status.ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: !ok()
  const Refusal& refusal() const {
    assert(!ok());
    return std::get<Refusal>(v_);
  }
  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Refusal> v_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_REFUSAL_H_
