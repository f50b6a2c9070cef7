#include "node/sync_client.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <random>
#include <utility>

#include "node/central_events.h"
#include "node/courier.h"
#include "node/waybills.h"
#include "schema/calendar.h"
#include "schema/catalog.h"
#include "schema/holidays.h"
#include "schema/ids.h"
#include "schema/tariff.h"
#include "sync/signed_file.h"

namespace hoso::node {

namespace {

// Hex hashes, member names and separators of one batch line beyond the
// canonical event: an estimate is enough for the byte cap.
constexpr int64_t kLineOverheadBytes = 170;
// The envelope's member names, numbers, type and separators.
constexpr int64_t kEnvelopeBytes = 150;

// About the length of `v` as JSON (escapes not counted), without writing it:
// writing every event's canonical form once more just to size a batch cost
// as much as the encoding itself.
int64_t ApproxJsonBytes(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return static_cast<int64_t>(v.get_string().size()) + 2;
    case json::kind::array: {
      int64_t n = 2;
      for (const json::value& e : v.get_array()) n += ApproxJsonBytes(e) + 1;
      return n;
    }
    case json::kind::object: {
      int64_t n = 2;
      for (const auto& kv : v.get_object()) {
        n += static_cast<int64_t>(kv.key().size()) + 4 + ApproxJsonBytes(kv.value());
      }
      return n;
    }
    default:
      return 20;
  }
}

int64_t ApproxLineBytes(const Event& e) {
  int64_t n = kLineOverheadBytes + kEnvelopeBytes + ApproxJsonBytes(e.payload);
  for (const std::optional<std::string>* s : {&e.dossier_code, &e.waybill, &e.actor}) {
    if (*s) n += static_cast<int64_t>((*s)->size());
  }
  return n + static_cast<int64_t>(e.event_id.size() + e.node_id.size());
}

Result<std::string> HashOfSeq(Database& db, int64_t seq) {
  if (seq == 0) return GenesisHash();
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT hash FROM outbox_events WHERE seq = ?1"));
  st.Bind(1, seq);
  HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("outbox has no event seq " + std::to_string(seq));
  return st.ColumnBlob(0);
}

std::string DictionaryPath(const NodeStore& store, int64_t dict_id) {
  return store.dir() + "/data/dictionaries/" + std::to_string(dict_id) + ".zdict";
}

Result<int64_t> SettingInt(Database& db, const char* key, int64_t fallback) {
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> v, GetNodeSetting(db, key));
  if (!v) return fallback;
  if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos) {
    return Status::Corruption(std::string("node setting ") + key + " is not a number");
  }
  return std::stoll(*v);
}

// The reason of a revocation item that names this node and its current key
// (or no key: every key of the node), nullopt for any other item.
std::optional<std::string> RevocationOf(const json::object& item, const std::string& node_id,
                                        const std::string& key_id) {
  auto kind = GetString(item, "kind");
  auto rn = GetString(item, "node_id");
  auto rk = GetOptString(item, "key_id");
  if (!kind.ok() || *kind != "revocation" || !rn.ok() || *rn != node_id || !rk.ok()) {
    return std::nullopt;
  }
  if (*rk && !(*rk)->empty() && **rk != key_id) return std::nullopt;
  auto reason = GetOptString(item, "reason");
  if (reason.ok() && *reason && !(*reason)->empty()) return **reason;
  return std::string("revoked by the central");
}

json::value TextOrNull(const std::optional<std::string>& v) {
  if (!v || v->empty()) return nullptr;
  return json::value(*v);
}

}  // namespace

// ---- Reading the outbox ---------------------------------------------------------

Result<int64_t> AckedSeq(Database& db) {
  return AckedPosition(db);
}

Result<int64_t> NextSendSeq(Database& db) {
  HOSO_ASSIGN_OR_RETURN(int64_t acked, AckedSeq(db));
  HOSO_ASSIGN_OR_RETURN(int64_t resend, SettingInt(db, kSettingResendFrom, 0));
  if (resend >= 1 && resend <= acked) return resend;
  return acked + 1;
}

