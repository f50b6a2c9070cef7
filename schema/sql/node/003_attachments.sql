-- Node database, schema version 3: attachments (scanned documents of a
-- dossier, schema/attachment.h). The files themselves live content-addressed
-- under DIR/attachments/<first 2 hex>/<hash> (node/attachments.h); these
-- tables say what each file is, which dossiers it belongs to, and how far it
-- has been uploaded to the central.
-- A row of dossier_attachments is written in the same transaction as its
-- attachment_added outbox event.

-- One row per distinct file (its hash): attaching the same bytes again, to
-- this dossier or another, stores nothing new.
CREATE TABLE attachments (
  hash TEXT NOT NULL PRIMARY KEY
    CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 1),
  media_type TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  chunk_size INTEGER NOT NULL CHECK (chunk_size >= 1),
  chunk_count INTEGER NOT NULL CHECK (chunk_count >= 1),
  stored_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The chunks of each file in order, with their upload state: uploaded_at_ms
-- is set only once the central has confirmed that it holds the chunk, so an
-- interrupted upload resumes at the first chunk still NULL.
CREATE TABLE attachment_chunks (
  attachment_hash TEXT NOT NULL REFERENCES attachments (hash),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  chunk_hash TEXT NOT NULL CHECK (length(chunk_hash) = 64),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 1),
  uploaded_at_ms INTEGER,
  PRIMARY KEY (attachment_hash, idx)
) STRICT, WITHOUT ROWID;

CREATE INDEX attachment_chunks_pending ON attachment_chunks (attachment_hash, idx)
  WHERE uploaded_at_ms IS NULL;

-- Which file is attached to which dossier, as what, by which event.
CREATE TABLE dossier_attachments (
  dossier_code TEXT NOT NULL REFERENCES dossiers (code),
  attachment_hash TEXT NOT NULL REFERENCES attachments (hash),
  file_name TEXT NOT NULL CHECK (file_name <> ''),
  document_id TEXT,
  actor TEXT,
  added_at_ms INTEGER NOT NULL,
  event_seq INTEGER NOT NULL UNIQUE REFERENCES outbox_events (seq),
  PRIMARY KEY (dossier_code, attachment_hash)
) STRICT, WITHOUT ROWID;

CREATE INDEX dossier_attachments_by_hash ON dossier_attachments (attachment_hash, event_seq);
