// Metrics: the central's counters since the process started (requests by
// route and status, batches by outcome, events ingested) and the text of
// GET /metrics in the Prometheus text exposition format 0.0.4, with gauges
// read from the database at scrape time (dossiers by status, nodes by key
// state, node lag, open reconciliation items by rule). docs/API.md
// "Metrics" lists every series; docs/OPERATIONS.md says who may scrape.
//
// Thread-safety: Metrics is safe for concurrent use (one mutex around the
// counters, another around the reconciliation count); RenderMetrics reads
// the Database it is given (one thread).
#ifndef HOSO_CENTRAL_METRICS_H_
#define HOSO_CENTRAL_METRICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::central {

class Metrics {
 public:
  // One answered request: `route` is the route pattern ("/api/officer/
  // dossiers/{code}"), or "other" for a path no route serves.
  void CountRequest(std::string_view method, std::string_view route, int status);
  // One batch or poll: applied / duplicate / poll, or the refusal code;
  // `sent_ahead` when its header said so (sync/FORMAT.md "Sending ahead").
  void CountBatch(std::string_view result, std::string_view refusal_code, int64_t applied_events,
                  bool sent_ahead = false);

  struct Snapshot {
    std::map<std::tuple<std::string, std::string, int>, int64_t> requests;
    std::map<std::string, int64_t> batches;   // result -> count
    std::map<std::string, int64_t> refusals;  // code -> count
    std::map<std::string, int64_t> ahead;     // result of batches sent ahead -> count
    int64_t events_ingested = 0;
  };
  Snapshot Read() const;

  // Open reconciliation items by rule, and when they were counted. Building
  // the reconciliation report reads the whole event log (seconds at a
  // million dossiers, docs/PERFORMANCE.md), so a count is reused for
  // kReconcileMaxAgeMs.
  struct ReconcileCount {
    std::map<std::string, int64_t> open_by_rule;
    UnixMs as_of_ms = 0;
  };
  static constexpr int64_t kReconcileMaxAgeMs = 5 * 60 * 1000;
  // The last count when it was made at most kReconcileMaxAgeMs before `now`
  // (and not after it); otherwise a new one from `count`. One count runs at
  // a time: a scrape arriving meanwhile waits for it and reuses it.
  Result<ReconcileCount> CountReconcileItems(
      UnixMs now, const std::function<Result<std::map<std::string, int64_t>>()>& count);

 private:
  mutable std::mutex mu_;
  Snapshot s_;
  std::mutex reconcile_mu_;                  // held while counting
  std::optional<ReconcileCount> reconcile_;  // guarded by reconcile_mu_
};

// The route pattern of `patterns` that `path` (percent-encoded, no query)
// matches, segment by segment with "{name}" matching any one segment;
// "other" when none does.
std::string RouteLabel(const std::vector<std::string>& patterns, std::string_view path);

// The whole exposition text: counters of `metrics` (may be null: none) and
// the gauges of the database as of `now`, whose open reconciliation items
// are counted with the default thresholds (through
// Metrics::CountReconcileItems when `metrics` is given, else afresh).
Result<std::string> RenderMetrics(Database& db, Metrics* metrics, UnixMs now);

// Whether `address` (HttpRequest::remote_address) is the loopback interface.
bool IsLoopback(std::string_view address);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_METRICS_H_
