#include "schema/json_util.h"

#include <cstring>

namespace hoso {

namespace {

Status WrongType(std::string_view path, std::string_view key, const char* want) {
  const std::string p = JoinPath(path, key);
  return Status::InvalidArgument("'" + p + "' must be " + want, p);
}

Status Missing(std::string_view path, std::string_view key) {
  const std::string p = JoinPath(path, key);
  return Status::InvalidArgument("'" + p + "' is required", p);
}

const json::value* Find(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return nullptr;
  return &it->value();
}

void Pretty(std::string& out, const json::value& v, int indent) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  const std::string pad_in(static_cast<size_t>(indent + 1) * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) { out += "{}"; return; }
    out += "{\n";
    bool first = true;
    for (const auto& kv : o) {
      if (!first) out += ",\n";
      first = false;
      out += pad_in + json::serialize(json::value(kv.key())) + ": ";
      Pretty(out, kv.value(), indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) { out += "[]"; return; }
    out += "[\n";
    bool first = true;
    for (const auto& e : a) {
      if (!first) out += ",\n";
      first = false;
      out += pad_in;
      Pretty(out, e, indent + 1);
    }
    out += "\n" + pad + "]";
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  if (key.empty()) return std::string(path);
  if (key.front() == '[') return std::string(path) + std::string(key);
  return std::string(path) + "." + std::string(key);
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // Most text is ASCII: skip it eight bytes at a time.
    uint64_t word;
    if (i + 8 <= n && (std::memcpy(&word, s.data() + i, 8), (word & 0x8080808080808080ULL) == 0)) {
      i += 8;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + static_cast<size_t>(len) > n) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

Result<json::value> ParseJson(std::string_view text, int max_depth) {
  json::parse_options opts;
  opts.max_depth = static_cast<size_t>(max_depth);
  // The parser refuses invalid UTF-8 inside strings itself, and any byte
  // >= 0x80 outside a string is a syntax error: valid JSON text is valid
  // UTF-8, so the text is only scanned again to name the error.
  opts.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  json::stream_parser p({}, opts);
  p.write(text.data(), text.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    if (!IsValidUtf8(text)) return Status::InvalidArgument("body is not valid UTF-8");
    return Status::InvalidArgument("malformed JSON: " + ec.message());
  }
  return p.release();
}

Result<json::object> ParseJsonObject(std::string_view text, int max_depth) {
  HOSO_ASSIGN_OR_RETURN(json::value v, ParseJson(text, max_depth));
  if (!v.is_object()) return Status::InvalidArgument("expected a JSON object");
  return std::move(v.get_object());
}

Result<std::string> GetString(const json::object& o, std::string_view key, std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return Missing(path, key);
  if (!v->is_string()) return WrongType(path, key, "a string");
  return std::string(v->get_string());
}

Result<int64_t> GetInt(const json::object& o, std::string_view key, std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return Missing(path, key);
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return WrongType(path, key, "an integer");
}

Result<bool> GetBool(const json::object& o, std::string_view key, std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return Missing(path, key);
  if (!v->is_bool()) return WrongType(path, key, "true or false");
  return v->get_bool();
}

Result<const json::object*> GetObject(const json::object& o, std::string_view key,
                                      std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return Missing(path, key);
  if (!v->is_object()) return WrongType(path, key, "an object");
  return &v->get_object();
}

Result<const json::array*> GetArray(const json::object& o, std::string_view key,
                                    std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return Missing(path, key);
  if (!v->is_array()) return WrongType(path, key, "an array");
  return &v->get_array();
}

Result<std::optional<std::string>> GetOptString(const json::object& o, std::string_view key,
                                                std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return WrongType(path, key, "a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::optional<int64_t>> GetOptInt(const json::object& o, std::string_view key,
                                         std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  HOSO_ASSIGN_OR_RETURN(int64_t i, GetInt(o, key, path));
  return std::optional<int64_t>(i);
}

Result<std::optional<bool>> GetOptBool(const json::object& o, std::string_view key,
                                       std::string_view path) {
  const json::value* v = Find(o, key);
  if (v == nullptr || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return WrongType(path, key, "true or false");
  return std::optional<bool>(v->get_bool());
}

std::string ToJson(const json::value& v) { return json::serialize(v); }

std::string ToPrettyJson(const json::value& v) {
  std::string out;
  Pretty(out, v, 0);
  out += "\n";
  return out;
}

}  // namespace hoso
