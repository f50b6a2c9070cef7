// Batch, down-sync and enrolment files: what the header members and bodies of
// the four signed file kinds mean (sync/FORMAT.md is the grammar).
//
// Every decoder here verifies the Ed25519 signature BEFORE it unseals or
// decompresses anything, and decompresses with a cap: header
// "uncompressed_size" must be <= DecodeLimits::max_uncompressed_bytes and the
// output must be exactly that long.
//
// Error contract (callers map these to HTTP answers):
//   kCorruption "bad signature..."        signature does not verify (IsBadSignature)
//   kCorruption "chain broken at seq N..." hash / prev_hash / order / node id wrong
//   kCorruption (other)                   framing, unseal, zstd or body line damaged
//   kResourceExhausted                    file too large, or "decompressed size
//                                         exceeds the limit" (bomb or size mismatch)
//   kInvalidArgument                      unsupported format / kind / compression,
//                                         header member missing or mistyped
//   kNotFound "dictionary N ..."          dict_id unknown to the DictionaryLookup
//   whatever KeyLookup returned           unknown node, unknown or revoked key
//
// Thread-safety: pure functions and values.
#ifndef HOSO_SYNC_BATCH_H_
#define HOSO_SYNC_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/status.h"
#include "schema/time.h"
#include "sync/compress.h"
#include "sync/keys.h"
#include "sync/signed_file.h"

namespace hoso::sync {

// One outbox event with its chain links, as carried on a batch line.
struct BatchEvent {
  Event event;            // seq and node_id filled in
  std::string prev_hash;  // raw 32 bytes
  std::string hash;       // raw 32 bytes = ChainHash(prev_hash, CanonicalJson(event))
  bool operator==(const BatchEvent&) const = default;
};

// The batch header (hashes raw here, hex on the wire).
struct BatchHeader {
  std::string central_id;
  std::string node_id;
  std::string key_id;  // of the node key that signed
  int64_t first_seq = 1;
  int64_t last_seq = 0;     // first_seq - 1 for an empty (poll) batch
  int64_t event_count = 0;  // last_seq - first_seq + 1
  std::string prev_hash;    // hash of event first_seq-1 (GenesisHash() when first_seq == 1)
  std::string last_hash;    // hash of event last_seq (== prev_hash when empty)
  int64_t uncompressed_size = 0;
  std::string compression = "zstd";  // "zstd" | "none"
  int64_t dict_id = 0;               // 0 = no dictionary
  bool sealed = false;
  UnixMs created_at_ms = 0;  // node clock, not trusted
  // The node's count of its events not yet acknowledged by the central when
  // it built the file (newest seq minus acknowledged seq), counting those in
  // it; absent from older nodes. The central keeps it as the node's backlog.
  std::optional<int64_t> unacked_events;
  // Sent before the answer to the node's previous batch arrived (pipelined,
  // sync/FORMAT.md "Sending ahead"): the central orders it after that batch
  // and answers with the acknowledgement alone. Written only when true.
  bool sent_ahead = false;

