-- Central database, schema version 6: the dossier projection and the
-- officers' workflow (central/dossiers.h, docs/STATES.md).

-- Events the central itself authors: officers' actions on dossiers. They form
-- the central's own chain (seq 1, 2, ... hashed like a node's, prev_hash of
-- seq 1 is 32 zero bytes); the envelope's node_id is the central id and the
-- actor is the officer's username. origin_node_id is the node where the
-- dossier was received: the event flows down to it.
CREATE TABLE central_events (
  seq INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
  node_id TEXT NOT NULL CHECK (node_id <> ''),
  event_id TEXT NOT NULL UNIQUE CHECK (event_id <> ''),
  type TEXT NOT NULL CHECK (type <> ''),
  schema_version INTEGER NOT NULL CHECK (schema_version >= 1),
  dossier_code TEXT NOT NULL CHECK (dossier_code <> ''),
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  device_time_ms INTEGER NOT NULL,
  actor TEXT NOT NULL CHECK (actor <> ''),
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  origin_node_id TEXT REFERENCES nodes (node_id)
) STRICT;

CREATE INDEX central_events_by_dossier ON central_events (dossier_code);

CREATE TRIGGER central_events_immutable
BEFORE UPDATE ON central_events
BEGIN
  SELECT RAISE(ABORT, 'events are immutable');
END;

CREATE TRIGGER central_events_append_only
BEFORE DELETE ON central_events
BEGIN
  SELECT RAISE(ABORT, 'events are never deleted');
END;

-- The current state of each dossier, folded from every event of it (node
-- events in `events`, officers' events in `central_events`) in the
-- transaction that stores them. A projection: rebuilt from the events
-- whenever one arrives, never edited by hand.
CREATE TABLE dossiers (
  dossier_code TEXT NOT NULL PRIMARY KEY CHECK (dossier_code <> ''),
  unit_code TEXT,                 -- the unit holding it now
  procedure_id TEXT,
  status INTEGER CHECK (status IS NULL OR status BETWEEN 1 AND 10),
  received_at_ms INTEGER,
  appointment_ms INTEGER,         -- the promised return time in force
  handler_id TEXT,
  handler_name TEXT,
  paused_since_ms INTEGER,        -- set while a supplement is awaited
  paused_total_ms INTEGER NOT NULL DEFAULT 0 CHECK (paused_total_ms >= 0),
  apology_count INTEGER NOT NULL DEFAULT 0 CHECK (apology_count BETWEEN 0 AND 1),
  origin_node_id TEXT,            -- the node that received (or first reported) it
  last_event_id TEXT NOT NULL,
  last_event_type TEXT NOT NULL,
  last_event_at_ms INTEGER NOT NULL,
  event_count INTEGER NOT NULL CHECK (event_count >= 1),
  conflict_count INTEGER NOT NULL DEFAULT 0 CHECK (conflict_count >= 0),
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX dossiers_inbox ON dossiers (unit_code, status);

-- Events the state machine refused when folded in order (a desk and an
-- officer acting on the same dossier while apart): kept here, never applied
-- over the state, for a supervisor to resolve.
CREATE TABLE dossier_conflicts (
  event_id TEXT NOT NULL PRIMARY KEY,
  dossier_code TEXT NOT NULL,
  node_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  reason TEXT NOT NULL,
  detected_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX dossier_conflicts_by_dossier ON dossier_conflicts (dossier_code);

-- The process-control log (Form 05): each step of a dossier is one handler
-- holding it, from an assignment or transfer until the next one, the result,
-- a stop or a withdrawal. outcome compares the end with the step deadline
-- (moved by any pause): early (an earlier day), on_time (by the deadline on
-- its day), late (after it); NULL while open or when no deadline was set.
CREATE TABLE dossier_steps (
  dossier_code TEXT NOT NULL,
  step_no INTEGER NOT NULL CHECK (step_no >= 1),
  unit_code TEXT,
  handler_id TEXT NOT NULL,
  handler_name TEXT NOT NULL,
  from_handler_id TEXT,
  handed_by TEXT,
  started_at_ms INTEGER NOT NULL,
  deadline_ms INTEGER,
  ended_at_ms INTEGER,
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('early', 'on_time', 'late')),
  event_id TEXT NOT NULL,
  PRIMARY KEY (dossier_code, step_no)
) STRICT, WITHOUT ROWID;

-- What of the central's events each node has been sent in down-syncs
-- (central/dossiers.h, sync/FORMAT.md "When the central sends which item").
-- Every officer's event of a dossier the node received is sent in every
-- answer until the node has evidently received one that carried it:
-- confirmed_seq is the central seq through which that is proven;
-- answered_hw / answered_through are the node's high water and the last
-- central seq of the answer that moved it there.
CREATE TABLE node_event_downflow (
  node_id TEXT NOT NULL PRIMARY KEY REFERENCES nodes (node_id),
  confirmed_seq INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_seq >= 0),
  answered_hw INTEGER NOT NULL DEFAULT 0 CHECK (answered_hw >= 0),
  answered_through INTEGER NOT NULL DEFAULT 0 CHECK (answered_through >= 0)
) STRICT, WITHOUT ROWID;

CREATE INDEX central_events_by_origin ON central_events (origin_node_id, seq)
  WHERE origin_node_id IS NOT NULL;
