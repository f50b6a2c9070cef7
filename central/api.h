// CentralApi: the central's sync routes (docs/API.md, "Central"), as a pure
// request -> response function. No sockets here: central/main.cc puts it
// behind an HttpServer, and tests call Handle() directly.
//
//   GET  /healthz              {"ok":true,"central_id":...,"warnings":[...]}
//   POST /api/sync/enrol       enrolment request file -> enrolment answer file
//   POST /api/sync/batches     batch file -> down-sync file (or a JSON refusal)
//   POST /api/sync/rotate-key  JSON -> {"key_id": new}
//   the officers' routes, when an OfficerApi is given (central/officer_api.h)
//   POST /api/sync/attachments/missing  JSON -> which chunks the central lacks
//   PUT  /api/sync/chunks/{hash}        chunk bytes -> {"chunk_hash","stored",...}
//   the applicants' routes, when an OnlineApi is given (/submit, /api/online/)
//
// The server runs with one body limit (kMaxRequestBytes, the largest batch);
// smaller limits of the other routes are checked here.
//
// Thread-safety: Handle() may be called from many threads at once (NodeAdmin
// and Ingestor are thread-safe).
#ifndef HOSO_CENTRAL_API_H_
#define HOSO_CENTRAL_API_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "central/attachments.h"
#include "central/central_store.h"
#include "central/ingest.h"
#include "central/nodes.h"
#include "sync/http.h"
#include "sync/signed_file.h"

namespace hoso::central {

inline constexpr char kBatchContentType[] = "application/vnd.hoso.batch";
inline constexpr char kDownSyncContentType[] = "application/vnd.hoso.downsync";
inline constexpr char kEnrolContentType[] = "application/vnd.hoso.enrol";

class Metrics;
class OfficerApi;
class OnlineApi;

class CentralApi {
 public:
  // The largest batch file: a 64 MiB body plus header and framing.
  static constexpr size_t kMaxRequestBytes =
      sync::kDefaultMaxBodyBytes + sync::kMaxHeaderBytes + 1024;
  static constexpr size_t kMaxEnrolBytes = sync::kMaxHeaderBytes + 1024;
  static constexpr size_t kMaxJsonBytes = 16 * 1024;

  // The largest chunk upload (kMaxChunkBytes of schema/attachment.h).
  static constexpr size_t kMaxChunkRequestBytes = size_t{4} << 20;

  // REQUIRES: every pointer outlives the CentralApi. `officer` may be null
  // (sync routes only). Without `attachments` the API makes its own on
  // `store` with the system clock. `online` adds the applicants' routes
  // (central/online_api.h). With `metrics`, every answer is counted there by
  // route and status, and every batch by outcome (central/metrics.h).
  CentralApi(CentralStore* store, NodeAdmin* admin, Ingestor* ingestor,
             const OfficerApi* officer = nullptr, CentralAttachments* attachments = nullptr,
             const OnlineApi* online = nullptr, Metrics* metrics = nullptr);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Enrol(const HttpRequest& request) const;
  HttpResponse Batch(const HttpRequest& request) const;
  HttpResponse RotateKey(const HttpRequest& request) const;
  HttpResponse MissingChunks(const HttpRequest& request) const;
  HttpResponse PutChunk(const HttpRequest& request, const std::string& chunk_hash) const;

  CentralStore* store_;
  NodeAdmin* admin_;
  Ingestor* ingestor_;
  std::unique_ptr<CentralAttachments> owned_attachments_;
  CentralAttachments* attachments_;
  Metrics* metrics_;
  std::vector<std::string> patterns_;  // every route, for the metrics' route label
  Router router_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_API_H_
