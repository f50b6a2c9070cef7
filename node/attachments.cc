#include "node/attachments.h"

#include <utility>

#include "node/dossier.h"
#include "node/outbox.h"
#include "schema/events.h"
#include "schema/text.h"
#include "schema/time.h"

namespace hoso::node {

namespace {

constexpr int kDirMode = 0700;
constexpr int kFileMode = 0600;  // scans hold personal data

constexpr char kSelect[] =
    "SELECT d.attachment_hash, d.dossier_code, d.file_name, d.document_id, d.actor, "
    "a.media_type, a.size_bytes, a.chunk_size, a.chunk_count, "
    "(SELECT COUNT(*) FROM attachment_chunks c WHERE c.attachment_hash = a.hash "
    "AND c.uploaded_at_ms IS NOT NULL), d.added_at_ms, d.event_seq "
    "FROM dossier_attachments d JOIN attachments a ON a.hash = d.attachment_hash ";

AttachmentInfo FromRow(const Statement& st) {
  AttachmentInfo a;
  a.hash = st.ColumnText(0);
  a.dossier_code = st.ColumnText(1);
  a.file_name = st.ColumnText(2);
  a.document_id = st.ColumnOptText(3);
  a.clerk = st.ColumnOptText(4);
  a.media_type = st.ColumnText(5);
  a.size_bytes = st.ColumnInt(6);
  a.chunk_size = st.ColumnInt(7);
  a.chunk_count = st.ColumnInt(8);
  a.chunks_uploaded = st.ColumnInt(9);
  a.added_at = st.ColumnInt(10);
  a.event_seq = st.ColumnInt(11);
  return a;
}

Status CheckDossier(Database& db, const std::string& code,
                    const std::optional<std::string>& document_id, bool shipment_proof = false) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare(shipment_proof
                                       ? "SELECT 1 FROM courier_shipments WHERE dossier_code = ?1"
                                       : "SELECT 1 FROM dossiers WHERE code = ?1"));
  q.Bind(1, code);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no dossier " + code);
  if (!document_id) return Status::OK();
  HOSO_ASSIGN_OR_RETURN(Statement d, db.Prepare("SELECT 1 FROM dossier_documents WHERE "
                                                "dossier_code = ?1 AND document_id = ?2"));
  d.Bind(1, code).Bind(2, *document_id);
  HOSO_ASSIGN_OR_RETURN(bool doc, d.Step());
  if (!doc) {
    return Status::InvalidArgument(
        "document '" + *document_id + "' was not received with dossier " + code, "doc");
  }
  return Status::OK();
}

Result<std::optional<AttachmentInfo>> LoadOne(Database& db, const std::string& code,
                                              const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare(std::string(kSelect) + "WHERE d.dossier_code = ?1 AND d.attachment_hash = ?2"));
  st.Bind(1, code).Bind(2, hash);
  HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<AttachmentInfo>();
  return std::optional<AttachmentInfo>(FromRow(st));
}

const char* Extension(const std::string& media_type) {
  if (media_type == "image/jpeg") return ".jpg";
  if (media_type == "image/png") return ".png";
  return ".pdf";
}

// The file, written atomically and durably unless a sound copy is there.
Status StoreFile(NodeStore& store, const AttachmentManifest& m, std::string_view bytes) {
  FileSystem* fs = store.fs();
  const std::string path = AttachmentPath(store, m.hash);
  if (fs->Exists(path)) {
    // Left by an earlier add of the same bytes; rewritten if it was damaged.
    auto existing = fs->ReadFile(path);
    if (existing.ok() && Blake2bHex(*existing) == m.hash) return Status::OK();
  }
  const std::string dir = path.substr(0, path.rfind('/'));
  HOSO_RETURN_IF_ERROR(fs->CreateDirs(dir, kDirMode));
  return fs->WriteFileAtomic(path, std::string(bytes), kFileMode);
}

}  // namespace

std::string AttachmentPath(const NodeStore& store, const std::string& hash) {
  return store.dir() + "/attachments/" + hash.substr(0, 2) + "/" + hash;
}

NodeAttachments::NodeAttachments(NodeStore* store, Options options)
    : store_(store), options_(options) {}

