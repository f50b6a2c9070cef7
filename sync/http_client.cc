// The Beast / Asio / OpenSSL side of HttpClient; the only client translation
// unit that includes Beast. Blocking calls are asynchronous operations on a
// private io_context run to completion, so that beast::tcp_stream's timeouts
// apply (to TLS too: the TLS stream reads and writes through it).
#include "sync/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "schema/env.h"

namespace hoso {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Millis = std::chrono::milliseconds;

constexpr char kUserAgent[] = "hoso";
constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;

std::string ToStdString(beast::string_view s) { return std::string(s.data(), s.size()); }

bool IsValidTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') return false;
  for (unsigned char c : target) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

// The server went away: the kind of failure a fresh connection may fix.
// stream_truncated: a TLS connection closed without close_notify.
bool IsConnectionLost(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::error::connection_aborted ||
         ec == ssl::error::stream_truncated;
}

Result<uint16_t> ParsePort(std::string_view s, std::string_view whole) {
  if (s.empty() || s.size() > 5) {
    return Status::InvalidArgument("bad port in '" + std::string(whole) + "'");
  }
  uint32_t port = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("bad port in '" + std::string(whole) + "'");
    }
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) {
    return Status::InvalidArgument("port out of range in '" + std::string(whole) + "'");
  }
  return static_cast<uint16_t>(port);
}

// Runs `ioc` until `done`; the operation's own timeout guarantees progress.
void RunUntil(net::io_context& ioc, const bool& done) {
  ioc.restart();
  while (!done && ioc.run_one() > 0) {
  }
}

Status ConnectError(const std::string& where, const beast::error_code& ec, int timeout_ms) {
  if (ec == beast::error::timeout) {
    return Status::Unavailable("cannot connect to " + where + ": no answer within " +
                               std::to_string(timeout_ms) + " ms");
  }
  return Status::Unavailable("cannot connect to " + where + ": " + ec.message());
}

Status ExchangeError(const std::string& where, const beast::error_code& ec, int timeout_ms,
                     size_t max_response_bytes) {
  if (ec == beast::error::timeout) {
    return Status::Unavailable(where + " did not answer within " + std::to_string(timeout_ms) +
                               " ms");
  }
  if (ec == http::error::body_limit) {
    return Status::ResourceExhausted("the response from " + where + " is over " +
                                     std::to_string(max_response_bytes) + " bytes");
  }
  if (IsConnectionLost(ec)) {
    return Status::Unavailable(where + " closed the connection: " + ec.message());
  }
  if (IsHttpError(ec)) {
    return Status::Corruption(where + " sent a malformed HTTP response: " + ec.message());
  }
  return Status::Unavailable("exchange with " + where + " failed: " + ec.message());
}

// Adds the CA certificates in `pem` to the context's trust store.
Status AddCaCertificates(ssl::context& ctx, std::string_view pem, const std::string& what) {
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return Status::InvalidArgument(what + " holds no PEM certificate", "ca_file");
  }
  beast::error_code ec;
  ctx.add_certificate_authority(net::buffer(pem.data(), pem.size()), ec);
  if (ec) {
    return Status::InvalidArgument(what + " is not a valid PEM CA certificate: " + ec.message(),
                                   "ca_file");
  }
  return Status::OK();
}

Result<std::unique_ptr<ssl::context>> MakeClientTlsContext(const HttpClientOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* handle = ctx->native_handle();
  SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION);
  SSL_CTX_set_options(handle, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  ctx->set_verify_mode(ssl::verify_peer);
  if (options.tls_ca_file.empty()) {
    beast::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) return Status::Internal("cannot load the system's trust store: " + ec.message());
    return ctx;
  }
  Result<std::string> pem = PosixFileSystem()->ReadFile(options.tls_ca_file);
  if (!pem.ok()) {
    return Status::InvalidArgument("cannot read the CA file: " + pem.status().message(), "ca_file");
  }
  HOSO_RETURN_IF_ERROR(AddCaCertificates(*ctx, *pem, "the CA file " + options.tls_ca_file));
  return ctx;
}

