#include "central/attachments.h"

#include <functional>
#include <utility>

#include "central/ingest.h"
#include "schema/attachment.h"
#include "schema/events.h"
#include "schema/time.h"
#include "sync/chunk_auth.h"
#include "sync/chunk_file.h"
#include "sync/signed_file.h"

namespace hoso::central {
namespace {

constexpr int kDirMode = 0700;
constexpr int kChunkFileMode = 0600;  // scans hold personal data

// The signer of a request, once its key is known and its signature over
// message(node id) holds.
Outcome<sync::NodeAuthorization> Authenticate(
    Database& db, std::string_view header,
    const std::function<std::string(const std::string&)>& message) {
  auto auth = sync::ParseNodeAuthorization(header);
  if (!auth.ok()) {
    return Refusal{400, "bad_request", auth.status().message(), auth.status().field(),
                   std::nullopt};
  }
  Outcome<std::string> key = LookupNodeKey(db, auth->node_id, auth->key_id);
  if (!key.ok()) return key.refusal();
  if (!sync::Verify(*key, message(auth->node_id), auth->signature)) {
    return Refuse(422, "bad_signature",
                  "bad signature: the request is not signed by key " + auth->key_id + " of node " +
                      auth->node_id);
  }
  return std::move(auth).value();
}

// Chunk hashes of `hash` not yet stored, in file order.
Result<std::vector<std::string>> MissingChunks(Database& db, const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(
      Statement q,
      db.Prepare("SELECT c.chunk_hash FROM attachment_chunks c LEFT JOIN stored_chunks s "
                 "ON s.hash = c.chunk_hash WHERE c.attachment_hash = ?1 AND s.hash IS NULL "
                 "ORDER BY c.idx"));
  q.Bind(1, hash);
  std::vector<std::string> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.ColumnText(0));
  }
  return out;
}

Result<std::vector<std::string>> ChunkList(Database& db, const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT chunk_hash FROM attachment_chunks "
                                                "WHERE attachment_hash = ?1 ORDER BY idx"));
  q.Bind(1, hash);
  std::vector<std::string> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.ColumnText(0));
  }
  return out;
}

constexpr char kInfoSelect[] =
    "SELECT a.hash, a.size_bytes, a.media_type, a.chunk_size, a.chunk_count, "
    "(SELECT COUNT(*) FROM attachment_chunks c JOIN stored_chunks s ON s.hash = c.chunk_hash "
    "WHERE c.attachment_hash = a.hash), a.first_seen_ms, a.completed_at_ms, a.error "
    "FROM attachments a ";

Result<std::vector<CentralAttachmentInfo>> LoadInfos(Database& db, Statement& st) {
  std::vector<CentralAttachmentInfo> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    CentralAttachmentInfo a;
    a.hash = st.ColumnText(0);
    a.size_bytes = st.ColumnInt(1);
    a.media_type = st.ColumnText(2);
    a.chunk_size = st.ColumnInt(3);
    a.chunk_count = st.ColumnInt(4);
    a.chunks_stored = st.ColumnInt(5);
    a.first_seen_ms = st.ColumnInt(6);
    a.completed_at_ms = st.ColumnOptInt(7);
    a.error = st.ColumnOptText(8);
    out.push_back(std::move(a));
  }
  HOSO_ASSIGN_OR_RETURN(Statement refs,
                        db.Prepare("SELECT node_id, seq, dossier_code, file_name, document_id "
                                   "FROM attachment_refs WHERE attachment_hash = ?1 "
                                   "ORDER BY node_id, seq"));
  for (CentralAttachmentInfo& a : out) {
    refs.Reset();
    refs.Bind(1, a.hash);
    while (true) {
      HOSO_ASSIGN_OR_RETURN(bool row, refs.Step());
      if (!row) break;
      a.refs.push_back(AttachmentRef{refs.ColumnText(0), refs.ColumnInt(1), refs.ColumnText(2),
                                     refs.ColumnText(3), refs.ColumnOptText(4)});
    }
  }
  return out;
}

}  // namespace

