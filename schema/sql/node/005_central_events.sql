-- Node database: the central's events about this node's dossiers (officers'
-- actions: assignment, supplement and payment requests, results, apologies,
-- stops, withdrawals), received as "event" items of down-syncs
-- (sync/FORMAT.md) and applied to the local dossier once each, by event id
-- (node/central_events.h). They are the central's facts, not this node's:
-- they never enter the outbox.
CREATE TABLE central_events (
  event_id TEXT NOT NULL PRIMARY KEY CHECK (event_id <> ''),
  central_seq INTEGER NOT NULL CHECK (central_seq >= 1),
  type TEXT NOT NULL CHECK (type <> ''),
  dossier_code TEXT NOT NULL CHECK (dossier_code <> ''),
  event_json TEXT NOT NULL CHECK (json_valid(event_json)),
  device_time_ms INTEGER NOT NULL,
  -- 1 when it moved the local dossier; 0 with the reason in `note` when the
  -- dossier is not here or its local status does not allow it.
  applied INTEGER NOT NULL CHECK (applied IN (0, 1)),
  note TEXT NOT NULL DEFAULT '',
  received_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX central_events_by_dossier ON central_events (dossier_code, device_time_ms);