// Why a TLS handshake with `where` (connected as `host`) failed, as a Status
// the caller can act on: a lost connection or a timeout is worth retrying,
// anything the certificate or the protocol says is not.
Status HandshakeError(const std::string& where, const std::string& host, SSL* ssl,
                      const beast::error_code& ec, int timeout_ms) {
  if (ec == beast::error::timeout) {
    return Status::Unavailable(where + " did not complete the TLS handshake within " +
                               std::to_string(timeout_ms) + " ms");
  }
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) {
    const std::string why = X509_verify_cert_error_string(verify);
    switch (verify) {
      case X509_V_ERR_HOSTNAME_MISMATCH:
      case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return Status::Unauthenticated("host name mismatch: the certificate of " + where +
                                       " is not for '" + host +
                                       "' (connect with a name or address it lists)");
      case X509_V_ERR_CERT_HAS_EXPIRED:
      case X509_V_ERR_CERT_NOT_YET_VALID:
        return Status::Unauthenticated("certificate not trusted: the certificate of " + where +
                                       " is outside its validity period (" + why +
                                       "); renew it, or check this machine's clock");
      default:
        return Status::Unauthenticated("certificate not trusted: the certificate of " + where +
                                       " does not verify (" + why +
                                       "); give the CA that issued it with --ca FILE");
    }
  }
  if (IsConnectionLost(ec)) {
    return Status::Unavailable(where +
                               " closed the connection during the TLS handshake: " + ec.message());
  }
  std::string message = "TLS handshake with " + where + " failed: " + ec.message();
  if (ec.category() == net::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_WRONG_VERSION_NUMBER) {
    message += "; does it speak HTTPS on that port?";
  }
  return Status::Unauthenticated(message);
}

HttpResponse FromBeastResponse(http::response<http::string_body>&& res) {
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = ToStdString(res[http::field::content_type]);
  for (const auto& field : res) {
    out.headers.emplace_back(ToStdString(field.name_string()), ToStdString(field.value()));
  }
  out.body = std::move(res.body());
  return out;
}

}  // namespace

struct HttpClient::Impl {
  // What one attempt on one connection produced.
  struct Exchange {
    beast::error_code write_ec;
    beast::error_code read_ec;
    bool got_some = false;  // any byte of a response arrived
    std::optional<http::response<http::string_body>> response;
  };

  Status Connect(const std::string& host, uint16_t port, const HttpClientOptions& options);
  Status Handshake(const std::string& host, const std::string& where,
                   const HttpClientOptions& options);
  Exchange WriteAndRead(const http::request<http::string_body>& req,
                        const HttpClientOptions& options);
  template <class Stream>
  Exchange WriteAndReadOn(Stream& s, const http::request<http::string_body>& req,
                          const HttpClientOptions& options);
  void Close();

  bool connected() const { return stream.has_value() || tls_stream.has_value(); }
  beast::tcp_stream& Tcp() { return tls_stream ? beast::get_lowest_layer(*tls_stream) : *stream; }

  net::io_context ioc{1};
  std::unique_ptr<ssl::context> tls_context;  // built by the first HTTPS connect
  // At most one is engaged: the kept connection.
  std::optional<beast::tcp_stream> stream;
  std::optional<TlsStream> tls_stream;
  beast::flat_buffer buffer;
};

Status HttpClient::Impl::Connect(const std::string& host, uint16_t port,
                                 const HttpClientOptions& options) {
  const std::string where = FormatHostPort(host, port);
  tcp::endpoint endpoint;
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    // Names are resolved synchronously, bounded by the OS resolver's own
    // timeouts; nodes are normally configured with addresses.
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
      return Status::Unavailable("cannot resolve " + host + ": " +
                                 (ec ? ec.message() : "no address"));
    }
    endpoint = results.begin()->endpoint();
  }
  if (options.tls) {
    if (!tls_context) {
      HOSO_ASSIGN_OR_RETURN(tls_context, MakeClientTlsContext(options));
    }
    tls_stream.emplace(ioc, *tls_context);
  } else {
    stream.emplace(ioc);
  }
  buffer.clear();
  Tcp().expires_after(Millis(options.connect_timeout_ms));
  bool done = false;
  Tcp().async_connect(endpoint, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  RunUntil(ioc, done);
  if (ec) {
    Close();
    return ConnectError(where, ec, options.connect_timeout_ms);
  }
  Tcp().socket().set_option(tcp::no_delay(true), ec);
  if (options.tls) {
    Status s = Handshake(host, where, options);
    if (!s.ok()) {
      Close();
      return s;
    }
  }
  return Status::OK();
}