Result<EncodedBatch> EncodeOutgoingBatch(Database& db, const std::string& central_id,
                                         const std::string& node_id, int64_t from_seq,
                                         int max_events, int64_t max_bytes,
                                         const sync::SigningKey& key,
                                         const sync::EncodeOptions& options, UnixMs now) {
  if (from_seq < 1) return Status::InvalidArgument("from_seq must be >= 1", "from_seq");
  if (max_events < 1 || max_events > kMaxBatchEvents) {
    return Status::InvalidArgument("max_events must be 1..10000", "max_events");
  }
  HOSO_ASSIGN_OR_RETURN(std::string prev_hash, HashOfSeq(db, from_seq - 1));
  // Each row is encoded as it is read and only its line kept: a batch of
  // decoded events takes several times the memory of its lines.
  sync::BatchBodyWriter writer(node_id, from_seq, std::move(prev_hash));
  int64_t bytes = 0;
  Status added;
  HOSO_RETURN_IF_ERROR(ForEachEventFrom(db, from_seq, max_events, [&](OutboxRecord& r) {
    const int64_t line = ApproxLineBytes(r.event);
    if (writer.event_count() > 0 && bytes + line > max_bytes) return false;
    bytes += line;
    added = writer.Add(
        sync::BatchEvent{std::move(r.event), std::move(r.prev_hash), std::move(r.hash)});
    if (writer.event_count() == 1) {
      // Room for the rest at once: growing by doubling would hold up to
      // three times the body while it copies.
      writer.Reserve(static_cast<size_t>(
          std::min<int64_t>(max_bytes, static_cast<int64_t>(writer.body_bytes()) * max_events) *
          5 / 4));
    }
    return added.ok();
  }));
  HOSO_RETURN_IF_ERROR(added);
  EncodedBatch out;
  out.first_seq = from_seq;
  out.events = writer.event_count();
  HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
  out.more = last >= from_seq + out.events;
  HOSO_ASSIGN_OR_RETURN(out.file, writer.Finish(central_id, key, options, now));
  return out;
}

// ---- Processing a down-sync --------------------------------------------------------

sync::DictionaryLookup NodeDictionaries(const NodeStore& store) {
  const NodeStore* s = &store;
  return [s](int64_t dict_id) -> Result<sync::Dictionary> {
    auto bytes = s->fs()->ReadFile(DictionaryPath(*s, dict_id));
    if (!bytes.ok()) {
      return Status::NotFound("dictionary " + std::to_string(dict_id) + " is unknown to this node");
    }
    return sync::Dictionary{dict_id, std::move(*bytes)};
  };
}

Result<bool> InstallDataVersion(NodeStore& store, const json::object& item, Clock* clock) {
  HOSO_ASSIGN_OR_RETURN(std::string kind, GetString(item, "data"));
  HOSO_ASSIGN_OR_RETURN(std::string version, GetString(item, "version"));
  HOSO_ASSIGN_OR_RETURN(const json::object* body, GetObject(item, "body"));
  const std::string text = ToPrettyJson(*body);
  std::string parsed_version;
  Status parsed;
  if (kind == "catalog") {
    auto c = Catalog::Parse(text);
    parsed = c.status();
    if (c.ok()) parsed_version = c->version();
  } else if (kind == "calendar") {
    auto c = ParseCalendarData(text);
    parsed = c.status();
    if (c.ok()) {
      parsed_version = c->version;
      // The node opens its working calendar from this file; refuse what it
      // could not open.
      parsed = WorkingCalendar::ForSite(std::move(*c)).status();
    }
  } else if (kind == "tariff") {
    auto t = Tariff::Parse(text);
    parsed = t.status();
    if (t.ok()) parsed_version = t->version();
  } else {
    return Status::InvalidArgument("unknown data kind '" + kind + "'", "data");
  }
  HOSO_RETURN_IF_ERROR(parsed.WithContext("published " + kind + " " + version));
  if (parsed_version != version) {
    return Status::InvalidArgument("published " + kind + " says version '" + parsed_version +
                                       "' but the item says '" + version + "'",
                                   "version");
  }
  Database& db = store.db();
  HOSO_ASSIGN_OR_RETURN(Statement cur,
                        db.Prepare("SELECT version FROM data_versions WHERE kind = ?1"));
  cur.Bind(1, kind);
  HOSO_ASSIGN_OR_RETURN(bool row, cur.Step());
  if (row && cur.ColumnText(0) == version) return false;
  // The file first: a crash before the row is written leaves the old version
  // recorded, so the next down-sync installs it again.
  HOSO_RETURN_IF_ERROR(
      store.fs()->WriteFileAtomic(store.dir() + "/data/" + kind + ".json", text, 0644));
  HOSO_ASSIGN_OR_RETURN(
      Statement up, db.Prepare("INSERT INTO data_versions (kind, version, body, installed_at_ms) "
                               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind) DO UPDATE SET "
                               "version = excluded.version, body = excluded.body, "
                               "installed_at_ms = excluded.installed_at_ms"));
  up.Bind(1, kind).Bind(2, version).Bind(3, ToJson(*body)).Bind(4, clock->NowMs());
  HOSO_RETURN_IF_ERROR(up.Run());
  return true;
}

