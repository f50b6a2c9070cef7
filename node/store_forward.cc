#include "node/store_forward.h"

#include <optional>
#include <utility>

#include "node/enrolment.h"
#include "node/outbox.h"
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
    HOSO_ASSIGN_OR_RETURN(OutgoingBatch batch,
                          ReadOutgoingBatch(db, from, options.max_events, options.max_bytes));
    if (batch.events.empty()) break;
    HOSO_ASSIGN_OR_RETURN(
        std::string file,
        sync::EncodeBatch(pin.central_id, store.identity().node_id, batch.events, batch.first_seq,
                          batch.prev_hash, key, enc, options.clock->NowMs()));
    ExportedFile f;
    f.first_seq = batch.first_seq;
    f.last_seq = batch.events.back().event.seq;
    f.path = to_dir + "/" + FileNamePart(store.identity().node_id) + "-" +
             std::to_string(f.first_seq) + "-" + std::to_string(f.last_seq) + kBatchFileSuffix;
    HOSO_RETURN_IF_ERROR(store.fs()->WriteFileAtomic(f.path, file, 0600));
    written.push_back(std::move(f));
    from = written.back().last_seq + 1;
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
