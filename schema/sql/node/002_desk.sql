-- Node database, schema version 2: the desk's own state. Dossiers taken in at
-- the desk, the documents received with them, the accent-free search index,
-- queue tickets and the log of who viewed a full national ID number.
-- Every change to these tables is written in the same transaction as its
-- outbox event (node/desk.h).

-- The outbox envelope carries an optional actor and waybill that are part of
-- the hashed canonical form, so they must be stored to re-verify the chain.
ALTER TABLE outbox_events ADD COLUMN actor TEXT;
ALTER TABLE outbox_events ADD COLUMN waybill TEXT;

DROP TRIGGER outbox_events_immutable;
CREATE TRIGGER outbox_events_immutable
BEFORE UPDATE OF seq, event_id, type, schema_version, dossier_code, payload, device_time_ms,
  prev_hash, hash, actor, waybill ON outbox_events
BEGIN
  SELECT RAISE(ABORT, 'outbox_events are immutable; only acked may change');
END;

-- One row per dossier taken in (status 2) or refused at intake (status 3).
-- National ID numbers are never stored in clear: *_id_cipher is the
-- crypto_secretbox of the digits under the node's pii.key, *_id_last4 what
-- screens and prints show, *_id_lookup a keyed hash for exact-match search.
-- lookup_secret is the canonical 8-character form (schema/ids.h).
CREATE TABLE dossiers (
  code TEXT NOT NULL UNIQUE CHECK (code <> ''),
  lookup_secret TEXT NOT NULL CHECK (length(lookup_secret) = 8),
  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
  procedure_id TEXT NOT NULL,
  procedure_code TEXT NOT NULL DEFAULT '',
  procedure_name_vi TEXT NOT NULL,
  procedure_name_en TEXT NOT NULL DEFAULT '',
  applicant_kind TEXT NOT NULL CHECK (applicant_kind IN ('person', 'business')),
  applicant_name TEXT NOT NULL,
  business_name TEXT NOT NULL DEFAULT '',
  tax_code TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  address_province TEXT NOT NULL DEFAULT '',
  address_ward TEXT NOT NULL DEFAULT '',
  address_street TEXT NOT NULL DEFAULT '',
  applicant_id_cipher BLOB,
  applicant_id_last4 TEXT NOT NULL DEFAULT '',
  applicant_id_lookup TEXT,
  rep_name TEXT,  -- NULL: no authorised representative
  rep_id_cipher BLOB,
  rep_id_last4 TEXT NOT NULL DEFAULT '',
  rep_id_lookup TEXT,
  rep_authorisation TEXT NOT NULL DEFAULT '',
  applicant_type TEXT NOT NULL CHECK (applicant_type IN ('organisation', 'household')),
  area TEXT NOT NULL CHECK (area IN ('urban', 'other')),
  channel TEXT NOT NULL CHECK (channel IN ('desk', 'post')),
  return_method TEXT NOT NULL CHECK (return_method IN ('desk', 'post')),
  return_recipient_name TEXT NOT NULL DEFAULT '',
  return_recipient_phone TEXT NOT NULL DEFAULT '',
  return_province TEXT NOT NULL DEFAULT '',
  return_ward TEXT NOT NULL DEFAULT '',
  return_street TEXT NOT NULL DEFAULT '',
  clerk TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  counted_from_ms INTEGER NOT NULL,
  appointment_ms INTEGER NOT NULL,
  processing_kind TEXT NOT NULL CHECK (processing_kind IN ('working_days', 'calendar_days', 'none')),
  processing_days INTEGER NOT NULL CHECK (processing_days >= 0),
  fee_vnd INTEGER CHECK (fee_vnd >= 0),  -- NULL: the catalog figure is not verified
  postal_fee_vnd INTEGER CHECK (postal_fee_vnd >= 0),
  catalog_version TEXT NOT NULL,
  calendar_version TEXT NOT NULL,
  tariff_version TEXT NOT NULL,
  refusal_reason TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  result_outcome TEXT CHECK (result_outcome IN ('approved', 'refused')),
  result_note TEXT NOT NULL DEFAULT '',
  result_at_ms INTEGER,
  handback_recipient_kind TEXT CHECK (handback_recipient_kind IN ('owner', 'authorised')),
  handback_recipient_name TEXT NOT NULL DEFAULT '',
  handback_recipient_id_masked TEXT NOT NULL DEFAULT '',
  handback_authorisation TEXT NOT NULL DEFAULT '',
  handback_clerk TEXT NOT NULL DEFAULT '',
  handback_at_ms INTEGER,
  updated_at_ms INTEGER NOT NULL
) STRICT;

-- Listing and date-range search are newest first.
CREATE INDEX dossiers_by_received ON dossiers (received_at_ms);
CREATE INDEX dossiers_by_status ON dossiers (status, received_at_ms);
CREATE INDEX dossiers_by_applicant_id ON dossiers (applicant_id_lookup)
  WHERE applicant_id_lookup IS NOT NULL;
CREATE INDEX dossiers_by_rep_id ON dossiers (rep_id_lookup) WHERE rep_id_lookup IS NOT NULL;

-- The checklist items handed in, as named by the catalog at intake.
CREATE TABLE dossier_documents (
  dossier_code TEXT NOT NULL REFERENCES dossiers (code),
  position INTEGER NOT NULL CHECK (position >= 0),
  document_id TEXT NOT NULL,
  name_vi TEXT NOT NULL,
  name_en TEXT NOT NULL DEFAULT '',
  form TEXT NOT NULL DEFAULT '',
  count INTEGER NOT NULL CHECK (count >= 1),
  PRIMARY KEY (dossier_code, position)
) STRICT, WITHOUT ROWID;

-- Accent-free search (rowid = dossiers.rowid). Text is folded with
-- FoldForSearch before it is stored and before it is queried, so the
-- tokenizer only splits and lower-cases. Holds no national ID number.
CREATE VIRTUAL TABLE dossier_search USING fts5 (
  code, applicant_name, business_name, representative_name, phone, tax_code,
  tokenize = 'unicode61', prefix = '2 3'
);

-- Queue tickets, numbered per local day and counter group.
CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
  counter_group TEXT NOT NULL
    CHECK (length(counter_group) BETWEEN 1 AND 3 AND counter_group NOT GLOB '*[^A-Z]*'),
  number INTEGER NOT NULL CHECK (number >= 1),
  state TEXT NOT NULL CHECK (state IN ('waiting', 'called', 'done', 'skipped')),
  counter TEXT NOT NULL DEFAULT '',
  issued_at_ms INTEGER NOT NULL,
  called_at_ms INTEGER,
  finished_at_ms INTEGER,
  UNIQUE (day, counter_group, number)
) STRICT;

CREATE INDEX tickets_waiting ON tickets (counter_group, day, number) WHERE state = 'waiting';

-- Every reveal of a full national ID number: who, which dossier, why, when.
CREATE TABLE id_views (
  id INTEGER PRIMARY KEY,
  viewer TEXT NOT NULL CHECK (viewer <> ''),
  dossier_code TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason <> ''),
  viewed_at_ms INTEGER NOT NULL
) STRICT;
