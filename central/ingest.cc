#include "central/ingest.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <utility>
#include <vector>

#include "central/attachments.h"
#include "central/dictionaries.h"
#include "central/dossiers.h"
#include "central/nodes.h"
#include "central/shipments.h"
#include "central/waybills.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "sync/signed_file.h"

namespace hoso::central {
namespace {

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// How the codec's errors (sync/batch.h "Error contract") are refused.
Refusal BatchDecodeRefusal(const Status& s) {
  if (sync::IsBadSignature(s)) return Refuse(422, "bad_signature", s.message());
  switch (s.code()) {
    case Status::Code::kResourceExhausted:
      if (Contains(s.message(), "decompressed size exceeds the limit")) {
        return Refuse(422, "decompression_limit", s.message());
      }
      return Refuse(413, "body_too_large", s.message());
    case Status::Code::kCorruption:
      if (StartsWith(s.message(), "chain broken")) {
        return Refuse(422, "chain_broken", s.message());
      }
      return Refuse(400, "bad_request", s.message());
    case Status::Code::kInvalidArgument:
      if (Contains(s.message(), "unsupported format")) {
        return Refuse(400, "unsupported_version", s.message());
      }
      return Refusal{400, "bad_request", s.message(), s.field(), std::nullopt};
    case Status::Code::kNotFound:  // a dict_id this central never published
      return Refuse(422, "unknown_dictionary", s.message());
    default:
      return Refusal::FromStatus(s);
  }
}

Refusal ChainBroken(int64_t seq, const std::string& what) {
  return Refuse(422, "chain_broken", "chain broken at seq " + std::to_string(seq) + ": " + what);
}

// The public key that may sign batches of (node_id, key_id), or the refusal.
Outcome<std::string> LookupKey(Database& db, const std::string& node_id,
                               const std::string& key_id) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT n.state, r.reason, k.state, k.public_key "
                                   "FROM nodes n "
                                   "LEFT JOIN node_revocations r ON r.node_id = n.node_id "
                                   "LEFT JOIN node_keys k ON k.node_id = n.node_id "
                                   "AND k.key_id = ?2 WHERE n.node_id = ?1"));
  q.Bind(1, node_id).Bind(2, key_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row || q.ColumnText(0) == "pending") {
    return Refuse(401, "unknown_node", "node " + node_id + " is not enrolled at this central");
  }
  if (q.ColumnText(0) == "revoked") {
    return Refuse(403, "key_revoked",
                  "node " + node_id +
                      " was revoked: " + q.ColumnOptText(1).value_or("no reason given") +
                      "; stop sending and tell the administrator");
  }
  const std::optional<std::string> key_state = q.ColumnOptText(2);
  if (!key_state) {
    return Refuse(401, "unknown_key", "key " + key_id + " is not a key of node " + node_id);
  }
  if (*key_state == "revoked") {
    return Refuse(403, "key_revoked", "key " + key_id + " of node " + node_id + " was revoked");
  }
  if (*key_state == "retired") {
    return Refuse(403, "key_retired",
                  "key " + key_id + " of node " + node_id + " was replaced by a key rotation");
  }
  return q.ColumnBlob(3);
}

// Why the node was revoked; nullopt when only a key was.
Result<std::optional<std::string>> RevocationReason(Database& db, const std::string& node_id) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT reason FROM node_revocations WHERE node_id = ?1"));
  q.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.ColumnText(0));
}

// The hash the central stored for (node, seq); GenesisHash() for seq 0.
Result<std::string> StoredHashAt(Database& db, const std::string& node_id, int64_t seq) {
  if (seq == 0) return GenesisHash();
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT hash FROM events WHERE node_id = ?1 AND seq = ?2"));
  q.Bind(1, node_id).Bind(2, seq);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) {
    return Status::Corruption("event " + std::to_string(seq) + " of node " + node_id +
                              " is below the high water mark but missing");
  }
  return q.ColumnBlob(0);
}

struct Progress {
  int64_t high_water = 0;
  std::string last_hash;  // GenesisHash() when high_water == 0
};

