#include "schema/status.h"

namespace hoso {

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_, field_);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = CodeName(code_);
  s += ": ";
  s += message_;
  if (!field_.empty()) s += " (field " + field_ + ")";
  return s;
}

const char* Status::CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kConflict: return "conflict";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission_denied";
    case Code::kResourceExhausted: return "resource_exhausted";
    case Code::kUnavailable: return "unavailable";
    case Code::kCorruption: return "corruption";
    case Code::kIoError: return "io_error";
    case Code::kInternal: return "internal";
  }
  return "unknown";
}

int Status::HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kNotFound: return 404;
    case Code::kConflict: return 409;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kResourceExhausted: return 413;
    case Code::kUnavailable: return 503;
    case Code::kCorruption: return 422;
    case Code::kIoError: return 507;
    case Code::kInternal: return 500;
  }
  return 500;
}

}  // namespace hoso
