// Collections: online dossiers whose applicant chose to collect the result
// at this desk node (return.desk_node_id at the central's online door). The
// central makes the desk the dossier's origin, so its events about it come
// down as "event" items (sync/FORMAT.md). The desk never held the papers nor
// the lookup secret, so such a dossier is not a row of `dossiers` but of
// `collections` (schema/sql/node/007_collections.sql): created by the first
// dossier_submitted_online naming this node as the desk (or a central
// dossier_received for a code the desk does not hold), moved by every later
// central event through the state machine (schema/dossier_state.h), and
// handed over at the counter once the result is ready (status 9 -> 10, a
// result_returned event in the outbox in the same transaction).
//
// No ID number is stored: the hand-over keeps the last four digits the clerk
// checked, as the desk's own hand-back event does.
//
// Thread-safety: not thread-safe; one Collections per thread, like Desk.
// The free function is reentrant on the Database it is given.
#ifndef HOSO_NODE_COLLECTIONS_H_
#define HOSO_NODE_COLLECTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "node/node_store.h"
#include "schema/catalog.h"
#include "schema/env.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::node {

struct Collection {
  std::string code;
  std::string procedure_id;
  std::string procedure_name_vi, procedure_name_en;  // empty when the catalog lacks the id
  std::string applicant_name;
  int status = 1;
  std::optional<UnixMs> appointment_ms;
  std::string return_method = "desk";
  std::optional<UnixMs> submitted_at_ms;
  std::optional<UnixMs> received_at_ms;  // accepted at the central
  std::string result_outcome;            // approved | refused once recorded
  std::string result_note;
  std::optional<UnixMs> result_at_ms;
  // Status 10: who collected it here.
  std::string returned_recipient_name;
  std::string returned_recipient_id_suffix;  // last 4 digits
  bool returned_on_behalf = false;
  std::string returned_clerk;
  std::optional<UnixMs> returned_at_ms;
};

// What the clerk records at hand-over.
struct CollectionReturn {
  std::string recipient_name;
  std::string recipient_id_last4;  // exactly 4 digits, checked against the card
  bool on_behalf = false;
  std::string clerk;
};

// Applies a central event `e` (stored by the caller in central_events) to
// the collections of node `node_id`. Returns nullopt when it created or
// moved a collection, otherwise why not ("the dossier was not received at
// this node", a state machine refusal). A dossier_submitted_online is taken
// only when its desk_node_id is `node_id` and it is returned at the desk; a
// dossier_received only when authored by another node (the central).
// `catalog` (may be null) names the procedure.
// REQUIRES: inside the down-sync's transaction; the dossier is not in
// `dossiers`.
Result<std::optional<std::string>> ApplyToCollection(Database& db, const Event& e,
                                                     const std::string& node_id,
                                                     const Catalog* catalog, UnixMs now);

class Collections {
 public:
  // REQUIRES: store and clock outlive the Collections.
  Collections(NodeStore* store, Clock* clock);

  // Newest first; `status` filters when set. kInvalidArgument for a status
  // outside 1..10 or a limit outside 1..500.
  Result<std::vector<Collection>> List(std::optional<int> status, int limit = 100);
  // kNotFound "no collection NNN at this desk".
  Result<Collection> Get(const std::string& code);
  // Hand-over: status 9 -> 10 and a result_returned event (method desk) in
  // one transaction. kInvalidArgument naming the field for a bad recipient
  // name, last4 or clerk; kNotFound for an unknown code; kConflict before
  // the result is ready or after it was returned.
  Result<Collection> Return(const std::string& code, const CollectionReturn& r);

  static json::object ToJson(const Collection& c);
  // {"recipient_name","recipient_id_last4","on_behalf"?,"clerk"}.
  static Result<CollectionReturn> ParseReturn(const json::object& body);

 private:
  NodeStore* store_;
  Clock* clock_;
};

}  // namespace hoso::node

#endif  // HOSO_NODE_COLLECTIONS_H_
