-- History retention: each stopped interaction with the time and seq of its EventProcessingStopped. The commit worker
-- adds them as it settles (with the event index); its purge takes the ones stopped longer ago than
-- settings.historyRetention, oldest first, and removes their events (the log's newest row excepted: seq never
-- repeats) and index entries up to that seq. Ordered by time, so a purge reads only what has expired.
CREATE TABLE stopped_history (
  stopped_at     TEXT    NOT NULL,
  interaction_id TEXT    NOT NULL,
  seq            INTEGER NOT NULL,
  PRIMARY KEY (stopped_at, interaction_id, seq)
) WITHOUT ROWID;
INSERT INTO stopped_history (stopped_at, interaction_id, seq)
  SELECT time, interaction_id, seq FROM event_log
  WHERE name = 'EventProcessingStopped' AND interaction_id IS NOT NULL
    AND seq <= (SELECT value FROM store_meta WHERE key = 'settled_seq');
