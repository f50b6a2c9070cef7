// SyncClient and SyncLoop: the node's side of up-sync and down-sync
// (docs/DESIGN.md flows 3 and 5, sync/FORMAT.md).
//
// One exchange (SyncClient::RunOnce) sends the next contiguous range of the
// outbox as a signed batch to POST /api/sync/batches and processes the
// signed down-sync that answers it: events up to its acked_seq are marked
// acknowledged (the only change the outbox allows; nothing is marked before
// a verified down-sync says so), published data versions are installed,
// waybill blocks and dictionaries stored, revocations obeyed. With nothing
// pending the batch is an empty poll, so down-sync still flows, and then
// attachment chunks are uploaded (node/attachment_upload.h): never in an
// exchange that carried events, so small records always go first.
//
// The next batch starts at the central's expected_seq: normally the first
// unacknowledged event, earlier when the central says it lacks events the
// node already saw acknowledged (sequence_gap, or an acked_seq below ours);
// the outbox never deletes, so those are simply sent again.
//
// While the central applies a batch that leaves more events waiting, the
// client reads and encodes the next one on its own thread's connection (the
// request goes out on a short-lived thread); the next batch is still sent
// only after the answer, and only when the answer's next position, the
// batch size, dictionary and key are what it was prepared for: a resend
// request drops it. The central still sees one batch per node at a time.
//
// Batch size adapts to the link: it starts at kInitialBatchEvents /
// kInitialBatchBytes, halves after a failed exchange and doubles after a
// successful one, within [1 event, kMaxBatchEvents / kMaxBatchBytes]; on a
// slow link it grows no further than what the last exchange's pace says
// fits in kTargetExchangeMs.
//
// Sending ahead (SyncClientOptions::send_ahead; sync/FORMAT.md "Sending
// ahead"): when the last exchange with events took at most
// kAheadMaxExchangeMs, the last answer said the central takes_ahead, and
// the transport has ConcurrentPosts, the batch read during an exchange is
// sent at once on a second connection, marked sent_ahead, instead of after
// the answer: the central decodes it while it applies the one before and
// applies it right after. Answers are used strictly in order: the answer to
// a batch sent ahead is used only after the exchange before it succeeded and
// only when it starts where that answer left the node; otherwise it is
// waited for and forgotten, and the node goes on from its acknowledged
// position as if it had never been sent (the central answers a resend of
// what it applied as a duplicate). An answer to a batch sent ahead carries
// no items (the central sends them to normal batches and polls: the
// exchange reports `more`, so a poll follows the last one at once), and a
// refusal of it is answered by sending the same events again as a normal
// batch. At most two batches are in flight.
//
// SyncLoop repeats RunOnce with exponential backoff and full jitter after
// failures and a fixed poll interval when idle; tests drive it one Step() at
// a time with their own random source.
//
// Thread-safety: a SyncClient and its NodeStore belong to one thread (the
// sync thread opens its own NodeStore; SQLite serialises it against the
// desk's connection). RunOnce posts a batch that leaves more events waiting
// from a short-lived thread while it reads the next one, and a batch sent
// ahead stays in flight between two RunOnce calls, so the transport must not
// be used by another thread while the client lives, unless it has
// ConcurrentPosts. SyncLoop::Stop() may be called from any thread.
#ifndef HOSO_NODE_SYNC_CLIENT_H_
#define HOSO_NODE_SYNC_CLIENT_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "node/attachment_upload.h"
#include "node/enrolment.h"
#include "node/node_store.h"
#include "node/outbox.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/status.h"
#include "sync/batch.h"