Status HttpClient::Impl::Handshake(const std::string& host, const std::string& where,
                                   const HttpClientOptions& options) {
  SSL* ssl = tls_stream->native_handle();
  // OpenSSL checks the name as part of verifying the chain, so a mismatch
  // shows in SSL_get_verify_result. IP literals are not sent as SNI (RFC 6066).
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  beast::error_code ec;
  net::ip::make_address(host, ec);
  if (!ec) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return Status::InvalidArgument("bad IP address '" + host + "'", "host");
    }
  } else {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
        SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) {
      return Status::InvalidArgument("bad host name '" + host + "'", "host");
    }
  }
  Tcp().expires_after(Millis(options.connect_timeout_ms));
  bool done = false;
  ec = {};
  tls_stream->async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  RunUntil(ioc, done);
  if (ec) return HandshakeError(where, host, ssl, ec, options.connect_timeout_ms);
  return Status::OK();
}

HttpClient::Impl::Exchange HttpClient::Impl::WriteAndRead(
    const http::request<http::string_body>& req, const HttpClientOptions& options) {
  return tls_stream ? WriteAndReadOn(*tls_stream, req, options)
                    : WriteAndReadOn(*stream, req, options);
}

template <class Stream>
HttpClient::Impl::Exchange HttpClient::Impl::WriteAndReadOn(
    Stream& s, const http::request<http::string_body>& req, const HttpClientOptions& options) {
  Exchange out;
  Tcp().expires_after(Millis(options.timeout_ms));
  bool done = false;
  http::async_write(s, req, [&](beast::error_code e, size_t) {
    out.write_ec = e;
    done = true;
  });
  RunUntil(ioc, done);
  if (out.write_ec == beast::error::timeout) {
    out.read_ec = out.write_ec;
    return out;
  }
  // Even when the write failed the server may have answered early (a 413
  // before the whole body was sent), so the answer is read regardless.
  http::response_parser<http::string_body> parser;
  parser.body_limit(static_cast<uint64_t>(options.max_response_bytes));
  parser.header_limit(kMaxResponseHeaderBytes);
  if (req.method() == http::verb::head) parser.skip(true);
  done = false;
  http::async_read(s, buffer, parser, [&](beast::error_code e, size_t) {
    out.read_ec = e;
    done = true;
  });
  RunUntil(ioc, done);
  out.got_some = parser.got_some();
  if (!out.read_ec) out.response.emplace(parser.release());
  return out;
}

// Without a TLS close_notify: the server reads the end of the TCP stream, and
// every response was framed, so nothing can be cut off unnoticed.
void HttpClient::Impl::Close() {
  if (!connected()) return;
  beast::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  Tcp().close();
  // Lets the cancelled operations of the closed stream finish before the
  // stream (which a TLS operation refers to) is destroyed.
  ioc.restart();
  ioc.poll();
  stream.reset();
  tls_stream.reset();
  buffer.clear();
}

HttpClient::HttpClient(std::string host, uint16_t port, HttpClientOptions options)
    : host_(std::move(host)), port_(port), options_(options), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() { impl_->Close(); }

