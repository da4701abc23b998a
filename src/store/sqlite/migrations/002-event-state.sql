-- A property change keeps the interaction's new state with its event (an append) instead of rewriting the
-- interaction's row; loading takes the newest of the row and such states. See rows.ts.
ALTER TABLE event_log ADD COLUMN state TEXT;
