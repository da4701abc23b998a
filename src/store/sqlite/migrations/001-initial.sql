-- Live interactions: a few columns for queries, the whole record as JSON in data.
CREATE TABLE interactions (
  id        TEXT PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  state     INTEGER NOT NULL,
  queue     TEXT NOT NULL,
  version   INTEGER NOT NULL,
  data      TEXT NOT NULL
);

-- The durable reporting event log: every reporting event, in order, numbered per interaction.
CREATE TABLE event_log (
  seq            INTEGER PRIMARY KEY, -- rowid: events are never deleted, so seq never repeats
  interaction_id TEXT,
  ixn_seq        INTEGER,
  name           TEXT NOT NULL,
  time           TEXT NOT NULL,
  payload        TEXT NOT NULL
);
CREATE INDEX event_log_interaction ON event_log (interaction_id, ixn_seq);
