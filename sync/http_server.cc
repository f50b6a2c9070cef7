// The Beast / Asio / OpenSSL side of HttpServer. This is the only translation
// unit of the server that includes Beast, so the project compiles it once.
//
// Structure (after Boost.Beast's advanced/server and advanced_server_flex
// examples): a Listener accepts on its own strand and starts one Session per
// connection on a new strand; a Session runs do_X / on_X pairs:
// [TLS: detect -> handshake] -> [wait for a request] -> read header ->
// [100 Continue] -> read body -> handler -> write -> next request or close.
// Session is a template over the stream (plain TCP or TLS over TCP), so both
// run the very same request code.
#include "sync/http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "schema/env.h"

namespace hoso {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Millis = std::chrono::milliseconds;

constexpr char kServerName[] = "hoso";
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
// After answering a request whose body was not read (413, 400), the rest of
// it is read and discarded for a while before closing: closing a socket with
// unread input sends a reset, and the client would lose the response.
constexpr int kLingerMs = 2000;
constexpr size_t kLingerMaxBytes = 64 << 20;
// A failed accept (out of file descriptors) is retried after this pause
// instead of spinning.
constexpr int kAcceptRetryMs = 50;
constexpr size_t kIdleReadBytes = 4096;
// After a response with "Connection: close" on a TLS connection, how long the
// server waits for the client's close_notify after sending its own.
constexpr int kTlsShutdownMs = 1000;
// TLS 1.2 cipher suites: forward-secret key exchange and AEAD only (the
// Mozilla "intermediate" list). TLS 1.3 keeps OpenSSL's defaults, which are
// all of that kind.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// Start() tells error_log when the certificate expires sooner than this.
constexpr int kCertificateWarningDays = 30;

std::string ToStdString(beast::string_view s) { return std::string(s.data(), s.size()); }

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

bool IsValidResponse(const HttpResponse& r) {
  if (r.status < 100 || r.status > 999 || !IsHttpFieldValue(r.content_type)) return false;
  for (const auto& [name, value] : r.headers) {
    if (!IsHttpToken(name) || !IsHttpFieldValue(value)) return false;
  }
  return true;
}

HttpRequest ToHttpRequest(Request&& req, const std::string& remote_address) {
  HttpRequest out;
  out.method = ToStdString(req.method_string());
  out.target = ToStdString(req.target());
  size_t question = out.target.find('?');
  out.path = out.target.substr(0, question);
  if (question != std::string::npos) {
    std::string_view query = std::string_view(out.target).substr(question + 1);
    query = query.substr(0, query.find('#'));
    out.query = ParseQuery(query);
  }
  for (const auto& field : req) {
    out.headers.emplace_back(ToStdString(field.name_string()), ToStdString(field.value()));
  }
  out.body = std::move(req.body());
  out.remote_address = remote_address;
  return out;
}

// Server-owned framing headers from the handler are dropped; Content-Length
// and Connection are the server's to decide.
Response ToBeastResponse(HttpResponse in, unsigned version, bool keep_alive, bool head) {
  if (!IsValidResponse(in)) {
    in = ErrorResponse(500, "internal", "the handler built an invalid response");
  }
  Response res;
  res.version(version);
  res.result(static_cast<unsigned>(in.status));
  if (!in.content_type.empty()) res.set(http::field::content_type, in.content_type);
  bool has_cache_control = false;
  bool has_server = false;
  for (const auto& [name, value] : in.headers) {
    if (IsFramingHeader(name)) continue;
    if (EqualsIgnoreCase(name, "Cache-Control")) has_cache_control = true;
    if (EqualsIgnoreCase(name, "Server")) has_server = true;
    res.insert(name, value);
  }
  if (!has_server) res.set(http::field::server, kServerName);
  if (!has_cache_control && in.content_type.starts_with("application/json")) {
    res.set(http::field::cache_control, "no-store");
  }
  res.keep_alive(keep_alive);
  res.body() = std::move(in.body);
  res.prepare_payload();
  // HEAD: the Content-Length of the GET answer, no body.
  if (head) res.body().clear();
  return res;
}

// What HttpServer::Stop needs of a session, whatever its stream.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called by HttpServer::Stop from another thread.
  virtual void OnServerStop() = 0;
};

