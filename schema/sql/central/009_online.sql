-- Central database, schema version 9: online submission (central/online.h,
-- docs/API.md "Online submission"). Applicants file dossiers and periodic
-- reports over the web; the dossier itself lives in the events the central
-- authors (central_events) and the `dossiers` projection. These tables hold
-- what the events do not: drafts, the uploaded files and the lookup of a
-- submitted dossier by its code and secret.

-- A draft: the fields typed so far, under a random token of which only the
-- BLAKE2b-256 is stored. submitted_code is set once it became a dossier; a
-- submitted draft is read-only.
CREATE TABLE online_drafts (
  token_hash BLOB NOT NULL PRIMARY KEY CHECK (length(token_hash) = 32),
  fields TEXT NOT NULL CHECK (json_valid(fields)),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  remote_address TEXT NOT NULL,
  submitted_code TEXT
) STRICT, WITHOUT ROWID;

-- Each file an applicant uploaded, first to a draft, then (on submission or
-- completion) to a dossier. The bytes are stored content-addressed with the
-- central's attachments (table attachments, DIR/chunks/), so the same file
-- uploaded twice is stored once. round: 0 for the submission, n for the n-th
-- completion.
CREATE TABLE online_files (
  file_id INTEGER PRIMARY KEY,
  draft_token_hash BLOB,
  dossier_code TEXT,
  round INTEGER NOT NULL DEFAULT 0 CHECK (round >= 0),
  document_id TEXT NOT NULL CHECK (document_id <> ''),
  file_name TEXT NOT NULL CHECK (file_name <> ''),
  attachment_hash TEXT NOT NULL REFERENCES attachments (hash),
  media_type TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 1),
  added_at_ms INTEGER NOT NULL,
  CHECK (draft_token_hash IS NOT NULL OR dossier_code IS NOT NULL)
) STRICT;

CREATE INDEX online_files_by_draft ON online_files (draft_token_hash)
  WHERE draft_token_hash IS NOT NULL;
CREATE INDEX online_files_by_dossier ON online_files (dossier_code) WHERE dossier_code IS NOT NULL;

-- A submitted dossier or filing: the verifier of its lookup secret (never
-- the secret), the filer it is listed under, the report period of a yearly
-- report, and the open completion request, if any (document ids).
CREATE TABLE online_dossiers (
  dossier_code TEXT NOT NULL PRIMARY KEY,
  procedure_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('dossier', 'filing')),
  filer_key TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  fields TEXT NOT NULL CHECK (json_valid(fields)),
  report_period INTEGER,
  submitted_at_ms INTEGER NOT NULL,
  completion_round INTEGER NOT NULL DEFAULT 0,
  completion_items TEXT CHECK (completion_items IS NULL OR json_valid(completion_items))
) STRICT, WITHOUT ROWID;

CREATE INDEX online_dossiers_by_filer ON online_dossiers (filer_key, procedure_id);

-- The running number of online dossier codes per unit and local day.
CREATE TABLE online_daily_numbers (
  unit_code TEXT NOT NULL,
  day TEXT NOT NULL,
  last_number INTEGER NOT NULL CHECK (last_number >= 1),
  PRIMARY KEY (unit_code, day)
) STRICT, WITHOUT ROWID;
