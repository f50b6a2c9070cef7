// HttpServer: the HTTP/1.1 (and 1.0) server under the desk node's local API
// and the central server, on Boost.Beast / Asio (kept inside
// sync/http_server.cc so no other file includes Beast or OpenSSL).
//
// Plain HTTP, or HTTPS when HttpServerOptions names a certificate chain and
// a private key: then every connection is TLS (1.2 or 1.3, forward-secret
// AEAD ciphers only) and otherwise served exactly like a plain one (same
// handler, limits, timeouts and keep-alive). A connection that does not
// complete its handshake within handshake_timeout_ms is closed; a failed
// handshake is told to error_log and closed. Plain HTTP sent to the TLS port
// is answered, in plain HTTP, with 400 "https_required" and closed, so that
// a node configured with http:// by mistake gets a readable reason.
//
// One listener accepts connections asynchronously; each connection is a
// session that reads a request, calls the handler, writes the response and,
// with keep-alive, reads the next one. Limits and timeouts come from
// HttpServerOptions. Protocol errors are answered by the server itself in the
// JSON error shape of docs/API.md:
//   malformed request           -> 400 "bad_request", connection closed
//   header over the limit       -> 431 "bad_request", connection closed
//   body over max_body_bytes    -> 413 "body_too_large", connection closed
//   exception from the handler  -> 500 "internal", the server keeps serving
//                                  (the exception's text goes to error_log)
// A client that stalls while sending a request header is disconnected after
// header_timeout_ms; one that stalls sending the body or reading the response
// after request_timeout_ms; an idle keep-alive connection after
// idle_timeout_ms.
//
// The handler runs on an I/O thread. Handlers must be quick and synchronous
// (milliseconds: a SQLite transaction, not a network call), must be safe to
// call concurrently when `threads` > 1, and must not call Stop().
//
// Thread-safety: port(), connections_accepted() and Stop() may be called from
// any thread except an I/O thread of this server.
#ifndef HOSO_SYNC_HTTP_SERVER_H_
#define HOSO_SYNC_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "schema/status.h"
#include "sync/http.h"

namespace hoso {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IP address or a resolvable name
  uint16_t port = 0;               // 0: an ephemeral port, see HttpServer::port()
  int threads = 1;                 // I/O threads running handlers
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16384;  // request line + header fields
  int header_timeout_ms = 10000;    // from the first byte (or accept) to the end of the header
  int request_timeout_ms = 30000;   // reading the body; writing the response
  int idle_timeout_ms = 60000;      // a keep-alive connection waiting for its next request
  int stop_grace_ms = 2000;         // Stop() waits this long for responses being written
  // HTTPS when both are set (PEM files, read once by Start()): the server
  // certificate followed by its intermediate CA certificates, and the private
  // key (unencrypted) that belongs to it.
  std::string tls_cert_file;
  std::string tls_key_file;
  int handshake_timeout_ms = 10000;  // TLS: from accept to the end of the handshake
  // Told, on an I/O thread, one line per handler exception, per request
  // refused as malformed or too large, and per failed TLS handshake. The client only gets a generic
  // message, never the exception's text. May be empty.
  std::function<void(const std::string&)> error_log;
};

class HttpServer {
 public:
  // Binds, listens and starts the I/O threads. Errors: kUnavailable when the
  // address is in use, kIoError for other bind / listen failures,
  // kInvalidArgument for a host that is not an address and does not resolve,
  // and for TLS files that are missing, unreadable or not valid PEM, only one
  // of tls_cert_file / tls_key_file, or a key that does not belong to the
  // certificate. The message names the address ("127.0.0.1:8081: address
  // already in use") or the file.
  // REQUIRES: handler is callable; options.threads >= 1.
  static Result<std::unique_ptr<HttpServer>> Start(HttpServerOptions options, HttpHandler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Calls Stop().
  ~HttpServer();

  // The port actually bound (the ephemeral one when options.port was 0).
  uint16_t port() const;
  // Connections accepted since Start(); lets tests check keep-alive reuse.
  uint64_t connections_accepted() const;
  // True when the server speaks HTTPS.
  bool tls() const;

  // Stops accepting, closes idle connections and connections that are in the
  // middle of sending a request, lets responses being written finish (for at
  // most stop_grace_ms), then joins the I/O threads. Idempotent.
  // REQUIRES: not called from a handler.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoso

#endif  // HOSO_SYNC_HTTP_SERVER_H_
