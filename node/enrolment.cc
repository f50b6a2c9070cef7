#include "node/enrolment.h"

#include <utility>
#include <vector>

#include "node/sync_client.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "sync/batch.h"
#include "sync/signed_file.h"

namespace hoso::node {

namespace {

constexpr char kSettingCentralId[] = "central_id";
constexpr char kSettingCentralKey[] = "central_public_key";
constexpr char kSettingCentralUrl[] = "central_url";
constexpr char kSettingEnrolledAt[] = "enrolled_at";
constexpr int kSecretFileMode = 0600;
constexpr int kPublicFileMode = 0644;

Result<int64_t> ParseMs(const std::string& s, const char* what) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Corruption(std::string("node setting ") + what + " is not a number");
  }
  return std::stoll(s);
}

// Writes the pin in one transaction so a node is never half enrolled.
Status StorePin(Database& db, const CentralPin& pin) {
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_RETURN_IF_ERROR(SetNodeSetting(db, kSettingCentralId, pin.central_id));
  HOSO_RETURN_IF_ERROR(SetNodeSetting(db, kSettingCentralKey, HexEncode(pin.central_public_key)));
  HOSO_RETURN_IF_ERROR(SetNodeSetting(db, kSettingCentralUrl, pin.central_url));
  HOSO_RETURN_IF_ERROR(SetNodeSetting(db, kSettingEnrolledAt, std::to_string(pin.enrolled_at_ms)));
  return txn.Commit();
}

}  // namespace

// ---- Transport ---------------------------------------------------------------

Result<std::unique_ptr<HttpCentralTransport>> HttpCentralTransport::Create(
    const std::string& url, HttpClientOptions options) {
  HOSO_ASSIGN_OR_RETURN(HttpUrl parsed, ParseUrl(url));
  std::string prefix = parsed.target;
  if (const size_t q = prefix.find('?'); q != std::string::npos) prefix.resize(q);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  options.tls = parsed.tls;
  return std::unique_ptr<HttpCentralTransport>(
      new HttpCentralTransport(std::move(prefix), parsed.host, parsed.port, std::move(options)));
}

std::unique_ptr<HttpClient> HttpCentralTransport::TakeClient() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<HttpClient> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<HttpClient>(host_, port_, options_);
}

void HttpCentralTransport::ReturnClient(std::unique_ptr<HttpClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kKeptConnections) idle_.push_back(std::move(client));
}

Result<std::unique_ptr<HttpCentralTransport>> HttpCentralTransport::ForNode(
    const NodeStore& store, const std::string& url, HttpClientOptions options) {
  const std::string ca = CentralCaPath(store);
  if (store.fs()->Exists(ca)) options.tls_ca_file = ca;
  return Create(url, std::move(options));
}

Result<HttpResponse> HttpCentralTransport::Post(const std::string& path,
                                                const std::string& content_type,
                                                const std::string& body) {
  std::unique_ptr<HttpClient> client = TakeClient();
  Result<HttpResponse> r =
      client->Send("POST", prefix_ + path, body, {{"Content-Type", content_type}});
  ReturnClient(std::move(client));
  return r;
}

Result<HttpResponse> HttpCentralTransport::Send(const std::string& method, const std::string& path,
                                                const std::string& content_type,
                                                const std::string& body, const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Content-Type", content_type);
  std::unique_ptr<HttpClient> client = TakeClient();
  Result<HttpResponse> r = client->Send(method, prefix_ + path, body, all);
  ReturnClient(std::move(client));
  return r;
}

Result<HttpResponse> CentralTransport::Send(const std::string& method, const std::string& path,
                                            const std::string& content_type,
                                            const std::string& body, const Headers& headers) {
  if (method == "POST" && headers.empty()) return Post(path, content_type, body);
  return Status::InvalidArgument("this transport only POSTs sync files; it cannot send " + method +
                                 " " + path + " with headers");
}

// ---- node_settings -------------------------------------------------------------