Result<AttachmentInfo> NodeAttachments::Add(const std::string& code, std::string_view bytes,
                                            const AddAttachmentRequest& request) {
  if (static_cast<int64_t>(bytes.size()) > kMaxAttachmentBytes) {
    return Status::ResourceExhausted(
        "the file of " + std::to_string(bytes.size()) + " bytes is over the limit of " +
        std::to_string(kMaxAttachmentBytes) + " bytes (25 MiB) for one attachment");
  }
  HOSO_ASSIGN_OR_RETURN(std::string media_type, SniffMediaType(bytes));
  std::optional<std::string> clerk;
  if (request.clerk && !NormaliseSpaces(*request.clerk).empty()) {
    HOSO_ASSIGN_OR_RETURN(clerk, NormaliseName(*request.clerk, "clerk"));
  }
  std::optional<std::string> document_id;
  if (request.document_id && !request.document_id->empty()) document_id = request.document_id;
  Database& db = store_->db();
  // Checked before hashing and writing 25 MiB, and again under the lock.
  HOSO_RETURN_IF_ERROR(CheckDossier(db, code, document_id, request.shipment_proof));

  const AttachmentManifest m = MakeManifest(bytes, media_type);
  std::string file_name;
  if (request.file_name.empty()) {
    file_name = code + "-" + m.hash.substr(0, 8) + Extension(media_type);
  } else {
    HOSO_ASSIGN_OR_RETURN(file_name, CleanFileName(request.file_name));
  }
  HOSO_RETURN_IF_ERROR(StoreFile(*store_, m, bytes));

  const UnixMs now = options_.clock->NowMs();
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  HOSO_RETURN_IF_ERROR(CheckDossier(db, code, document_id, request.shipment_proof));
  HOSO_ASSIGN_OR_RETURN(std::optional<AttachmentInfo> existing, LoadOne(db, code, m.hash));
  if (existing) {
    existing->already_attached = true;
    return *existing;
  }
  HOSO_ASSIGN_OR_RETURN(
      Statement file,
      db.Prepare("INSERT INTO attachments (hash, size_bytes, media_type, chunk_size, "
                 "chunk_count, stored_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
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
  json::object payload{{"file_name", file_name}};
  if (document_id) payload["document_id"] = *document_id;
  ManifestToPayload(m, payload);
  Event ev =
      NewEvent(EventType::kAttachmentAdded, store_->identity().node_id, now, std::move(payload));
  ev.dossier_code = code;
  ev.actor = clerk;
  HOSO_ASSIGN_OR_RETURN(int64_t seq, AppendEvent(db, ev));
  HOSO_ASSIGN_OR_RETURN(
      Statement link,
      db.Prepare("INSERT INTO dossier_attachments (dossier_code, attachment_hash, file_name, "
                 "document_id, actor, added_at_ms, event_seq) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  link.Bind(1, code)
      .Bind(2, m.hash)
      .Bind(3, file_name)
      .Bind(4, document_id)
      .Bind(5, clerk)
      .Bind(6, now)
      .Bind(7, seq);
  HOSO_RETURN_IF_ERROR(link.Run());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  HOSO_ASSIGN_OR_RETURN(existing, LoadOne(db, code, m.hash));
  if (!existing) return Status::Internal("attachment " + m.hash + " vanished after commit");
  return *existing;
}

Result<std::vector<AttachmentInfo>> NodeAttachments::OfDossier(const std::string& code) {
  Database& db = store_->db();
  HOSO_RETURN_IF_ERROR(CheckDossier(db, code, std::nullopt));
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSelect) + "WHERE d.dossier_code = ?1 "
                                                                        "ORDER BY d.event_seq"));
  st.Bind(1, code);
  std::vector<AttachmentInfo> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(FromRow(st));
  }
  return out;
}

Result<NodeAttachments::File> NodeAttachments::Read(const std::string& hash) {
  if (!IsHashHex(hash)) return Status::NotFound("no attachment " + hash);
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        store_->db().Prepare("SELECT media_type FROM attachments WHERE hash = ?1"));
  q.Bind(1, hash);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return Status::NotFound("no attachment " + hash);
  File f;
  f.media_type = q.ColumnText(0);
  HOSO_ASSIGN_OR_RETURN(f.bytes, store_->fs()->ReadFile(AttachmentPath(*store_, hash)));
  if (Blake2bHex(f.bytes) != hash) {
    return Status::Corruption("the stored file of attachment " + hash +
                              " no longer matches its hash");
  }
  return f;
}

json::object NodeAttachments::ToJson(const AttachmentInfo& a) {
  auto text = [](const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  return json::object{{"hash", a.hash},
                      {"dossier_code", a.dossier_code},
                      {"file_name", a.file_name},
                      {"document_id", text(a.document_id)},
                      {"clerk", text(a.clerk)},
                      {"media_type", a.media_type},
                      {"size_bytes", a.size_bytes},
                      {"chunk_size", a.chunk_size},
                      {"chunk_count", a.chunk_count},
                      {"chunks_uploaded", a.chunks_uploaded},
                      {"uploaded", a.chunks_uploaded == a.chunk_count},
                      {"added_at", FormatLocalIso(a.added_at)},
                      {"seq", a.event_seq},
                      {"url", "/api/attachments/" + a.hash}};
}

}  // namespace hoso::node
