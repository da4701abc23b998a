-- The event log is append-only on the hot path: no per-interaction index (every change would dirty one more scattered
-- B-tree page, which the commit must write and fsync). A property change keeps the interaction's new state with its
-- event; the interaction rows catch up ("settle") in the first commit a second after the last settle, and
-- settled_seq records up to which event every kept state is in the rows, so loading reads only the log after it.
-- See rows.ts.
DROP INDEX event_log_interaction;
-- The highest event seq when the row was written: kept states at or below it are older than the row.
ALTER TABLE interactions ADD COLUMN written_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE store_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('settled_seq', 0);
