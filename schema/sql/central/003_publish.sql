-- Central database, schema version 3: what the central publishes to its
-- nodes besides data versions: zstd dictionaries (central/dictionaries.h)
-- and blocks of waybill numbers drawn from a pool of ranges
-- (central/waybills.h).

-- zstd dictionaries trained from the event lines the central holds.
-- published: may be offered to nodes (the newest published one is);
-- retired: offered no more. A dictionary is never deleted and its bytes never
-- change, because batches compressed with it must always decode.
CREATE TABLE dictionaries (
  dict_id INTEGER PRIMARY KEY CHECK (dict_id >= 1),
  bytes BLOB NOT NULL CHECK (length(bytes) > 0),
  trained_at_ms INTEGER NOT NULL,
  sample_count INTEGER NOT NULL CHECK (sample_count >= 0),
  sample_bytes INTEGER NOT NULL CHECK (sample_bytes >= 0),
  state TEXT NOT NULL DEFAULT 'published' CHECK (state IN ('published', 'retired')),
  retired_at_ms INTEGER,
  CHECK ((state = 'retired') = (retired_at_ms IS NOT NULL))
) STRICT;

CREATE TRIGGER dictionaries_immutable
BEFORE UPDATE OF dict_id, bytes ON dictionaries
BEGIN
  SELECT RAISE(ABORT, 'a dictionary cannot be changed');
END;

CREATE TRIGGER dictionaries_kept
BEFORE DELETE ON dictionaries
BEGIN
  SELECT RAISE(ABORT, 'dictionaries are never deleted: batches compressed with them must decode');
END;

-- Which dictionary each node has been sent, when last and how often.
CREATE TABLE node_dictionaries (
  node_id TEXT NOT NULL REFERENCES nodes (node_id),
  dict_id INTEGER NOT NULL REFERENCES dictionaries (dict_id),
  first_sent_at_ms INTEGER NOT NULL,
  last_sent_at_ms INTEGER NOT NULL,
  times_sent INTEGER NOT NULL CHECK (times_sent >= 1),
  PRIMARY KEY (node_id, dict_id)
) STRICT, WITHOUT ROWID;

-- The pool of waybill serials the operator entered, per S10 prefix. next is
-- the first serial not yet allocated to a node (last + 1 once used up). Two
-- ranges of one prefix never overlap, so neither can two blocks.
CREATE TABLE waybill_ranges (
  range_id INTEGER PRIMARY KEY,
  prefix TEXT NOT NULL CHECK (length(prefix) = 2 AND prefix NOT GLOB '*[^A-Z]*'),
  first INTEGER NOT NULL CHECK (first >= 0),
  last INTEGER NOT NULL CHECK (last >= first AND last <= 99999999),
  next INTEGER NOT NULL CHECK (next BETWEEN first AND last + 1),
  added_at_ms INTEGER NOT NULL
) STRICT;

CREATE TRIGGER waybill_ranges_disjoint
BEFORE INSERT ON waybill_ranges
WHEN EXISTS (SELECT 1 FROM waybill_ranges
             WHERE prefix = NEW.prefix AND first <= NEW.last AND NEW.first <= last)
BEGIN
  SELECT RAISE(ABORT, 'waybill range overlaps a range already in the pool');
END;

CREATE TRIGGER waybill_ranges_immutable
BEFORE UPDATE OF prefix, first, last ON waybill_ranges
BEGIN
  SELECT RAISE(ABORT, 'a waybill range cannot be changed');
END;

-- A block is confirmed once an event carrying one of its waybills reached
-- the central (the node evidently holds it; until then every down-sync to
-- the node carries it again), and used up once every serial was seen.
ALTER TABLE waybill_blocks ADD COLUMN confirmed_at_ms INTEGER;
ALTER TABLE waybill_blocks ADD COLUMN used_up_at_ms INTEGER;

-- The central's view of each waybill-issuing node's stock, refreshed by
-- every down-sync: serials allocated to it that no received event has used
-- yet, and since when it is below the low-water mark with an empty pool.
CREATE TABLE node_waybill_stock (
  node_id TEXT NOT NULL PRIMARY KEY REFERENCES nodes (node_id),
  unused_serials INTEGER NOT NULL CHECK (unused_serials >= 0),
  checked_at_ms INTEGER NOT NULL,
  short_since_ms INTEGER
) STRICT;
