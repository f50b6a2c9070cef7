-- Node (desk or courier) database, schema version 1: the foundation tables.
-- Instants are UTC milliseconds since the epoch (*_ms); days are local
-- (Asia/Ho_Chi_Minh) dates 'YYYY-MM-DD'.

-- 'HOSN': marks the file as a node database (see schema/migrations.h).
PRAGMA application_id = 1213158222;

-- Node identity and configuration (node_id, unit_code, role, central URL...).
CREATE TABLE node_settings (
  key TEXT NOT NULL PRIMARY KEY CHECK (key <> ''),
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Per-day counters: dossier numbers per unit ('dossier:<unit-code>') and queue
-- tickets per counter group ('queue:<group>'). last_value is the last number
-- handed out that day; a counter starts again from 1 on a new day.
CREATE TABLE daily_counters (
  scope TEXT NOT NULL CHECK (scope <> ''),
  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  last_value INTEGER NOT NULL CHECK (last_value >= 0),
  PRIMARY KEY (scope, day)
) STRICT, WITHOUT ROWID;

-- The node's replication log. Every change is written here in the same
-- transaction as the state it changes. seq is per node and gapless from 1;
-- hash chains each event to the previous one (prev_hash of seq 1 is the
-- genesis value). Events are immutable and never deleted; only `acked` moves,
-- once the central has acknowledged them.
CREATE TABLE outbox_events (
  seq INTEGER PRIMARY KEY CHECK (seq >= 1),
  event_id TEXT NOT NULL UNIQUE CHECK (event_id <> ''),
  type TEXT NOT NULL CHECK (type <> ''),
  schema_version INTEGER NOT NULL CHECK (schema_version >= 1),
  dossier_code TEXT,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  device_time_ms INTEGER NOT NULL,
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  acked INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1))
) STRICT;

CREATE INDEX outbox_events_unacked ON outbox_events (seq) WHERE acked = 0;
CREATE INDEX outbox_events_by_dossier ON outbox_events (dossier_code, seq)
  WHERE dossier_code IS NOT NULL;

-- seq must be given explicitly (it is hashed) and be exactly the next number.
CREATE TRIGGER outbox_events_gapless
BEFORE INSERT ON outbox_events
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox_events)
BEGIN
  SELECT RAISE(ABORT, 'outbox_events.seq must be the next sequence number');
END;

CREATE TRIGGER outbox_events_immutable
BEFORE UPDATE OF seq, event_id, type, schema_version, dossier_code, payload, device_time_ms,
  prev_hash, hash ON outbox_events
BEGIN
  SELECT RAISE(ABORT, 'outbox_events are immutable; only acked may change');
END;

CREATE TRIGGER outbox_events_append_only
BEFORE DELETE ON outbox_events
BEGIN
  SELECT RAISE(ABORT, 'outbox_events are never deleted');
END;

-- Blocks of waybill numbers the central allocated to this node, so that it
-- can number shipments offline. Numbers first..last; next is the next unused
-- one (last + 1 once the block is used up).
CREATE TABLE waybill_blocks (
  block_id INTEGER PRIMARY KEY,
  prefix TEXT NOT NULL,
  first INTEGER NOT NULL CHECK (first >= 0),
  last INTEGER NOT NULL CHECK (last >= first),
  next INTEGER NOT NULL CHECK (next BETWEEN first AND last + 1),
  received_at_ms INTEGER NOT NULL,
  UNIQUE (prefix, first)
) STRICT;

-- The catalog, holiday calendar and tariff in force on this node, as
-- published by the central (JSON, with their own effective dates inside).
CREATE TABLE data_versions (
  kind TEXT NOT NULL PRIMARY KEY CHECK (kind IN ('catalog', 'calendar', 'tariff')),
  version TEXT NOT NULL CHECK (version <> ''),
  body TEXT NOT NULL CHECK (json_valid(body)),
  installed_at_ms INTEGER NOT NULL
) STRICT;
