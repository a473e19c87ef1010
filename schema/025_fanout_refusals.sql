-- A subscriber whose delivery the database refuses is skipped, and audited by pseudonym
-- (alert.fanout_refused); the rest of the audience is still written. Counted here so that
-- written + refused tells how far the walk is.
ALTER TABLE fanouts ADD COLUMN refused bigint NOT NULL DEFAULT 0;
