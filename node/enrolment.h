// Enrolment: how a node comes to trust one central and be known by it, and
// how it changes its own key later.
//
// A node enrols once with a one-time token, online (POST /api/sync/enrol) or
// offline (a request file carried to the central, an answer file carried
// back). The enrolment answer is signed by the central; the node PINS the
// central id and public key from it in node_settings (central_id,
// central_public_key as hex, central_url, enrolled_at) and from then on
// accepts down-syncs signed by that key only. A node enrolled with one
// central refuses an answer from another.
//
// The node's signing key lives in DIR/keys/node.key (public half in
// node.pub). Key rotation keeps the previous secret key as keys/node.key.old
// until the central confirms the new one, so a lost answer can be resumed
// (the rotation request is idempotent) instead of locking the node out.
//
// CentralTransport is the seam between the node and the network: tests wrap
// it to lose answers or cut connections.
//
// Thread-safety: functions over one NodeStore, which belongs to one thread at
// a time. An HttpCentralTransport may be used by several threads at once
// (ConcurrentPosts); other transports belong to one thread at a time.
#ifndef HOSO_NODE_ENROLMENT_H_
#define HOSO_NODE_ENROLMENT_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/node_store.h"
#include "schema/env.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "sync/http.h"
#include "sync/http_client.h"
#include "sync/keys.h"

namespace hoso::node {

inline constexpr char kEnrolContentType[] = "application/vnd.hoso.enrol";
inline constexpr char kBatchContentType[] = "application/vnd.hoso.batch";
inline constexpr char kDownSyncContentType[] = "application/vnd.hoso.downsync";

// POSTs to the central. `path` is relative to the central's URL
// ("/api/sync/batches"). HTTP error statuses come back as responses;
// transport failures are Statuses (kUnavailable: retry later).
class CentralTransport {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  virtual ~CentralTransport() = default;
  virtual Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                                    const std::string& body) = 0;
  // Any method, with extra headers: the attachment chunk protocol signs in a
  // header and uploads with PUT (sync/FORMAT.md). The default sends a POST
  // without headers through Post() and refuses anything else
  // (kInvalidArgument), for transports that only carry sync files.
  virtual Result<HttpResponse> Send(const std::string& method, const std::string& path,
                                    const std::string& content_type, const std::string& body,
                                    const Headers& headers);
  // True when Post and Send may run on two threads at once (each on its own
  // connection): the sync client then sends a batch ahead while the previous
  // one is answered (node/sync_client.h).
  virtual bool ConcurrentPosts() const { return false; }
};

// CentralTransport over HttpClient to a base URL ("http://hoso-central.sct.local:8090"; a
// path in the URL is prefixed to every request path). An https:// URL turns
// on TLS; options.tls_ca_file then names the CA to trust ("" for the
// system's trust store).
class HttpCentralTransport : public CentralTransport {
 public:
  static Result<std::unique_ptr<HttpCentralTransport>> Create(const std::string& url,
                                                              HttpClientOptions options = {});
  // Create() for this node: with an https:// URL it trusts the CA the node
  // keeps in CentralCaPath() when there is one, else the system's store.
  static Result<std::unique_ptr<HttpCentralTransport>> ForNode(const NodeStore& store,
                                                               const std::string& url,
                                                               HttpClientOptions options = {});
  Result<HttpResponse> Post(const std::string& path, const std::string& content_type,
                            const std::string& body) override;
  Result<HttpResponse> Send(const std::string& method, const std::string& path,
                            const std::string& content_type, const std::string& body,
                            const Headers& headers) override;
  // Each request takes a kept-alive connection no other thread is using (a
  // new one when all are busy); at most kKeptConnections stay open.
  bool ConcurrentPosts() const override { return true; }

  static constexpr size_t kKeptConnections = 2;

 private:
  HttpCentralTransport(std::string prefix, std::string host, uint16_t port,
                       HttpClientOptions options)
      : prefix_(std::move(prefix)), host_(std::move(host)), port_(port),
        options_(std::move(options)) {}
  std::unique_ptr<HttpClient> TakeClient();
  void ReturnClient(std::unique_ptr<HttpClient> client);

  std::string prefix_;
  std::string host_;
  uint16_t port_;
  HttpClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;  // guarded by mu_
};

// ---- node_settings ----------------------------------------------------------

// nullopt when the key is absent.
Result<std::optional<std::string>> GetNodeSetting(Database& db, const std::string& key);
Status SetNodeSetting(Database& db, const std::string& key, const std::string& value);
Status DeleteNodeSetting(Database& db, const std::string& key);