Status RecordRefusal(NodeStore& store, const std::string& code, const std::string& message,
                     std::optional<int64_t> expected_seq) {
  Database& db = store.db();
  if (code == "sequence_gap") {
    HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
    if (!expected_seq || *expected_seq < 1 || *expected_seq > last + 1) {
      return Status::Corruption("the central expects seq " +
                                (expected_seq ? std::to_string(*expected_seq) : "?") +
                                " but this node's outbox ends at " + std::to_string(last));
    }
    return SetNodeSetting(db, kSettingResendFrom, std::to_string(*expected_seq));
  }
  if (code == "key_revoked") {
    return SetNodeSetting(db, kSettingRevokedReason,
                          message.empty() ? "revoked by the central" : message);
  }
  if (code == "unknown_dictionary") {
    // The central cannot decode what this node compresses with (restored
    // from a backup older than the dictionary?): send without one until it
    // publishes another.
    return DeleteNodeSetting(db, kSettingDictId);
  }
  return Status::OK();
}

Result<DownSyncEffects> ApplyDownSync(NodeStore& store, const CentralPin& pin,
                                      const sync::DownSync& ds, Clock* clock) {
  const std::string& node_id = store.identity().node_id;
  if (ds.node_id != node_id || ds.central_id != pin.central_id) {
    return Status::Corruption("the down-sync is for node '" + ds.node_id + "' of central '" +
                              ds.central_id + "', not this node '" + node_id + "' of '" +
                              pin.central_id + "'");
  }
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(store));
  if (ds.result == sync::kResultRefused) {
    sync::DownSyncError err = ds.error.value_or(sync::DownSyncError{"refused", "", {}});
    for (const json::object& item : ds.items) {
      if (auto reason = RevocationOf(item, node_id, key.key_id())) {
        err.code = "key_revoked";
        err.message = *reason;
      }
    }
    HOSO_RETURN_IF_ERROR(RecordRefusal(store, err.code, err.message, err.expected_seq));
    if (err.code == "key_revoked") {
      return Status::PermissionDenied("key_revoked: " + err.message);
    }
    return Status::Conflict("the central refused the batch: " + err.code + ": " + err.message);
  }
  Database& db = store.db();
  HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
  if (ds.acked_seq > last) {
    return Status::Corruption("the central acknowledges seq " + std::to_string(ds.acked_seq) +
                              " but this node's outbox ends at " + std::to_string(last) +
                              " (was the node restored from an old backup?)");
  }
  HOSO_ASSIGN_OR_RETURN(int64_t newest_applied, SettingInt(db, kSettingLastDownSyncAt, 0));
  const bool stale = ds.created_at_ms < newest_applied;

  DownSyncEffects fx;
  fx.acked_seq = ds.acked_seq;
  int64_t newest_dict = 0;
  // Files (data versions, dictionaries) go first, outside the transaction;
  // installing one twice is harmless.
  for (const json::object& item : ds.items) {
    auto kind = GetString(item, "kind");
    if (!kind.ok()) continue;
    if (*kind == "data_version" && !stale) {
      HOSO_ASSIGN_OR_RETURN(bool installed, InstallDataVersion(store, item, clock));
      fx.data_versions_installed += installed ? 1 : 0;
    } else if (*kind == "dictionary") {
      HOSO_ASSIGN_OR_RETURN(sync::Dictionary dict, sync::DictionaryFromItem(item));
      HOSO_RETURN_IF_ERROR(store.fs()->CreateDirs(store.dir() + "/data/dictionaries", 0700));
      HOSO_RETURN_IF_ERROR(
          store.fs()->WriteFileAtomic(DictionaryPath(store, dict.dict_id), dict.bytes, 0644));
      newest_dict = std::max(newest_dict, dict.dict_id);
      ++fx.dictionaries;
    }
  }

  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_RETURN_IF_ERROR(MarkAcked(db, ds.acked_seq));
  if (!stale) {
    // The central's acked_seq is where it wants the next batch to start, even
    // when that is before events it acknowledged earlier (it lost them).
    HOSO_ASSIGN_OR_RETURN(int64_t acked, AckedSeq(db));
    if (ds.acked_seq < acked) {
      HOSO_RETURN_IF_ERROR(
          SetNodeSetting(db, kSettingResendFrom, std::to_string(ds.acked_seq + 1)));
    } else {
      HOSO_RETURN_IF_ERROR(DeleteNodeSetting(db, kSettingResendFrom));
    }
    HOSO_RETURN_IF_ERROR(
        SetNodeSetting(db, kSettingLastDownSyncAt, std::to_string(ds.created_at_ms)));
  }
  if (newest_dict > 0 && !stale) {
    // The central sends the dictionary it wants used (a retired one is
    // replaced by an older one), so the one sent is adopted, not the largest.
    HOSO_RETURN_IF_ERROR(SetNodeSetting(db, kSettingDictId, std::to_string(newest_dict)));
  }
  for (const json::object& item : ds.items) {
    auto kind = GetString(item, "kind");
    if (!kind.ok()) continue;
    if (*kind == "waybill_block") {
      HOSO_ASSIGN_OR_RETURN(int64_t block_id, GetInt(item, "block_id"));
      HOSO_ASSIGN_OR_RETURN(std::string prefix, GetString(item, "prefix"));
      HOSO_ASSIGN_OR_RETURN(int64_t first, GetInt(item, "first"));
      HOSO_ASSIGN_OR_RETURN(int64_t last_no, GetInt(item, "last"));
      HOSO_RETURN_IF_ERROR(
          ValidateWaybillBlock(WaybillBlock{std::to_string(block_id), prefix, first, last_no}));
      // The central sends a block again until it sees it used: a block
      // already held (same id) keeps its counter.
      HOSO_ASSIGN_OR_RETURN(
          Statement ins,
          db.Prepare("INSERT OR IGNORE INTO waybill_blocks (block_id, prefix, first, last, next, "
                     "received_at_ms) VALUES (?1, ?2, ?3, ?4, ?3, ?5)"));
      ins.Bind(1, block_id).Bind(2, prefix).Bind(3, first).Bind(4, last_no).Bind(5, clock->NowMs());
      HOSO_RETURN_IF_ERROR(ins.Run());
      fx.waybill_blocks += db.Changes() > 0 ? 1 : 0;
    } else if (*kind == "event") {
      // An item this build cannot read (a newer event version) is left out
      // like an unknown kind rather than blocking every later down-sync.
      Result<bool> stored =
          ApplyCentralEventItem(db, item, clock->NowMs(), node_id, &store.catalog());
      if (!stored.ok() && !stored.status().IsInvalidArgument()) return stored.status();
      fx.events += stored.ok() && *stored ? 1 : 0;
    } else if (*kind == "assignment" || *kind == "unassignment") {
      // Only a courier node takes assignments; a desk ignores them. A
      // malformed item is left out like an unknown kind.
      if (store.identity().role != "courier") continue;
      Result<bool> applied = ApplyCourierItem(db, item, clock->NowMs());
      if (!applied.ok() && !applied.status().IsInvalidArgument()) return applied.status();
      fx.assignments += applied.ok() && *applied ? 1 : 0;
    } else if (auto reason = RevocationOf(item, node_id, key.key_id())) {
      fx.revoked = true;
      fx.revoked_reason = *reason;
      HOSO_RETURN_IF_ERROR(SetNodeSetting(db, kSettingRevokedReason, fx.revoked_reason));
    }
  }
  HOSO_RETURN_IF_ERROR(txn.Commit());
  // Acknowledged ends of shipments let a courier node forget the recipient.
  HOSO_RETURN_IF_ERROR(PurgeEndedShipments(store, clock).status());
  return fx;
}

