#include "node/attachment_upload.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "node/attachments.h"
#include "node/sync_client.h"
#include "schema/attachment.h"
#include "schema/json_util.h"
#include "sync/chunk_auth.h"

namespace hoso::node {

namespace {

// Attachments with unconfirmed chunks whose first event the central holds.
constexpr char kEligible[] =
    "SELECT a.hash FROM attachments a JOIN (SELECT attachment_hash, MIN(event_seq) AS first_seq "
    "FROM dossier_attachments GROUP BY attachment_hash) d ON d.attachment_hash = a.hash "
    "WHERE d.first_seq <= ?1 AND EXISTS (SELECT 1 FROM attachment_chunks c "
    "WHERE c.attachment_hash = a.hash AND c.uploaded_at_ms IS NULL) "
    "ORDER BY d.first_seq LIMIT ?2";

struct Chunk {
  int64_t idx = 0;
  std::string hash;
  int64_t size = 0;
  bool uploaded = false;
};

Result<std::vector<std::string>> Eligible(Database& db, int limit) {
  HOSO_ASSIGN_OR_RETURN(int64_t acked, AckedSeq(db));
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare(kEligible));
  q.Bind(1, acked).Bind(2, limit);
  std::vector<std::string> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.ColumnText(0));
  }
  return out;
}

// Every chunk of `hash` in file order, with its upload state.
Result<std::vector<Chunk>> ChunksOf(Database& db, const std::string& hash) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT idx, chunk_hash, size_bytes, uploaded_at_ms IS NOT NULL "
                                   "FROM attachment_chunks WHERE attachment_hash = ?1 "
                                   "ORDER BY idx"));
  q.Bind(1, hash);
  std::vector<Chunk> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(Chunk{q.ColumnInt(0), q.ColumnText(1), q.ColumnInt(2), q.ColumnInt(3) != 0});
  }
  return out;
}

Status MarkUploaded(Database& db, const std::string& hash, int64_t idx, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(Statement up,
                        db.Prepare("UPDATE attachment_chunks SET uploaded_at_ms = ?3 WHERE "
                                   "attachment_hash = ?1 AND idx = ?2"));
  up.Bind(1, hash).Bind(2, idx).Bind(3, now);
  return up.Run();
}

// The central refused: a revocation stops sync like a refused batch does.
Status Refused(NodeStore& store, const HttpResponse& resp) {
  if (CentralErrorCode(resp) == "key_revoked") {
    std::string message;
    if (auto body = ParseJsonObject(resp.body); body.ok()) {
      if (auto err = GetObject(*body, "error"); err.ok()) {
        if (auto m = GetString(**err, "message"); m.ok()) message = *m;
      }
    }
    HOSO_RETURN_IF_ERROR(RecordRefusal(store, "key_revoked", message, std::nullopt));
  }
  return CentralErrorStatus(resp);
}

struct Answer {
  std::string state;
  std::set<std::string> missing;
};

Result<std::map<std::string, Answer>> ParseAnswer(const std::string& body) {
  auto corrupt = [](const std::string& what) {
    return Status::Corruption("the central's missing-chunks answer is malformed: " + what);
  };
  auto o = ParseJsonObject(body);
  if (!o.ok()) return corrupt(o.status().message());
  auto list = GetArray(*o, "attachments");
  if (!list.ok()) return corrupt(list.status().message());
  std::map<std::string, Answer> out;
  for (const json::value& v : **list) {
    if (!v.is_object()) return corrupt("an entry is not an object");
    auto hash = GetString(v.get_object(), "hash");
    auto state = GetString(v.get_object(), "state");
    auto missing = GetArray(v.get_object(), "missing");
    if (!hash.ok() || !state.ok() || !missing.ok()) return corrupt("an entry lacks a member");
    Answer a;
    a.state = *state;
    for (const json::value& m : **missing) {
      if (!m.is_string()) return corrupt("a missing chunk is not a string");
      a.missing.insert(std::string(m.get_string()));
    }
    out[*hash] = std::move(a);
  }
  return out;
}

}  // namespace

Result<PendingUploads> PendingUploadTotals(Database& db) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT COUNT(DISTINCT attachment_hash), COUNT(*), "
                                   "COALESCE(SUM(size_bytes), 0) FROM attachment_chunks "
                                   "WHERE uploaded_at_ms IS NULL"));
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  PendingUploads p;
  if (row) {
    p.attachments = q.ColumnInt(0);
    p.chunks = q.ColumnInt(1);
    p.bytes = q.ColumnInt(2);
  }
  return p;
}

Result<bool> UploadsWaiting(Database& db) {
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string> eligible, Eligible(db, 1));
  return !eligible.empty();
}

