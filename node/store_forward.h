// Store-and-forward: sync over files when there is no link at all
// (docs/DESIGN.md flow 8). The node writes its pending batches, and the
// chunks of its attachments, to a folder (a USB stick); the central imports
// them and writes back down-sync files,
// which the node imports here with exactly the processing an HTTP answer
// gets (SyncClient: ApplyDownSync).
//
// Exported batches are SEALED to the pinned central key, so the personal
// data in them is unreadable on the stick, and signed by the node key, so
// whoever carries them cannot change them. Export never marks anything
// acknowledged: only an imported, verified down-sync does. Exporting twice,
// importing files twice or in any order, and mixing files with HTTP sync are
// all harmless: the central applies each event once and every down-sync
// acknowledges a prefix of the outbox.
//
// Thread-safety: functions over one NodeStore (one thread at a time).
#ifndef HOSO_NODE_STORE_FORWARD_H_
#define HOSO_NODE_STORE_FORWARD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/node_store.h"
#include "node/sync_client.h"
#include "schema/env.h"
#include "schema/status.h"
#include "sync/batch.h"

namespace hoso::node {

inline constexpr char kBatchFileSuffix[] = ".hosobatch";

struct ExportOptions {
  // Size of each file; USB has no link to be gentle with.
  int max_events = kMaxBatchEvents;
  int64_t max_bytes = kMaxBatchBytes;
  Clock* clock = SystemClock();
};

struct ExportedFile {
  std::string path;  // TO_DIR/<node_id>-<first>-<last>.hosobatch
  int64_t first_seq = 0;
  int64_t last_seq = 0;
};

// Writes every pending event (from NextSendSeq on) as sealed batch files in
// `to_dir` (created if missing), each written atomically. Returns the files
// in seq order; none when nothing is pending. kConflict when the node is not
// enrolled, kPermissionDenied when its key was revoked.
Result<std::vector<ExportedFile>> ExportBatches(NodeStore& store, const std::string& to_dir,
                                                const ExportOptions& options = {});

inline constexpr char kChunkFileSuffix[] = ".hosochunk";

struct ExportedChunk {
  std::string path;  // TO_DIR/<node_id>-chunk-<chunk hash>.hosochunk
  std::string chunk_hash;
  int64_t size_bytes = 0;
};

// Writes every attachment chunk the central has not confirmed as a sealed
// chunk file (sync/chunk_file.h) in `to_dir`, each atomically; a chunk
// shared by several files is written once. Like batches, nothing is marked:
// the same chunks are exported again until an online exchange learns that
// the central holds them (the file names are the chunk hashes, so a stick
// never holds one twice). Files are read once each and checked against
// their hash (kCorruption otherwise). Errors as ExportBatches.
Result<std::vector<ExportedChunk>> ExportChunks(NodeStore& store, const std::string& to_dir,
                                                const ExportOptions& options = {});

struct ImportReport {
  sync::FileKind kind = sync::FileKind::kDownSync;
  std::string central_id;
  // Down-sync only.
  std::string result;
  int64_t acked_seq = 0;
  DownSyncEffects effects;
};

// Imports one file: a down-sync (verified with the pinned central key,
// unsealed with the node key, then ApplyDownSync) or an enrolment answer
// (AcceptEnrolAnswer: pins the central). kInvalidArgument for the node's own
// kinds (batch, enrolment request); kCorruption "bad signature..." for a
// down-sync signed by any key but the pinned one; kConflict when a down-sync
// arrives before enrolment, or carries a refusal.
Result<ImportReport> ImportFile(NodeStore& store, std::string_view bytes,
                                Clock* clock = SystemClock(),
                                const sync::DecodeLimits& limits = sync::DecodeLimits());

}  // namespace hoso::node

#endif  // HOSO_NODE_STORE_FORWARD_H_