bool IsRetryable(const Status& status) {
  return status.code() == Status::Code::kUnavailable ||
         status.code() == Status::Code::kResourceExhausted;
}

// ---- One exchange ----------------------------------------------------------------------

SyncClient::SyncClient(NodeStore* store, CentralTransport* transport, SyncClientOptions options)
    : store_(store), transport_(transport), options_(std::move(options)) {}

SyncClient::~SyncClient() { DropAhead(); }

std::future<Result<HttpResponse>> SyncClient::PostAsync(std::shared_ptr<const std::string> file) {
  return std::async(std::launch::async, [transport = transport_, file = std::move(file)] {
    return transport->Post("/api/sync/batches", kBatchContentType, *file);
  });
}

void SyncClient::DropAhead() {
  if (!ahead_) return;
  // The central may well apply it: the node resends those events from its
  // acknowledged position and is told "duplicate".
  if (ahead_->answer.valid()) ahead_->answer.wait();
  ahead_.reset();
  ++ahead_dropped_;
}

Result<SyncReport> SyncClient::RunOnce() {
  bool sent = false;
  const int64_t start_ms = options_.clock->MonotonicMs();
  Result<SyncReport> outcome = Exchange(&sent);
  if (sent) {
    const int64_t elapsed_ms = options_.clock->MonotonicMs() - start_ms;
    Adapt(outcome.ok(), outcome.ok() ? outcome->sent_events : 0, elapsed_ms);
    if (!outcome.ok()) {
      last_exchange_ms_ = -1;
    } else if (outcome->sent_events > 0) {
      last_exchange_ms_ = elapsed_ms;
    }
  }
  if (!outcome.ok()) DropAhead();
  if (outcome.ok()) {
    if (Status s = Upload(*outcome); !s.ok()) outcome = s;
  }
  Record(outcome);
#ifdef __GLIBC__
  // A batch's buffers are freed in several threads' malloc arenas; without
  // this each arena keeps its high water mark of free pages, and the node's
  // resident size grows with every thread that ever held a batch.
  malloc_trim(0);
#endif
  return outcome;
}

