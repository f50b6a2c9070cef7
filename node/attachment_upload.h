// Attachment upload: the node's half of the chunk protocol (sync/FORMAT.md
// "Attachment chunks"), run by SyncClient after the events.
//
// Small records go before bulky attachments: a file's chunks are sent only
// once the central has acknowledged an attachment_added event naming it
// (the central refuses chunks no applied event of the node references), and
// SyncClient only uploads in an exchange that carried no events.
//
// One call:
//   1. picks up to kMaxMissingQuery attachments with chunks not yet
//      confirmed, whose first event is acknowledged, oldest event first;
//   2. asks the central in ONE request which of their chunks it lacks
//      (POST /api/sync/attachments/missing); chunks it already holds (a lost
//      answer, or the same file from another node) are marked uploaded
//      without being sent;
//   3. uploads each missing chunk in file order, one PUT per chunk
//      (/api/sync/chunks/{hash}, body = the chunk's bytes), marking it
//      uploaded only after the central confirmed it. An interrupted upload
//      therefore resumes at the first chunk the central lacks, having lost
//      at most the one chunk in flight.
// The bytes sent per call are bounded (at least one chunk is always sent),
// so new events never wait behind a 25 MiB file: the caller comes back.
//
// Thread-safety: functions over one NodeStore (one thread at a time).
#ifndef HOSO_NODE_ATTACHMENT_UPLOAD_H_
#define HOSO_NODE_ATTACHMENT_UPLOAD_H_

#include <cstdint>

#include "node/enrolment.h"
#include "node/node_store.h"
#include "schema/env.h"
#include "schema/sqlite.h"
#include "schema/status.h"

namespace hoso::node {

inline constexpr int64_t kUploadBytesPerExchange = int64_t{4} << 20;
inline constexpr int kMaxMissingQuery = 100;
inline constexpr char kChunkContentType[] = "application/octet-stream";

struct UploadReport {
  int64_t attachments_asked = 0;  // listed in the missing-chunks query
  int64_t chunks_sent = 0;        // uploaded and confirmed
  int64_t bytes_sent = 0;         // chunk bytes of those uploads
  int64_t chunks_confirmed = 0;   // the central already held them: marked, not sent
  int64_t attachments_completed = 0;
  // The central knows no applied event of this node naming these (restored
  // from a backup: the events will be resent) or found their chunks do not
  // add up to the file: left pending.
  int64_t attachments_skipped = 0;
  bool more = false;  // the byte budget ran out with chunks still to send
};

// What is left to upload, acknowledged events or not.
struct PendingUploads {
  int64_t attachments = 0;
  int64_t chunks = 0;
  int64_t bytes = 0;
};
Result<PendingUploads> PendingUploadTotals(Database& db);

// True when an attachment whose event the central acknowledged still has
// chunks to upload.
Result<bool> UploadsWaiting(Database& db);

// One round of steps 1-3, sending at most about `max_bytes` of chunks.
// Errors: CentralErrorStatus of a refused request (a revocation is recorded
// as for batches); kUnavailable when the link fails (chunks confirmed so
// far stay marked); kCorruption when the stored file no longer matches its
// hash or the central's manifest names chunks this node's does not.
// REQUIRES: enrolled.
Result<UploadReport> UploadAttachments(NodeStore& store, CentralTransport& transport,
                                       int64_t max_bytes, Clock* clock);

}  // namespace hoso::node

#endif  // HOSO_NODE_ATTACHMENT_UPLOAD_H_