Status RecordAttachmentEvents(Database& db, const std::vector<sync::BatchEvent>& events,
                              int64_t after_seq, UnixMs now) {
  for (const sync::BatchEvent& be : events) {
    const Event& e = be.event;
    if (e.seq <= after_seq || e.type != EventType::kAttachmentAdded) continue;
    // The batch decoder validated the event, manifest included.
    HOSO_ASSIGN_OR_RETURN(AttachmentManifest m, ManifestFromPayload(e.payload));
    HOSO_ASSIGN_OR_RETURN(
        Statement file,
        db.Prepare("INSERT INTO attachments (hash, size_bytes, media_type, chunk_size, "
                   "chunk_count, first_seen_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                   "ON CONFLICT (hash) DO NOTHING"));
    file.Bind(1, m.hash)
        .Bind(2, m.size_bytes)
        .Bind(3, m.media_type)
        .Bind(4, m.chunk_size)
        .Bind(5, m.chunk_count())
        .Bind(6, now);
    HOSO_RETURN_IF_ERROR(file.Run());
    if (db.Changes() == 1) {
      HOSO_ASSIGN_OR_RETURN(Statement chunk,
                            db.Prepare("INSERT INTO attachment_chunks (attachment_hash, idx, "
                                       "chunk_hash, size_bytes) VALUES (?1, ?2, ?3, ?4)"));
      for (int64_t i = 0; i < m.chunk_count(); ++i) {
        chunk.Bind(1, m.hash).Bind(2, i).Bind(3, m.chunk_hashes[i]).Bind(4, m.ChunkLength(i));
        HOSO_RETURN_IF_ERROR(chunk.Run());
      }
    }
    HOSO_ASSIGN_OR_RETURN(
        Statement ref,
        db.Prepare("INSERT INTO attachment_refs (node_id, seq, attachment_hash, dossier_code, "
                   "file_name, document_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    HOSO_ASSIGN_OR_RETURN(std::string file_name, GetString(e.payload, "file_name", "payload"));
    HOSO_ASSIGN_OR_RETURN(std::optional<std::string> document_id,
                          GetOptString(e.payload, "document_id", "payload"));
    ref.Bind(1, e.node_id)
        .Bind(2, e.seq)
        .Bind(3, m.hash)
        .Bind(4, e.dossier_code.value_or(""))
        .Bind(5, file_name)
        .Bind(6, document_id);
    HOSO_RETURN_IF_ERROR(ref.Run());
  }
  return Status::OK();
}

std::string ChunkPath(const CentralStore& store, const std::string& chunk_hash) {
  return store.dir() + "/chunks/" + chunk_hash.substr(0, 2) + "/" + chunk_hash;
}

std::string CentralAttachmentInfo::State() const {
  if (completed_at_ms) return "complete";
  if (error) return "failed";
  return "incomplete";
}

json::object CentralAttachmentInfo::ToJson() const {
  json::array r;
  for (const AttachmentRef& ref : refs) {
    r.push_back(json::object{
        {"node_id", ref.node_id},
        {"seq", ref.seq},
        {"dossier_code", ref.dossier_code},
        {"file_name", ref.file_name},
        {"document_id", ref.document_id ? json::value(*ref.document_id) : json::value(nullptr)}});
  }
  return json::object{{"hash", hash},
                      {"state", State()},
                      {"size_bytes", size_bytes},
                      {"media_type", media_type},
                      {"chunk_size", chunk_size},
                      {"chunk_count", chunk_count},
                      {"chunks_stored", chunks_stored},
                      {"first_seen", FormatUtcIso(first_seen_ms)},
                      {"completed_at", completed_at_ms ? json::value(FormatUtcIso(*completed_at_ms))
                                                       : json::value(nullptr)},
                      {"error", error ? json::value(*error) : json::value(nullptr)},
                      {"refs", std::move(r)}};
}

CentralAttachments::CentralAttachments(CentralStore* store, Clock* clock)
    : store_(store), clock_(clock) {}

Outcome<json::object> CentralAttachments::Missing(std::string_view authorization,
                                                  std::string_view body) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<sync::NodeAuthorization> auth =
      Authenticate(*db, authorization,
                   [body](const std::string& node) { return sync::ChunkQueryMessage(node, body); });
  if (!auth.ok()) return auth.refusal();
  const std::string node_id = auth->node_id;

  auto parsed = ParseJsonObject(body);
  if (!parsed.ok()) return Refuse(400, "bad_request", parsed.status().message());
  auto list = GetArray(*parsed, "attachments");
  if (!list.ok()) return Refusal::FromStatus(list.status());
  if ((*list)->empty() || (*list)->size() > kMaxMissingQueryHashes) {
    return Refusal{
        400, "bad_request",
        "'attachments' must list 1.." + std::to_string(kMaxMissingQueryHashes) + " hashes",
        "attachments", std::nullopt};
  }
  HOSO_ASSIGN_OR_RETURN(Statement ref,
                        db->Prepare("SELECT a.completed_at_ms, a.error FROM attachment_refs r "
                                    "JOIN attachments a ON a.hash = r.attachment_hash "
                                    "WHERE r.attachment_hash = ?1 AND r.node_id = ?2 LIMIT 1"));
  json::array answers;
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const json::value& v = (**list)[i];
    if (!v.is_string() || !IsHashHex(v.get_string())) {
      const std::string f = "attachments[" + std::to_string(i) + "]";
      return Refusal{400, "bad_request", "'" + f + "' must be 64 lower-case hex characters", f,
                     std::nullopt};
    }
    const std::string hash(v.get_string());
    ref.Reset();
    ref.Bind(1, hash).Bind(2, node_id);
    HOSO_ASSIGN_OR_RETURN(bool known, ref.Step());
    json::array missing;
    std::string state = "unknown";
    if (known && !ref.IsNull(0)) {
      state = "complete";
    } else if (known && !ref.IsNull(1)) {
      state = "failed";
    } else if (known) {
      HOSO_ASSIGN_OR_RETURN(std::vector<std::string> lacking, MissingChunks(*db, hash));
      for (const std::string& c : lacking) missing.push_back(json::value(c));
      state = "incomplete";
      if (lacking.empty()) {
        HOSO_ASSIGN_OR_RETURN(bool done, TryComplete(*db, hash));
        state = done ? "complete" : "failed";
      }
    }
    answers.push_back(
        json::object{{"hash", hash}, {"state", state}, {"missing", std::move(missing)}});
  }
  return json::object{{"attachments", std::move(answers)}};
}

Outcome<ChunkReceipt> CentralAttachments::PutChunk(std::string_view authorization,
                                                   const std::string& chunk_hash,
                                                   std::string_view bytes) {
  if (!IsHashHex(chunk_hash)) {
    return Refusal{400, "bad_request", "the chunk hash must be 64 lower-case hex characters",
                   "chunk_hash", std::nullopt};
  }
  if (bytes.empty()) return Refuse(400, "bad_request", "the chunk is empty");
  if (static_cast<int64_t>(bytes.size()) > kMaxChunkBytes) {
    return Refuse(413, "body_too_large",
                  "a chunk of " + std::to_string(bytes.size()) + " bytes is over the limit of " +
                      std::to_string(kMaxChunkBytes) + " bytes");
  }
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  Outcome<sync::NodeAuthorization> auth =
      Authenticate(*db, authorization, [&chunk_hash](const std::string& node) {
        return sync::ChunkUploadMessage(node, chunk_hash);
      });
  if (!auth.ok()) return auth.refusal();
  const std::string node_id = auth->node_id;

  const std::string actual = Blake2bHex(bytes);
  if (actual != chunk_hash) {
    return Refuse(422, "chunk_hash_mismatch",
                  "the " + std::to_string(bytes.size()) + " bytes sent hash to " + actual +
                      ", not to the chunk name " + chunk_hash + "; nothing was stored");
  }
  return StoreChunk(*db, node_id, chunk_hash, bytes);
}

Outcome<ChunkReceipt> CentralAttachments::ImportChunkFile(std::string_view file) {
  auto header = sync::PeekChunkHeader(file);
  if (!header.ok()) {
    const bool big = header.status().code() == Status::Code::kResourceExhausted;
    return Refuse(big ? 413 : 400, big ? "body_too_large" : "bad_request",
                  header.status().message());
  }
  if (header->central_id != store_->central_id()) {
    return Refuse(
        422, "wrong_central",
        "the chunk is for central " + header->central_id + ", this is " + store_->central_id());
  }
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  std::optional<Refusal> key_refusal;
  sync::KeyLookup lookup = [&](const std::string& node_id,
                               const std::string& key_id) -> Result<std::string> {
    Outcome<std::string> key = LookupNodeKey(*db, node_id, key_id);
    if (!key.ok()) {
      key_refusal = key.refusal();
      return Status::Unauthenticated(key.refusal().message);
    }
    return std::move(key).value();
  };
  auto opened = sync::DecodeChunkFile(file, lookup, &store_->key());
  if (!opened.ok()) {
    if (key_refusal) return *key_refusal;
    const Status& s = opened.status();
    if (sync::IsBadSignature(s)) return Refuse(422, "bad_signature", s.message());
    if (sync::IsChunkHashMismatch(s)) return Refuse(422, "chunk_hash_mismatch", s.message());
    if (s.code() == Status::Code::kResourceExhausted) {
      return Refuse(413, "body_too_large", s.message());
    }
    return Refuse(400, "bad_request", s.message());
  }
  return StoreChunk(*db, opened->header.node_id, opened->header.chunk_hash, opened->bytes);
}

Outcome<ChunkReceipt> CentralAttachments::StoreChunk(Database& db, const std::string& node_id,
                                                     const std::string& chunk_hash,
                                                     std::string_view bytes) {
  HOSO_ASSIGN_OR_RETURN(Statement referenced,
                        db.Prepare("SELECT 1 FROM attachment_chunks c JOIN attachment_refs r "
                                   "ON r.attachment_hash = c.attachment_hash "
                                   "WHERE c.chunk_hash = ?1 AND r.node_id = ?2 LIMIT 1"));
  referenced.Bind(1, chunk_hash).Bind(2, node_id);
  HOSO_ASSIGN_OR_RETURN(bool is_referenced, referenced.Step());
  if (!is_referenced) {
    return Refuse(404, "chunk_not_referenced",
                  "no attachment event of node " + node_id +
                      " that this central applied lists chunk " + chunk_hash +
                      "; send the events first");
  }

  ChunkReceipt receipt;
  receipt.node_id = node_id;
  receipt.chunk_hash = chunk_hash;
  HOSO_ASSIGN_OR_RETURN(Statement have, db.Prepare("SELECT 1 FROM stored_chunks WHERE hash = ?1"));
  have.Bind(1, chunk_hash);
  HOSO_ASSIGN_OR_RETURN(bool already, have.Step());
  if (!already) {
    // The file first, synced, then its row: a row always has its bytes.
    const std::string path = ChunkPath(*store_, chunk_hash);
    HOSO_RETURN_IF_ERROR(store_->fs()->CreateDirs(path.substr(0, path.rfind('/')), kDirMode));
    HOSO_RETURN_IF_ERROR(store_->fs()->WriteFileAtomic(path, std::string(bytes), kChunkFileMode));
    HOSO_ASSIGN_OR_RETURN(Statement ins,
                          db.Prepare("INSERT INTO stored_chunks (hash, size_bytes, node_id, "
                                     "stored_at_ms) VALUES (?1, ?2, ?3, ?4) "
                                     "ON CONFLICT (hash) DO NOTHING"));
    ins.Bind(1, chunk_hash)
        .Bind(2, static_cast<int64_t>(bytes.size()))
        .Bind(3, node_id)
        .Bind(4, clock_->NowMs());
    HOSO_RETURN_IF_ERROR(ins.Run());
    receipt.stored = db.Changes() == 1;
  }
  // Every file this chunk may have completed (usually one).
  HOSO_ASSIGN_OR_RETURN(
      Statement owners,
      db.Prepare("SELECT DISTINCT c.attachment_hash FROM attachment_chunks c JOIN attachments a "
                 "ON a.hash = c.attachment_hash WHERE c.chunk_hash = ?1 "
                 "AND a.completed_at_ms IS NULL AND a.error IS NULL"));
  owners.Bind(1, chunk_hash);
  std::vector<std::string> candidates;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, owners.Step());
    if (!row) break;
    candidates.push_back(owners.ColumnText(0));
  }
  for (const std::string& hash : candidates) {
    HOSO_ASSIGN_OR_RETURN(std::vector<std::string> lacking, MissingChunks(db, hash));
    if (!lacking.empty()) continue;
    HOSO_ASSIGN_OR_RETURN(bool done, TryComplete(db, hash));
    if (done) receipt.completed.push_back(hash);
  }
  return receipt;
}