Status SyncClient::Upload(SyncReport& report) {
  // Small records go first: events still waiting, or sent in this very
  // exchange, keep the chunks for the next one.
  if (report.more) return Status::OK();
  Database& db = store_->db();
  if (report.sent_events > 0) {
    HOSO_ASSIGN_OR_RETURN(report.more, UploadsWaiting(db));
    return Status::OK();
  }
  HOSO_ASSIGN_OR_RETURN(
      report.uploads,
      UploadAttachments(*store_, *transport_, options_.max_upload_bytes, options_.clock));
  report.more = report.uploads.more;
  // A courier's uploaded delivery proofs may now be removed (node/courier.h).
  return PurgeEndedShipments(*store_, options_.clock).status();
}

void SyncClient::Adapt(bool success, int64_t sent_events, int64_t elapsed_ms) {
  if (success) {
    batch_events_ = std::min(kMaxBatchEvents, batch_events_ * 2);
    batch_bytes_ = std::min(kMaxBatchBytes, batch_bytes_ * 2);
    // On a slow link the next batch should take about kTargetExchangeMs, not
    // twice as long as this one: a cut then loses at most that much, and the
    // exchange stays well inside the HTTP timeout.
    if (sent_events > 0 && elapsed_ms > kTargetExchangeMs / 2) {
      const int64_t fit = sent_events * kTargetExchangeMs / elapsed_ms;
      batch_events_ = static_cast<int>(
          std::clamp<int64_t>(fit, kMinBatchEvents, static_cast<int64_t>(batch_events_)));
    }
  } else {
    batch_events_ = std::max(kMinBatchEvents, batch_events_ / 2);
    batch_bytes_ = std::max(kMinBatchBytes, batch_bytes_ / 2);
  }
}

void SyncClient::Record(const Result<SyncReport>& outcome) {
  // Best effort: the outcome matters more than its bookkeeping, and a busy
  // database here must not turn a success into a failure.
  Database& db = store_->db();
  // One commit (one fsync) for the three settings, not three.
  Result<Transaction> txn = Transaction::Begin(db);
  Status s = SetNodeSetting(db, kSettingBatchEvents, std::to_string(batch_events_));
  if (outcome.ok()) {
    s = SetNodeSetting(db, kSettingLastSyncAt, std::to_string(options_.clock->NowMs()));
    s = DeleteNodeSetting(db, kSettingLastSyncError);
  } else if (!outcome.status().IsConflict() ||
             outcome.status().message().rfind("node is not enrolled", 0) != 0) {
    s = SetNodeSetting(db, kSettingLastSyncError, outcome.status().ToString());
  }
  if (txn.ok()) s = txn->Commit();
  (void)s;
}