Result<Progress> ReadProgress(Database& db, const std::string& node_id) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT high_water_seq, last_hash "
                                                "FROM node_progress WHERE node_id = ?1"));
  q.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  Progress p;
  p.last_hash = GenesisHash();
  if (row && q.ColumnInt(0) > 0) {
    p.high_water = q.ColumnInt(0);
    p.last_hash = q.ColumnBlob(1);
  }
  return p;
}

Status InsertEvents(Database& db, const sync::OpenedBatch& batch, int64_t after_seq, UnixMs now) {
  const std::vector<sync::BatchEvent>& events = batch.events;
  // The payload as hashed when the batch was decoded (the canonical form
  // json::serialize would write again, member for member).
  const bool canonical = batch.canonical_payloads.size() == events.size();
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO events (node_id, seq, event_id, type, schema_version, "
                 "dossier_code, payload, device_time_ms, received_at_ms, hash, actor, waybill) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  for (size_t i = 0; i < events.size(); ++i) {
    const sync::BatchEvent& be = events[i];
    const Event& e = be.event;
    if (e.seq <= after_seq) continue;
    std::string serialized;
    if (!canonical) serialized = json::serialize(e.payload);
    ins.Bind(1, e.node_id)
        .Bind(2, e.seq)
        .Bind(3, e.event_id)
        .Bind(4, EventTypeName(e.type))
        .Bind(5, e.schema_version)
        .Bind(6, e.dossier_code)
        .Bind(7, canonical ? std::string_view(batch.canonical_payloads[i])
                           : std::string_view(serialized))
        .Bind(8, e.device_time_ms)
        .Bind(9, now)
        .BindBlob(10, be.hash)
        .Bind(11, e.actor)
        .Bind(12, e.waybill);
    Status s = ins.Run();
    if (!s.ok()) {
      return s.WithContext("storing event " + std::to_string(e.seq) + " (" + e.event_id + ")");
    }
  }
  return Status::OK();
}

// Only a batch sent ahead that continues exactly where the central stands
// is ordered after the node's previous one; anything else (the previous one
// was refused or never came, or this one overlaps) goes again as a normal
// batch.
Refusal AheadRefused(const std::string& node_id, int64_t high_water) {
  Refusal r = Refuse(409, "ahead_refused",
                     "a batch sent ahead must start right after the central's high water "
                     "mark: the central has every event of " +
                         node_id + " up to seq " + std::to_string(high_water) + "; send from seq " +
                         std::to_string(high_water + 1) + " as a normal batch");
  r.expected_seq = high_water + 1;
  return r;
}

// What the transaction decided, for the down-sync.
struct Decision {
  std::string result;
  int64_t acked_seq = 0;
  int64_t applied_events = 0;
  std::vector<json::object> items;
};