Result<bool> CentralAttachments::TryComplete(Database& db, const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string> chunks, ChunkList(db, hash));
  HOSO_ASSIGN_OR_RETURN(Statement size_q,
                        db.Prepare("SELECT size_bytes FROM attachments WHERE hash = ?1"));
  size_q.Bind(1, hash);
  HOSO_ASSIGN_OR_RETURN(bool row, size_q.Step());
  if (!row) return Status::NotFound("no attachment " + hash);
  const int64_t want_size = size_q.ColumnInt(0);
  // Streamed: one chunk in memory at a time, whatever the file's size.
  Blake2bStream whole;
  int64_t size = 0;
  for (const std::string& c : chunks) {
    HOSO_ASSIGN_OR_RETURN(std::string bytes, store_->fs()->ReadFile(ChunkPath(*store_, c)));
    if (Blake2bHex(bytes) != c) {
      return Status::Corruption("stored chunk " + c + " no longer matches its hash");
    }
    whole.Update(bytes);
    size += static_cast<int64_t>(bytes.size());
  }
  const std::string got = whole.FinalHex();
  const bool ok = got == hash && size == want_size;
  HOSO_ASSIGN_OR_RETURN(
      Statement up,
      db.Prepare(ok ? "UPDATE attachments SET completed_at_ms = ?2, error = NULL "
                      "WHERE hash = ?1 AND completed_at_ms IS NULL"
                    : "UPDATE attachments SET error = ?3 WHERE hash = ?1 AND completed_at_ms "
                      "IS NULL"));
  up.Bind(1, hash).Bind(2, clock_->NowMs());
  if (!ok) {
    up.Bind(3, "the " + std::to_string(chunks.size()) + " chunks of the manifest add up to " +
                   std::to_string(size) + " bytes hashing to " + got + ", not to the file's hash");
  }
  HOSO_RETURN_IF_ERROR(up.Run());
  return ok;
}