Result<SyncReport> SyncClient::Exchange(bool* sent) {
  Database& db = store_->db();
  HOSO_ASSIGN_OR_RETURN(CentralPin pin, RequireCentralPin(db));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> revoked,
                        GetNodeSetting(db, kSettingRevokedReason));
  if (revoked) {
    return Status::PermissionDenied("sync stopped: the central revoked this node's key: " +
                                    *revoked);
  }
  HOSO_RETURN_IF_ERROR(ResumeKeyRotation(*store_, *transport_));
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(*store_));

  // A sequence_gap answer moves the start back, an unknown_dictionary one
  // drops the dictionary; the second attempt resends.
  for (int attempt = 0;; ++attempt) {
    std::optional<sync::Dictionary> dict;
    HOSO_ASSIGN_OR_RETURN(int64_t dict_id, SettingInt(db, kSettingDictId, 0));
    if (dict_id > 0) {
      auto d = NodeDictionaries(*store_)(dict_id);
      if (d.ok()) {
        dict = std::move(*d);
      } else {
        dict_id = 0;
      }
    }
    HOSO_ASSIGN_OR_RETURN(int64_t from, NextSendSeq(db));
    PreparedBatch batch;
    // The answer to `batch` when it was sent ahead during the last exchange.
    std::future<Result<HttpResponse>> answer;
    if (ahead_ && ahead_->batch.first_seq == from && ahead_->batch.dict_id == dict_id &&
        ahead_->batch.key_id == key.key_id()) {
      batch = std::move(ahead_->batch);
      answer = std::move(ahead_->answer);
      ahead_.reset();
    } else if (prepared_ && prepared_->first_seq == from && prepared_->dict_id == dict_id &&
               prepared_->key_id == key.key_id() && prepared_->events <= batch_events_ &&
               prepared_->max_bytes <= batch_bytes_) {
      DropAhead();
      batch = std::move(*prepared_);
      ++prepared_used_;
    } else {
      DropAhead();
      if (prepared_) ++prepared_discarded_;
      HOSO_ASSIGN_OR_RETURN(
          batch, PrepareBatch(pin, key, dict ? &*dict : nullptr, dict_id, from, batch_events_,
                              batch_bytes_, /*ahead=*/false));
    }
    prepared_.reset();
    *sent = true;
    const int64_t sent_events = batch.events;
    // While the central applies this batch, the next one is read and encoded
    // (a second core works while the first waits). Then it is either sent
    // ahead at once (see the header), or kept and sent after the answer to
    // this one, and only if the answer asks for exactly what it holds;
    // otherwise it is dropped.
    Result<HttpResponse> posted = Status::Internal("no answer");
    if (batch.more && sent_events > 0) {
      if (!answer.valid()) answer = PostAsync(batch.file);
      const bool ahead = options_.send_ahead && central_takes_ahead_ &&
                         transport_->ConcurrentPosts() && last_exchange_ms_ >= 0 &&
                         last_exchange_ms_ <= kAheadMaxExchangeMs;
      // Sized as a success would size it (Adapt); a smaller size after the
      // answer discards a batch kept for later.
      const int next_events = std::min(kMaxBatchEvents, batch_events_ * 2);
      const int64_t next_bytes = std::min(kMaxBatchBytes, batch_bytes_ * 2);
      Result<PreparedBatch> next =
          PrepareBatch(pin, key, dict ? &*dict : nullptr, dict_id, from + sent_events,
                       next_events, next_bytes, ahead);
      // A failure to read ahead only costs the time: the batch is read again.
      if (next.ok() && next->events > 0) {
        if (ahead) {
          ahead_.emplace();
          ahead_->batch = std::move(*next);
          ahead_->answer = PostAsync(ahead_->batch.file);
          ++sent_ahead_;
        } else {
          prepared_ = std::move(*next);
        }
      }
      posted = answer.get();
    } else if (answer.valid()) {
      posted = answer.get();
    } else {
      posted = transport_->Post("/api/sync/batches", kBatchContentType, *batch.file);
    }
    if (!posted.ok()) {
      prepared_.reset();
      DropAhead();
    }
    HOSO_ASSIGN_OR_RETURN(HttpResponse resp, std::move(posted));
    const std::string& file = *batch.file;
    if (resp.status == 200) {
      HOSO_ASSIGN_OR_RETURN(sync::DownSync ds,
                            sync::DecodeDownSync(resp.body, pin.central_public_key, &key,
                                                 NodeDictionaries(*store_), options_.limits));
      if (!ds.in_reply_to.empty() && ds.in_reply_to != sync::FileHash(file)) {
        DropAhead();
        return Status::Corruption("the down-sync answers another batch (" + ds.in_reply_to + ")");
      }
      central_takes_ahead_ = ds.takes_ahead;
      SyncReport report;
      report.result = ds.result;
      report.first_seq = batch.first_seq;
      report.sent_events = sent_events;
      report.last_seq = batch.first_seq + report.sent_events - 1;
      HOSO_ASSIGN_OR_RETURN(report.effects, ApplyDownSync(*store_, pin, ds, options_.clock));
      report.acked_seq = ds.acked_seq;
      HOSO_ASSIGN_OR_RETURN(int64_t next, NextSendSeq(db));
      HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
      report.more = next <= last;
      // The answer to a batch sent ahead carries no items: a poll fetches
      // them at once, not an idle interval later.
      if (batch.ahead) report.more = true;
      return report;
    }
    const std::string code = CentralErrorCode(resp);
    // Whatever follows this refusal was sent too early.
    DropAhead();
    if (batch.ahead && code != "key_revoked") {
      // Not taken ahead (the batch before it was refused, it waited too
      // long, or the central stands elsewhere): the same events go again as
      // a normal batch, which gets the central's real answer.
      prepared_.reset();
      if (attempt < 2) continue;
    }
    if (code == "sequence_gap" || code == "key_revoked" || code == "unknown_dictionary") {
      std::optional<int64_t> expected;
      std::string message;
      if (auto body = ParseJsonObject(resp.body); body.ok()) {
        if (auto err = GetObject(*body, "error"); err.ok()) {
          if (auto e = GetOptInt(**err, "expected_seq"); e.ok()) expected = *e;
          if (auto m = GetString(**err, "message"); m.ok()) message = *m;
        }
      }
      HOSO_RETURN_IF_ERROR(RecordRefusal(*store_, code, message, expected));
      if ((code == "sequence_gap" || code == "unknown_dictionary") && attempt == 0) continue;
    }
    prepared_.reset();
    return CentralErrorStatus(resp);
  }
}