Result<std::optional<std::string>> GetNodeSetting(Database& db, const std::string& key) {
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT value FROM node_settings WHERE key = ?1"));
  st.Bind(1, key);
  HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.ColumnText(0));
}

Status SetNodeSetting(Database& db, const std::string& key, const std::string& value) {
  HOSO_ASSIGN_OR_RETURN(Statement st,
                        db.Prepare("INSERT INTO node_settings (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  st.Bind(1, key).Bind(2, value);
  return st.Run();
}

Status DeleteNodeSetting(Database& db, const std::string& key) {
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare("DELETE FROM node_settings WHERE key = ?1"));
  st.Bind(1, key);
  return st.Run();
}

Result<std::optional<CentralPin>> LoadCentralPin(Database& db) {
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> id, GetNodeSetting(db, kSettingCentralId));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> key, GetNodeSetting(db, kSettingCentralKey));
  if (!id && !key) return std::optional<CentralPin>();
  if (!id || !key || id->empty()) {
    return Status::Corruption(
        "node_settings hold half an enrolment (central_id / central_public_key)");
  }
  CentralPin pin;
  pin.central_id = *id;
  auto raw = sync::PublicKeyFromHex(*key);
  if (!raw.ok()) return Status::Corruption("node setting central_public_key is not a valid key");
  pin.central_public_key = std::move(*raw);
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> url, GetNodeSetting(db, kSettingCentralUrl));
  pin.central_url = url.value_or("");
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> at, GetNodeSetting(db, kSettingEnrolledAt));
  if (at) {
    HOSO_ASSIGN_OR_RETURN(pin.enrolled_at_ms, ParseMs(*at, kSettingEnrolledAt));
  }
  return std::optional<CentralPin>(std::move(pin));
}

Result<CentralPin> RequireCentralPin(Database& db) {
  HOSO_ASSIGN_OR_RETURN(std::optional<CentralPin> pin, LoadCentralPin(db));
  if (!pin) return Status::Conflict("node is not enrolled; run hoso-node enroll first");
  return std::move(*pin);
}

// ---- The node key ----------------------------------------------------------------

std::string NodeKeyPath(const NodeStore& store) { return store.dir() + "/keys/node.key"; }
std::string OldNodeKeyPath(const NodeStore& store) { return store.dir() + "/keys/node.key.old"; }

Result<sync::SigningKey> LoadNodeKey(const NodeStore& store) {
  return sync::SigningKey::Load(NodeKeyPath(store), store.fs());
}

// ---- The central's TLS CA ---------------------------------------------------------

std::string CentralCaPath(const NodeStore& store) { return store.dir() + "/keys/central-ca.pem"; }

Status InstallCentralCa(NodeStore& store, const std::string& source_path) {
  Result<std::string> pem = store.fs()->ReadFile(source_path);
  if (!pem.ok()) {
    return Status::InvalidArgument("cannot read the CA file: " + pem.status().message(), "ca");
  }
  Status valid = CheckCaCertificates(*pem);
  if (!valid.ok()) return Status::InvalidArgument(source_path + ": " + valid.message(), "ca");
  return store.fs()->WriteFileAtomic(CentralCaPath(store), *pem, kPublicFileMode);
}

// ---- Enrolment -----------------------------------------------------------------

Result<std::string> BuildEnrolRequest(const NodeStore& store, const std::string& token,
                                      Clock* clock) {
  if (token.empty()) return Status::InvalidArgument("the enrolment token is empty", "token");
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(store));
  sync::EnrolRequest req;
  req.node_id = store.identity().node_id;
  req.unit_code = store.identity().unit_code;
  req.role = store.identity().role;
  req.token = token;
  const UnixMs now = clock->NowMs();
  req.created_at_ms = now;
  return sync::EncodeEnrolRequest(req, key, now);
}

