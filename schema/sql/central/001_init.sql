-- Central database, schema version 1: the foundation tables.
-- Instants are UTC milliseconds since the epoch (*_ms).

-- 'HOSC': marks the file as a central database (see schema/migrations.h).
PRAGMA application_id = 1213158211;

CREATE TABLE central_settings (
  key TEXT NOT NULL PRIMARY KEY CHECK (key <> ''),
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Desk and courier nodes. pending: added, enrolment token not yet used;
-- active: enrolled; revoked: its batches are refused.
CREATE TABLE nodes (
  node_id TEXT NOT NULL PRIMARY KEY CHECK (node_id <> ''),
  unit_code TEXT NOT NULL UNIQUE CHECK (unit_code <> ''),
  role TEXT NOT NULL CHECK (role IN ('desk', 'courier')),
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'revoked')),
  created_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER
) STRICT;

-- Ed25519 public keys of the nodes. A revoked key (and only a revoked one)
-- has a revocation time; retired keys were replaced by a rotation.
CREATE TABLE node_keys (
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  key_id TEXT NOT NULL CHECK (key_id <> ''),
  public_key BLOB NOT NULL CHECK (length(public_key) = 32),
  state TEXT NOT NULL CHECK (state IN ('active', 'retired', 'revoked')),
  created_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER,
  PRIMARY KEY (node_id, key_id),
  CHECK ((state = 'revoked') = (revoked_at_ms IS NOT NULL))
) STRICT;

-- How far each node's log has been applied: every event with seq <=
-- high_water_seq is in `events`, and last_hash is the hash of that last one
-- (NULL before the first).
CREATE TABLE node_progress (
  node_id TEXT NOT NULL PRIMARY KEY REFERENCES nodes (node_id),
  high_water_seq INTEGER NOT NULL DEFAULT 0 CHECK (high_water_seq >= 0),
  last_hash BLOB CHECK (last_hash IS NULL OR length(last_hash) = 32),
  CHECK ((high_water_seq = 0) = (last_hash IS NULL))
) STRICT;

-- Every event received from every node, applied exactly once: (node_id, seq)
-- and event_id are unique. Events are facts and are never changed or deleted.
CREATE TABLE events (
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  event_id TEXT NOT NULL UNIQUE CHECK (event_id <> ''),
  type TEXT NOT NULL CHECK (type <> ''),
  schema_version INTEGER NOT NULL CHECK (schema_version >= 1),
  dossier_code TEXT,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  device_time_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (node_id, seq)
) STRICT;

CREATE INDEX events_by_dossier ON events (dossier_code, received_at_ms)
  WHERE dossier_code IS NOT NULL;

CREATE TRIGGER events_immutable
BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are immutable');
END;

CREATE TRIGGER events_append_only
BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are never deleted');
END;

-- Blocks of waybill numbers allocated to nodes. Two blocks with the same
-- prefix never overlap, so no waybill number is issued twice.
CREATE TABLE waybill_blocks (
  block_id INTEGER PRIMARY KEY,
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  prefix TEXT NOT NULL,
  first INTEGER NOT NULL CHECK (first >= 0),
  last INTEGER NOT NULL CHECK (last >= first),
  allocated_at_ms INTEGER NOT NULL,
  UNIQUE (prefix, first)
) STRICT;

CREATE INDEX waybill_blocks_by_node ON waybill_blocks (node_id);

CREATE TRIGGER waybill_blocks_disjoint
BEFORE INSERT ON waybill_blocks
WHEN EXISTS (SELECT 1 FROM waybill_blocks
             WHERE prefix = NEW.prefix AND first <= NEW.last AND NEW.first <= last)
BEGIN
  SELECT RAISE(ABORT, 'waybill block overlaps an allocated block');
END;

CREATE TRIGGER waybill_blocks_immutable
BEFORE UPDATE OF prefix, first, last ON waybill_blocks
BEGIN
  SELECT RAISE(ABORT, 'an allocated waybill block cannot be changed');
END;

-- The catalog, holiday calendar and tariff versions the central publishes to
-- its nodes (JSON, with their own effective dates inside).
CREATE TABLE data_versions (
  kind TEXT NOT NULL PRIMARY KEY CHECK (kind IN ('catalog', 'calendar', 'tariff')),
  version TEXT NOT NULL CHECK (version <> ''),
  body TEXT NOT NULL CHECK (json_valid(body)),
  installed_at_ms INTEGER NOT NULL
) STRICT;