Result<SyncClient::PreparedBatch> SyncClient::PrepareBatch(const CentralPin& pin,
                                                           const sync::SigningKey& key,
                                                           const sync::Dictionary* dict,
                                                           int64_t dict_id, int64_t from,
                                                           int max_events, int64_t max_bytes,
                                                           bool ahead) {
  Database& db = store_->db();
  sync::EncodeOptions enc;
  enc.dictionary = dict;
  enc.sent_ahead = ahead;
  {
    // The backlog the central shows on its dashboard (sync/FORMAT.md).
    HOSO_ASSIGN_OR_RETURN(int64_t acked, AckedSeq(db));
    HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
    enc.unacked_events = std::max<int64_t>(0, last - acked);
  }
  HOSO_ASSIGN_OR_RETURN(EncodedBatch batch,
                        EncodeOutgoingBatch(db, pin.central_id, store_->identity().node_id, from,
                                            max_events, max_bytes, key, enc,
                                            options_.clock->NowMs()));
  PreparedBatch out;
  out.first_seq = batch.first_seq;
  out.events = batch.events;
  out.more = batch.more;
  out.dict_id = dict_id;
  out.max_bytes = max_bytes;
  out.key_id = key.key_id();
  out.ahead = ahead;
  out.file = std::make_shared<const std::string>(std::move(batch.file));
  return out;
}

// ---- The background loop -------------------------------------------------------------

SyncLoop::SyncLoop(SyncClient* client, SyncLoopOptions options)
    : client_(client), options_(std::move(options)) {
  if (!options_.random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    options_.random = [engine] { return (*engine)(); };
  }
}