// Steps 4 and 5 of ingest.h, inside the caller's IMMEDIATE transaction.
Outcome<Decision> Decide(Database& db, const sync::OpenedBatch& batch, Channel channel,
                         UnixMs now) {
  const sync::BatchHeader& h = batch.header;
  HOSO_ASSIGN_OR_RETURN(Progress p, ReadProgress(db, h.node_id));
  Decision d;
  d.acked_seq = p.high_water;
  // A node that starts at or below what the central already holds has not
  // seen the central's last acknowledgement: an answer was lost.
  const bool answer_lost = h.first_seq <= p.high_water;
  if (h.sent_ahead && h.first_seq != p.high_water + 1) {
    // Checked before the gap, which it includes. The turn already refuses
    // these (NodeTurn::Take); another process may have moved H since.
    return AheadRefused(h.node_id, p.high_water);
  }
  if (h.first_seq > p.high_water + 1) {
    Refusal r = Refuse(409, "sequence_gap",
                       "the central has every event of " + h.node_id + " up to seq " +
                           std::to_string(p.high_water) + "; this batch starts at seq " +
                           std::to_string(h.first_seq) + ", send from seq " +
                           std::to_string(p.high_water + 1));
    r.expected_seq = p.high_water + 1;
    return r;
  }
  if (h.event_count == 0 || h.last_seq <= p.high_water) {
    // A poll or a batch the central already holds. The position the node
    // claims must be in the history the central stored: a node restored from
    // an old backup that recorded other events under the same seqs must not
    // be told they are safe here.
    const int64_t seq = h.event_count == 0 ? h.first_seq - 1 : h.last_seq;
    const std::string& claimed = h.event_count == 0 ? h.prev_hash : h.last_hash;
    HOSO_ASSIGN_OR_RETURN(std::string stored, StoredHashAt(db, h.node_id, seq));
    if (stored != claimed) {
      return ChainBroken(seq, "the node's hash differs from the one the central stored");
    }
    d.result = h.event_count == 0 ? sync::kResultPoll : sync::kResultDuplicate;
  } else {
    // The batch is chained internally (DecodeBatch checked it), so the event
    // at seq H + 1 linking to the stored hash of seq H proves the overlap is
    // the very events the central already holds.
    const sync::BatchEvent& first_new = batch.events[p.high_water + 1 - h.first_seq];
    if (first_new.prev_hash != p.last_hash) {
      return ChainBroken(first_new.event.seq,
                         "prev_hash does not match the hash the central stored for seq " +
                             std::to_string(p.high_water));
    }
    // The new dossiers are folded on the second core while the events are
    // inserted (central/dossiers.h); their rows are written after.
    HOSO_ASSIGN_OR_RETURN(IngestFold fold, IngestFold::Start(db, batch.events, p.high_water));
    HOSO_RETURN_IF_ERROR(InsertEvents(db, batch, p.high_water, now));
    HOSO_RETURN_IF_ERROR(RecordAttachmentEvents(db, batch.events, p.high_water, now));
    HOSO_RETURN_IF_ERROR(fold.Finish(db, now));
    HOSO_RETURN_IF_ERROR(FoldIngestedShipmentEvents(db, batch.events, p.high_water, now));
    HOSO_ASSIGN_OR_RETURN(Statement progress,
                          db.Prepare("INSERT INTO node_progress (node_id, high_water_seq, "
                                     "last_hash) VALUES (?1, ?2, ?3) ON CONFLICT (node_id) DO "
                                     "UPDATE SET high_water_seq = excluded.high_water_seq, "
                                     "last_hash = excluded.last_hash"));
    HOSO_RETURN_IF_ERROR(
        progress.Bind(1, h.node_id).Bind(2, h.last_seq).BindBlob(3, h.last_hash).Run());
    d.result = sync::kResultApplied;
    d.applied_events = h.last_seq - p.high_water;
    d.acked_seq = h.last_seq;
  }
  HOSO_ASSIGN_OR_RETURN(Statement seen,
                        db.Prepare("UPDATE nodes SET last_seen_ms = ?2 WHERE node_id = ?1"));
  HOSO_RETURN_IF_ERROR(seen.Bind(1, h.node_id).Bind(2, now).Run());
  if (h.unacked_events) {
    // The node's newest seq is at most first_seq - 1 + unacked (its batches
    // start right after its acknowledged position, or beyond it when read
    // ahead): what the central still lacks of it (schema 010).
    const int64_t backlog = std::max<int64_t>(0, h.first_seq - 1 + *h.unacked_events -
                                                     std::max(d.acked_seq, p.high_water));
    HOSO_ASSIGN_OR_RETURN(Statement b, db.Prepare("UPDATE nodes SET unacked_events = ?2, "
                                                  "backlog_events = ?3, "
                                                  "backlog_reported_at_ms = ?4 WHERE node_id = ?1"));
    HOSO_RETURN_IF_ERROR(
        b.Bind(1, h.node_id).Bind(2, *h.unacked_events).Bind(3, backlog).Bind(4, now).Run());
  }
  // A batch sent ahead is answered with the acknowledgement alone, and its
  // answer is recorded as carrying nothing: the node sent it before it heard
  // the previous answer, so it proves nothing about that one, and an answer
  // that carries no items cannot lose any (sync/FORMAT.md "Sending ahead").
  if (h.sent_ahead) return d;
  // After a duplicate the node evidently lost the previous answer, and with
  // it whatever data versions that answer carried: send them all again.
  HOSO_ASSIGN_OR_RETURN(
      d.items, TakeDataVersionItems(db, h.node_id, d.result != sync::kResultDuplicate, now));
  // Over HTTP the node compresses each batch with the newest dictionary it
  // holds, so a batch without the one it was sent means that answer was lost;
  // files are written ahead, several at a time, and prove nothing.
  HOSO_ASSIGN_OR_RETURN(
      std::optional<json::object> dict,
      TakeDictionaryItem(db, h.node_id, h.dict_id, channel == Channel::kHttp || answer_lost, now));
  if (dict) d.items.push_back(std::move(*dict));
  HOSO_ASSIGN_OR_RETURN(std::vector<json::object> blocks,
                        TakeWaybillBlockItems(db, h.node_id, now));
  for (json::object& b : blocks) d.items.push_back(std::move(b));
  HOSO_ASSIGN_OR_RETURN(
      std::vector<json::object> events,
      TakeEventItems(db, h.node_id, p.high_water, d.acked_seq,
                     channel == Channel::kHttp && h.first_seq == p.high_water + 1));
  for (json::object& e : events) d.items.push_back(std::move(e));
  HOSO_ASSIGN_OR_RETURN(
      std::vector<json::object> courier,
      TakeCourierItems(db, h.node_id, p.high_water, d.acked_seq,
                       channel == Channel::kHttp && h.first_seq == p.high_water + 1));
  for (json::object& c : courier) d.items.push_back(std::move(c));
  return d;
}

