// HttpClient: a blocking HTTP/1.1 client over plain TCP or TLS, for the
// command-line tools, tests and the node's background sync. Beast, Asio and
// OpenSSL stay inside sync/http_client.cc.
//
// With HttpClientOptions::tls the connection is HTTPS (TLS 1.2 or 1.3). The
// server's certificate must chain to a CA of tls_ca_file (the central's own
// CA, given by the operator) or, without one, of the system's trust store,
// and must be for the host the client connects to: a DNS name (sent as SNI
// too) or an IP address, matched against the certificate's subjectAltName.
//
// One client holds at most one connection to one host:port and keeps it
// alive between calls. When a reused connection turns out to have been
// closed by the server (idle timeout, restart) before any byte of the answer
// arrived, the request is sent once more on a fresh connection; like browsers
// do, this may repeat a request the server did receive, so the protocol's
// write requests are idempotent (batches are applied exactly once).
//
// Errors from Send(): kUnavailable (retry with backoff) for connection
// refused / reset / closed and timeouts, also during a TLS handshake;
// kResourceExhausted for a response over max_response_bytes; kCorruption for
// a response that is not valid HTTP; kInvalidArgument for a request that
// cannot be sent (bad method, target or header) and for a tls_ca_file that
// cannot be read or holds no certificate. kUnauthenticated when the server
// cannot be authenticated: "certificate not trusted" (no chain to a trusted
// CA, expired, not yet valid), "host name mismatch", or a TLS handshake the
// server refused or did not speak (plain HTTP on that port); retrying does
// not help, a person must fix the CA file, the certificate or the URL. HTTP
// error statuses (4xx, 5xx) are not errors here: they come back as an
// HttpResponse.
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
  int connect_timeout_ms = 5000;  // TCP connect; then the same again for a TLS handshake
  int timeout_ms = 30000;         // writing the request and reading the whole response
  size_t max_response_bytes = 64 << 20;
  bool tls = false;         // HTTPS
  std::string tls_ca_file;  // PEM CA certificates to trust; "": the system's trust store
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
  bool tls = false;  // https://
  std::string host;  // without brackets
  uint16_t port = 80;
  std::string target;  // path + query, "/" when the URL has none
};

// "http://127.0.0.1:8080/path?x=1" -> {false, 127.0.0.1, 8080, "/path?x=1"};
// "https://central.example/" -> {true, central.example, 443, "/"}. The port
// defaults to 80 for http and 443 for https. Errors: kInvalidArgument.
Result<HttpUrl> ParseUrl(std::string_view url);

// OK when `pem` holds one or more PEM certificates that OpenSSL accepts as
// trust anchors (what HttpClientOptions::tls_ca_file must hold); otherwise
// kInvalidArgument saying why.
Status CheckCaCertificates(std::string_view pem);

}  // namespace hoso

#endif  // HOSO_SYNC_HTTP_CLIENT_H_
