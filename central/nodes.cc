#include "central/nodes.h"

#include <sodium.h>

#include <iterator>
#include <utility>

#include "schema/events.h"
#include "schema/ids.h"
#include "schema/text.h"
#include "sync/batch.h"
#include "sync/keys.h"
#include "sync/signed_file.h"

namespace hoso::central {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kInvalidTokenMessage[] =
    "the enrolment token is unknown, already used or expired; ask the administrator for a new "
    "one (hoso-central node add)";

std::string Base32(const unsigned char* bytes, size_t n) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Status ValidateRole(const std::string& role) {
  if (role != "desk" && role != "courier") {
    return Status::InvalidArgument("role must be desk or courier", "role");
  }
  return Status::OK();
}

// How the codec's decoding errors of a file sent to the central are refused.
Refusal DecodeRefusal(const Status& s) {
  if (sync::IsBadSignature(s)) return Refuse(422, "bad_signature", s.message());
  if (s.code() == Status::Code::kResourceExhausted) {
    return Refuse(413, "body_too_large", s.message());
  }
  return Refuse(400, "bad_request", s.message());
}

struct KeyRow {
  std::string state;
  std::string public_key;
};

Result<std::optional<KeyRow>> FindKey(Database& db, const std::string& node_id,
                                      const std::string& key_id) {
  HOSO_ASSIGN_OR_RETURN(Statement q, db.Prepare("SELECT state, public_key FROM node_keys "
                                                "WHERE node_id = ?1 AND key_id = ?2"));
  q.Bind(1, node_id).Bind(2, key_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<KeyRow>();
  return std::optional<KeyRow>(KeyRow{q.ColumnText(0), q.ColumnBlob(1)});
}

Result<std::optional<std::string>> RevocationReason(Database& db, const std::string& node_id) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT reason FROM node_revocations WHERE node_id = ?1"));
  q.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.ColumnText(0));
}

}  // namespace