// Decide() in one IMMEDIATE transaction, rolled back on any refusal before
// the caller reads the database again.
Outcome<Decision> ApplyInTransaction(Database& db, const sync::OpenedBatch& batch, Channel channel,
                                     UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  // Revoked or rotated while the batch was being decoded?
  Outcome<std::string> key = LookupKey(db, batch.header.node_id, batch.header.key_id);
  if (!key.ok()) return key.refusal();
  Outcome<Decision> decided = Decide(db, batch, channel, now);
  if (!decided.ok()) return decided;
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return decided;
}

}  // namespace

Outcome<std::string> LookupNodeKey(Database& db, const std::string& node_id,
                                   const std::string& key_id) {
  return LookupKey(db, node_id, key_id);
}

// The node's turn at the apply step (ingest.h, step 2). Constructed when the
// batch arrives, so that a batch sent ahead can see that the one before it
// is still being decoded; Take() is called once the batch is decoded.
class Ingestor::NodeTurn {
 public:
  NodeTurn(Ingestor* ingestor, std::string node_id)
      : ingestor_(ingestor), node_id_(std::move(node_id)) {
    {
      std::lock_guard<std::mutex> lock(ingestor_->busy_mu_);
      ++ingestor_->nodes_[node_id_].arrived;
    }
    // A batch sent ahead may be waiting for this one to arrive.
    ingestor_->busy_cv_.notify_all();
  }
  ~NodeTurn() {
    {
      std::lock_guard<std::mutex> lock(ingestor_->busy_mu_);
      auto it = ingestor_->nodes_.find(node_id_);
      if (taken_) it->second.applying = false;
      if (--it->second.arrived == 0) ingestor_->nodes_.erase(it);
    }
    ingestor_->busy_cv_.notify_all();
  }
  NodeTurn(const NodeTurn&) = delete;
  NodeTurn& operator=(const NodeTurn&) = delete;

  enum class TakeResult {
    kTaken,    // the batch holds the turn
    kBusy,     // another batch of the node holds it: 429 node_busy
    kNotNext,  // sent ahead and not continuing *high_water_out, with no
               // predecessor to wait for: ahead_refused, without ever
               // holding the turn
  };

