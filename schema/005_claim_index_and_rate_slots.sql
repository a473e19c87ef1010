-- Dispatch at the platforms' rates: a per-channel index the claim can walk in order (the
-- old claim sorted every due row of every channel on each turn), and the channel's rate
-- kept as the time of its next free send slot (GCRA) rather than a token count, so slots
-- can be granted ahead and none is lost when a turn of the dispatcher is slow.

CREATE INDEX deliveries_due_by_channel ON deliveries (channel, priority DESC, next_attempt_at, id)
  WHERE state IN ('pending','retrying');
CREATE INDEX deliveries_leased_by_channel ON deliveries (channel, lease_expires_at)
  WHERE state = 'sending';

ALTER TABLE channel_buckets
  DROP COLUMN tokens,
  DROP COLUMN refilled_at,
  ADD COLUMN next_slot timestamptz NOT NULL DEFAULT 'epoch';

-- How often a delivery's lease expired while it was being sent (its worker died): a row
-- that keeps killing its workers is failed after a few, instead of claimed forever.
ALTER TABLE deliveries ADD COLUMN lease_expiries smallint NOT NULL DEFAULT 0;