namespace hoso::node {

// Tunables of the sync loop.
inline constexpr int kInitialBatchEvents = 500;
inline constexpr int64_t kInitialBatchBytes = int64_t{1} << 20;
inline constexpr int kMaxBatchEvents = 10000;
inline constexpr int64_t kMaxBatchBytes = int64_t{8} << 20;
inline constexpr int kMinBatchEvents = 1;
inline constexpr int64_t kMinBatchBytes = int64_t{16} << 10;
// After a successful exchange that took over half of this, the next batch
// is sized to take about this long on the same link.
inline constexpr int64_t kTargetExchangeMs = 5000;
// Batches are sent ahead only after an exchange that took at most this long:
// on a slow link the two would share the bandwidth and a cut would cost both.
inline constexpr int64_t kAheadMaxExchangeMs = 1000;
inline constexpr int64_t kBaseBackoffMs = 1000;
inline constexpr int64_t kMaxBackoffMs = 5 * 60 * 1000;
inline constexpr int64_t kIdlePollMs = 30 * 1000;

// node_settings keys the sync side keeps (besides the pin, enrolment.h).
inline constexpr char kSettingRevokedReason[] = "revoked_reason";
inline constexpr char kSettingLastSyncAt[] = "last_sync_at_ms";
inline constexpr char kSettingLastSyncError[] = "last_sync_error";
inline constexpr char kSettingBatchEvents[] = "sync_batch_events";
inline constexpr char kSettingResendFrom[] = "sync_resend_from_seq";
inline constexpr char kSettingLastDownSyncAt[] = "last_downsync_at_ms";
inline constexpr char kSettingDictId[] = "sync_dict_id";

// ---- Reading the outbox for batches -------------------------------------------

// The highest seq acknowledged by the central (acks are always a prefix).
Result<int64_t> AckedSeq(Database& db);
// Where the next batch starts: the first unacknowledged seq, or earlier when
// the central asked for a resend.
Result<int64_t> NextSendSeq(Database& db);

// A batch encoded and signed as the outbox was read.
struct EncodedBatch {
  int64_t first_seq = 1;  // of the first event, or the poll position
  int64_t events = 0;     // 0: a poll
  bool more = false;      // events after this batch remain
  std::string file;
};

// The outbox's events from `from_seq` on (acknowledged or not), at most
// max_events and about max_bytes of encoded lines, but always at least one
// event when there is one, encoded and signed (sync::EncodeBatch; `options`
// as there) as each row is read, so that at most one decoded event is held
// at a time: for the background sync and for files. A poll when there is no
// event from `from_seq` on. REQUIRES: 1 <= from_seq; max_events in 1..10000.
Result<EncodedBatch> EncodeOutgoingBatch(Database& db, const std::string& central_id,
                                         const std::string& node_id, int64_t from_seq,
                                         int max_events, int64_t max_bytes,
                                         const sync::SigningKey& key,
                                         const sync::EncodeOptions& options, UnixMs now);

// ---- Processing a down-sync ------------------------------------------------------

// The dictionaries the central published to this node (DIR/data/dictionaries).
sync::DictionaryLookup NodeDictionaries(const NodeStore& store);

// Installs one {"kind":"data_version","data":...,"version":...,"body":{...}}
// item: validates the body with Catalog::Parse / ParseCalendarData (and
// WorkingCalendar::ForSite) / Tariff::Parse, checks the version it declares,
// writes DIR/data/<kind>.json atomically and records it in data_versions.
// Returns false when that version is already installed. A running desk
// keeps the data it opened with until it restarts.
Result<bool> InstallDataVersion(NodeStore& store, const json::object& item, Clock* clock);

struct DownSyncEffects {
  int64_t acked_seq = 0;
  int data_versions_installed = 0;
  int waybill_blocks = 0;  // newly stored (a block sent again is not counted)
  int dictionaries = 0;
  // The central's events about this node's dossiers newly applied (one sent
  // again is not counted; node/central_events.h).
  int events = 0;
  // Courier nodes: assignment / unassignment items newly applied
  // (node/courier.h); a desk node ignores them.
  int assignments = 0;
  bool revoked = false;
  std::string revoked_reason;
};

// Applies a VERIFIED down-sync addressed to this node: marks acked every
// seq <= acked_seq, remembers where the central expects the next batch,
// installs items, and records a revocation of this node's key. A dictionary
// is stored and compresses the next batches; a waybill block is stored once
// (one the node already holds, sent again, keeps its counter:
// effects.waybill_blocks counts new ones). Items of a
// down-sync older than one already applied (by the central's clock) are not
// installed, so a stale file from a stick cannot roll data back. A refused
// down-sync is applied the same way as the HTTP refusal (sequence_gap sets
// the resend position; key_revoked records the reason) and returns its error.
// kCorruption when acked_seq is beyond the outbox, or the down-sync is for
// another node or central.
Result<DownSyncEffects> ApplyDownSync(NodeStore& store, const CentralPin& pin,
                                      const sync::DownSync& ds, Clock* clock);

// Records a central refusal by code: "sequence_gap" (expected_seq) moves the
// resend position; "key_revoked" records the reason and stops sync;
// "unknown_dictionary" makes later batches go without a dictionary.
Status RecordRefusal(NodeStore& store, const std::string& code, const std::string& message,
                     std::optional<int64_t> expected_seq);

// True for errors worth retrying with backoff (kUnavailable,
// kResourceExhausted after the batch shrank). Everything else needs a person.
bool IsRetryable(const Status& status);

// ---- One exchange --------------------------------------------------------------------

struct SyncReport {
  std::string result;  // applied | duplicate | poll
  int64_t first_seq = 0;
  int64_t last_seq = 0;  // first_seq - 1 for a poll
  int64_t sent_events = 0;
  int64_t acked_seq = 0;
  DownSyncEffects effects;
  // Attachment chunks uploaded after a poll (node/attachment_upload.h).
  UploadReport uploads;
  // Further events, or attachment chunks, are waiting for the next exchange;
  // also after a batch sent ahead, whose answer carries no items (a poll
  // fetches them).
  bool more = false;
};

struct SyncClientOptions {
  Clock* clock = SystemClock();
  sync::DecodeLimits limits;
  // Chunk bytes one exchange may upload before it yields to new events.
  int64_t max_upload_bytes = kUploadBytesPerExchange;
  // Send the next batch ahead, before the answer to the one in flight, when
  // the link is fast and the central takes it (see above). `hoso-node serve`
  // turns it on; a single exchange (`sync --once`) has no next one.
  bool send_ahead = false;
};

class SyncClient {
 public:
  // REQUIRES: store and transport outlive the client.
  SyncClient(NodeStore* store, CentralTransport* transport, SyncClientOptions options = {});