  // A normal batch takes the turn at once or not at all. A batch sent ahead
  // waits, until `deadline`, while another batch of the node is applied, and
  // while it starts beyond H + 1 (`high_water()` reads H) and its
  // predecessor may still come: while another batch of the node is in hand
  // (decoding or waiting), or, until `arrival_deadline`, while none is but
  // the node's last refused batch does not end right before it (the
  // predecessor, posted first, may still be uploading). A batch sent ahead
  // that is to be refused for its position is refused without the turn, so
  // that a batch of the node arriving meanwhile is never told node_busy for
  // it.
  TakeResult Take(bool ahead, std::chrono::steady_clock::time_point deadline,
                  std::chrono::steady_clock::time_point arrival_deadline,
                  const std::function<int64_t()>& high_water, int64_t first_seq,
                  const std::function<void()>& on_wait, int64_t* high_water_out) {
    std::unique_lock<std::mutex> lock(ingestor_->busy_mu_);
    NodeState& n = ingestor_->nodes_[node_id_];
    if (!ahead) {
      if (n.applying) return TakeResult::kBusy;
      n.applying = taken_ = true;
      return TakeResult::kTaken;
    }
    bool told = false;  // on_wait was called
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      auto wake = deadline;
      if (!n.applying) {
        const int64_t generation = n.generation;
        lock.unlock();
        const int64_t hw = high_water();
        lock.lock();
        // Nothing was applied meanwhile and nothing else is applying: hw is current.
        if (n.applying || generation != n.generation) continue;
        if (first_seq == hw + 1) {
          n.applying = taken_ = true;
          return TakeResult::kTaken;
        }
        bool may_come = false;
        if (first_seq > hw + 1 && now < deadline) {
          if (n.arrived > 1) {
            may_come = true;
          } else {
            auto refused = ingestor_->refused_through_.find(node_id_);
            const bool predecessor_refused =
                refused != ingestor_->refused_through_.end() && refused->second == first_seq - 1;
            may_come = !predecessor_refused && now < arrival_deadline;
            wake = std::min(deadline, arrival_deadline);
          }
        }
        if (!may_come) {
          *high_water_out = hw;
          return TakeResult::kNotNext;
        }
      } else if (now >= deadline) {
        return TakeResult::kBusy;
      }
      if (on_wait && !told) {
        // Then looked at again: what happened meanwhile was not waited for.
        told = true;
        lock.unlock();
        on_wait();
        lock.lock();
        continue;
      }
      ingestor_->busy_cv_.wait_until(lock, wake);
    }
  }

  // After the apply transaction: the high water mark may have moved.
  void Applied() {
    std::lock_guard<std::mutex> lock(ingestor_->busy_mu_);
    ++ingestor_->nodes_[node_id_].generation;
    ingestor_->refused_through_.erase(node_id_);
  }

  // The batch ending at `last_seq` was refused: a batch sent ahead behind it
  // has no predecessor to wait for.
  void Refused(int64_t last_seq) {
    {
      std::lock_guard<std::mutex> lock(ingestor_->busy_mu_);
      ingestor_->refused_through_[node_id_] = last_seq;
    }
    ingestor_->busy_cv_.notify_all();
  }

 private:
  Ingestor* ingestor_;
  std::string node_id_;
  bool taken_ = false;
};

Ingestor::Ingestor(CentralStore* store, IngestOptions options)
    : store_(store), options_(std::move(options)) {}