// What the listener, the sessions and HttpServer share. Sessions keep it
// alive, so it outlives the HttpServer when the io_context destroys them.
struct ServerState {
  HttpServerOptions options;
  HttpHandler handler;
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP
  std::atomic<uint64_t> connections_accepted{0};
  // Written under `mu`, so that a session is either registered before Stop()
  // looks at `sessions` or refused; read without it elsewhere.
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;  // guarded by mu
  std::condition_variable sessions_done;
};

// One connection. Stream is PlainStream or TlsStream; with TLS the session
// first tells a TLS client from a plain one, then handshakes, and from then
// on reads and writes through the TLS layer. Before the handshake (and on a
// plain connection) it talks to the TCP stream directly.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> state)
      : stream_(MakeStream(std::move(socket), *state)), state_(std::move(state)) {
    beast::error_code ec;
    tcp::endpoint peer = Tcp().socket().remote_endpoint(ec);
    if (!ec) remote_address_ = peer.address().to_string();
    // Responses go out in one write; waiting for more to send only adds latency.
    Tcp().socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->sessions.erase(this);
    if (state_->sessions.empty()) state_->sessions_done.notify_all();
  }

  void Run() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::Begin, Self()));
  }

  void OnServerStop() override {
    net::post(stream_.get_executor(), [self = Self()] {
      self->stopping_ = true;
      if (!self->writing_) self->Close();
    });
  }

 private:
  static Stream MakeStream(tcp::socket socket, ServerState& state) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *state.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Session> Self() { return this->shared_from_this(); }
  const HttpServerOptions& options() const { return state_->options; }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  // True while bytes go to and from the TCP stream itself: always for plain
  // HTTP, before the handshake for TLS.
  bool Raw() const { return !kTls || !handshake_done_; }

  void Begin() {
    if constexpr (kTls) {
      DoDetect();
    } else {
      DoRead();
    }
  }

  // ---- TLS: detect and handshake; the handshake timeout covers both.

  void DoDetect() {
    Tcp().expires_after(Millis(options().handshake_timeout_ms));
    beast::async_detect_ssl(Tcp(), buffer_, beast::bind_front_handler(&Session::OnDetect, Self()));
  }

  void OnDetect(beast::error_code ec, bool is_tls) {
    if (ec) return HandshakeFailed(ec);
    if (!is_tls) {
      return WriteError(400, "https_required", "this port speaks HTTPS only: use an https:// URL");
    }
    if constexpr (kTls) {
      stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                              beast::bind_front_handler(&Session::OnHandshake, Self()));
    }
  }

  void OnHandshake(beast::error_code ec, size_t bytes_used) {
    if (ec) return HandshakeFailed(ec);
    buffer_.consume(bytes_used);
    handshake_done_ = true;
    DoRead();
  }

  void HandshakeFailed(const beast::error_code& ec) {
    // A peer that connects and leaves without a byte (a port probe, a load
    // balancer's health check) is not worth a line.
    const bool silent =
        buffer_.size() == 0 && (ec == net::error::eof || ec == net::error::connection_reset);
    if (!silent && !stopping_) {
      Log(ec == beast::error::timeout ? "TLS handshake failed: not completed within " +
                                            std::to_string(options().handshake_timeout_ms) + " ms"
                                      : "TLS handshake failed: " + ec.message());
    }
    Close();
  }

  // ---- Requests (plain, or TLS after the handshake).

  void DoRead() {
    if (stopping_ || state_->stopping.load()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options().max_header_bytes));
    parser_->body_limit(static_cast<uint64_t>(options().max_body_bytes));
    if (requests_served_ > 0 && buffer_.size() == 0) return DoWaitForRequest();
    DoReadHeader();
  }

  // Between keep-alive requests: the idle timeout applies until the first
  // byte of the next request, then the header timeout.
  void DoWaitForRequest() {
    Tcp().expires_after(Millis(options().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(kIdleReadBytes),
                            beast::bind_front_handler(&Session::OnWaitForRequest, Self()));
  }

  void OnWaitForRequest(beast::error_code ec, size_t bytes) {
    if (ec) return Close();
    buffer_.commit(bytes);
    DoReadHeader();
  }

  void DoReadHeader() {
    Tcp().expires_after(Millis(options().header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, Self()));
  }

  void OnReadHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    const Request& req = parser_->get();
    if (EqualsIgnoreCase(ToStdString(req[http::field::expect]), "100-continue") &&
        req.version() >= 11) {
      Tcp().expires_after(Millis(options().request_timeout_ms));
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       beast::bind_front_handler(&Session::OnWriteContinue, Self()));
      return;
    }
    DoReadBody();
  }

  void OnWriteContinue(beast::error_code ec, size_t) {
    if (ec) return Close();
    DoReadBody();
  }

  void DoReadBody() {
    Tcp().expires_after(Millis(options().request_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnReadBody, Self()));
  }

  void OnReadBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    Request req = parser_->release();
    unsigned version = req.version();
    bool keep_alive = req.keep_alive() && !state_->stopping.load();
    bool head = req.method() == http::verb::head;
    HttpResponse response = CallHandler(ToHttpRequest(std::move(req), remote_address_));
    WriteResponse(std::move(response), version, keep_alive, head, /*linger=*/false);
  }

  HttpResponse CallHandler(const HttpRequest& request) {
    std::string what;
    try {
      return state_->handler(request);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an exception that is not a std::exception";
    }
    Log(request.method + " " + request.target + ": the handler threw: " + what);
    return ErrorResponse(500, "internal", "internal error while handling the request");
  }

  void Log(const std::string& line) const {
    if (!options().error_log) return;
    try {
      options().error_log(remote_address_ + ": " + line);
    } catch (...) {  // a failing log must not take the connection down
    }
  }

  // A request that cannot be read: answer in the error shape when the
  // client can still be told something useful, otherwise just close.
  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return WriteError(
          413, "body_too_large",
          "the request body is over " + std::to_string(options().max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return WriteError(
          431, "bad_request",
          "the request header is over " + std::to_string(options().max_header_bytes) + " bytes");
    }
    // end_of_stream: the client closed between requests; partial_message: it
    // went away in the middle of one. Neither can be answered.
    if (IsHttpError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return WriteError(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    Close();
  }

  void WriteError(int status, std::string code, std::string message) {
    Log("refused a request (" + std::to_string(status) + "): " + message);
    WriteResponse(ErrorResponse(status, std::move(code), std::move(message)), 11,
                  /*keep_alive=*/false, /*head=*/false, /*linger=*/true);
  }

  void WriteResponse(HttpResponse response, unsigned version, bool keep_alive, bool head,
                     bool linger) {
    try {
      response_.emplace(ToBeastResponse(std::move(response), version, keep_alive, head));
    } catch (const std::exception&) {  // a header over Beast's size limits
      response_.emplace(
          ToBeastResponse(ErrorResponse(500, "internal", "the response could not be serialised"),
                          version, keep_alive, head));
    }
    writing_ = true;
    linger_after_write_ = linger;
    Tcp().expires_after(Millis(options().request_timeout_ms));
    if (Raw()) {
      http::async_write(Tcp(), *response_, beast::bind_front_handler(&Session::OnWrite, Self()));
    } else {
      http::async_write(stream_, *response_, beast::bind_front_handler(&Session::OnWrite, Self()));
    }
  }

  void OnWrite(beast::error_code ec, size_t) {
    writing_ = false;
    bool close = response_->need_eof();
    response_.reset();
    if (ec) return Close();
    ++requests_served_;
    if (linger_after_write_) return DoLinger();
    if (close || stopping_) return DoShutdown();
    DoRead();
  }

  // The end of a connection the server closes after a response: TCP
  // half-close, or TLS close_notify (bounded by kTlsShutdownMs).
  void DoShutdown() {
    if constexpr (kTls) {
      if (!Raw() && !stopping_) {
        Tcp().expires_after(Millis(kTlsShutdownMs));
        stream_.async_shutdown([self = Self()](beast::error_code) { self->Close(); });
        return;
      }
    }
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Close();
  }

  // Plain: half-close, then drain. TLS: drain through the TLS layer without
  // half-closing TCP (a half-closed TLS connection cannot carry the records
  // OpenSSL may still need to send); the client reads the complete,
  // Content-Length framed answer and closes.
  void DoLinger() {
    if (Raw()) {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    Tcp().expires_after(Millis(kLingerMs));
    discard_.resize(16384);
    DoDiscard();
  }

  void DoDiscard() {
    auto on_discard = beast::bind_front_handler(&Session::OnDiscard, Self());
    if (Raw()) {
      Tcp().async_read_some(net::buffer(discard_), std::move(on_discard));
    } else {
      stream_.async_read_some(net::buffer(discard_), std::move(on_discard));
    }
  }

  void OnDiscard(beast::error_code ec, size_t bytes) {
    lingered_bytes_ += bytes;
    if (ec || stopping_ || lingered_bytes_ > kLingerMaxBytes) return Close();
    DoDiscard();
  }

  void Close() {
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
  }

  Stream stream_;
  std::shared_ptr<ServerState> state_;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  std::vector<char> discard_;
  uint64_t requests_served_ = 0;
  size_t lingered_bytes_ = 0;
  bool writing_ = false;
  bool linger_after_write_ = false;
  bool stopping_ = false;
  bool handshake_done_ = false;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::acceptor acceptor, std::shared_ptr<ServerState> state)
      : ioc_(ioc),
        acceptor_(std::move(acceptor)),
        retry_timer_(acceptor_.get_executor()),
        state_(std::move(state)) {}

  void Run() {
    net::dispatch(acceptor_.get_executor(),
                  beast::bind_front_handler(&Listener::DoAccept, shared_from_this()));
  }

  // Called by HttpServer::Stop from another thread.
  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_timer_.cancel();
    });
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open()) return;
    if (ec) {
      retry_timer_.expires_after(Millis(kAcceptRetryMs));
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && self->acceptor_.is_open()) self->DoAccept();
      });
      return;
    }
    state_->connections_accepted.fetch_add(1);
    if (state_->tls) {
      Start(std::make_shared<Session<TlsStream>>(std::move(socket), state_));
    } else {
      Start(std::make_shared<Session<PlainStream>>(std::move(socket), state_));
    }
  }

  template <class Stream>
  void Start(std::shared_ptr<Session<Stream>> session) {
    bool registered = false;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      if (!state_->stopping.load()) {
        state_->sessions.emplace(session.get(), session);
        registered = true;
      }
    }
    if (!registered) return;
    session->Run();
    DoAccept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::shared_ptr<ServerState> state_;
};

