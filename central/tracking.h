// Public tracking: what anyone holding a receipt may learn about a dossier
// from its code and lookup secret (POST /api/track, the page GET /track;
// docs/API.md "Public tracking").
//
// The secret is never stored: the dossier_received event (for an online
// dossier the central's dossier_submitted_online) carries its
// verifier "lookup_secret_hash", the lower-case hex BLAKE2b-256 of
// code ":" canonical secret (node/dossier.h LookupSecretHash). A lookup
// recomputes it from what was typed and compares it with the stored one in
// constant time (sodium_memcmp). An unknown code is compared against a
// stand-in verifier, so a wrong secret and an unknown code cost the same
// work and get the same answer (404 not_found, same body).
//
// The answer is built from a whitelist: the dossier's status in plain
// Vietnamese and English, the unit and the name of the officer handling it
// (from the `dossiers` projection), the appointment in force, a timeline of
// steps, and the delivery status from the shipment events of the dossier
// (rows of `events` and `central_events` with the dossier code and a
// waybill; the latest gives the status). Only the fields named in
// tracking.cc (Step(), and the projection columns LookupTracking reads) are
// copied out: never the applicant, the recipient, an ID number, a phone, an
// address, a business name, a fee payer or a free-text reason, note or item
// list.
//
// Lookups are rate limited per client address in memory (RateLimiter): a
// lookup only reads, so counting it in the audit log like a login would
// turn every lookup into a write on SQLite's single writer; the limits need
// not survive a restart, since a secret has 31^8 (about 8.5e11) values.
//
// Thread-safety: RateLimiter and Tracker are safe for concurrent use; each
// lookup takes its own connection from the CentralStore.
#ifndef HOSO_CENTRAL_TRACKING_H_
#define HOSO_CENTRAL_TRACKING_H_

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "central/central_store.h"
#include "central/refusal.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/time.h"
#include "sync/http.h"

namespace hoso::central {

// At most `max_hits` hits per key within any `window_ms`; in memory.
// A limit of 0 or less lets everything through (benchmarks).
class RateLimiter {
 public:
  RateLimiter(int max_hits, int64_t window_ms, size_t max_keys = 100'000);

  // Counts a hit of `key` at `now` and returns 0 when it is allowed; when it
  // is not, counts nothing and returns the whole seconds (>= 1) until one
  // more would be allowed.
  int64_t Take(const std::string& key, UnixMs now);
  // Whole seconds until `key` may hit again (0: now), counting nothing.
  int64_t RetryAfter(const std::string& key, UnixMs now);

 private:
  // REQUIRES: mu_ held. Drops the hits of `hits` older than the window.
  void Expire(std::deque<UnixMs>& hits, UnixMs now) const;
  int64_t WaitSeconds(const std::deque<UnixMs>& hits, UnixMs now) const;

  const int max_hits_;
  const int64_t window_ms_;
  const size_t max_keys_;  // past this many keys, idle ones are dropped
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<UnixMs>> hits_;  // guarded by mu_
};

struct TrackingOptions {
  Clock* clock = SystemClock();
  // Lookups per client address: enough for a family checking several
  // receipts, far too few to guess a secret.
  int max_lookups_per_address = 30;
  int64_t lookup_window_ms = kMsPerMinute;
  // Lookups answered not_found per client address (mistyped secrets).
  int max_failures_per_address = 10;
  int64_t failure_window_ms = 15 * kMsPerMinute;
};

// The verifier the desk stores in dossier_received.lookup_secret_hash.
// REQUIRES: `canonical_secret` as NormaliseLookupSecret returns it.
std::string TrackingSecretVerifier(std::string_view code, std::string_view canonical_secret);

// What tracking shows of dossier `code`, or nullopt when the central holds
// no dossier_received event of it or `canonical_secret` does not match its
// verifier (alike, after the same work). See docs/API.md for the fields:
// {"code","status","status_vi","status_en","status_text_vi","status_text_en",
//  "unit","handler":{"name"}|null,"received_at","appointment","overdue",
//  "clock_paused","apology_issued","timeline":[...],"delivery":{...}|null}.
// REQUIRES: `code` is a well-formed dossier code.
Result<std::optional<json::object>> LookupTracking(Database& db, const std::string& code,
                                                   std::string_view canonical_secret,
                                                   UnixMs now);

// The lookup with its checks and rate limits, as the route answers it.
class Tracker {
 public:
  static constexpr size_t kMaxBodyBytes = 1024;

  // REQUIRES: store and options.clock outlive the Tracker.
  explicit Tracker(CentralStore* store, TrackingOptions options = {});

  // The answer to POST /api/track with `body` from `remote_address`:
  // 200 {"dossier":{...}}; 400 bad_request (not a JSON object, a field
  // missing or malformed; "field" names it), 404 not_found (unknown code or
  // wrong secret, one answer), 413 body_too_large, 429 too_many_lookups
  // (Retry-After and error.retry_after in seconds), 503 unavailable.
  HttpResponse Lookup(std::string_view body, const std::string& remote_address);

  const TrackingOptions& options() const { return options_; }

 private:
  CentralStore* store_;
  TrackingOptions options_;
  RateLimiter lookups_;
  RateLimiter failures_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_TRACKING_H_