  // One exchange: a batch (a poll when nothing is pending) and its
  // down-sync, then, ONLY when the batch carried no events, one round of
  // attachment uploads. An exchange that carried events never uploads
  // chunks; it reports `more` when chunks are waiting, so the loop comes
  // back at once. Errors: kConflict "node is not enrolled"; kPermissionDenied
  // when this node's key is revoked (now or before: sync stays stopped);
  // kUnavailable / kResourceExhausted to retry; others per
  // CentralErrorStatus or the down-sync checks. Records the outcome in
  // node_settings for SyncStatusJson.
  Result<SyncReport> RunOnce();

  int batch_events() const { return batch_events_; }
  int64_t batch_bytes() const { return batch_bytes_; }
  // Batches read ahead during an exchange and then sent as they were, and
  // those dropped because the answer asked for something else (a resend
  // from an earlier seq, a smaller batch, another dictionary or key).
  int64_t prepared_used() const { return prepared_used_; }
  int64_t prepared_discarded() const { return prepared_discarded_; }
  // Batches sent ahead, and those of them whose answer was not used (the
  // exchange before failed, or the central did not take it ahead).
  int64_t sent_ahead() const { return sent_ahead_; }
  int64_t ahead_dropped() const { return ahead_dropped_; }

  // Waits for a batch still in flight ahead and forgets its answer.
  ~SyncClient();
  SyncClient(SyncClient&&) = default;

