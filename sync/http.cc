#include "sync/http.h"

#include <algorithm>
#include <set>

#include "schema/json_util.h"

namespace hoso {
namespace {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string FindHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                       std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}. The leading '/' is dropped.
std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsParam(const std::string& segment) {
  return segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
}

// Fills `params` and returns true when `segments` (raw, from the request)
// match the route's pattern segments.
bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
           PathParams* params) {
  if (pattern.size() != segments.size()) return false;
  params->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    std::string decoded = UrlDecode(segments[i]);
    if (IsParam(pattern[i])) {
      if (decoded.empty()) return false;
      (*params)[pattern[i].substr(1, pattern[i].size() - 2)] = std::move(decoded);
    } else if (decoded != pattern[i]) {
      return false;
    }
  }
  return true;
}

// True when `a` is more specific than `b`: at the first segment where one is
// a literal and the other a parameter, `a` has the literal.
bool MoreSpecific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    bool pa = IsParam(a[i]);
    bool pb = IsParam(b[i]);
    if (pa != pb) return !pa;
  }
  return false;
}

}  // namespace

bool IsHttpToken(std::string_view s) {
  if (s.empty()) return false;
  constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              kPunctuation.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool IsHttpFieldValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

std::string FormatHostPort(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string HttpRequest::Header(std::string_view name) const { return FindHeader(headers, name); }

std::string HttpResponse::Header(std::string_view name) const { return FindHeader(headers, name); }

HttpResponse JsonResponse(int status, const boost::json::value& v) {
  HttpResponse response;
  response.status = status;
  response.body = ToJson(v);
  return response;
}

HttpResponse ErrorResponse(int http_status, std::string code, std::string message,
                           std::string field) {
  json::object error;
  error["code"] = std::move(code);
  error["message"] = std::move(message);
  if (!field.empty()) error["field"] = std::move(field);
  json::object root;
  root["error"] = std::move(error);
  return JsonResponse(http_status, root);
}

HttpResponse ErrorResponse(const Status& status) {
  if (status.ok()) return ErrorResponse(500, "internal", "an error response was built from OK");
  return ErrorResponse(Status::HttpStatusFor(status.code()), Status::CodeName(status.code()),
                       status.message(), status.field());
}

std::string UrlDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    if (key.empty()) continue;
    std::string value =
        eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1), /*plus_is_space=*/true);
    out.emplace(std::move(key), std::move(value));  // keeps the first value
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back(Route{std::move(method), SplitPath(pattern), std::move(handler)});
}

HttpResponse Router::Handle(const HttpRequest& request) const {
  std::vector<std::string> segments = SplitPath(request.path);
  const Route* best = nullptr;
  PathParams best_params;
  std::set<std::string> allowed;
  // An exact method match is preferred over HEAD answered by a GET route.
  for (bool head_fallback : {false, true}) {
    if (head_fallback && (best != nullptr || request.method != "HEAD")) break;
    for (const Route& route : routes_) {
      PathParams params;
      if (!Match(route.segments, segments, &params)) continue;
      if (!head_fallback) allowed.insert(route.method);
      std::string_view wanted = head_fallback ? std::string_view("GET") : request.method;
      if (route.method != wanted) continue;
      if (best == nullptr || MoreSpecific(route.segments, best->segments)) {
        best = &route;
        best_params = std::move(params);
      }
    }
  }
  if (best != nullptr) return best->handler(request, best_params);
  if (allowed.empty()) {
    return ErrorResponse(404, "not_found", "no route for " + request.path);
  }
  if (allowed.count("GET") > 0) allowed.insert("HEAD");
  std::string allow;
  for (const std::string& m : allowed) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  HttpResponse response = ErrorResponse(405, "method_not_allowed",
                                        request.method + " is not allowed on " + request.path);
  response.headers.emplace_back("Allow", allow);
  return response;
}

}  // namespace hoso
