-- Central database, schema version 7: events the central authors about a
-- postal shipment (shipment_created for a result going back by post, the
-- dispatcher's assignments) carry the shipment's waybill in their envelope,
-- like a courier node's events (table `events`, column `waybill`). It is
-- part of the hashed canonical form, so it is kept to re-verify the
-- central's chain and to find a shipment's events.
ALTER TABLE central_events ADD COLUMN waybill TEXT;

CREATE INDEX central_events_by_waybill ON central_events (waybill) WHERE waybill IS NOT NULL;
