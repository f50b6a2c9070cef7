-- Central database, schema version 8: postal return of results
-- (central/shipments.h, docs/STATES.md "Shipment").

-- The current state of each shipment (one row per waybill), folded from
-- every event carrying the waybill: the central's (shipment_created,
-- shipment_assigned in `central_events`) and the courier nodes' (`events`),
-- in the transaction that stores them. A projection: rebuilt from the events
-- whenever one arrives, never edited by hand. recipient_name, phone and
-- address are the only personal data a courier is sent.
CREATE TABLE shipments (
  waybill TEXT NOT NULL PRIMARY KEY CHECK (waybill <> ''),
  dossier_code TEXT,
  state TEXT CHECK (state IS NULL OR state IN ('requested', 'picked_up', 'out_for_delivery',
                                              'delivered', 'failed_attempt',
                                              'held_at_post_office', 'returned_to_agency')),
  courier_node_id TEXT,           -- the courier node it is assigned to now
  assignment_id TEXT,             -- event id of the shipment_assigned in force
  origin_node_id TEXT,            -- the desk that received the dossier
  recipient_name TEXT,
  phone TEXT,
  address TEXT,
  procedure_name TEXT,
  postal_fee_vnd INTEGER,
  fee_collected_vnd INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at_ms INTEGER,
  assigned_at_ms INTEGER,
  picked_up_at_ms INTEGER,
  delivered_at_ms INTEGER,
  returned_at_ms INTEGER,
  last_event_id TEXT NOT NULL,
  last_event_type TEXT NOT NULL,
  last_event_at_ms INTEGER NOT NULL,
  event_count INTEGER NOT NULL CHECK (event_count >= 1),
  conflict_count INTEGER NOT NULL DEFAULT 0 CHECK (conflict_count >= 0),
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX shipments_by_state ON shipments (state, courier_node_id);
CREATE INDEX shipments_by_dossier ON shipments (dossier_code);

-- Events the shipment state machine refused in fold order (a second
-- "delivered", a pick-up of a shipment never created, an assignment after
-- the pick-up): kept here, never applied over the state.
CREATE TABLE shipment_conflicts (
  event_id TEXT NOT NULL PRIMARY KEY,
  waybill TEXT NOT NULL,
  node_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  reason TEXT NOT NULL,
  detected_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX shipment_conflicts_by_waybill ON shipment_conflicts (waybill);

-- Blocks of waybill serials the central allocates to itself from the pool
-- (waybill_ranges, advanced like a node's block) to number the shipments it
-- creates when a result goes back by post. next is the serial it hands out
-- next (last + 1 once used up).
CREATE TABLE central_waybill_blocks (
  block_id INTEGER PRIMARY KEY,
  prefix TEXT NOT NULL CHECK (length(prefix) = 2),
  first INTEGER NOT NULL CHECK (first >= 0),
  last INTEGER NOT NULL CHECK (last >= first AND last <= 99999999),
  next INTEGER NOT NULL CHECK (next BETWEEN first AND last + 1),
  allocated_at_ms INTEGER NOT NULL,
  UNIQUE (prefix, first)
) STRICT;

CREATE TRIGGER central_waybill_blocks_disjoint
BEFORE INSERT ON central_waybill_blocks
WHEN EXISTS (SELECT 1 FROM waybill_blocks
             WHERE prefix = NEW.prefix AND first <= NEW.last AND NEW.first <= last)
  OR EXISTS (SELECT 1 FROM central_waybill_blocks
             WHERE prefix = NEW.prefix AND first <= NEW.last AND NEW.first <= last)
BEGIN
  SELECT RAISE(ABORT, 'waybill block overlaps an allocated block');
END;

-- Results going back by post whose shipment could not be created when the
-- result was recorded (the waybill pool was empty): the result stands; the
-- shipment is created by POST /api/dispatch/pending/create or
-- `hoso-central shipment create-pending` once the pool is refilled.
CREATE TABLE pending_shipments (
  dossier_code TEXT NOT NULL PRIMARY KEY,
  result_event_id TEXT NOT NULL,
  since_ms INTEGER NOT NULL,
  error_code TEXT NOT NULL,
  message TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- The assignment / unassignment items owed to courier nodes (sync/FORMAT.md),
-- queued with the shipment_assigned event that causes them. item_id orders a
-- node's items; each is sent in every answer to the node until the node
-- evidently holds it (courier_item_downflow, the rule of event items), or,
-- for an assignment, an event of that node carrying the waybill arrived.
CREATE TABLE courier_items (
  item_id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  kind TEXT NOT NULL CHECK (kind IN ('assignment', 'unassignment')),
  assignment_id TEXT NOT NULL,
  waybill TEXT NOT NULL,
  reason TEXT,
  created_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX courier_items_by_node ON courier_items (node_id, item_id);

-- What of courier_items each node is proven to hold: confirmed_id is the
-- item_id through which that is proven; answered_hw / answered_through are
-- the node's high water and the last item_id of the answer that moved it
-- there (as node_event_downflow for event items).
CREATE TABLE courier_item_downflow (
  node_id TEXT NOT NULL PRIMARY KEY REFERENCES nodes (node_id),
  confirmed_id INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_id >= 0),
  answered_hw INTEGER NOT NULL DEFAULT 0 CHECK (answered_hw >= 0),
  answered_through INTEGER NOT NULL DEFAULT 0 CHECK (answered_through >= 0)
) STRICT, WITHOUT ROWID;
