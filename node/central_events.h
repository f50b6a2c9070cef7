// The central's events about this node's dossiers: officers' actions that a
// down-sync carries as {"kind":"event","event":{...}} items (sync/FORMAT.md).
// Each is stored once by its event id (table central_events, schema/sql/
// node/005_central_events.sql) and, the first time only, moves the local
// dossier through the state machine (schema/dossier_state.h): its status,
// and the appointment for an apology, the result for a recorded result. An
// item sent again (the answer that carried it was lost) changes nothing.
// An online dossier whose result is collected at this desk is not in
// `dossiers`: its events go to the node's collections (node/collections.h).
//
// Thread-safety: reentrant functions on the Database they are given (one
// thread at a time, see schema/sqlite.h).
#ifndef HOSO_NODE_CENTRAL_EVENTS_H_
#define HOSO_NODE_CENTRAL_EVENTS_H_

#include <string>
#include <vector>

#include "schema/catalog.h"
#include "schema/events.h"
#include "schema/json_util.h"
#include "schema/sqlite.h"
#include "schema/status.h"
#include "schema/time.h"

namespace hoso::node {

// Applies one "event" item. True when the event is new here (stored now),
// false when it was already held. kInvalidArgument for an item whose event
// does not validate (schema/events.h) or names no dossier. `node_id` is this
// node's id (empty: no online dossier becomes a collection here); `catalog`
// (may be null) names a collection's procedure.
// REQUIRES: called inside the transaction that applies the down-sync.
Result<bool> ApplyCentralEventItem(Database& db, const json::object& item, UnixMs now,
                                   const std::string& node_id = "",
                                   const Catalog* catalog = nullptr);

// The central's events of a dossier, oldest first.
Result<std::vector<Event>> CentralEventsOfDossier(Database& db, const std::string& dossier_code);

}  // namespace hoso::node

#endif  // HOSO_NODE_CENTRAL_EVENTS_H_
