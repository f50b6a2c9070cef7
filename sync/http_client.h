// HttpClient: a blocking HTTP/1.1 client over plain TCP, for the command-line
// tools, tests and the node's background sync. Beast / Asio stay inside
// sync/http_client.cc.
//
// One client holds at most one connection to one host:port and keeps it
// alive between calls. When a reused connection turns out to have been
// closed by the server (idle timeout, restart) before any byte of the answer
// arrived, the request is sent once more on a fresh connection; like browsers
// do, this may repeat a request the server did receive, so the protocol's
// write requests are idempotent (batches are applied exactly once).
//
// Errors from Send(): kUnavailable (retry with backoff) for connection
// refused / reset / closed and timeouts; kResourceExhausted for a response
// over max_response_bytes; kCorruption for a response that is not valid
// HTTP; kInvalidArgument for a request that cannot be sent (bad method,
// target or header). HTTP error statuses (4xx, 5xx) are not errors here: they
// come back as an HttpResponse.
//
// Thread-safety: not thread-safe; use one client per thread.
#ifndef HOSO_SYNC_HTTP_CLIENT_H_
#define HOSO_SYNC_HTTP_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "schema/status.h"
#include "sync/http.h"

namespace hoso {

struct HttpClientOptions {
  int connect_timeout_ms = 5000;  // name resolution + TCP connect
  int timeout_ms = 30000;         // writing the request and reading the whole response
  size_t max_response_bytes = 64 << 20;
};

class HttpClient {
 public:
  // Does not connect yet; the first Send() does. `host` is an IP address or a
  // name, IPv6 without brackets ("::1").
  HttpClient(std::string host, uint16_t port, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the whole response. `target` is path +
  // query ("/api/dossiers?q=Nguy%E1%BB%85n"). Host, User-Agent and
  // Content-Length are set by the client; `headers` adds to them.
  // REQUIRES: target starts with '/'.
  Result<HttpResponse> Send(const std::string& method, const std::string& target,
                            const std::string& body = "",
                            const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Closes the kept-alive connection, if any. The next Send() reconnects.
  void Close();

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  struct Impl;
  std::string host_;
  uint16_t port_;
  HttpClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

// "127.0.0.1:8080", "localhost:8081", "[::1]:8080" -> (host, port), the
// host without brackets. Port 0 is accepted (an ephemeral listen port).
// Errors: kInvalidArgument.
Result<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view host_port);

struct HttpUrl {
  std::string host;  // without brackets
  uint16_t port = 80;
  std::string target;  // path + query, "/" when the URL has none
};

// "http://127.0.0.1:8080/path?x=1" -> {127.0.0.1, 8080, "/path?x=1"}. Only
// plain http (the batches are signed and sealed themselves); the port
// defaults to 80. Errors: kInvalidArgument.
Result<HttpUrl> ParseUrl(std::string_view url);

}  // namespace hoso

#endif  // HOSO_SYNC_HTTP_CLIENT_H_