Result<UploadReport> UploadAttachments(NodeStore& store, CentralTransport& transport,
                                       int64_t max_bytes, Clock* clock) {
  Database& db = store.db();
  UploadReport report;
  HOSO_ASSIGN_OR_RETURN(std::vector<std::string> hashes, Eligible(db, kMaxMissingQuery + 1));
  if (hashes.empty()) return report;
  if (hashes.size() > static_cast<size_t>(kMaxMissingQuery)) {
    hashes.pop_back();
    report.more = true;
  }
  const std::string& node_id = store.identity().node_id;
  HOSO_ASSIGN_OR_RETURN(sync::SigningKey key, LoadNodeKey(store));

  json::array listed;
  for (const std::string& h : hashes) listed.push_back(json::value(h));
  const std::string query = ToJson(json::object{{"attachments", std::move(listed)}});
  report.attachments_asked = static_cast<int64_t>(hashes.size());
  HOSO_ASSIGN_OR_RETURN(
      HttpResponse resp,
      transport.Send(
          "POST", "/api/sync/attachments/missing", kJsonContentType, query,
          {{sync::kNodeAuthHeader,
            sync::SignNodeAuthorization(node_id, key, sync::ChunkQueryMessage(node_id, query))}}));
  if (resp.status != 200) return Refused(store, resp);
  HOSO_ASSIGN_OR_RETURN(auto answers, ParseAnswer(resp.body));

  for (const std::string& hash : hashes) {
    auto it = answers.find(hash);
    if (it == answers.end() || it->second.state == "unknown" || it->second.state == "failed") {
      ++report.attachments_skipped;
      continue;
    }
    const Answer& answer = it->second;
    HOSO_ASSIGN_OR_RETURN(std::vector<Chunk> chunks, ChunksOf(db, hash));
    std::set<std::string> ours;
    std::vector<const Chunk*> to_send;
    bool confirmed_any = false;
    for (const Chunk& c : chunks) {
      ours.insert(c.hash);
      if (answer.state != "complete" && answer.missing.count(c.hash) > 0) {
        // Sent again even if marked: the central says it does not hold it.
        to_send.push_back(&c);
      } else if (!c.uploaded) {
        HOSO_RETURN_IF_ERROR(MarkUploaded(db, hash, c.idx, clock->NowMs()));
        ++report.chunks_confirmed;
        confirmed_any = true;
      }
    }
    for (const std::string& m : answer.missing) {
      if (ours.count(m) == 0) {
        return Status::Corruption("the central lacks chunk " + m + " of attachment " + hash +
                                  ", which this node's manifest of that file does not list");
      }
    }
    if (answer.state == "complete" && confirmed_any) ++report.attachments_completed;
    if (to_send.empty()) continue;
    HOSO_ASSIGN_OR_RETURN(Statement cs,
                          db.Prepare("SELECT chunk_size FROM attachments WHERE hash = ?1"));
    cs.Bind(1, hash);
    HOSO_ASSIGN_OR_RETURN(bool known, cs.Step());
    if (!known) return Status::Internal("attachment " + hash + " has chunks but no row");
    const int64_t chunk_size = cs.ColumnInt(0);
    std::optional<std::string> file;  // read once, when the first chunk is due
    std::set<std::string> sent;       // a file may repeat a chunk (blank pages)
    for (const Chunk* c : to_send) {
      if (sent.count(c->hash) > 0) {
        HOSO_RETURN_IF_ERROR(MarkUploaded(db, hash, c->idx, clock->NowMs()));
        ++report.chunks_confirmed;
        continue;
      }
      if (report.bytes_sent > 0 && report.bytes_sent + c->size > max_bytes) {
        report.more = true;
        return report;
      }
      if (!file) {
        HOSO_ASSIGN_OR_RETURN(file, store.fs()->ReadFile(AttachmentPath(store, hash)));
        if (Blake2bHex(*file) != hash) {
          return Status::Corruption("the stored file of attachment " + hash +
                                    " no longer matches its hash; it cannot be uploaded");
        }
      }
      const std::string bytes =
          file->substr(static_cast<size_t>(c->idx * chunk_size), static_cast<size_t>(c->size));
      HOSO_ASSIGN_OR_RETURN(
          HttpResponse put,
          transport.Send("PUT", "/api/sync/chunks/" + c->hash, kChunkContentType, bytes,
                         {{sync::kNodeAuthHeader,
                           sync::SignNodeAuthorization(
                               node_id, key, sync::ChunkUploadMessage(node_id, c->hash))}}));
      if (put.status != 200) return Refused(store, put);
      HOSO_RETURN_IF_ERROR(MarkUploaded(db, hash, c->idx, clock->NowMs()));
      sent.insert(c->hash);
      ++report.chunks_sent;
      report.bytes_sent += c->size;
      auto receipt = ParseJsonObject(put.body);
      if (receipt.ok()) {
        if (auto done = GetArray(*receipt, "completed"); done.ok()) {
          for (const json::value& d : **done) {
            if (d.is_string() && d.get_string() == hash) ++report.attachments_completed;
          }
        }
      }
    }
  }
  return report;
}

}  // namespace hoso::node
