// CentralAttachments: the central's side of attachments (scanned documents,
// schema/attachment.h; protocol in sync/FORMAT.md "Attachment chunks").
//
// The central learns of a file from the node's attachment_added event: the
// Ingestor calls RecordAttachmentEvents inside the transaction that stores
// the batch, which records the manifest (first announcement of a hash wins)
// and the node's reference to it. The bytes come afterwards, one chunk per
// request, and are accepted only when
//   - the request is signed by an active key of an enrolled, unrevoked node
//     (the same key checks as batches: unknown_node, unknown_key,
//     key_revoked, key_retired, bad_signature);
//   - the bytes hash to the chunk's name (else 422 chunk_hash_mismatch,
//     nothing stored);
//   - an attachment event of THAT node which the central applied lists the
//     chunk (else 404 chunk_not_referenced).
// Chunks are stored content-addressed, written atomically and durably
// before their row is committed:
//
//   DIR/chunks/<first 2 hex>/<chunk hash>
//
// When the last chunk of a file arrives (or a query finds none missing), the
// chunks are hashed in order; equal to the file's hash, the attachment is
// marked complete, otherwise its error is recorded (the manifest lied).
//
// Thread-safety: safe for concurrent use; each call takes its own database
// connection. Two uploads of the same chunk at once both succeed and store
// it once.
#ifndef HOSO_CENTRAL_ATTACHMENTS_H_
#define HOSO_CENTRAL_ATTACHMENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "central/central_store.h"
#include "central/refusal.h"
#include "schema/env.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "sync/batch.h"

namespace hoso::central {

// At most this many attachment hashes in one missing-chunks query.
inline constexpr size_t kMaxMissingQueryHashes = 100;

// Records the attachment_added events among `events` with seq > after_seq:
// manifest (unless the hash is known), chunk list and the node's reference.
// REQUIRES: inside the transaction that inserts those events into `events`.
Status RecordAttachmentEvents(Database& db, const std::vector<sync::BatchEvent>& events,
                              int64_t after_seq, UnixMs now);

// DIR/chunks/ab/<hash>.
std::string ChunkPath(const CentralStore& store, const std::string& chunk_hash);

struct ChunkReceipt {
  std::string node_id;  // the uploader
  std::string chunk_hash;
  bool stored = false;                 // false: the central already had it
  std::vector<std::string> completed;  // attachments this chunk completed
};

struct AttachmentRef {
  std::string node_id;
  int64_t seq = 0;
  std::string dossier_code;
  std::string file_name;
  std::optional<std::string> document_id;
};

struct CentralAttachmentInfo {
  std::string hash;
  int64_t size_bytes = 0;
  std::string media_type;
  int64_t chunk_size = 0;
  int64_t chunk_count = 0;
  int64_t chunks_stored = 0;
  UnixMs first_seen_ms = 0;
  std::optional<UnixMs> completed_at_ms;
  std::optional<std::string> error;
  std::vector<AttachmentRef> refs;

  // "complete", "failed" (error set) or "incomplete".
  std::string State() const;
  json::object ToJson() const;
};

class CentralAttachments {
 public:
  // REQUIRES: store and clock outlive this object.
  explicit CentralAttachments(CentralStore* store, Clock* clock = SystemClock());

  // POST /api/sync/attachments/missing. `authorization` is the header value
  // (sync/chunk_auth.h), signed over ChunkQueryMessage(node, body); `body`
  // is {"attachments":[hash, ...]} (1..kMaxMissingQueryHashes). Answers
  // {"attachments":[{"hash","state","missing":[chunk hash, ...]}]} with state
  // complete | incomplete | failed | unknown (no applied attachment event of
  // this node names the hash). An attachment found with nothing missing is
  // verified and completed on the way.
  Outcome<json::object> Missing(std::string_view authorization, std::string_view body);

  // PUT /api/sync/chunks/{chunk_hash}: stores `bytes` as chunk `chunk_hash`
  // after the checks above.
  Outcome<ChunkReceipt> PutChunk(std::string_view authorization, const std::string& chunk_hash,
                                 std::string_view bytes);

  // A chunk file from a USB stick (sync/chunk_file.h), for hoso-central
  // import: the file's signature and seal instead of the header, then the
  // same checks and storage as PutChunk. 422 wrong_central for a file meant
  // for another central.
  Outcome<ChunkReceipt> ImportChunkFile(std::string_view file);

  // Every attachment, newest first, with its references.
  Result<std::vector<CentralAttachmentInfo>> List();
  // One attachment. kNotFound when unknown.
  Result<CentralAttachmentInfo> Get(const std::string& hash);
  // The file's bytes, assembled from its chunks and verified against its
  // hash. kNotFound when unknown, kConflict while chunks are missing,
  // kCorruption when the chunks no longer add up to the hash.
  Result<std::string> Assemble(const std::string& hash);

 private:
  // Verifies and marks complete (or records the error of) `hash` when every
  // chunk is stored. True when it is complete now.
  Result<bool> TryComplete(Database& db, const std::string& hash);
  // What PutChunk and ImportChunkFile share once the signer is known and the
  // bytes hash to `chunk_hash`: the reference check, storage, completion.
  Outcome<ChunkReceipt> StoreChunk(Database& db, const std::string& node_id,
                                   const std::string& chunk_hash, std::string_view bytes);

  CentralStore* store_;
  Clock* clock_;
};

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_ATTACHMENTS_H_
