#include "node/outbox.h"

#include <functional>
#include <utility>

#include "schema/json_util.h"

namespace hoso::node {

namespace {

constexpr char kSelectColumns[] =
    "SELECT seq, event_id, type, schema_version, dossier_code, payload, device_time_ms, "
    "prev_hash, hash, seq <= (SELECT acked_seq FROM outbox_ack), actor, waybill "
    "FROM outbox_events ";

// Rebuilds the envelope of the current row of a kSelectColumns query.
Result<OutboxRecord> DecodeRow(const Statement& st, const std::string& node_id) {
  const int64_t seq = st.ColumnInt(0);
  auto corrupt = [seq](const Status& s) {
    return Status::Corruption("outbox event seq " + std::to_string(seq) +
                              " cannot be decoded: " + s.message());
  };
  OutboxRecord r;
  Event& e = r.event;
  e.seq = seq;
  e.event_id = st.ColumnText(1);
  auto type = EventTypeFromName(st.ColumnText(2));
  if (!type.ok()) return corrupt(type.status());
  e.type = *type;
  e.schema_version = static_cast<int>(st.ColumnInt(3));
  e.dossier_code = st.ColumnOptText(4);
  auto payload = ParseJsonObject(st.ColumnText(5));
  if (!payload.ok()) return corrupt(payload.status());
  e.payload = std::move(*payload);
  e.device_time_ms = st.ColumnInt(6);
  r.prev_hash = st.ColumnBlob(7);
  r.hash = st.ColumnBlob(8);
  r.acked = st.ColumnInt(9) != 0;
  e.actor = st.ColumnOptText(10);
  e.waybill = st.ColumnOptText(11);
  e.node_id = node_id;
  return r;
}

Result<std::vector<OutboxRecord>> Collect(Database& db, Statement& st) {
  HOSO_ASSIGN_OR_RETURN(std::string node_id, OutboxNodeId(db));
  std::vector<OutboxRecord> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    HOSO_ASSIGN_OR_RETURN(OutboxRecord r, DecodeRow(st, node_id));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

Result<std::string> OutboxNodeId(Database& db) {
  HOSO_ASSIGN_OR_RETURN(Statement st,
                        db.Prepare("SELECT value FROM node_settings WHERE key = 'node_id'"));
  HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return Status::NotFound("the node database has no node_id setting");
  return st.ColumnText(0);
}

Result<int64_t> AppendEvent(Database& db, Event& ev) {
  if (!db.InTransaction()) {
    return Status::Internal("AppendEvent needs an open write transaction");
  }
  HOSO_ASSIGN_OR_RETURN(std::string node_id, OutboxNodeId(db));
  if (ev.node_id.empty()) {
    ev.node_id = node_id;
  } else if (ev.node_id != node_id) {
    return Status::InvalidArgument(
        "event node_id '" + ev.node_id + "' is not this node's id '" + node_id + "'", "node_id");
  }
  // The last row by primary key: O(log n), and inside the write transaction
  // so no other writer can take the same number.
  HOSO_ASSIGN_OR_RETURN(
      Statement last, db.Prepare("SELECT seq, hash FROM outbox_events ORDER BY seq DESC LIMIT 1"));
  HOSO_ASSIGN_OR_RETURN(bool has_last, last.Step());
  const int64_t seq = has_last ? last.ColumnInt(0) + 1 : 1;
  const std::string prev_hash = has_last ? last.ColumnBlob(1) : GenesisHash();
  if (prev_hash.size() != kChainHashBytes) {
    return Status::Corruption("outbox event seq " + std::to_string(seq - 1) +
                              " has a hash of the wrong length");
  }
  ev.seq = seq;
  if (Status s = ValidateEvent(ev); !s.ok()) {
    ev.seq = 0;
    return s;
  }
  const std::string hash = ChainHash(prev_hash, CanonicalJson(ev));
  HOSO_ASSIGN_OR_RETURN(
      Statement ins,
      db.Prepare("INSERT INTO outbox_events (seq, event_id, type, schema_version, dossier_code, "
                 "payload, device_time_ms, prev_hash, hash, actor, waybill) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  ins.Bind(1, seq)
      .Bind(2, ev.event_id)
      .Bind(3, EventTypeName(ev.type))
      .Bind(4, ev.schema_version)
      .Bind(5, ev.dossier_code)
      .Bind(6, ToJson(ev.payload))
      .Bind(7, ev.device_time_ms)
      .BindBlob(8, prev_hash)
      .BindBlob(9, hash)
      .Bind(10, ev.actor)
      .Bind(11, ev.waybill);
  HOSO_RETURN_IF_ERROR(ins.Run());
  return seq;
}

Result<int64_t> LastSeq(Database& db) {
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> v,
                        db.QueryInt("SELECT MAX(seq) FROM outbox_events"));
  return v.value_or(0);
}

Result<std::vector<OutboxRecord>> PendingEvents(Database& db, int64_t after_seq, int limit) {
  if (limit < 1 || limit > 10000) {
    return Status::InvalidArgument("limit must be 1..10000", "limit");
  }
  HOSO_ASSIGN_OR_RETURN(Statement st,
                        db.Prepare(std::string(kSelectColumns) +
                                   "WHERE seq > MAX(?1, (SELECT acked_seq FROM outbox_ack)) "
                                   "ORDER BY seq LIMIT ?2"));
  st.Bind(1, after_seq).Bind(2, limit);
  return Collect(db, st);
}

Result<std::vector<OutboxRecord>> EventsFrom(Database& db, int64_t from_seq, int limit) {
  if (limit < 1 || limit > 10000) {
    return Status::InvalidArgument("limit must be 1..10000", "limit");
  }
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSelectColumns) +
                                                 "WHERE seq >= ?1 ORDER BY seq LIMIT ?2"));
  st.Bind(1, from_seq).Bind(2, limit);
  return Collect(db, st);
}

Status ForEachEventFrom(Database& db, int64_t from_seq, int limit,
                        const std::function<bool(OutboxRecord&)>& fn) {
  if (limit < 1 || limit > 10000) {
    return Status::InvalidArgument("limit must be 1..10000", "limit");
  }
  HOSO_ASSIGN_OR_RETURN(std::string node_id, OutboxNodeId(db));
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSelectColumns) +
                                                 "WHERE seq >= ?1 ORDER BY seq LIMIT ?2"));
  st.Bind(1, from_seq).Bind(2, limit);
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::OK();
    HOSO_ASSIGN_OR_RETURN(OutboxRecord r, DecodeRow(st, node_id));
    if (!fn(r)) return Status::OK();
  }
}