Result<CentralPin> Enrol(NodeStore& store, const std::string& central_url, const std::string& token,
                         CentralTransport& transport, Clock* clock) {
  HOSO_ASSIGN_OR_RETURN(std::optional<CentralPin> pinned, LoadCentralPin(store.db()));
  if (pinned) {
    return Status::Conflict("node is already enrolled with central '" + pinned->central_id + "'");
  }
  HOSO_ASSIGN_OR_RETURN(std::string request, BuildEnrolRequest(store, token, clock));
  HOSO_ASSIGN_OR_RETURN(HttpResponse resp,
                        transport.Post("/api/sync/enrol", kEnrolContentType, request));
  if (resp.status != 200) {
    return CentralErrorStatus(resp).WithContext("enrolment refused");
  }
  return AcceptEnrolAnswer(store, resp.body, central_url, clock);
}

Status WriteEnrolRequestFile(NodeStore& store, const std::string& token, const std::string& path,
                             Clock* clock) {
  HOSO_ASSIGN_OR_RETURN(std::optional<CentralPin> pinned, LoadCentralPin(store.db()));
  if (pinned) {
    return Status::Conflict("node is already enrolled with central '" + pinned->central_id + "'");
  }
  HOSO_ASSIGN_OR_RETURN(std::string request, BuildEnrolRequest(store, token, clock));
  // The stick's folder may not exist yet (export creates its own too).
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    HOSO_RETURN_IF_ERROR(store.fs()->CreateDirs(path.substr(0, slash), 0700));
  }
  return store.fs()->WriteFileAtomic(path, request, kPublicFileMode);
}

Result<CentralPin> AcceptEnrolAnswer(NodeStore& store, std::string_view file,
                                     const std::string& central_url, Clock* clock) {
  // The answer carries its own key: pinning it is the point. What ties it to
  // this node is that it names this node; a node already pinned accepts only
  // the same central again.
  HOSO_ASSIGN_OR_RETURN(sync::EnrolAnswer answer, sync::DecodeEnrolAnswer(file, ""));
  const NodeIdentity& me = store.identity();
  if (answer.node_id != me.node_id || answer.unit_code != me.unit_code || answer.role != me.role) {
    return Status::InvalidArgument("the enrolment answer is for node '" + answer.node_id +
                                   "' (unit " + answer.unit_code + ", " + answer.role +
                                   "), not this node '" + me.node_id + "'");
  }
  HOSO_ASSIGN_OR_RETURN(std::optional<CentralPin> pinned, LoadCentralPin(store.db()));
  if (pinned && (pinned->central_id != answer.central_id ||
                 pinned->central_public_key != answer.central_public_key)) {
    return Status::Conflict("node is already enrolled with central '" + pinned->central_id +
                            "' (key " + sync::KeyIdOf(pinned->central_public_key) +
                            "); refusing an answer from '" + answer.central_id + "' (key " +
                            answer.central_key_id + ")");
  }
  for (const json::object& item : answer.items) {
    auto kind = GetString(item, "kind");
    if (!kind.ok() || *kind != "data_version") continue;
    HOSO_RETURN_IF_ERROR(InstallDataVersion(store, item, clock).status());
  }
  CentralPin pin;
  pin.central_id = answer.central_id;
  pin.central_public_key = answer.central_public_key;
  pin.central_url = !central_url.empty() ? central_url : (pinned ? pinned->central_url : "");
  pin.enrolled_at_ms = pinned ? pinned->enrolled_at_ms : answer.enrolled_at_ms;
  HOSO_RETURN_IF_ERROR(StorePin(store.db(), pin));
  return pin;
}

// ---- Key rotation ------------------------------------------------------------------

bool KeyRotationPending(const NodeStore& store) {
  return store.fs()->Exists(OldNodeKeyPath(store));
}

