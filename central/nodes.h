// NodeAdmin: the central's register of desk and courier nodes: adding a node
// with a one-time enrolment token, enrolment (the node proves it holds a new
// Ed25519 key and spends the token), key rotation, revocation and listing.
//
// Node states (table nodes): pending (added, token not yet used) -> active
// (enrolled) -> revoked (every key revoked; its batches are refused with the
// stored reason). Key states (node_keys): active -> retired (replaced by a
// rotation) or revoked.
//
// Tokens: 32 random bytes shown once as 52 base32 characters; only their
// BLAKE2b-256 is stored, with an expiry. A token is spent by the first
// enrolment that uses it. Repeating that very enrolment (same node, same key:
// its answer was lost on the way) is answered again; any other use of a
// spent token is refused as "invalid_token".
//
// Thread-safety: safe for concurrent use; each call takes its own database
// connection from the CentralStore and writes in one IMMEDIATE transaction.
#ifndef HOSO_CENTRAL_NODES_H_
#define HOSO_CENTRAL_NODES_H_

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
#include "schema/status.h"

namespace hoso::central {

inline constexpr int64_t kDefaultTokenLifetimeMs = int64_t{7} * 24 * 3600 * 1000;

struct EnrolToken {
  std::string token;  // shown once; not stored
  UnixMs expires_at_ms = 0;
};

struct NodeInfo {
  std::string node_id;
  std::string unit_code;
  std::string role;   // desk | courier
  std::string state;  // pending | active | revoked
  UnixMs created_at_ms = 0;
  std::optional<UnixMs> last_seen_ms;  // last accepted batch or poll
  int64_t high_water_seq = 0;
  std::optional<std::string> active_key_id;
  std::optional<std::string> revocation_reason;
  std::optional<UnixMs> revoked_at_ms;
  // The central's count of the node's unused waybill serials at its last
  // down-sync (central/waybills.h); nullopt for a node that issues none.
  std::optional<int64_t> waybill_serials_unused;
  // Since when it is below the low-water mark with an empty pool.
  std::optional<UnixMs> waybill_short_since_ms;

  json::object ToJson() const;
};

// The body of POST /api/sync/rotate-key.
struct KeyRotation {
  std::string node_id;
  std::string old_key_id;
  std::string new_public_key_hex;
  std::string signature_hex;  // by the old key over sync::RotationMessage(...)

  static Result<KeyRotation> FromJson(const json::object& o);
};

class NodeAdmin {
 public:
  // REQUIRES: store and clock outlive the NodeAdmin.
  explicit NodeAdmin(CentralStore* store, Clock* clock = SystemClock());

  // Registers a pending node and issues its enrolment token.
  // kInvalidArgument for a bad id, unit code or role (field named);
  // kConflict when the node id or the unit code is taken.
  Result<EnrolToken> AddNode(const std::string& node_id, const std::string& unit_code,
                             const std::string& role,
                             int64_t token_lifetime_ms = kDefaultTokenLifetimeMs);

  // Applies an enrolment request file (HOSOENQ1) and returns the signed
  // enrolment answer (HOSOENA1) carrying the published data versions.
  // Refusals: 400 bad_request (framing, fields), 422 bad_signature,
  // 401 invalid_token (unknown, spent or expired token, or a token of another
  // node), 409 already_enrolled (the node is not pending).
  Outcome<std::string> Enrol(std::string_view request_file);

  // Replaces the node's active key `old_key_id` by a new one; returns the new
  // key id. The old key becomes retired. Repeating a rotation that already
  // happened answers the same key id. Refusals: 400 bad_request,
  // 401 unknown_node / unknown_key, 403 key_revoked / key_retired,
  // 422 bad_signature, 409 conflict (the new key is already known).
  Outcome<std::string> RotateKey(const KeyRotation& rotation);

  // Revokes the node and all its keys, keeping `reason` for the refusals of
  // its later batches. kNotFound for an unknown node, kInvalidArgument for an
  // empty reason, kConflict when already revoked.
  Status Revoke(const std::string& node_id, const std::string& reason);

  // Every node, ordered by node id.
  Result<std::vector<NodeInfo>> ListNodes();

 private:
  CentralStore* store_;
  Clock* clock_;
};

// The data_version down-sync items of every published kind, as stored in
// data_versions: {"kind":"data_version","data":K,"version":V,"body":{...}}.
// With `only_changed_for_node`, only the kinds whose version differs from
// what node_data_versions says that node was last sent. Records the versions
// returned as sent to `node_id` (when non-empty).
// REQUIRES: a write transaction is open on `db` when node_id is non-empty.
Result<std::vector<json::object>> TakeDataVersionItems(Database& db, const std::string& node_id,
                                                       bool only_changed_for_node, UnixMs now);

// BLAKE2b-256 (32 raw bytes, as enrol_tokens stores it) of a token as typed,
// after dropping spaces and dashes and upper-casing letters.
std::string TokenHash(std::string_view typed_token);

}  // namespace hoso::central

#endif  // HOSO_CENTRAL_NODES_H_