  // Includes "format":1 and "kind":"batch".
  json::object ToJson() const;
  // Type and shape checks of every member (hex hashes of 32 bytes,
  // event_count consistent, compression known). Does not check "format"/"kind".
  static Result<BatchHeader> FromJson(const json::object& o);
};

// A zstd dictionary (trained with TrainDictionary in sync/compress.h) under
// the id the central published it with.
struct Dictionary {
  int64_t dict_id = 0;  // > 0
  std::string bytes;
};

struct EncodeOptions {
  // zstd level and the parameters beyond it (0: the level's own); the
  // defaults are kSyncZstd (sync/compress.h).
  int zstd_level = kSyncZstd.level;
  int zstd_min_match = kSyncZstd.min_match;
  int zstd_hash_log = kSyncZstd.hash_log;
  // Compress with this dictionary (its id goes into the header).
  const Dictionary* dictionary = nullptr;
  // false writes "compression":"none" (for tests and debugging).
  bool compress = true;
  // Batches only: BatchHeader::unacked_events and BatchHeader::sent_ahead.
  std::optional<int64_t> unacked_events;
  bool sent_ahead = false;
  // Seal the body to this Ed25519 public key (the central's for batches, the
  // node's for down-syncs). Used for files on a USB stick.
  std::optional<std::string> seal_to_public_key;
};

struct DecodeLimits {
  size_t max_file_bytes = size_t{64} << 20;           // whole file, and body
  size_t max_uncompressed_bytes = size_t{256} << 20;  // decompressed body
};

// The public key for (node_id, key_id) of an UNVERIFIED header, or the error
// the caller wants to surface (unknown node, revoked key...). Returned as is.
using KeyLookup =
    std::function<Result<std::string>(const std::string& node_id, const std::string& key_id)>;
// The dictionary with this id; an empty function means "no dictionaries".
using DictionaryLookup = std::function<Result<Dictionary>(int64_t dict_id)>;

// ---- Batches (node -> central) ---------------------------------------------

// Encodes events (contiguous, chained, all of `node_id`) as a signed batch.
// For an empty (poll) batch, first_seq_if_empty and prev_hash_if_empty (raw,
// the hash of the node's last event or GenesisHash()) give the position;
// both are ignored otherwise. kInvalidArgument when the events are not
// contiguous, not chained, or of another node.
Result<std::string> EncodeBatch(std::string central_id, std::string node_id,
                                const std::vector<BatchEvent>& events, int64_t first_seq_if_empty,
                                std::string prev_hash_if_empty, const SigningKey& key,
                                const EncodeOptions& options, UnixMs now);

// EncodeBatch one event at a time, for a sender that should not hold a whole
// batch of decoded events: each event is checked against the chain when it
// is added and only its line is kept. Thread-compatible.
class BatchBodyWriter {
 public:
  // The batch starts at `first_seq`, chained to `prev_hash` (raw, the hash
  // of event first_seq - 1 or GenesisHash()).
  BatchBodyWriter(std::string node_id, int64_t first_seq, std::string prev_hash);

  // Appends the event's line. kInvalidArgument ("cannot encode batch: chain
  // broken at seq N: ...") when it is not the next seq, of another node, not
  // linked to the previous hash, or its hash is not that of its content;
  // nothing is appended then.
  Status Add(const BatchEvent& event);

  // Room for this many bytes of lines, so the body is not copied as it grows.
  void Reserve(size_t body_bytes);

  int64_t event_count() const { return count_; }
  size_t body_bytes() const { return lines_.size(); }

  // The signed batch of the events added (a poll when none). Leaves the
  // writer empty.
  Result<std::string> Finish(std::string central_id, const SigningKey& key,
                             const EncodeOptions& options, UnixMs now);