std::string TokenHash(std::string_view typed_token) {
  std::string norm;
  for (char c : typed_token) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    norm.push_back((c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return sync::Blake2b256(norm);
}

json::object NodeInfo::ToJson() const {
  json::object o{{"node_id", node_id},
                 {"unit_code", unit_code},
                 {"role", role},
                 {"state", state},
                 {"created_at", FormatLocalIso(created_at_ms)},
                 {"high_water_seq", high_water_seq}};
  o["last_seen"] = last_seen_ms ? json::value(FormatLocalIso(*last_seen_ms)) : json::value();
  o["active_key_id"] = active_key_id ? json::value(*active_key_id) : json::value();
  if (revocation_reason) o["revocation_reason"] = *revocation_reason;
  if (revoked_at_ms) o["revoked_at"] = FormatLocalIso(*revoked_at_ms);
  o["waybill_serials_unused"] =
      waybill_serials_unused ? json::value(*waybill_serials_unused) : json::value();
  o["waybill_short_since"] =
      waybill_short_since_ms ? json::value(FormatLocalIso(*waybill_short_since_ms)) : json::value();
  return o;
}

Result<KeyRotation> KeyRotation::FromJson(const json::object& o) {
  KeyRotation r;
  HOSO_ASSIGN_OR_RETURN(r.node_id, GetString(o, "node_id"));
  HOSO_ASSIGN_OR_RETURN(r.old_key_id, GetString(o, "old_key_id"));
  HOSO_ASSIGN_OR_RETURN(r.new_public_key_hex, GetString(o, "new_public_key"));
  HOSO_ASSIGN_OR_RETURN(r.signature_hex, GetString(o, "signature"));
  return r;
}

NodeAdmin::NodeAdmin(CentralStore* store, Clock* clock) : store_(store), clock_(clock) {}

Result<EnrolToken> NodeAdmin::AddNode(const std::string& node_id, const std::string& unit_code,
                                      const std::string& role, int64_t token_lifetime_ms) {
  HOSO_RETURN_IF_ERROR(ValidateId(node_id, "node_id"));
  {
    Status s = ValidateUnitCode(unit_code);
    if (!s.ok()) return Status::InvalidArgument(s.message(), "unit_code");
  }
  HOSO_RETURN_IF_ERROR(ValidateRole(role));
  if (token_lifetime_ms <= 0) {
    return Status::InvalidArgument("the token lifetime must be positive", "token_lifetime_ms");
  }
  unsigned char raw[kTokenBytes];
  randombytes_buf(raw, sizeof raw);
  EnrolToken token{Base32(raw, sizeof raw), 0};
  sodium_memzero(raw, sizeof raw);

  const UnixMs now = clock_->NowMs();
  token.expires_at_ms = now + token_lifetime_ms;
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement taken, db->Prepare("SELECT node_id FROM nodes "
                                                     "WHERE node_id = ?1 OR unit_code = ?2"));
  taken.Bind(1, node_id).Bind(2, unit_code);
  HOSO_ASSIGN_OR_RETURN(bool exists, taken.Step());
  if (exists) {
    if (taken.ColumnText(0) == node_id) {
      return Status::Conflict("node " + node_id + " already exists");
    }
    return Status::Conflict("unit code " + unit_code + " already belongs to node " +
                            taken.ColumnText(0));
  }
  HOSO_ASSIGN_OR_RETURN(Statement ins, db->Prepare("INSERT INTO nodes (node_id, unit_code, role, "
                                                   "state, created_at_ms) VALUES "
                                                   "(?1, ?2, ?3, 'pending', ?4)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, node_id).Bind(2, unit_code).Bind(3, role).Bind(4, now).Run());
  HOSO_ASSIGN_OR_RETURN(Statement progress,
                        db->Prepare("INSERT INTO node_progress (node_id) VALUES (?1)"));
  HOSO_RETURN_IF_ERROR(progress.Bind(1, node_id).Run());
  HOSO_ASSIGN_OR_RETURN(Statement tok, db->Prepare("INSERT INTO enrol_tokens (token_hash, "
                                                   "node_id, created_at_ms, expires_at_ms) "
                                                   "VALUES (?1, ?2, ?3, ?4)"));
  HOSO_RETURN_IF_ERROR(tok.BindBlob(1, TokenHash(token.token))
                           .Bind(2, node_id)
                           .Bind(3, now)
                           .Bind(4, token.expires_at_ms)
                           .Run());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return token;
}

Outcome<std::string> NodeAdmin::Enrol(std::string_view request_file) {
  auto decoded = sync::DecodeEnrolRequest(request_file);
  if (!decoded.ok()) return DecodeRefusal(decoded.status());
  const sync::EnrolRequest& req = *decoded;
  HOSO_RETURN_IF_ERROR(ValidateId(req.node_id, "node_id"));
  HOSO_RETURN_IF_ERROR(ValidateRole(req.role));

  const UnixMs now = clock_->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement tq, db->Prepare("SELECT node_id, expires_at_ms, used_at_ms, "
                                                  "used_by_key_id FROM enrol_tokens "
                                                  "WHERE token_hash = ?1"));
  tq.BindBlob(1, TokenHash(req.token));
  HOSO_ASSIGN_OR_RETURN(bool found, tq.Step());
  // A token of another node is refused exactly like an unknown one, so that
  // a token says nothing about which nodes exist.
  if (!found || tq.ColumnText(0) != req.node_id) {
    return Refuse(401, "invalid_token", kInvalidTokenMessage);
  }
  const UnixMs expires_at = tq.ColumnInt(1);
  const std::optional<UnixMs> used_at = tq.ColumnOptInt(2);
  const std::optional<std::string> used_by = tq.ColumnOptText(3);

  HOSO_ASSIGN_OR_RETURN(Statement nq, db->Prepare("SELECT unit_code, role, state, created_at_ms "
                                                  "FROM nodes WHERE node_id = ?1"));
  nq.Bind(1, req.node_id);
  HOSO_ASSIGN_OR_RETURN(bool node_found, nq.Step());
  if (!node_found) return Refuse(401, "invalid_token", kInvalidTokenMessage);
  const std::string unit_code = nq.ColumnText(0);
  const std::string role = nq.ColumnText(1);
  const std::string state = nq.ColumnText(2);

  UnixMs enrolled_at = now;
  if (used_by.has_value()) {
    // Only the repetition of the enrolment that spent the token, by the key
    // it enrolled, which is still the node's active key, is answered again.
    HOSO_ASSIGN_OR_RETURN(auto key, FindKey(*db, req.node_id, req.key_id));
    if (*used_by != req.key_id || state != "active" || !key || key->state != "active") {
      return Refuse(401, "invalid_token", kInvalidTokenMessage);
    }
    enrolled_at = used_at.value_or(now);
  } else {
    if (now >= expires_at) return Refuse(401, "invalid_token", kInvalidTokenMessage);
    if (state != "pending") {
      return Refuse(409, "already_enrolled", "node " + req.node_id + " is already " + state);
    }
    if (req.unit_code != unit_code) {
      return Refusal{400, "bad_request",
                     "node " + req.node_id + " was added with unit code " + unit_code, "unit_code",
                     std::nullopt};
    }
    if (req.role != role) {
      return Refusal{400, "bad_request", "node " + req.node_id + " was added as a " + role, "role",
                     std::nullopt};
    }
    HOSO_ASSIGN_OR_RETURN(auto key_count, db->Prepare("SELECT COUNT(*) FROM node_keys "
                                                      "WHERE key_id = ?1"));
    key_count.Bind(1, req.key_id);
    HOSO_ASSIGN_OR_RETURN(bool counted, key_count.Step());
    if (counted && key_count.ColumnInt(0) > 0) {
      return Refuse(409, "conflict", "key " + req.key_id + " is already enrolled");
    }
    HOSO_ASSIGN_OR_RETURN(Statement ins, db->Prepare("INSERT INTO node_keys (node_id, key_id, "
                                                     "public_key, state, created_at_ms) VALUES "
                                                     "(?1, ?2, ?3, 'active', ?4)"));
    HOSO_RETURN_IF_ERROR(ins.Bind(1, req.node_id)
                             .Bind(2, req.key_id)
                             .BindBlob(3, req.public_key)
                             .Bind(4, now)
                             .Run());
    HOSO_ASSIGN_OR_RETURN(Statement upd, db->Prepare("UPDATE nodes SET state = 'active', "
                                                     "last_seen_ms = ?2 WHERE node_id = ?1"));
    HOSO_RETURN_IF_ERROR(upd.Bind(1, req.node_id).Bind(2, now).Run());
    HOSO_ASSIGN_OR_RETURN(Statement spend, db->Prepare("UPDATE enrol_tokens SET used_at_ms = ?2, "
                                                       "used_by_key_id = ?3 "
                                                       "WHERE token_hash = ?1"));
    HOSO_RETURN_IF_ERROR(
        spend.BindBlob(1, TokenHash(req.token)).Bind(2, now).Bind(3, req.key_id).Run());
  }

  sync::EnrolAnswer answer;
  answer.central_id = store_->central_id();
  answer.node_id = req.node_id;
  answer.unit_code = unit_code;
  answer.role = role;
  answer.enrolled_at_ms = enrolled_at;
  HOSO_ASSIGN_OR_RETURN(answer.items, TakeDataVersionItems(*db, req.node_id, false, now));
  HOSO_ASSIGN_OR_RETURN(std::string file, sync::EncodeEnrolAnswer(answer, store_->key()));
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return file;
}

Outcome<std::string> NodeAdmin::RotateKey(const KeyRotation& r) {
  auto new_pk = sync::PublicKeyFromHex(r.new_public_key_hex);
  if (!new_pk.ok()) {
    return Refusal{400, "bad_request", new_pk.status().message(), "new_public_key", std::nullopt};
  }
  auto signature = HexDecode(r.signature_hex);
  if (!signature.ok() || signature->size() != sync::kSignatureBytes) {
    return Refusal{400, "bad_request", "signature must be 128 hex characters", "signature",
                   std::nullopt};
  }
  const std::string new_key_id = sync::KeyIdOf(*new_pk);
  const UnixMs now = clock_->NowMs();

  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement nq, db->Prepare("SELECT state FROM nodes WHERE node_id = ?1"));
  nq.Bind(1, r.node_id);
  HOSO_ASSIGN_OR_RETURN(bool node_found, nq.Step());
  if (!node_found || nq.ColumnText(0) == "pending") {
    return Refuse(401, "unknown_node", "node " + r.node_id + " is not enrolled here");
  }
  if (nq.ColumnText(0) == "revoked") {
    HOSO_ASSIGN_OR_RETURN(auto reason, RevocationReason(*db, r.node_id));
    return Refuse(403, "key_revoked",
                  "node " + r.node_id + " was revoked: " + reason.value_or("no reason given"));
  }
  HOSO_ASSIGN_OR_RETURN(auto old_key, FindKey(*db, r.node_id, r.old_key_id));
  if (!old_key) {
    return Refuse(401, "unknown_key", "key " + r.old_key_id + " is not a key of " + r.node_id);
  }
  if (old_key->state == "revoked") {
    return Refuse(403, "key_revoked", "key " + r.old_key_id + " was revoked");
  }
  if (!sync::Verify(old_key->public_key, sync::RotationMessage(r.node_id, r.new_public_key_hex),
                    *signature)) {
    return Refuse(422, "bad_signature", "the rotation is not signed by key " + r.old_key_id);
  }
  HOSO_ASSIGN_OR_RETURN(auto new_key, FindKey(*db, r.node_id, new_key_id));
  if (old_key->state == "retired") {
    // A rotation repeated because its answer was lost is answered again.
    if (new_key && new_key->state == "active") return new_key_id;
    return Refuse(403, "key_retired", "key " + r.old_key_id + " was replaced by a rotation");
  }
  HOSO_ASSIGN_OR_RETURN(Statement used, db->Prepare("SELECT COUNT(*) FROM node_keys "
                                                    "WHERE key_id = ?1"));
  used.Bind(1, new_key_id);
  HOSO_ASSIGN_OR_RETURN(bool counted, used.Step());
  if (counted && used.ColumnInt(0) > 0) {
    return Refuse(409, "conflict", "key " + new_key_id + " is already enrolled");
  }
  HOSO_ASSIGN_OR_RETURN(Statement retire, db->Prepare("UPDATE node_keys SET state = 'retired' "
                                                      "WHERE node_id = ?1 AND key_id = ?2"));
  HOSO_RETURN_IF_ERROR(retire.Bind(1, r.node_id).Bind(2, r.old_key_id).Run());
  HOSO_ASSIGN_OR_RETURN(Statement ins, db->Prepare("INSERT INTO node_keys (node_id, key_id, "
                                                   "public_key, state, created_at_ms) VALUES "
                                                   "(?1, ?2, ?3, 'active', ?4)"));
  HOSO_RETURN_IF_ERROR(
      ins.Bind(1, r.node_id).Bind(2, new_key_id).BindBlob(3, *new_pk).Bind(4, now).Run());
  HOSO_RETURN_IF_ERROR(txn.Commit());
  return new_key_id;
}

Status NodeAdmin::Revoke(const std::string& node_id, const std::string& reason_in) {
  const std::string reason = NormaliseSpaces(reason_in);
  if (reason.empty() || !IsValidUtf8(reason)) {
    return Status::InvalidArgument("a revocation needs a reason", "reason");
  }
  const UnixMs now = clock_->NowMs();
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db));
  HOSO_ASSIGN_OR_RETURN(Statement nq, db->Prepare("SELECT state FROM nodes WHERE node_id = ?1"));
  nq.Bind(1, node_id);
  HOSO_ASSIGN_OR_RETURN(bool found, nq.Step());
  if (!found) return Status::NotFound("no node " + node_id);
  if (nq.ColumnText(0) == "revoked") return Status::Conflict("node " + node_id + " is revoked");
  const char* const kSteps[] = {
      "UPDATE nodes SET state = 'revoked' WHERE node_id = ?1",
      "UPDATE node_keys SET state = 'revoked', revoked_at_ms = ?2 "
      "WHERE node_id = ?1 AND state <> 'revoked'",
      // A pending node's unused token must not enrol it after all.
      "DELETE FROM enrol_tokens WHERE node_id = ?1 AND used_at_ms IS NULL",
  };
  for (const char* sql : kSteps) {
    HOSO_ASSIGN_OR_RETURN(Statement st, db->Prepare(sql));
    st.Bind(1, node_id);
    if (st.ParamIndex("?2") > 0) st.Bind(2, now);
    HOSO_RETURN_IF_ERROR(st.Run());
  }
  HOSO_ASSIGN_OR_RETURN(Statement ins, db->Prepare("INSERT INTO node_revocations (node_id, "
                                                   "reason, revoked_at_ms) VALUES (?1, ?2, ?3)"));
  HOSO_RETURN_IF_ERROR(ins.Bind(1, node_id).Bind(2, reason).Bind(3, now).Run());
  return txn.Commit();
}

