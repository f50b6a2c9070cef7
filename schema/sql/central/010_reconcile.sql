-- Central database, schema version 10: reconciliation (central/reconcile.h,
-- docs/OPERATIONS.md "Reconciliation").

-- How a node reported its own backlog: the optional "unacked_events" member
-- of a batch or poll header (sync/FORMAT.md) is the count of the node's
-- events it had not seen acknowledged when it built the file. backlog_events
-- is what the central still lacks after applying that file
-- (first_seq - 1 + unacked_events - high water, at least 0), as of
-- backlog_reported_at_ms (the central's clock). NULL: the node never said.
ALTER TABLE nodes ADD COLUMN unacked_events INTEGER CHECK (unacked_events IS NULL OR unacked_events >= 0);
ALTER TABLE nodes ADD COLUMN backlog_events INTEGER CHECK (backlog_events IS NULL OR backlog_events >= 0);
ALTER TABLE nodes ADD COLUMN backlog_reported_at_ms INTEGER;

-- Resolutions of reconciliation items: each is a reconciliation_resolved
-- event the central authors (actor = the supervisor's username), kept whole
-- (event_json, its envelope as docs/EVENTS.md writes it) in a chain of its
-- own: seq 1, 2, ... hashed like a node's chain, prev_hash of seq 1 is 32
-- zero bytes. They live here rather than in central_events because an item
-- may be about a node, which has no dossier code, and because a resolution
-- is the central's bookkeeping: it does not flow down to any node and does
-- not change the dossier projection.
--
-- item_id is the item's stable id (<rule>:<subject>); facts_hash is the
-- BLAKE2b-256 of the facts the person saw. An item is resolved while its
-- newest resolution carries the facts_hash of its current facts: a new
-- conflicting fact changes the hash and the item is open again.
CREATE TABLE reconcile_resolutions (
  seq INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
  event_id TEXT NOT NULL UNIQUE CHECK (event_id <> ''),
  item_id TEXT NOT NULL CHECK (item_id <> ''),
  rule TEXT NOT NULL CHECK (rule <> ''),
  subject TEXT NOT NULL CHECK (subject <> ''),
  facts_hash TEXT NOT NULL CHECK (length(facts_hash) = 64),
  resolution TEXT NOT NULL CHECK (resolution <> ''),
  note TEXT NOT NULL CHECK (note <> ''),
  actor TEXT NOT NULL CHECK (actor <> ''),
  resolved_at_ms INTEGER NOT NULL,
  event_json TEXT NOT NULL CHECK (json_valid(event_json)),
  hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE INDEX reconcile_resolutions_by_item ON reconcile_resolutions (item_id, seq);

CREATE TRIGGER reconcile_resolutions_immutable
BEFORE UPDATE ON reconcile_resolutions
BEGIN
  SELECT RAISE(ABORT, 'events are immutable');
END;

CREATE TRIGGER reconcile_resolutions_append_only
BEFORE DELETE ON reconcile_resolutions
BEGIN
  SELECT RAISE(ABORT, 'events are never deleted');
END;

-- The report reads the event tables in one scan each, filtering by type: no
-- index by type, which every ingested event would pay for.
