-- Node database: online dossiers whose applicant chose to collect the
-- result at this desk (return.desk_node_id). The central makes this node the
-- dossier's origin, so its events flow down here (sync/FORMAT.md); the first
-- dossier_submitted_online or central dossier_received for a code the desk
-- does not hold creates the row, later central events move its status
-- through the state machine (node/collections.h). Not the `dossiers` table:
-- the desk never had the applicant's papers nor the lookup secret, and no ID
-- number is kept here.
CREATE TABLE collections (
  code TEXT NOT NULL PRIMARY KEY CHECK (code <> ''),
  procedure_id TEXT NOT NULL CHECK (procedure_id <> ''),
  procedure_name_vi TEXT NOT NULL DEFAULT '',
  procedure_name_en TEXT NOT NULL DEFAULT '',
  -- For the identity check at hand-over.
  applicant_name TEXT NOT NULL CHECK (applicant_name <> ''),
  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 10),
  appointment_ms INTEGER,
  return_method TEXT NOT NULL DEFAULT 'desk',
  submitted_at_ms INTEGER,
  -- When the central accepted it (dossier_received).
  received_at_ms INTEGER,
  result_outcome TEXT NOT NULL DEFAULT '',
  result_note TEXT NOT NULL DEFAULT '',
  result_at_ms INTEGER,
  -- The hand-over at this desk (status 10).
  returned_recipient_name TEXT NOT NULL DEFAULT '',
  returned_recipient_id_suffix TEXT NOT NULL DEFAULT '',
  returned_on_behalf INTEGER NOT NULL DEFAULT 0 CHECK (returned_on_behalf IN (0, 1)),
  returned_clerk TEXT NOT NULL DEFAULT '',
  returned_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX collections_by_status ON collections (status, updated_at_ms);
