-- A target that moved for good (a Telegram group upgraded to a supergroup answers
-- migrate_to_chat_id): remembered, so later alerts go straight to the new address, and
-- shown to the admin (/v1/status, the console) until the configuration names it.
CREATE TABLE target_migrations (
  channel     text NOT NULL,
  from_target text NOT NULL,
  to_target   text NOT NULL CHECK (to_target <> from_target),
  migrated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, from_target)
);
GRANT SELECT, INSERT, UPDATE ON target_migrations TO araldo_daemon;
GRANT SELECT ON target_migrations TO araldo_auditor;

-- A cancel reaches posts still in flight: the alert remembers when it was cancelled, so
-- an attempt recorded after it is not retried, and a correction of a post whose send was
-- in flight waits (at infinity) for that post's outcome instead of acting on nothing.
ALTER TABLE alerts ADD COLUMN cancelled_at timestamptz;
ALTER TABLE deliveries ADD COLUMN waits_for_post boolean NOT NULL DEFAULT false;
CREATE INDEX deliveries_waiting_for_post ON deliveries (id) WHERE waits_for_post;
CREATE INDEX alerts_cancelled ON alerts (id) WHERE cancelled_at IS NOT NULL;