Result<std::string> RotateKey(NodeStore& store, CentralTransport& transport) {
  HOSO_RETURN_IF_ERROR(RequireCentralPin(store.db()).status());
  if (!KeyRotationPending(store)) {
    HOSO_ASSIGN_OR_RETURN(sync::SigningKey old_key, LoadNodeKey(store));
    sync::SigningKey new_key = sync::SigningKey::Generate();
    // The old key is copied aside before node.key changes, so at every
    // instant one of the two files holds the key the central knows.
    HOSO_RETURN_IF_ERROR(old_key.Save(OldNodeKeyPath(store), store.fs()));
    HOSO_RETURN_IF_ERROR(new_key.Save(NodeKeyPath(store), store.fs()));
    HOSO_RETURN_IF_ERROR(store.fs()->WriteFileAtomic(store.dir() + "/keys/node.pub",
                                                     new_key.public_key(), kPublicFileMode));
  }
  HOSO_RETURN_IF_ERROR(ResumeKeyRotation(store, transport));
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey current, LoadNodeKey(store));
  return current.key_id();
}

Status ResumeKeyRotation(NodeStore& store, CentralTransport& transport) {
  if (!KeyRotationPending(store)) return Status::OK();
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey old_key,
                        sync::SigningKey::Load(OldNodeKeyPath(store), store.fs()));
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey new_key, LoadNodeKey(store));
  if (old_key.public_key() == new_key.public_key()) {
    // A rotation interrupted before the new key was written: nothing to do.
    return store.fs()->Remove(OldNodeKeyPath(store));
  }
  const std::string& node_id = store.identity().node_id;
  const std::string new_hex = HexEncode(new_key.public_key());
  json::object body{
      {"node_id", node_id},
      {"old_key_id", old_key.key_id()},
      {"new_public_key", new_hex},
      {"signature", HexEncode(old_key.Sign(sync::RotationMessage(node_id, new_hex)))}};
  HOSO_ASSIGN_OR_RETURN(HttpResponse resp,
                        transport.Post("/api/sync/rotate-key", kJsonContentType, ToJson(body)));
  if (resp.status == 200) {
    auto answer = ParseJsonObject(resp.body);
    if (answer.ok()) {
      auto key_id = GetOptString(*answer, "key_id");
      if (key_id.ok() && *key_id && **key_id != new_key.key_id()) {
        return Status::Corruption("the central confirmed key " + **key_id + ", not " +
                                  new_key.key_id());
      }
    }
  } else if (!(resp.status == 403 && CentralErrorCode(resp) == "key_retired")) {
    // key_retired for the OLD key means an earlier attempt went through and
    // only its answer was lost; anything else leaves the rotation pending.
    return CentralErrorStatus(resp).WithContext("key rotation refused");
  }
  return store.fs()->Remove(OldNodeKeyPath(store));
}

// ---- Central answers ---------------------------------------------------------------

std::string CentralErrorCode(const HttpResponse& response) {
  auto body = ParseJsonObject(response.body);
  if (!body.ok()) return "";
  auto error = GetObject(*body, "error");
  if (!error.ok()) return "";
  auto code = GetString(**error, "code");
  return code.ok() ? *code : "";
}

Status CentralErrorStatus(const HttpResponse& response) {
  std::string code = CentralErrorCode(response);
  std::string message;
  if (auto body = ParseJsonObject(response.body); body.ok()) {
    if (auto error = GetObject(*body, "error"); error.ok()) {
      if (auto m = GetString(**error, "message"); m.ok()) message = *m;
    }
  }
  if (code.empty()) code = "http_" + std::to_string(response.status);
  if (message.empty()) message = "the central answered HTTP " + std::to_string(response.status);
  std::string text = code + ": " + message;
  const int s = response.status;
  if (s == 401) return Status::Unauthenticated(text);
  if (s == 403) return Status::PermissionDenied(text);
  if (s == 409) return Status::Conflict(text);
  if (s == 413) return Status::ResourceExhausted(text);
  if (s == 422) return Status::Corruption(text);
  if (s == 429 || s >= 500) return Status::Unavailable(text);
  if (s == 404) return Status::NotFound(text);
  return Status::InvalidArgument(text);
}

}  // namespace hoso::node