Result<std::vector<NodeInfo>> NodeAdmin::ListNodes() {
  HOSO_ASSIGN_OR_RETURN(DbLease db, store_->Db());
  HOSO_ASSIGN_OR_RETURN(
      Statement q, db->Prepare("SELECT n.node_id, n.unit_code, n.role, n.state, n.created_at_ms, "
                               "n.last_seen_ms, COALESCE(p.high_water_seq, 0), "
                               "(SELECT key_id FROM node_keys k WHERE k.node_id = n.node_id "
                               " AND k.state = 'active' ORDER BY created_at_ms DESC LIMIT 1), "
                               "r.reason, r.revoked_at_ms, w.unused_serials, w.short_since_ms "
                               "FROM nodes n LEFT JOIN node_progress p ON p.node_id = n.node_id "
                               "LEFT JOIN node_revocations r ON r.node_id = n.node_id "
                               "LEFT JOIN node_waybill_stock w ON w.node_id = n.node_id "
                               "ORDER BY n.node_id"));
  std::vector<NodeInfo> out;
  while (true) {
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    NodeInfo n;
    n.node_id = q.ColumnText(0);
    n.unit_code = q.ColumnText(1);
    n.role = q.ColumnText(2);
    n.state = q.ColumnText(3);
    n.created_at_ms = q.ColumnInt(4);
    n.last_seen_ms = q.ColumnOptInt(5);
    n.high_water_seq = q.ColumnInt(6);
    n.active_key_id = q.ColumnOptText(7);
    n.revocation_reason = q.ColumnOptText(8);
    n.revoked_at_ms = q.ColumnOptInt(9);
    n.waybill_serials_unused = q.ColumnOptInt(10);
    n.waybill_short_since_ms = q.ColumnOptInt(11);
    out.push_back(std::move(n));
  }
  return out;
}