IngestReport Ingestor::ApplyBatch(std::string_view file, Channel channel) {
  IngestReport report;
  report.result = sync::kResultRefused;

  auto header = sync::PeekBatchHeader(file, options_.limits.max_file_bytes);
  if (!header.ok()) {
    report.refusal = BatchDecodeRefusal(header.status());
    return report;
  }
  report.node_id = header->node_id;
  report.first_seq = header->first_seq;
  report.last_seq = header->last_seq;
  if (header->central_id != store_->central_id()) {
    report.refusal = Refuse(
        422, "wrong_central",
        "the batch is for central " + header->central_id + ", this is " + store_->central_id());
    return report;
  }
  NodeTurn turn(this, header->node_id);

  // Set once the signature held: only then is a refusal remembered for the
  // node (NodeTurn::Refused), so that batches naming made-up nodes leave
  // nothing behind.
  bool verified = false;
  auto refuse = [&](Refusal r, Database* db) -> IngestReport {
    if (verified) turn.Refused(header->last_seq);
    report.result = sync::kResultRefused;
    report.refusal = std::move(r);
    if (channel != Channel::kFile || db == nullptr) return report;
    // A file answer for a node this central knows, so that the operator at
    // the desk learns why (and, for a gap, where to resume).
    auto progress = ReadProgress(*db, header->node_id);
    auto key = LookupKey(*db, header->node_id, header->key_id);
    if (!progress.ok()) return report;
    if (!key.ok() && key.refusal().code == "unknown_node") return report;
    report.acked_seq = progress->high_water;
    sync::DownSync ds;
    ds.central_id = store_->central_id();
    ds.node_id = header->node_id;
    ds.acked_seq = progress->high_water;
    ds.in_reply_to = sync::FileHash(file);
    ds.result = sync::kResultRefused;
    ds.error = sync::DownSyncError{report.refusal->code, report.refusal->message,
                                   report.refusal->expected_seq};
    if (report.refusal->code == "key_revoked") {
      auto reason = RevocationReason(*db, header->node_id);
      ds.items.push_back(
          json::object{{"kind", "revocation"},
                       {"node_id", header->node_id},
                       {"key_id", header->key_id},
                       {"reason", reason.ok() && *reason ? **reason : report.refusal->message}});
    }
    sync::EncodeOptions enc;
    enc.zstd_level = options_.zstd_level;
    auto encoded = sync::EncodeDownSync(ds, store_->key(), enc, options_.clock->NowMs());
    if (encoded.ok()) report.downsync = std::move(encoded).value();
    return report;
  };

  auto db = store_->Db();
  if (!db.ok()) return refuse(Refusal::FromStatus(db.status()), nullptr);
  Database& conn = **db;

  // The key is looked up before the signature is checked, from the
  // unverified header; its refusal is kept to answer precisely.
  std::optional<Refusal> key_refusal;
  std::string node_public_key;
  sync::KeyLookup lookup = [&](const std::string& node_id,
                               const std::string& key_id) -> Result<std::string> {
    Outcome<std::string> key = LookupKey(conn, node_id, key_id);
    if (!key.ok()) {
      key_refusal = key.refusal();
      return Status::Unauthenticated(key.refusal().message);
    }
    node_public_key = *key;
    return std::move(key).value();
  };
  auto opened =
      sync::DecodeBatch(file, lookup, &store_->key(), StoredDictionaries(conn), options_.limits);
  if (!opened.ok()) {
    return refuse(key_refusal ? *key_refusal : BatchDecodeRefusal(opened.status()), &conn);
  }
  verified = true;

  report.sent_ahead = opened->header.sent_ahead;
  if (options_.after_decode) options_.after_decode(opened->header);
  const auto decoded_at = std::chrono::steady_clock::now();
  const auto deadline = decoded_at + std::chrono::milliseconds(options_.ahead_wait_ms);
  const auto arrival_deadline =
      decoded_at + std::chrono::milliseconds(options_.ahead_arrival_wait_ms);
  auto high_water = [&]() -> int64_t {
    auto p = ReadProgress(conn, header->node_id);
    return p.ok() ? p->high_water : 0;
  };
  std::function<void()> on_wait;
  if (options_.ahead_waits) on_wait = [&] { options_.ahead_waits(opened->header); };
  int64_t hw = 0;
  switch (turn.Take(opened->header.sent_ahead, deadline, arrival_deadline, high_water,
                    header->first_seq, on_wait, &hw)) {
    case NodeTurn::TakeResult::kTaken:
      break;
    case NodeTurn::TakeResult::kBusy:
      return refuse(Refuse(429, "node_busy",
                           "another batch of node " + header->node_id +
                               " is being applied; retry when it is answered"),
                    &conn);
    case NodeTurn::TakeResult::kNotNext:
      return refuse(AheadRefused(header->node_id, hw), &conn);
  }
  const UnixMs now = options_.clock->NowMs();
  Outcome<Decision> decided = ApplyInTransaction(conn, *opened, channel, now);
  turn.Applied();
  if (!decided.ok()) return refuse(decided.refusal(), &conn);
  Decision decision = std::move(decided).value();
  report.result = decision.result;
  report.applied_events = decision.applied_events;
  report.acked_seq = decision.acked_seq;

  sync::DownSync ds;
  ds.central_id = store_->central_id();
  ds.node_id = header->node_id;
  ds.acked_seq = decision.acked_seq;
  ds.in_reply_to = opened->file_hash;
  ds.result = decision.result;
  ds.items = std::move(decision.items);
  ds.takes_ahead = channel == Channel::kHttp;
  sync::EncodeOptions enc;
  enc.zstd_level = options_.zstd_level;
  if (channel == Channel::kFile || opened->header.sealed) enc.seal_to_public_key = node_public_key;
  auto encoded = sync::EncodeDownSync(ds, store_->key(), enc, now);
  if (!encoded.ok()) {
    // Applied but unanswered: the node resends and is told "duplicate".
    report.result = sync::kResultRefused;
    report.refusal = Refusal::FromStatus(encoded.status());
    return report;
  }
  report.downsync = std::move(encoded).value();
  return report;
}

}  // namespace hoso::central
