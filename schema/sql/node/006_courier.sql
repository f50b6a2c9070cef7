-- Node database, schema version 6: the courier node (node/courier.h).
--
-- A courier node receives its assignments in the down-sync
-- ({"kind":"assignment"} / {"kind":"unassignment"} items, sync/FORMAT.md)
-- and records what happens to each shipment as shipment_* events. The
-- recipient's name, phone and address are the only personal data it ever
-- holds (never an ID number), and they are cleared (purged_at_ms set) once
-- the central has acknowledged the event that ended the shipment.

-- One row per assignment the node applied (its assignment_id is the event id
-- of the central's shipment_assigned event), so an item sent again changes
-- nothing. A waybill reassigned back to this courier gets a new assignment.
CREATE TABLE courier_shipments (
  waybill TEXT NOT NULL PRIMARY KEY,
  assignment_id TEXT NOT NULL UNIQUE,
  dossier_code TEXT NOT NULL,
  -- Personal data: NULL once purged.
  recipient_name TEXT,
  phone TEXT,
  address TEXT,
  postal_fee_vnd INTEGER NOT NULL CHECK (postal_fee_vnd >= 0),
  procedure_name TEXT NOT NULL,
  assigned_at_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  -- The local shipment state (schema/shipment_state.h names).
  state TEXT NOT NULL CHECK (state IN ('requested', 'picked_up', 'out_for_delivery', 'delivered',
    'failed_attempt', 'held_at_post_office', 'returned_to_agency')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- The outbox seq of the last action recorded here; of the terminal one
  -- when ended (purge waits for its acknowledgement).
  last_event_seq INTEGER REFERENCES outbox_events (seq),
  updated_at_ms INTEGER NOT NULL,
  -- Set when the central cancelled the assignment (unassignment item)
  -- before the courier acted on it: the shipment is no longer listed.
  unassigned_at_ms INTEGER,
  unassigned_reason TEXT,
  -- The delivery proof (attachment hash), kept until its file is purged.
  proof_hash TEXT,
  purged_at_ms INTEGER,
  proof_purged_at_ms INTEGER
) STRICT;

CREATE INDEX courier_shipments_to_purge ON courier_shipments (last_event_seq)
  WHERE purged_at_ms IS NULL AND state IN ('delivered', 'returned_to_agency');

-- Every assignment or unassignment item applied once, by assignment_id and
-- kind; an unassignment of a shipment the courier already acted on is kept
-- here as a conflict (conflict = 1) and not applied.
CREATE TABLE courier_items (
  assignment_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('assignment', 'unassignment')),
  waybill TEXT NOT NULL,
  applied INTEGER NOT NULL CHECK (applied IN (0, 1)),
  conflict INTEGER NOT NULL DEFAULT 0 CHECK (conflict IN (0, 1)),
  note TEXT NOT NULL DEFAULT '',
  received_at_ms INTEGER NOT NULL,
  PRIMARY KEY (assignment_id, kind)
) STRICT, WITHOUT ROWID;

-- A courier's delivery proof is an attachment of a dossier that was never
-- received at this node: dossier_attachments loses its reference to
-- dossiers (the code is still checked by node/attachments.cc, against
-- dossiers or courier_shipments).
CREATE TABLE dossier_attachments_v6 (
  dossier_code TEXT NOT NULL,
  attachment_hash TEXT NOT NULL REFERENCES attachments (hash),
  file_name TEXT NOT NULL CHECK (file_name <> ''),
  document_id TEXT,
  actor TEXT,
  added_at_ms INTEGER NOT NULL,
  event_seq INTEGER NOT NULL UNIQUE REFERENCES outbox_events (seq),
  PRIMARY KEY (dossier_code, attachment_hash)
) STRICT, WITHOUT ROWID;
INSERT INTO dossier_attachments_v6 SELECT dossier_code, attachment_hash, file_name, document_id,
  actor, added_at_ms, event_seq FROM dossier_attachments;
DROP TABLE dossier_attachments;
ALTER TABLE dossier_attachments_v6 RENAME TO dossier_attachments;
CREATE INDEX dossier_attachments_by_hash ON dossier_attachments (attachment_hash, event_seq);