 private:
  std::string node_id_;
  int64_t first_seq_;
  std::string first_prev_hash_;
  std::string last_hash_;
  int64_t count_ = 0;
  std::string lines_;
};

struct OpenedBatch {
  BatchHeader header;
  std::vector<BatchEvent> events;
  // events[i]'s payload in canonical form (CanonicalJsonValue), as hashed
  // for its chain check: a receiver stores it without writing it again.
  std::vector<std::string> canonical_payloads;
  std::string file_hash;  // FileHash(file): the down-sync's "in_reply_to"
};

// Decodes framing, looks up the signer's key from the unverified header,
// verifies the signature, then unseals (REQUIRES central_key_for_unseal when
// the header says sealed; kInvalidArgument otherwise), decompresses under the
// cap and checks every event: count, contiguous seqs, node id, hashes and
// links, first prev_hash and last hash against the header.
Result<OpenedBatch> DecodeBatch(std::string_view file, const KeyLookup& key_lookup,
                                const SigningKey* central_key_for_unseal,
                                const DictionaryLookup& dictionaries, const DecodeLimits& limits);

// The header of a batch file WITHOUT verifying anything but its framing: for
// routing (wrong central, per-node locking) before the real DecodeBatch.
Result<BatchHeader> PeekBatchHeader(std::string_view file,
                                    size_t max_file_bytes = kDefaultMaxBodyBytes);

// ---- Down-sync (central -> node) -------------------------------------------

inline constexpr char kResultApplied[] = "applied";
inline constexpr char kResultDuplicate[] = "duplicate";
inline constexpr char kResultPoll[] = "poll";
inline constexpr char kResultRefused[] = "refused";

struct DownSyncError {
  std::string code;  // "sequence_gap", "chain_broken", ...
  std::string message;
  std::optional<int64_t> expected_seq;
  bool operator==(const DownSyncError&) const = default;
};

struct DownSync {
  std::string central_id;
  std::string node_id;
  std::string key_id;        // central key; EncodeDownSync sets it from the key
  int64_t acked_seq = 0;     // highest contiguous seq durably applied
  int64_t expected_seq = 1;  // acked_seq + 1; EncodeDownSync sets it
  std::string in_reply_to;   // FileHash of the batch answered, or ""
  std::string result = kResultPoll;
  std::optional<DownSyncError> error;  // iff result == "refused"
  // JSON-lines items: data_version, event, revocation, dictionary,
  // waybill_block (FORMAT.md). Decoding only requires a string "kind";
  // readers ignore kinds they do not know.
  std::vector<json::object> items;
  // The central accepts batches sent ahead (sync/FORMAT.md "Sending ahead");
  // a node sends ahead only after an answer that says so. Written only when
  // true.
  bool takes_ahead = false;
  // Body encoding and clock: set by EncodeDownSync, read by DecodeDownSync.
  int64_t uncompressed_size = 0;
  std::string compression = "zstd";
  int64_t dict_id = 0;
  bool sealed = false;
  UnixMs created_at_ms = 0;
};

// Encodes `ds` (its encoding members and key_id/expected_seq are ignored and
// written from `options`, `key` and `now`). kInvalidArgument for an unknown
// result, or an error present iff not refused.
Result<std::string> EncodeDownSync(const DownSync& ds, const SigningKey& central_key,
                                   const EncodeOptions& options, UnixMs now);
// Verifies with `central_public_key` before unsealing (with node_key_for_unseal)
// and decompressing. The caller checks node_id / central_id are its own.
Result<DownSync> DecodeDownSync(std::string_view file, std::string_view central_public_key,
                                const SigningKey* node_key_for_unseal,
                                const DictionaryLookup& dictionaries, const DecodeLimits& limits);

// {"kind":"dictionary","dict_id":N,"bytes_b64":"..."} and its inverse
// (kInvalidArgument when malformed).
json::object DictionaryItem(const Dictionary& dict);
Result<Dictionary> DictionaryFromItem(const json::object& item);

// ---- Enrolment --------------------------------------------------------------

struct EnrolRequest {
  std::string node_id;
  std::string unit_code;
  std::string role;        // "desk" | "courier"
  std::string key_id;      // set by EncodeEnrolRequest from the key
  std::string public_key;  // raw 32 bytes; set by EncodeEnrolRequest
  std::string token;       // one-time enrolment token
  UnixMs created_at_ms = 0;
};

// Signed by the NEW node key; body empty.
Result<std::string> EncodeEnrolRequest(const EnrolRequest& req, const SigningKey& node_key,
                                       UnixMs now);
// Verifies with the public key inside the header and checks key_id matches it.
Result<EnrolRequest> DecodeEnrolRequest(std::string_view file,
                                        const DecodeLimits& limits = DecodeLimits());

struct EnrolAnswer {
  std::string central_id;
  std::string central_public_key;  // raw 32 bytes; set by EncodeEnrolAnswer
  std::string central_key_id;      // set by EncodeEnrolAnswer
  std::string node_id;
  std::string unit_code;
  std::string role;
  UnixMs enrolled_at_ms = 0;
  std::vector<json::object> items;  // data_version items; may be empty
};

// Signed by the central; body = uncompressed JSON lines of `items`.
Result<std::string> EncodeEnrolAnswer(const EnrolAnswer& answer, const SigningKey& central_key);
// Verifies with the key inside the header; when expected_central_public_key
// is non-empty the header key must equal it (kCorruption "bad signature:
// unexpected central key" otherwise).
Result<EnrolAnswer> DecodeEnrolAnswer(std::string_view file,
                                      std::string_view expected_central_public_key,
                                      const DecodeLimits& limits = DecodeLimits());

// ---- Pieces for tools that show files they cannot verify (hoso inspect) ----

// The plain body of a batch or down-sync file: unsealed and decompressed per
// its header, under the caps. Does NOT verify the signature.
Result<std::string> OpenBodyUnverified(const SignedFile& file, const SigningKey* unseal_key,
                                       const DictionaryLookup& dictionaries,
                                       const DecodeLimits& limits);
// Batch event lines -> events (no chain checks).
Result<std::vector<BatchEvent>> ParseBatchLines(std::string_view body);
// Item lines -> JSON objects with a string "kind".
Result<std::vector<json::object>> ParseItemLines(std::string_view body);
// The checks DecodeBatch applies to decoded events.
Status CheckBatchEvents(const BatchHeader& header, const std::vector<BatchEvent>& events);

}  // namespace hoso::sync

#endif  // HOSO_SYNC_BATCH_H_