int64_t SyncLoop::BackoffCeilingMs() const {
  if (failures_ == 0) return 0;
  int64_t ceiling = options_.base_backoff_ms;
  for (int i = 1; i < failures_ && ceiling < options_.max_backoff_ms; ++i) ceiling *= 2;
  return std::min(ceiling, options_.max_backoff_ms);
}

int64_t SyncLoop::Step() {
  Result<SyncReport> r = client_->RunOnce();
  if (r.ok()) {
    failures_ = 0;
    last_status_ = Status::OK();
    revoked_ = r->effects.revoked;
    next_delay_ms_ = r->more ? 0 : options_.idle_poll_ms;
    return next_delay_ms_;
  }
  last_status_ = r.status();
  ++failures_;
  if (last_status_.code() == Status::Code::kPermissionDenied) revoked_ = true;
  if (IsRetryable(last_status_)) {
    // Full jitter: desks that lost the link together do not come back together.
    const uint64_t ceiling = static_cast<uint64_t>(BackoffCeilingMs());
    next_delay_ms_ = static_cast<int64_t>(options_.random() % (ceiling + 1));
  } else {
    next_delay_ms_ = options_.max_backoff_ms;
  }
  return next_delay_ms_;
}

void SyncLoop::Run() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    const int64_t delay = Step();
    if (!last_status_.ok() && options_.log) options_.log(last_status_.ToString());
    if (revoked_) return;
    Sleep(delay);
  }
}

void SyncLoop::Sleep(int64_t ms) {
  if (options_.sleep) {
    options_.sleep(ms);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_; });
}

void SyncLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

// ---- Status -----------------------------------------------------------------------------

Result<json::object> SyncStatusJson(NodeStore& store) {
  Database& db = store.db();
  HOSO_ASSIGN_OR_RETURN(std::optional<CentralPin> pin, LoadCentralPin(db));
  HOSO_ASSIGN_OR_RETURN(int64_t acked, AckedSeq(db));
  HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
  const int64_t pending = last - acked;
  HOSO_ASSIGN_OR_RETURN(int64_t last_sync_ms, SettingInt(db, kSettingLastSyncAt, 0));
  HOSO_ASSIGN_OR_RETURN(int64_t batch_events,
                        SettingInt(db, kSettingBatchEvents, kInitialBatchEvents));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> last_error,
                        GetNodeSetting(db, kSettingLastSyncError));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> revoked,
                        GetNodeSetting(db, kSettingRevokedReason));
  json::object o;
  o["enrolled"] = pin.has_value();
  o["central_url"] = pin ? TextOrNull(pin->central_url) : json::value(nullptr);
  o["central_id"] = pin ? json::value(pin->central_id) : json::value(nullptr);
  o["pending_events"] = pending;
  o["acked_seq"] = acked;
  o["last_seq"] = last;
  o["last_sync_at"] =
      last_sync_ms > 0 ? json::value(FormatUtcIso(last_sync_ms)) : json::value(nullptr);
  o["last_error"] = TextOrNull(last_error);
  o["revoked_reason"] = TextOrNull(revoked);
  o["batch_events"] = batch_events;
  o["central_key_id"] =
      pin ? json::value(sync::KeyIdOf(pin->central_public_key)) : json::value(nullptr);
  auto node_pub = store.fs()->ReadFile(store.dir() + "/keys/node.pub");
  o["node_key_id"] = node_pub.ok() ? json::value(sync::KeyIdOf(*node_pub)) : json::value(nullptr);
  o["key_rotation_pending"] = KeyRotationPending(store);
  HOSO_ASSIGN_OR_RETURN(WaybillStock waybills, ReadWaybillStock(db));
  o["waybills"] = waybills.ToJson();
  HOSO_ASSIGN_OR_RETURN(int64_t dict_in_use, SettingInt(db, kSettingDictId, 0));
  o["dict_id"] = dict_in_use;
  HOSO_ASSIGN_OR_RETURN(PendingUploads uploads, PendingUploadTotals(db));
  o["pending_attachments"] = uploads.attachments;
  o["pending_attachment_chunks"] = uploads.chunks;
  o["pending_attachment_bytes"] = uploads.bytes;
  return o;
}

}  // namespace hoso::node