Result<tcp::endpoint> ResolveListenAddress(net::io_context& ioc, const std::string& host,
                                           uint16_t port) {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return Status::InvalidArgument(
        "cannot resolve listen host '" + host + "': " + (ec ? ec.message() : "no address"), "host");
  }
  return results.begin()->endpoint();
}

Result<std::string> ReadTlsFile(const std::string& path, const std::string& what,
                                const char* field) {
  Result<std::string> bytes = PosixFileSystem()->ReadFile(path);
  if (!bytes.ok()) {
    return Status::InvalidArgument("cannot read the " + what + ": " + bytes.status().message(),
                                   field);
  }
  return bytes;
}

// Days from now until the certificate's notAfter (negative once expired).
int DaysLeft(X509* cert) {
  int days = 0;
  int seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) != 1) return 0;
  return days;
}

// The server's TLS context: TLS 1.2 minimum, kTls12Ciphers, no
// renegotiation, the certificate chain and its key. Tells o.error_log when the
// certificate has expired or expires within kCertificateWarningDays.
Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const HttpServerOptions& o) {
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return Status::InvalidArgument("TLS needs both a certificate file and a key file",
                                   o.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file");
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* handle = ctx->native_handle();
  SSL_CTX_set_min_proto_version(handle, TLS1_2_VERSION);
  SSL_CTX_set_options(
      handle, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(handle, kTls12Ciphers) != 1) {
    return Status::Internal("OpenSSL refused the TLS 1.2 cipher list");
  }
  // An encrypted key would make OpenSSL prompt on the terminal; with an
  // empty password it fails instead, with a message.
  ctx->set_password_callback([](size_t, ssl::context::password_purpose) { return std::string(); });

  beast::error_code ec;
  HOSO_ASSIGN_OR_RETURN(std::string cert,
                        ReadTlsFile(o.tls_cert_file, "TLS certificate", "tls_cert_file"));
  ctx->use_certificate_chain(net::buffer(cert), ec);
  if (ec) {
    return Status::InvalidArgument("the TLS certificate " + o.tls_cert_file +
                                       " is not a PEM certificate chain: " + ec.message(),
                                   "tls_cert_file");
  }
  HOSO_ASSIGN_OR_RETURN(std::string key,
                        ReadTlsFile(o.tls_key_file, "TLS private key", "tls_key_file"));
  ctx->use_private_key(net::buffer(key), ssl::context::pem, ec);
  OPENSSL_cleanse(key.data(), key.size());
  if (ec) {
    return Status::InvalidArgument("cannot use the TLS private key " + o.tls_key_file +
                                       " (an unencrypted PEM key is needed): " + ec.message(),
                                   "tls_key_file");
  }
  if (SSL_CTX_check_private_key(handle) != 1) {
    return Status::InvalidArgument("the TLS private key " + o.tls_key_file +
                                       " does not belong to the certificate " + o.tls_cert_file,
                                   "tls_key_file");
  }
  if (X509* leaf = SSL_CTX_get0_certificate(handle); leaf != nullptr && o.error_log) {
    const int days = DaysLeft(leaf);
    if (days < 0) {
      o.error_log("the TLS certificate " + o.tls_cert_file +
                  " has expired: clients will refuse it; renew it (docs/OPERATIONS.md)");
    } else if (days < kCertificateWarningDays) {
      o.error_log("the TLS certificate " + o.tls_cert_file + " expires in " + std::to_string(days) +
                  " day(s); renew it (docs/OPERATIONS.md)");
    }
  }
  return ctx;
}

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<ServerState> state = std::make_shared<ServerState>();
  std::unique_ptr<net::io_context> ioc;
  // Keeps the I/O threads running until Stop() is done with the sessions:
  // without it they may run out of work and exit before the closes Stop()
  // posts, which would then never run and Stop() would wait out its grace.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;  // guarded by stop_mu
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options,
                                                      HttpHandler handler) {
  int threads = std::max(1, options.threads);
  auto impl = std::make_unique<Impl>();
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    HOSO_ASSIGN_OR_RETURN(impl->state->tls, MakeServerTlsContext(options));
  }
  impl->ioc = std::make_unique<net::io_context>(threads);
  impl->work.emplace(impl->ioc->get_executor());
  const std::string where = FormatHostPort(options.host, options.port);
  HOSO_ASSIGN_OR_RETURN(tcp::endpoint endpoint,
                        ResolveListenAddress(*impl->ioc, options.host, options.port));

  tcp::acceptor acceptor(net::make_strand(*impl->ioc));
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::string message = "cannot listen on " + where + ": " + ec.message();
    if (ec == net::error::address_in_use) return Status::Unavailable(message);
    return Status::IoError(message);
  }
  impl->port = acceptor.local_endpoint(ec).port();

  impl->state->options = std::move(options);
  impl->state->handler = std::move(handler);
  impl->listener = std::make_shared<Listener>(*impl->ioc, std::move(acceptor), impl->state);
  impl->listener->Run();
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([ioc = impl->ioc.get()] {
      // Handler exceptions are caught in the session; this only keeps a
      // thread alive through an unexpected throw from Asio itself.
      while (true) {
        try {
          ioc->run();
          return;
        } catch (...) {
        }
      }
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port; }

uint64_t HttpServer::connections_accepted() const {
  return impl_->state->connections_accepted.load();
}

bool HttpServer::tls() const { return impl_->state->tls != nullptr; }

void HttpServer::Stop() {
  std::lock_guard<std::mutex> stop_lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  ServerState& state = *impl_->state;
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    state.stopping.store(true);
    for (auto& [ptr, weak] : state.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  impl_->listener->Close();
  for (auto& session : live) session->OnServerStop();
  live.clear();
  {
    std::unique_lock<std::mutex> lock(state.mu);
    state.sessions_done.wait_for(lock, Millis(state.options.stop_grace_ms),
                                 [&state] { return state.sessions.empty(); });
  }
  impl_->work.reset();
  impl_->ioc->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  // Destroys the handlers still queued (and the sessions they hold) while
  // the io_context's services exist.
  impl_->listener.reset();
  impl_->ioc.reset();
}

}  // namespace hoso