Result<std::vector<CentralAttachmentInfo>> CentralAttachments::List() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement st, db->Prepare(std::string(kInfoSelect) +
                                                  "ORDER BY a.first_seen_ms DESC, a.hash"));
  return LoadInfos(*db, st);
}

Result<CentralAttachmentInfo> CentralAttachments::Get(const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Statement st, db->Prepare(std::string(kInfoSelect) + "WHERE a.hash = ?1"));
  st.Bind(1, hash);
  HOSO_ASSIGN_OR_RETURN(std::vector<CentralAttachmentInfo> found, LoadInfos(*db, st));
  if (found.empty()) return Status::NotFound("no attachment " + hash);
  return std::move(found.front());
}

Result<std::string> CentralAttachments::Assemble(const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(CentralAttachmentInfo info, Get(hash));
  if (!info.completed_at_ms) {
    if (info.error) return Status::Corruption("attachment " + hash + " failed: " + *info.error);
    return Status::Conflict("attachment " + hash +
                            " is incomplete: " + std::to_string(info.chunks_stored) + " of " +
                            std::to_string(info.chunk_count) + " chunks are stored");
  }
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string> chunks, ChunkList(*db, hash));
  std::string out;
  out.reserve(static_cast<size_t>(info.size_bytes));
  for (const std::string& c : chunks) {
    HOSO_ASSIGN_OR_RETURN(std::string bytes, store_->fs()->ReadFile(ChunkPath(*store_, c)));
    out += bytes;
  }
  if (Blake2bHex(out) != hash) {
    return Status::Corruption("the stored chunks of attachment " + hash +
                              " no longer add up to its hash");
  }
  return out;
}

}  // namespace hoso::central
