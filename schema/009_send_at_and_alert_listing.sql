-- A scheduled notice: accepted now, its deliveries not due before send_at.
ALTER TABLE alerts ADD COLUMN send_at timestamptz;
-- Auditors list alerts newest first, a page at a time (keyset on accepted_at, id).
CREATE INDEX alerts_accepted ON alerts (accepted_at DESC, id DESC);
