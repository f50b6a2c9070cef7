-- Node database, schema version 4: the acknowledged position of the outbox as
-- one number. Acknowledgements are always a prefix of the outbox, so one
-- value says as much as a flag per row, and moving it is one row written
-- instead of an UPDATE of every event of the batch (and of the partial index
-- over unacknowledged rows).
--
-- outbox_events.acked is no longer written or read: it keeps whatever it held
-- when this migration ran. outbox_ack.acked_seq is the only truth.
CREATE TABLE outbox_ack (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  acked_seq INTEGER NOT NULL CHECK (acked_seq >= 0)
) STRICT;

-- The position the flags described: just before the first unacknowledged
-- event, or the whole outbox when every event is acknowledged.
INSERT INTO outbox_ack (id, acked_seq) VALUES (1, COALESCE(
  (SELECT MIN(seq) - 1 FROM outbox_events WHERE acked = 0),
  (SELECT MAX(seq) FROM outbox_events),
  0));

DROP INDEX outbox_events_unacked;

-- Acknowledgements only move forward, never past the last event, and the row
-- is never removed or duplicated.
CREATE TRIGGER outbox_ack_forward_only
BEFORE UPDATE OF acked_seq ON outbox_ack
WHEN NEW.acked_seq < OLD.acked_seq
  OR NEW.acked_seq > (SELECT COALESCE(MAX(seq), 0) FROM outbox_events)
BEGIN
  SELECT RAISE(ABORT, 'outbox_ack.acked_seq only moves forward, within the outbox');
END;

CREATE TRIGGER outbox_ack_kept
BEFORE DELETE ON outbox_ack
BEGIN
  SELECT RAISE(ABORT, 'outbox_ack is never deleted');
END;
