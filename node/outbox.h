// Outbox: the node's append-only, hash-chained log of events
// (table outbox_events, schema/sql/node/*.sql), which sync ships to the
// central in contiguous ranges.
//
// Invariants every function here keeps or checks:
//   - seq is gapless per node from 1. AppendEvent computes max(seq) + 1
//     inside the caller's write transaction, so a rolled-back transaction
//     never consumes a number (no AUTOINCREMENT, no sequence table).
//   - prev_hash of seq 1 is GenesisHash(); every later prev_hash is the hash
//     of the event before it.
//   - hash = ChainHash(prev_hash, CanonicalJson(event)), where the canonical
//     form includes the assigned seq and the node id, so a replayed or
//     renumbered event does not verify.
//   - Acknowledgements are a prefix: the acknowledged position is one number
//     (table outbox_ack, schema/sql/node/004_outbox_ack.sql) that only moves
//     forward; outbox_events.acked is no longer used.
//   - The node id is not stored per row: it is node_settings 'node_id'.
//     Events are rebuilt with it when read.
//
// Thread-safety: functions over a Database, which belongs to one thread at a
// time (schema/sqlite.h).
#ifndef HOSO_NODE_OUTBOX_H_
#define HOSO_NODE_OUTBOX_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "schema/events.h"
#include "schema/sqlite.h"
#include "schema/status.h"

namespace hoso::node {

// An event as stored: the envelope (seq and node id filled in) with its
// chain links.
struct OutboxRecord {
  Event event;
  std::string prev_hash;  // raw kChainHashBytes bytes
  std::string hash;       // raw kChainHashBytes bytes
  bool acked = false;  // seq <= the acknowledged position
};

// The node id events are recorded under (node_settings 'node_id').
// kNotFound when the database has no node id yet.
Result<std::string> OutboxNodeId(Database& db);

// Assigns ev.seq (and ev.node_id when empty), validates the envelope and
// payload (ValidateEvent), chains and inserts it. Returns the seq.
// kInvalidArgument (field as ValidateEvent's) for a malformed event, or when
// ev.node_id is set but is not this node's id.
// REQUIRES: a write transaction is open on `db` (BEGIN IMMEDIATE), so that the
// event commits or rolls back together with the state it records.
Result<int64_t> AppendEvent(Database& db, Event& ev);

// The highest seq written, 0 for an empty outbox.
Result<int64_t> LastSeq(Database& db);

// Unacknowledged events with seq > after_seq, in seq order, at most `limit`
// (1..10000). Contiguous unless an event fails to decode (kCorruption).
Result<std::vector<OutboxRecord>> PendingEvents(Database& db, int64_t after_seq, int limit);

// Events with seq >= from_seq, acknowledged or not, in seq order, at most
// `limit` (1..10000): what a resend after the central reports a gap needs.
Result<std::vector<OutboxRecord>> EventsFrom(Database& db, int64_t from_seq, int limit);

// EventsFrom one event at a time: `fn` gets each record (it may move from
// it) and returns false to stop early, so that a caller that stops at a byte
// budget decodes no more rows than it keeps.
Status ForEachEventFrom(Database& db, int64_t from_seq, int limit,
                        const std::function<bool(OutboxRecord&)>& fn);

// Every event recorded about one dossier, in seq order.
Result<std::vector<OutboxRecord>> EventsOfDossier(Database& db, const std::string& dossier_code);

// The highest seq acknowledged by the central: every event up to it is
// acknowledged, none after it. 0 before the first acknowledgement.
Result<int64_t> AckedPosition(Database& db);

// Marks every event with seq <= up_to_seq acknowledged (the central's high
// water mark): moves the acknowledged position to up_to_seq, or leaves it
// where it is when it is already there or beyond (acks only move forward).
// One row written, whatever the number of events. kInvalidArgument when
// up_to_seq is beyond LastSeq.
Status MarkAcked(Database& db, int64_t up_to_seq);

// Recomputes the whole chain from seq 1: contiguous seq, each prev_hash equal
// to the previous hash, each hash equal to ChainHash of the decoded event.
// kCorruption naming the first bad seq and what is wrong with it.
Status VerifyChain(Database& db);

}  // namespace hoso::node

#endif  // HOSO_NODE_OUTBOX_H_
