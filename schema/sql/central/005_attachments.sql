-- Central database: attachments (scanned documents, schema/attachment.h)
-- that nodes announce in attachment_added events and upload afterwards as
-- content-addressed chunks (central/attachments.h). Chunk files live under
-- DIR/chunks/<first 2 hex>/<hash>; a chunk shared by two files is kept once.

-- Each distinct file, as first announced: the manifest an upload is checked
-- against. completed_at_ms is set once every chunk is stored and the
-- concatenation hashes to `hash`; `error` says why a complete set of chunks
-- did not (a manifest that lies about its file).
CREATE TABLE attachments (
  hash TEXT NOT NULL PRIMARY KEY
    CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 1),
  media_type TEXT NOT NULL,
  chunk_size INTEGER NOT NULL CHECK (chunk_size >= 1),
  chunk_count INTEGER NOT NULL CHECK (chunk_count >= 1),
  first_seen_ms INTEGER NOT NULL,
  completed_at_ms INTEGER,
  error TEXT
) STRICT, WITHOUT ROWID;

CREATE TABLE attachment_chunks (
  attachment_hash TEXT NOT NULL REFERENCES attachments (hash),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  chunk_hash TEXT NOT NULL CHECK (length(chunk_hash) = 64),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 1),
  PRIMARY KEY (attachment_hash, idx)
) STRICT, WITHOUT ROWID;

CREATE INDEX attachment_chunks_by_chunk ON attachment_chunks (chunk_hash);

-- Every applied attachment_added event: which node may upload which file,
-- and which dossier it belongs to.
CREATE TABLE attachment_refs (
  node_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  attachment_hash TEXT NOT NULL REFERENCES attachments (hash),
  dossier_code TEXT NOT NULL,
  file_name TEXT NOT NULL,
  document_id TEXT,
  PRIMARY KEY (node_id, seq),
  FOREIGN KEY (node_id, seq) REFERENCES events (node_id, seq)
) STRICT, WITHOUT ROWID;

CREATE INDEX attachment_refs_by_attachment ON attachment_refs (attachment_hash, node_id);
CREATE INDEX attachment_refs_by_dossier ON attachment_refs (dossier_code);

-- The chunks stored (content-addressed): a row is written only after its
-- file was written and synced, so a row always has its bytes.
CREATE TABLE stored_chunks (
  hash TEXT NOT NULL PRIMARY KEY CHECK (length(hash) = 64),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 1),
  node_id TEXT NOT NULL,
  stored_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