 private:
  // An encoded batch and what it was made for.
  struct PreparedBatch {
    int64_t first_seq = 1;
    int64_t events = 0;
    bool more = false;
    int64_t dict_id = 0;     // 0: no dictionary
    int64_t max_bytes = 0;   // the byte cap it was read with
    std::string key_id;      // of the key that signed it
    bool ahead = false;      // header sent_ahead
    // Shared with the thread that posts it.
    std::shared_ptr<const std::string> file;
  };
  // A batch sent ahead and its answer to come.
  struct AheadBatch {
    PreparedBatch batch;
    std::future<Result<HttpResponse>> answer;
  };
  Result<PreparedBatch> PrepareBatch(const CentralPin& pin, const sync::SigningKey& key,
                                     const sync::Dictionary* dict, int64_t dict_id, int64_t from,
                                     int max_events, int64_t max_bytes, bool ahead);
  std::future<Result<HttpResponse>> PostAsync(std::shared_ptr<const std::string> file);
  void DropAhead();

  Result<SyncReport> Exchange(bool* sent);
  Status Upload(SyncReport& report);
  void Adapt(bool success, int64_t sent_events, int64_t elapsed_ms);
  void Record(const Result<SyncReport>& outcome);

  NodeStore* store_;
  CentralTransport* transport_;
  SyncClientOptions options_;
  int batch_events_ = kInitialBatchEvents;
  int64_t batch_bytes_ = kInitialBatchBytes;
  std::optional<PreparedBatch> prepared_;
  int64_t prepared_used_ = 0;
  int64_t prepared_discarded_ = 0;
  std::optional<AheadBatch> ahead_;
  bool central_takes_ahead_ = false;  // the last answer said takes_ahead
  int64_t last_exchange_ms_ = -1;     // of the last successful exchange with events; -1 none
  int64_t sent_ahead_ = 0;
  int64_t ahead_dropped_ = 0;
};

// ---- The background loop ---------------------------------------------------------------

struct SyncLoopOptions {
  int64_t base_backoff_ms = kBaseBackoffMs;
  int64_t max_backoff_ms = kMaxBackoffMs;
  int64_t idle_poll_ms = kIdlePollMs;
  // Uniform 64-bit random numbers; empty: a seeded std::mt19937_64.
  std::function<uint64_t()> random;
  // Waits `ms` (Run only); empty: waits on a condition variable that Stop()
  // interrupts.
  std::function<void(int64_t ms)> sleep;
  // Told one line per failed exchange (Run only); may be empty.
  std::function<void(const std::string&)> log;
};

class SyncLoop {
 public:
  // REQUIRES: client outlives the loop.
  explicit SyncLoop(SyncClient* client, SyncLoopOptions options = {});

  // Runs one exchange and returns NextDelay().
  int64_t Step();
  // How long to wait after the last Step: 0 when more events are waiting,
  // idle_poll_ms after a success, a full-jitter backoff uniform in
  // [0, min(max_backoff_ms, base_backoff_ms * 2^(failures-1))] after a
  // retryable failure, max_backoff_ms after one that needs a person.
  int64_t NextDelay() const { return next_delay_ms_; }
  // The upper bound of the current backoff window (0 after a success).
  int64_t BackoffCeilingMs() const;
  int consecutive_failures() const { return failures_; }
  const Status& last_status() const { return last_status_; }
  // True once the central revoked the key: Run() returns and Step() is not
  // worth calling.
  bool stopped_by_revocation() const { return revoked_; }

  // Steps until Stop() or a revocation.
  void Run();
  // Makes Run() return soon (interrupting the default sleep). Thread-safe.
  void Stop();

 private:
  void Sleep(int64_t ms);

  SyncClient* client_;
  SyncLoopOptions options_;
  int failures_ = 0;
  int64_t next_delay_ms_ = 0;
  Status last_status_;
  bool revoked_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
};

// ---- Status ---------------------------------------------------------------------------

// {"enrolled","central_url","central_id","pending_events","acked_seq",
//  "last_seq","last_sync_at","last_error","revoked_reason","batch_events",
//  "central_key_id","node_key_id","key_rotation_pending",
//  "waybills":{"blocks","remaining","next"},"dict_id",
//  "pending_attachments","pending_attachment_chunks",
//  "pending_attachment_bytes"}:
// GET /api/sync/status and hoso-node sync-status. Absent texts are null;
// last_sync_at is ISO 8601 UTC.
Result<json::object> SyncStatusJson(NodeStore& store);

}  // namespace hoso::node

#endif  // HOSO_NODE_SYNC_CLIENT_H_
