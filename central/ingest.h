// Ingestor: applies node batches at the central exactly once and answers
// each with a signed down-sync.
//
// For one batch file, in this order:
//   1. framing and the unverified header: a batch for another central is
//      refused ("wrong_central") before anything else is read;
//   2. the batch is counted in hand for its node (decoding happens outside
//      the node's turn, so a batch sent ahead is decoded while the one
//      before it is applied);
//   3. the signer's key (unknown_node, unknown_key, key_revoked with the
//      revocation reason, key_retired), the signature, then unsealing and
//      capped decompression with any dictionary this central ever trained,
//      published or retired (a dict_id it never published is 422
//      "unknown_dictionary"), and the batch's own chain (sync/batch.h);
//   3b. the node's turn: one batch per node is applied at a time in this
//      process. A normal batch arriving while another of the node is applied
//      is refused at once with 429 "node_busy"; a batch sent ahead
//      (header sent_ahead) waits up to ahead_wait_ms for it, and while it does
//      not start right after the high water mark and another batch of the
//      node is in hand (its predecessor), so that it is applied second;
//      with none in hand, it waits up to ahead_arrival_wait_ms for one to
//      arrive (the predecessor was posted first but may still be uploading),
//      unless the node's last refused batch ends right before it. A batch
//      sent ahead that does not start right after the high water mark once
//      it stops waiting is refused 409 "ahead_refused" without ever holding
//      the turn, so no batch of the node is told "node_busy" because of it.
//      (Another process is held off by SQLite's write lock and the busy
//      timeout);
//   4. ONE IMMEDIATE transaction: with H = node_progress.high_water_seq,
//        last_seq <= H          -> "duplicate": nothing is applied, ack H;
//        first_seq > H + 1      -> 409 "sequence_gap", expected_seq H + 1;
//        otherwise events with seq <= H are skipped, the first new event
//        must chain to the stored last hash (genesis when H = 0) and each
//        is inserted with the central's receive time; progress moves to
//        last_seq. Events the central already holds must have the hashes it
//        stored (a node with another history is "chain_broken", never acked);
//   5. the down-sync, still in that transaction: acked_seq, the data
//      versions the node was not yet sent (and, after a duplicate, which
//      means the previous answer was lost, all of them again); the newest
//      published dictionary when the batch is not compressed with it and the
//      node was never sent it, or the answer that carried it was evidently
//      lost: over HTTP (the node compresses every batch with the newest
//      dictionary it holds) or when the batch starts at or below the high
//      water mark (a duplicate or an overlapping resend) (central/
//      dictionaries.h); the node's unconfirmed waybill blocks and any block
//      allocated now because it runs low (central/waybills.h); the officers'
//      events of its dossiers (central/dossiers.h) and, for a courier node,
//      its assignment / unassignment items (central/shipments.h); and for a
//      revoked node in file mode a revocation item. The new events are
//      folded into the dossier and shipment projections first. What the answer carries
//      is recorded in the same transaction, so a lost answer is answered
//      again with the same dictionary and the same blocks, never new ones.
//   A batch sent ahead must start at H + 1 (else 409 "ahead_refused" with
//   expected_seq H + 1) and is answered with acked_seq alone: no items, and
//   nothing recorded as sent (sync/FORMAT.md "Sending ahead"). Every answer
//   over HTTP says takes_ahead.
// Nothing is applied partially: any refusal leaves the database unchanged.
//
// Thread-safety: safe for concurrent use (one batch per node at a time; each
// call takes its own database connection).
#ifndef HOSO_CENTRAL_INGEST_H_
#define HOSO_CENTRAL_INGEST_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "central/central_store.h"
#include "central/refusal.h"
#include "schema/env.h"
#include "schema/sqlite.h"
#include "sync/batch.h"

namespace hoso::central {

struct IngestOptions {
  Clock* clock = SystemClock();
  // Caps on the file as received and on the decompressed body.
  sync::DecodeLimits limits;
  int zstd_level = 3;
  // How long a batch sent ahead waits for the node's previous batch (to be
  // decoded, then applied) before it is refused with 429 node_busy.
  int ahead_wait_ms = 10000;
  // How long, of that, a batch sent ahead that starts beyond the high water
  // mark waits for its predecessor to arrive when no other batch of the node
  // is in hand (it was posted first and may still be uploading) before it is
  // refused with 409 ahead_refused. Not waited when the node's last refused
  // batch ends right before it.
  int ahead_arrival_wait_ms = 1000;
  // Test seam: called with the batch's header once it is decoded, before it
  // takes the node's turn (tests hold a batch there to order arrivals).
  std::function<void(const sync::BatchHeader&)> after_decode;
  // Test seam: called with a batch sent ahead's header when it is first about
  // to wait in the node's turn.
  std::function<void(const sync::BatchHeader&)> ahead_waits;
};

// How the batch arrived: over HTTP a refusal is a JSON error; a file (USB
// stick) gets a signed "refused" down-sync whenever the node is known, and
// every answer is sealed to the node key.
enum class Channel { kHttp, kFile };

struct IngestReport {
  std::string node_id;  // from the header; "" when the framing was unreadable
  std::string result;   // applied | duplicate | poll | refused
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  int64_t applied_events = 0;      // new events stored by this call
  int64_t acked_seq = 0;           // the node's high water after this call
  bool sent_ahead = false;         // the batch, once its signature held, said sent_ahead
  std::optional<Refusal> refusal;  // iff result == "refused"
  // The signed down-sync answer; empty for refusals over HTTP and for files
  // whose node is unknown or unreadable.
  std::string downsync;
};

// The public key that may sign for (node_id, key_id) now, or the refusal a
// batch of that signer gets: 401 unknown_node / unknown_key, 403 key_revoked
// (with the revocation reason) / key_retired. Attachment chunk uploads
// (central/attachments.h) are authorised the same way.
Outcome<std::string> LookupNodeKey(Database& db, const std::string& node_id,
                                   const std::string& key_id);

class Ingestor {
 public:
  // REQUIRES: store (and options.clock) outlive the Ingestor.
  explicit Ingestor(CentralStore* store, IngestOptions options = IngestOptions());

  // Applies one batch file as described above. Never throws; every failure
  // is a refusal in the report.
  IngestReport ApplyBatch(std::string_view file, Channel channel);

 private:
  // Marks a node busy for the guard's lifetime.
  class NodeTurn;
  struct NodeState {
    int arrived = 0;         // batches of the node in hand (decoding, waiting, applying)
    bool applying = false;   // one of them holds the turn
    int64_t generation = 0;  // counts the applies, to know a high water read is current
  };

  CentralStore* store_;
  IngestOptions options_;
  std::mutex busy_mu_;
  std::condition_variable busy_cv_;
  std::map<std::string, NodeState> nodes_;  // guarded by busy_mu_; only nodes with batches in hand
  // The last_seq of each node's last refused batch whose signature held,
  // until one of its batches is applied (at most one entry per enrolled
  // node); guarded by busy_mu_.
  std::map<std::string, int64_t> refused_through_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_INGEST_H_