Result<HttpResponse> HttpClient::Send(
    const std::string& method, const std::string& target, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  if (!IsHttpToken(method)) {
    return Status::InvalidArgument("bad HTTP method '" + method + "'", "method");
  }
  if (!IsValidTarget(target)) {
    return Status::InvalidArgument("the target must start with '/' and contain no spaces",
                                   "target");
  }
  const std::string where = FormatHostPort(host_, port_);
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, where);
  req.set(http::field::user_agent, kUserAgent);
  for (const auto& [name, value] : headers) {
    if (!IsHttpToken(name) || !IsHttpFieldValue(value)) {
      return Status::InvalidArgument("bad header '" + name + "'", "headers");
    }
    if (IsFramingHeader(name)) continue;
    if (EqualsIgnoreCase(name, "Host")) {
      req.set(http::field::host, value);
    } else {
      req.insert(name, value);
    }
  }
  req.body() = body;
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = impl_->connected();
    if (!reused) HOSO_RETURN_IF_ERROR(impl_->Connect(host_, port_, options_));
    Impl::Exchange exchange = impl_->WriteAndRead(req, options_);
    if (exchange.read_ec) {
      impl_->Close();
      // A kept connection the server had already closed: one fresh try.
      if (reused && !exchange.got_some && IsConnectionLost(exchange.read_ec)) continue;
      const beast::error_code& cause = exchange.write_ec && !IsConnectionLost(exchange.write_ec)
                                           ? exchange.write_ec
                                           : exchange.read_ec;
      return ExchangeError(where, cause, options_.timeout_ms, options_.max_response_bytes);
    }
    // After a failed write the connection is in an unknown state.
    if (exchange.write_ec || !exchange.response->keep_alive()) impl_->Close();
    return FromBeastResponse(std::move(*exchange.response));
  }
  return Status::Unavailable(where + " closed the connection twice");
}

Result<std::pair<std::string, uint16_t>> ParseHostPort(std::string_view host_port) {
  std::string whole(host_port);
  std::string host;
  std::string_view port;
  if (!host_port.empty() && host_port.front() == '[') {
    size_t close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return Status::InvalidArgument("expected [IPv6]:PORT, got '" + whole + "'");
    }
    host = std::string(host_port.substr(1, close - 1));
    port = host_port.substr(close + 2);
  } else {
    size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("expected HOST:PORT, got '" + whole + "'");
    }
    host = std::string(host_port.substr(0, colon));
    port = host_port.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      return Status::InvalidArgument("an IPv6 address needs brackets: '[::1]:8080', got '" + whole +
                                     "'");
    }
  }
  if (host.empty()) return Status::InvalidArgument("missing host in '" + whole + "'");
  HOSO_ASSIGN_OR_RETURN(uint16_t port_number, ParsePort(port, host_port));
  return std::make_pair(std::move(host), port_number);
}

Result<HttpUrl> ParseUrl(std::string_view url) {
  std::string whole(url);
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  HttpUrl out;
  std::string_view rest;
  if (EqualsIgnoreCase(url.substr(0, kHttp.size()), kHttp)) {
    rest = url.substr(kHttp.size());
  } else if (EqualsIgnoreCase(url.substr(0, kHttps.size()), kHttps)) {
    rest = url.substr(kHttps.size());
    out.tls = true;
    out.port = 443;
  } else {
    return Status::InvalidArgument("expected an http:// or https:// URL, got '" + whole + "'");
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  tail = tail.substr(0, tail.find('#'));
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("credentials in a URL are not supported: '" + whole + "'");
  }
  bool has_port = authority.empty()          ? false
                  : authority.front() == '[' ? authority.find("]:") != std::string_view::npos
                                             : authority.find(':') != std::string_view::npos;
  if (has_port) {
    HOSO_ASSIGN_OR_RETURN(auto host_port, ParseHostPort(authority));
    out.host = std::move(host_port.first);
    out.port = host_port.second;
    if (out.port == 0) return Status::InvalidArgument("port 0 in '" + whole + "'");
  } else if (!authority.empty() && authority.front() == '[') {
    if (authority.back() != ']') return Status::InvalidArgument("bad host in '" + whole + "'");
    out.host = std::string(authority.substr(1, authority.size() - 2));
  } else {
    out.host = std::string(authority);
  }
  if (out.host.empty()) return Status::InvalidArgument("missing host in '" + whole + "'");
  out.target = tail.empty()          ? "/"
               : tail.front() == '?' ? "/" + std::string(tail)
                                     : std::string(tail);
  return out;
}

Status CheckCaCertificates(std::string_view pem) {
  ssl::context ctx(ssl::context::tls_client);
  return AddCaCertificates(ctx, pem, "the CA file");
}

}  // namespace hoso