// What a node knows about the central it enrolled with.
struct CentralPin {
  std::string central_id;
  std::string central_public_key;  // raw 32 bytes
  std::string central_url;         // "" when enrolled offline and never given one
  UnixMs enrolled_at_ms = 0;
};

// The pinned central, nullopt when the node is not enrolled. kCorruption when
// the settings are half-written or the key is not a valid hex key.
Result<std::optional<CentralPin>> LoadCentralPin(Database& db);
// The pin, or kConflict "node is not enrolled" (what sync commands answer).
Result<CentralPin> RequireCentralPin(Database& db);

// ---- The node key -----------------------------------------------------------

std::string NodeKeyPath(const NodeStore& store);     // DIR/keys/node.key
std::string OldNodeKeyPath(const NodeStore& store);  // DIR/keys/node.key.old
// The current signing key, read from disk (so a rotation done by another
// process is seen; NodeStore keeps the key it opened with).
Result<sync::SigningKey> LoadNodeKey(const NodeStore& store);

// ---- The central's TLS CA ---------------------------------------------------

// DIR/keys/central-ca.pem: the CA certificate(s) that issued the central's
// HTTPS certificate, copied into the node's directory so that moving or
// deleting the operator's file cannot break sync.
std::string CentralCaPath(const NodeStore& store);
// Copies the PEM CA certificate(s) at `source_path` to CentralCaPath()
// (atomically, replacing an older one). kInvalidArgument when the file
// cannot be read or holds no valid certificate.
Status InstallCentralCa(NodeStore& store, const std::string& source_path);

// ---- Enrolment ---------------------------------------------------------------

// The signed enrolment request file (HOSOENQ1) for this node and key.
Result<std::string> BuildEnrolRequest(const NodeStore& store, const std::string& token,
                                      Clock* clock);

// Online enrolment: POSTs the request, verifies the answer and pins the
// central with `central_url`. Errors: kConflict when already enrolled (or the
// central says "already_enrolled"), kUnauthenticated for "invalid_token",
// kUnavailable when the central cannot be reached, kCorruption for an answer
// that does not verify or is not about this node.
Result<CentralPin> Enrol(NodeStore& store, const std::string& central_url, const std::string& token,
                         CentralTransport& transport, Clock* clock);

// Offline enrolment, first half: writes the request file to `path`
// (atomically), creating its directory like export does. kConflict when
// already enrolled.
Status WriteEnrolRequestFile(NodeStore& store, const std::string& token, const std::string& path,
                             Clock* clock);

// Verifies an enrolment answer (its own embedded central key), checks that it
// names this node (node id, unit code, role), pins the central and installs
// the data versions it carries. Accepting the same central again is a no-op
// success; an answer from a different central or key is kConflict.
// `central_url` is stored when non-empty.
Result<CentralPin> AcceptEnrolAnswer(NodeStore& store, std::string_view file,
                                     const std::string& central_url, Clock* clock);

// ---- Key rotation -------------------------------------------------------------

// True while keys/node.key.old exists: a rotation was started and the
// central has not confirmed it yet.
bool KeyRotationPending(const NodeStore& store);

// Generates a new key, keeps the old one as keys/node.key.old, installs the
// new one as keys/node.key (+ node.pub) and asks the central to switch
// (POST /api/sync/rotate-key, signed by the old key). On success removes
// node.key.old and returns the new key id. When the answer is lost the
// rotation stays pending; calling RotateKey again resumes it (same new key)
// rather than starting another. REQUIRES: enrolled (kConflict otherwise).
Result<std::string> RotateKey(NodeStore& store, CentralTransport& transport);

// Completes a pending rotation (no-op OK when none is pending). A central
// that answers "key_retired" for the old key has already switched: that is
// success too.
Status ResumeKeyRotation(NodeStore& store, CentralTransport& transport);

// ---- Central answers ---------------------------------------------------------

// The Status for a JSON error answer of the central ({"error":{"code",...}}):
// 401 -> kUnauthenticated, 403 -> kPermissionDenied, 409 -> kConflict,
// 413 -> kResourceExhausted, 422 -> kCorruption, 429 and 5xx -> kUnavailable,
// other 4xx -> kInvalidArgument. The message is "<code>: <message>".
Status CentralErrorStatus(const HttpResponse& response);
// The "code" member of a JSON error answer, "" when there is none.
std::string CentralErrorCode(const HttpResponse& response);

}  // namespace hoso::node

#endif  // HOSO_NODE_ENROLMENT_H_