Result<std::vector<json::object>> TakeDataVersionItems(Database& db, const std::string& node_id,
                                                       bool only_changed_for_node, UnixMs now) {
  HOSO_ASSIGN_OR_RETURN(Statement q,
                        db.Prepare("SELECT d.version, d.body, s.version FROM data_versions d "
                                   "LEFT JOIN node_data_versions s "
                                   "ON s.node_id = ?1 AND s.kind = d.kind WHERE d.kind = ?2"));
  HOSO_ASSIGN_OR_RETURN(Statement mark,
                        db.Prepare("INSERT INTO node_data_versions (node_id, kind, version, "
                                   "sent_at_ms) VALUES (?1, ?2, ?3, ?4) "
                                   "ON CONFLICT (node_id, kind) DO UPDATE SET "
                                   "version = excluded.version, sent_at_ms = excluded.sent_at_ms"));
  std::vector<json::object> items;
  for (const char* kind : kDataKinds) {
    q.Reset();
    q.Bind(1, node_id).Bind(2, kind);
    HOSO_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) continue;
    const std::string version = q.ColumnText(0);
    if (only_changed_for_node && q.ColumnOptText(2) == version) continue;
    auto body = ParseJsonObject(q.ColumnText(1), 64);
    if (!body.ok()) {
      return Status::Corruption("data_versions " + std::string(kind) + ": " +
                                body.status().message());
    }
    items.push_back(json::object{{"kind", "data_version"},
                                 {"data", kind},
                                 {"version", version},
                                 {"body", std::move(body).value()}});
    if (!node_id.empty()) {
      HOSO_RETURN_IF_ERROR(mark.Bind(1, node_id).Bind(2, kind).Bind(3, version).Bind(4, now).Run());
    }
  }
  return items;
}

}  // namespace hoso::central
