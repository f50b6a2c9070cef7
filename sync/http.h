// HTTP vocabulary shared by the desk node and the central server: plain
// request / response values, JSON and error responses in the one error shape
// of docs/API.md, URL decoding, and a small Router.
//
// Nothing here depends on Boost.Beast: the socket side lives in
// sync/http_server.cc and sync/http_client.cc only, so the rest of the code
// base never includes Beast headers. Handlers are pure functions
// `HttpResponse Handle(const HttpRequest&)`; routes can be tested without I/O.
//
// Thread-safety: values and pure functions. A Router is immutable once built:
// Add() is not thread-safe, Handle() may be called from many threads at once.
#ifndef HOSO_SYNC_HTTP_H_
#define HOSO_SYNC_HTTP_H_

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/status.h"

namespace hoso {

inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent (case-sensitive per RFC 9110)
  std::string target;  // path + "?" + query, exactly as sent
  std::string path;    // target up to '?', still percent-encoded (split on '/' first)
  std::map<std::string, std::string> query;                  // decoded; see ParseQuery()
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;
  std::string remote_address;  // peer IP address without port; "" when unknown

  // The first header named `name` (ASCII case-insensitive); "" when missing.
  std::string Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  // Sent as Content-Type unless empty.
  std::string content_type = kJsonContentType;
  std::string body;
  // Extra headers. The server adds Content-Length, Connection, Server and,
  // for JSON, Cache-Control: no-store unless set here.
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header named `name` (ASCII case-insensitive); "" when missing.
  std::string Header(std::string_view name) const;
};

// Runs on a server I/O thread; see sync/http_server.h for what that implies.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// `status` with `v` serialised compactly (UTF-8 kept as is) as the body.
HttpResponse JsonResponse(int status, const boost::json::value& v);

// {"error":{"code":"<code>","message":"<message>","field":"<field>"}}, with
// "field" omitted when empty. The code is the machine-readable name from
// docs/API.md (Status::CodeName or a more precise one like "body_too_large").
HttpResponse ErrorResponse(int http_status, std::string code, std::string message,
                           std::string field = "");
// The error shape above with Status::HttpStatusFor and Status::CodeName.
// REQUIRES: !status.ok() (an OK status yields a 500 "internal" error).
HttpResponse ErrorResponse(const Status& status);

// Decodes %XX escapes; with `plus_is_space`, '+' becomes ' ' (query strings).
// Malformed escapes ("%zz", a trailing "%") are kept literally. The result is
// raw bytes: callers that need text must check UTF-8 themselves.
std::string UrlDecode(std::string_view s, bool plus_is_space = false);
// Percent-encodes everything except the RFC 3986 unreserved characters, so
// the result is safe as one path segment or one query value.
std::string UrlEncode(std::string_view s);
// "a=1&b=x+y&c" -> {a:"1", b:"x y", c:""}. Keys and values are decoded; pairs
// with an empty key are dropped; for a repeated key the first value wins.
std::map<std::string, std::string> ParseQuery(std::string_view query);

// RFC 9110 syntax checks, so that neither side can be made to send a header
// that splits the message: a token (method, header name) and a field value
// (no CR, LF or NUL).
bool IsHttpToken(std::string_view s);
bool IsHttpFieldValue(std::string_view s);
// ASCII case-insensitive comparison, for header names.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// "127.0.0.1:8080", "[::1]:8080": an address for messages and Host headers.
std::string FormatHostPort(const std::string& host, uint16_t port);

// Path parameters by name, URL-decoded: pattern "/api/dossiers/{code}" and
// path "/api/dossiers/000.00.17.H29-260312-0007" give {code: "000...0007"}.
using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<HttpResponse(const HttpRequest&, const PathParams&)>;

// Maps (method, path pattern) to handlers. A pattern is a '/'-separated list
// of literal segments and "{name}" segments; a "{name}" segment matches one
// non-empty path segment. When several patterns match, the one whose first
// differing segment is literal wins ("/api/queue/display" beats
// "/api/queue/{id}"), then the one added first. HEAD falls back to GET routes.
class Router {
 public:
  // REQUIRES: `pattern` starts with '/'; `method` is upper-case ("GET").
  void Add(std::string method, std::string pattern, RouteHandler handler);

  // Dispatches `request`: 404 "not_found" when no pattern matches the path,
  // 405 "method_not_allowed" with an Allow header when patterns match but
  // none for this method. Pure: no I/O beyond what the handlers do.
  HttpResponse Handle(const HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" for parameters
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace hoso

#endif  // HOSO_SYNC_HTTP_H_
