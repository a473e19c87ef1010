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
