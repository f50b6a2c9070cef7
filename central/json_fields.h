// Small readers and writers of optional JSON fields shared by the central's
// projections and answers: a stored event's payload was validated when it
// was written, so a field that is missing or of another type reads as absent
// here; absent values are written as JSON null.
//
// Thread-safety: pure functions.
#ifndef HOSO_CENTRAL_JSON_FIELDS_H_
#define HOSO_CENTRAL_JSON_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/json_util.h"
#include "schema/time.h"

namespace hoso::central {

inline std::optional<int64_t> OptInt(const json::object& o, std::string_view key) {
  auto v = GetOptInt(o, key);
  return v.ok() ? *v : std::nullopt;
}

inline std::optional<std::string> OptString(const json::object& o, std::string_view key) {
  auto v = GetOptString(o, key);
  return v.ok() ? *v : std::nullopt;
}

inline json::value OptJson(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value();
}

inline json::value OptJson(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value();
}

// The instant as local ISO 8601 (UTC+7), or null.
inline json::value OptTime(const std::optional<UnixMs>& v) {
  return v ? json::value(FormatLocalIso(*v)) : json::value();
}

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_JSON_FIELDS_H_
