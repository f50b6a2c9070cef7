#include "central/metrics.h"

#include <algorithm>
#include <tuple>

#include "central/reconcile.h"
#include "schema/dossier_state.h"

namespace hoso::central {
namespace {

// A label value with '\', '"' and line feeds escaped, as the format wants.
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Head(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n";
  out += std::string("# TYPE ") + name + " " + type + "\n";
}

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

void Metrics::CountRequest(std::string_view method, std::string_view route, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++s_.requests[{std::string(method), std::string(route), status}];
}

void Metrics::CountBatch(std::string_view result, std::string_view refusal_code,
                         int64_t applied_events, bool sent_ahead) {
  std::lock_guard<std::mutex> lock(mu_);
  ++s_.batches[std::string(result)];
  if (sent_ahead) ++s_.ahead[std::string(result)];
  if (!refusal_code.empty()) ++s_.refusals[std::string(refusal_code)];
  s_.events_ingested += applied_events;
}

Metrics::Snapshot Metrics::Read() const {
  std::lock_guard<std::mutex> lock(mu_);
  return s_;
}

Result<Metrics::ReconcileCount> Metrics::CountReconcileItems(
    UnixMs now, const std::function<Result<std::map<std::string, int64_t>>()>& count) {
  std::lock_guard<std::mutex> lock(reconcile_mu_);
  if (reconcile_ && reconcile_->as_of_ms <= now &&
      now - reconcile_->as_of_ms <= kReconcileMaxAgeMs) {
    return *reconcile_;
  }
  Result<std::map<std::string, int64_t>> by_rule = count();
  if (!by_rule.ok()) return by_rule.status();
  reconcile_ = ReconcileCount{std::move(by_rule).value(), now};
  return *reconcile_;
}

std::string RouteLabel(const std::vector<std::string>& patterns, std::string_view path) {
  const std::vector<std::string> segs = Split(path);
  for (const std::string& p : patterns) {
    const std::vector<std::string> ps = Split(p);
    if (ps.size() != segs.size()) continue;
    bool match = true;
    for (size_t i = 0; i < ps.size() && match; ++i) {
      const bool param = ps[i].size() >= 2 && ps[i].front() == '{' && ps[i].back() == '}';
      match = param ? !segs[i].empty() : ps[i] == segs[i];
    }
    if (match) return p;
  }
  return "other";
}

bool IsLoopback(std::string_view a) {
  return a == "::1" || a.starts_with("127.") || a.starts_with("::ffff:127.");
}

Result<std::string> RenderMetrics(Database& db, Metrics* metrics, UnixMs now) {
  std::string out;
  const Metrics::Snapshot s = metrics ? metrics->Read() : Metrics::Snapshot();

  Head(out, "hoso_http_requests_total", "counter",
       "HTTP requests answered since the process started, by method, route and status.");
  for (const auto& [key, n] : s.requests) {
    const auto& [method, route, status] = key;
    out += "hoso_http_requests_total{method=\"" + Label(method) + "\",route=\"" + Label(route) +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  // One sample per batch result, 0 for a result not seen yet.
  auto by_result = [&out](const std::string& name, const auto& counts) {
    for (const char* r : {"applied", "duplicate", "poll", "refused"}) {
      auto it = counts.find(r);
      out += name + "{result=\"" + r + "\"} " +
             std::to_string(it == counts.end() ? 0 : it->second) + "\n";
    }
  };
  Head(out, "hoso_sync_batches_total", "counter",
       "Batch and poll files answered over HTTP, by result (applied, duplicate, poll, refused).");
  by_result("hoso_sync_batches_total", s.batches);
  Head(out, "hoso_sync_batches_ahead_total", "counter",
       "Of those, batches sent ahead of the answer to the node's previous one, by result.");
  by_result("hoso_sync_batches_ahead_total", s.ahead);
  Head(out, "hoso_sync_batches_refused_total", "counter",
       "Batch files refused over HTTP, by refusal code (docs/API.md).");
  for (const auto& [code, n] : s.refusals) {
    out += "hoso_sync_batches_refused_total{code=\"" + Label(code) + "\"} " + std::to_string(n) +
           "\n";
  }
  Head(out, "hoso_events_ingested_total", "counter",
       "New node events stored by batches over HTTP since the process started.");
  out += "hoso_events_ingested_total " + std::to_string(s.events_ingested) + "\n";

  Head(out, "hoso_dossiers", "gauge", "Dossiers in the central's projection, by status number.");
  {
    std::map<int64_t, int64_t> by_status;
    for (DossierStatus st : AllDossierStatuses()) by_status[StatusNumber(st)] = 0;
    HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT status, COUNT(*) FROM dossiers WHERE "
                                                  "status IS NOT NULL GROUP BY status"));
    for (;;) {
      HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      by_status[q.ColumnInt(0)] = q.ColumnInt(1);
    }
    for (const auto& [st, n] : by_status) {
      out += "hoso_dossiers{status=\"" + std::to_string(st) + "\"} " + std::to_string(n) + "\n";
    }
  }
  Head(out, "hoso_nodes", "gauge",
       "Nodes by the state of their keys: pending (not enrolled), active, revoked.");
  {
    std::map<std::string, int64_t> by_state{{"pending", 0}, {"active", 0}, {"revoked", 0}};
    HOSO_ASSIGN_OR_RETURN(Statement q,
                          db.Prepare("SELECT state, COUNT(*) FROM nodes GROUP BY state"));
    for (;;) {
      HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      by_state[q.ColumnText(0)] = q.ColumnInt(1);
    }
    for (const auto& [st, n] : by_state) {
      out += "hoso_nodes{state=\"" + st + "\"} " + std::to_string(n) + "\n";
    }
  }
  {
    std::string lag, backlog;
    HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT node_id, last_seen_ms, backlog_events "
                                                  "FROM nodes WHERE last_seen_ms IS NOT NULL "
                                                  "ORDER BY node_id"));
    for (;;) {
      HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      const std::string node = Label(q.ColumnText(0));
      lag += "hoso_node_lag_seconds{node=\"" + node + "\"} " +
             std::to_string(std::max<int64_t>(0, now - q.ColumnInt(1)) / 1000) + "\n";
      if (!q.IsNull(2)) {
        backlog += "hoso_node_backlog_events{node=\"" + node + "\"} " +
                   std::to_string(q.ColumnInt(2)) + "\n";
      }
    }
    Head(out, "hoso_node_lag_seconds", "gauge",
         "Seconds since the central last heard from each node (batch or poll).");
    out += lag;
    Head(out, "hoso_node_backlog_events", "gauge",
         "Events each node still held for the central at its last batch or poll (when it says).");
    out += backlog;
  }
  {
    auto count = [&db, now]() -> Result<std::map<std::string, int64_t>> {
      ReconcileOptions o;
      o.as_of_ms = now;
      HOSO_ASSIGN_OR_RETURN(ReconcileReport report, BuildReconcileReport(db, o));
      return report.OpenByRule();
    };
    Metrics::ReconcileCount items;
    if (metrics != nullptr) {
      // Reused for minutes: the count is not worth a scan of the whole log per scrape.
      HOSO_ASSIGN_OR_RETURN(items, metrics->CountReconcileItems(now, count));
    } else {
      HOSO_ASSIGN_OR_RETURN(items.open_by_rule, count());
      items.as_of_ms = now;
    }
    Head(out, "hoso_reconcile_items", "gauge",
         "Open reconciliation items by rule, with the default thresholds, as counted at "
         "hoso_reconcile_counted_at_seconds.");
    for (const auto& [rule, n] : items.open_by_rule) {
      out += "hoso_reconcile_items{rule=\"" + rule + "\"} " + std::to_string(n) + "\n";
    }
    Head(out, "hoso_reconcile_counted_at_seconds", "gauge",
         "Unix time of the count of hoso_reconcile_items (made again at most every 5 minutes).");
    out += "hoso_reconcile_counted_at_seconds " + std::to_string(items.as_of_ms / 1000) + "\n";
  }
  return out;
}

}  // namespace hoso::central