Result<std::vector<OutboxRecord>> EventsOfDossier(Database& db, const std::string& dossier_code) {
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSelectColumns) +
                                                 "WHERE dossier_code = ?1 ORDER BY seq"));
  st.Bind(1, dossier_code);
  return Collect(db, st);
}

Result<int64_t> AckedPosition(Database& db) {
  HOSO_ASSIGN_OR_RETURN(std::optional<int64_t> v,
                        db.QueryInt("SELECT acked_seq FROM outbox_ack WHERE id = 1"));
  if (!v) return Status::Corruption("the node database has no outbox_ack row");
  return *v;
}

Status MarkAcked(Database& db, int64_t up_to_seq) {
  HOSO_ASSIGN_OR_RETURN(int64_t last, LastSeq(db));
  if (up_to_seq > last) {
    return Status::InvalidArgument("cannot acknowledge seq " + std::to_string(up_to_seq) +
                                       ": the outbox ends at " + std::to_string(last),
                                   "seq");
  }
  // One row, whatever the batch size; never backwards (a lower up_to_seq
  // leaves the position where it is).
  HOSO_ASSIGN_OR_RETURN(
      Statement st,
      db.Prepare("UPDATE outbox_ack SET acked_seq = ?1 WHERE id = 1 AND acked_seq < ?1"));
  st.Bind(1, up_to_seq);
  return st.Run();
}

Status VerifyChain(Database& db) {
  HOSO_ASSIGN_OR_RETURN(std::string node_id, OutboxNodeId(db));
  HOSO_ASSIGN_OR_RETURN(Statement st, db.Prepare(std::string(kSelectColumns) + "ORDER BY seq"));
  std::string prev = GenesisHash();
  int64_t expected_seq = 1;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return Status::OK();
    const int64_t seq = st.ColumnInt(0);
    const std::string at = "outbox event seq " + std::to_string(seq);
    if (seq != expected_seq) {
      return Status::Corruption("outbox sequence gap: expected seq " +
                                std::to_string(expected_seq) + ", found " + std::to_string(seq));
    }
    HOSO_ASSIGN_OR_RETURN(OutboxRecord r, DecodeRow(st, node_id));
    if (r.prev_hash != prev) {
      return Status::Corruption(at + ": prev_hash does not match the hash of the event before it");
    }
    if (r.prev_hash.size() != kChainHashBytes ||
        ChainHash(prev, CanonicalJson(r.event)) != r.hash) {
      return Status::Corruption(at + ": hash does not match its content");
    }
    prev = r.hash;
    ++expected_seq;
  }
}

}  // namespace hoso::node
