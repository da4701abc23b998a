-- A per-interaction index of the event log, kept off the hot path: the commit worker adds the events of each settled
-- range in the settle's own transaction, so the index always covers the log up to the settled position, and an
-- interaction's events (its history) are read through it plus the short unsettled tail after that position, never by
-- a scan of the whole log. (interaction_id, seq): an id may be used again after a stop. An existing log is indexed up
-- to its settled position here, once.
CREATE TABLE event_index (
  interaction_id TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  PRIMARY KEY (interaction_id, seq)
) WITHOUT ROWID;
INSERT INTO event_index (interaction_id, seq)
  SELECT interaction_id, seq FROM event_log
  WHERE interaction_id IS NOT NULL AND seq <= (SELECT value FROM store_meta WHERE key = 'settled_seq')
  ORDER BY interaction_id, seq;
