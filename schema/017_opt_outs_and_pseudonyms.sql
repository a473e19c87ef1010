-- A citizen's withdrawal outlives the subscriber row: an add or an import of an opted-out
-- address is refused unless it brings a consent given after the withdrawal, and an opt-in
-- older than it (a platform retry delivered late) changes nothing. One row per channel and
-- address, the latest withdrawal; a later opt-in removes it. After an erasure `address`
-- holds the pseudonym ("sub:..."), never the number.
CREATE TABLE opt_outs (
  channel      text NOT NULL,
  address      text NOT NULL,
  opted_out_at timestamptz NOT NULL,  -- when it was asked for, as the platform stamped it
  kind         text NOT NULL CHECK (kind IN ('stop', 'blocked', 'admin', 'erasure')),
  evidence     text NOT NULL,         -- the word written, the platform's answer, the actor
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, address)
);

-- Pseudonym -> number, written when an audit event names a citizen, so that an admin can
-- resolve one (audited); an erasure deletes the row, and the log keeps the pseudonym only.
CREATE TABLE pseudonyms (
  pseudonym  text PRIMARY KEY CHECK (pseudonym ~ '^sub:[0-9a-f]{32}$'),
  address    text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now()
);

-- WhatsApp's marketing opt-out (the user_preferences webhook): scheduled notices skip the
-- subscriber, alerts still reach them. Ordered by the platform's time like consent.
ALTER TABLE subscribers
  ADD COLUMN notices_stopped_at timestamptz,
  ADD COLUMN notices_changed_at timestamptz;

GRANT SELECT, INSERT, UPDATE, DELETE ON opt_outs, pseudonyms TO araldo_daemon;
