#include "node/store_forward.h"

#include <optional>
#include <set>
#include <utility>

#include "node/attachments.h"
#include "node/enrolment.h"
#include "node/outbox.h"
#include "schema/attachment.h"
#include "sync/chunk_file.h"
#include "sync/signed_file.h"

namespace hoso::node {

namespace {

// Node ids are printable ASCII without spaces; '/' is the one character
// that cannot appear in a file name.
std::string FileNamePart(const std::string& node_id) {
  std::string out = node_id;
  for (char& c : out) {
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace

Result<std::vector<ExportedFile>> ExportBatches(NodeStore& store, const std::string& to_dir,
                                                const ExportOptions& options) {
  Database& db = store.db();
  HOSO_ASSIGN_OR_RETURN(CentralPin pin, RequireCentralPin(db));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> revoked,
                        GetNodeSetting(db, kSettingRevokedReason));
  if (revoked) {
    return Status::PermissionDenied("the central revoked this node's key: " + *revoked);
  }
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(store));
  sync::EncodeOptions enc;
  enc.seal_to_public_key = pin.central_public_key;

  HOSO_ASSIGN_OR_RETURN(int64_t from, NextSendSeq(db));
  HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
  std::vector<ExportedFile> written;
  if (from > last) return written;
  HOSO_RETURN_IF_ERROR(store.fs()->CreateDirs(to_dir, 0700));
  while (from <= last) {
    HOSO_ASSIGN_OR_RETURN(EncodedBatch batch,
                          EncodeOutgoingBatch(db, pin.central_id, store.identity().node_id, from,
                                              options.max_events, options.max_bytes, key, enc,
                                              options.clock->NowMs()));
    if (batch.events == 0) break;
    ExportedFile f;
    f.first_seq = batch.first_seq;
    f.last_seq = batch.first_seq + batch.events - 1;
    f.path = to_dir + "/" + FileNamePart(store.identity().node_id) + "-" +
             std::to_string(f.first_seq) + "-" + std::to_string(f.last_seq) + kBatchFileSuffix;
    HOSO_RETURN_IF_ERROR(store.fs()->WriteFileAtomic(f.path, batch.file, 0600));
    written.push_back(std::move(f));
    from = written.back().last_seq + 1;
  }
  return written;
}

Result<std::vector<ExportedChunk>> ExportChunks(NodeStore& store, const std::string& to_dir,
                                                const ExportOptions& options) {
  Database& db = store.db();
  HOSO_ASSIGN_OR_RETURN(CentralPin pin, RequireCentralPin(db));
  HOSO_ASSIGN_OR_RETURN(std::optional<std::string> revoked,
                        GetNodeSetting(db, kSettingRevokedReason));
  if (revoked) {
    return Status::PermissionDenied("the central revoked this node's key: " + *revoked);
  }
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(store));
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT c.attachment_hash, c.idx, c.chunk_hash, c.size_bytes, a.chunk_size "
                 "FROM attachment_chunks c JOIN attachments a ON a.hash = c.attachment_hash "
                 "WHERE c.uploaded_at_ms IS NULL ORDER BY c.attachment_hash, c.idx"));
  std::vector<ExportedChunk> written;
  std::set<std::string> done;
  std::string file_hash;
  std::string file;
  bool dir_made = false;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    const std::string attachment = q.ColumnText(0);
    const int64_t idx = q.ColumnInt(1);
    const std::string chunk_hash = q.ColumnText(2);
    const int64_t size = q.ColumnInt(3);
    const int64_t chunk_size = q.ColumnInt(4);
    if (!done.insert(chunk_hash).second) continue;
    if (attachment != file_hash) {
      HOSO_ASSIGN_OR_RETURN(file, store.fs()->ReadFile(AttachmentPath(store, attachment)));
      if (Blake2bHex(file) != attachment) {
        return Status::Corruption("the stored file of attachment " + attachment +
                                  " no longer matches its hash; it cannot be exported");
      }
      file_hash = attachment;
    }
    if (!dir_made) {
      HOSO_RETURN_IF_ERROR(store.fs()->CreateDirs(to_dir, 0700));
      dir_made = true;
    }
    HOSO_ASSIGN_OR_RETURN(
        std::string bytes,
        sync::EncodeChunkFile(pin.central_id, store.identity().node_id,
                              std::string_view(file).substr(static_cast<size_t>(idx * chunk_size),
                                                            static_cast<size_t>(size)),
                              key, pin.central_public_key, options.clock->NowMs()));
    ExportedChunk c;
    c.path = to_dir + "/" + FileNamePart(store.identity().node_id) + "-chunk-" + chunk_hash +
             kChunkFileSuffix;
    c.chunk_hash = chunk_hash;
    c.size_bytes = size;
    HOSO_RETURN_IF_ERROR(store.fs()->WriteFileAtomic(c.path, bytes, 0600));
    written.push_back(std::move(c));
  }
  return written;
}

Result<ImportReport> ImportFile(NodeStore& store, std::string_view bytes, Clock* clock,
                                const sync::DecodeLimits& limits) {
  HOSO_ASSIGN_OR_RETURN(sync::SignedFile framed,
                        sync::DecodeSignedFile(bytes, limits.max_file_bytes));
  ImportReport report;
  report.kind = framed.kind;
  if (framed.kind == sync::FileKind::kEnrolAnswer) {
    HOSO_ASSIGN_OR_RETURN(CentralPin pin, AcceptEnrolAnswer(store, bytes, "", clock));
    report.central_id = pin.central_id;
    return report;
  }
  if (framed.kind != sync::FileKind::kDownSync) {
    return Status::InvalidArgument(std::string("this is a ") + sync::KindName(framed.kind) +
                                   " file, which the central imports (hoso-central import)");
  }
  HOSO_ASSIGN_OR_RETURN(CentralPin pin, RequireCentralPin(store.db()));
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(store));
  auto ds =
      sync::DecodeDownSync(bytes, pin.central_public_key, &key, NodeDictionaries(store), limits);
  if (!ds.ok() && !sync::IsBadSignature(ds.status()) && KeyRotationPending(store)) {
    // Written by the central before it learnt the new key: sealed to the old one.
    HOSO_ASSIGN_OR_RETURN(sync::SigningKey old_key,
                          sync::SigningKey::Load(OldNodeKeyPath(store), store.fs()));
    ds = sync::DecodeDownSync(bytes, pin.central_public_key, &old_key, NodeDictionaries(store),
                              limits);
  }
  if (!ds.ok()) return ds.status();
  report.central_id = ds->central_id;
  report.result = ds->result;
  report.acked_seq = ds->acked_seq;
  HOSO_ASSIGN_OR_RETURN(report.effects, ApplyDownSync(store, pin, *ds, clock));
  return report;
}

}  // namespace hoso::node
