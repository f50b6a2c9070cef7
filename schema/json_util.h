// Small helpers over Boost.JSON for reading untrusted input with precise,
// field-level errors, and for writing JSON the same way everywhere.
//
// Field paths in errors use dots and brackets: "applicant.documents[2].count".
//
// Thread-safety: pure functions.
#ifndef HOSO_SCHEMA_JSON_UTIL_H_
#define HOSO_SCHEMA_JSON_UTIL_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/status.h"

namespace hoso {

namespace json = boost::json;

// Parses `text` as JSON. Rejects invalid UTF-8 and anything deeper than
// `max_depth`. Errors are kInvalidArgument naming the byte offset.
Result<json::value> ParseJson(std::string_view text, int max_depth = 32);
// Like ParseJson but requires a top-level object.
Result<json::object> ParseJsonObject(std::string_view text, int max_depth = 32);

// Required members: kInvalidArgument with `path` + "." + key when missing or
// of the wrong type. `path` may be empty for top-level members.
Result<std::string> GetString(const json::object& o, std::string_view key, std::string_view path = "");
Result<int64_t> GetInt(const json::object& o, std::string_view key, std::string_view path = "");
Result<bool> GetBool(const json::object& o, std::string_view key, std::string_view path = "");
Result<const json::object*> GetObject(const json::object& o, std::string_view key,
                                      std::string_view path = "");
Result<const json::array*> GetArray(const json::object& o, std::string_view key,
                                    std::string_view path = "");

// Optional members: nullopt when missing or null; an error when present with
// the wrong type.
Result<std::optional<std::string>> GetOptString(const json::object& o, std::string_view key,
                                                std::string_view path = "");
Result<std::optional<int64_t>> GetOptInt(const json::object& o, std::string_view key,
                                         std::string_view path = "");
Result<std::optional<bool>> GetOptBool(const json::object& o, std::string_view key,
                                       std::string_view path = "");

// "a" + "b" -> "a.b"; "" + "b" -> "b".
std::string JoinPath(std::string_view path, std::string_view key);

// Compact serialisation (UTF-8 kept as is, not \u-escaped).
std::string ToJson(const json::value& v);
// Indented serialisation for people (two spaces), ending in a newline.
std::string ToPrettyJson(const json::value& v);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

}  // namespace hoso

#endif  // HOSO_SCHEMA_JSON_UTIL_H_
