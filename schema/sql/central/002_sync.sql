-- Central database, schema version 2: enrolment tokens, revocations and what
-- each node has been sent (central/nodes.h, central/ingest.h).

-- One-time enrolment tokens. Only the BLAKE2b-256 of the token is kept: the
-- token itself is shown once, by `hoso-central node add`. A token is used at
-- most once; used_by_key_id remembers which node key used it, so that a node
-- whose answer was lost can repeat the very same request.
CREATE TABLE enrol_tokens (
  token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > created_at_ms),
  used_at_ms INTEGER,
  used_by_key_id TEXT,
  CHECK ((used_at_ms IS NULL) = (used_by_key_id IS NULL))
) STRICT;

CREATE INDEX enrol_tokens_by_node ON enrol_tokens (node_id);

-- Why a node was revoked; its later batches are refused with this reason.
CREATE TABLE node_revocations (
  node_id TEXT NOT NULL PRIMARY KEY REFERENCES nodes (node_id),
  reason TEXT NOT NULL CHECK (reason <> ''),
  revoked_at_ms INTEGER NOT NULL
) STRICT;

-- The data version (catalog, calendar, tariff) last sent to each node in a
-- down-sync or enrolment answer: a down-sync carries the kinds whose
-- published version differs from this.
CREATE TABLE node_data_versions (
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  kind TEXT NOT NULL CHECK (kind IN ('catalog', 'calendar', 'tariff')),
  version TEXT NOT NULL CHECK (version <> ''),
  sent_at_ms INTEGER NOT NULL,
  PRIMARY KEY (node_id, kind)
) STRICT;

-- The event envelope's optional actor and waybill are part of the hashed
-- canonical form (schema/events.h), so they are kept to re-verify a node's
-- chain from the stored rows and to find a shipment's events.
ALTER TABLE events ADD COLUMN actor TEXT;
ALTER TABLE events ADD COLUMN waybill TEXT;

CREATE INDEX events_by_waybill ON events (waybill, received_at_ms) WHERE waybill IS NOT NULL;
