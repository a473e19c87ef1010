-- Araldo's first schema: alerts, their deliveries (the queue), the audit log and API keys.
-- Applied by `araldod migrate` in one transaction and recorded in schema_migrations.

CREATE TABLE api_keys (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9._-]{1,64}$'),
  -- SHA-256 of the key, hex. The key itself is shown once, at creation, and never stored.
  key_sha256  text NOT NULL UNIQUE CHECK (key_sha256 ~ '^[0-9a-f]{64}$'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE alerts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  accepted_at  timestamptz NOT NULL DEFAULT now(),
  submitted_by text NOT NULL,  -- API key name
  headline     text NOT NULL,
  description  text NOT NULL DEFAULT '',
  instruction  text NOT NULL DEFAULT '',
  event        text NOT NULL,
  categories   text[] NOT NULL,
  severity     text NOT NULL CHECK (severity IN ('Extreme','Severe','Moderate','Minor','Unknown')),
  urgency      text NOT NULL CHECK (urgency IN ('Immediate','Expected','Future','Past','Unknown')),
  certainty    text NOT NULL CHECK (certainty IN ('Observed','Likely','Possible','Unlikely','Unknown')),
  area         text NOT NULL DEFAULT '',
  language     text NOT NULL,
  sender       text NOT NULL DEFAULT '',
  expires_at   timestamptz,
  web          text,
  -- The alert as accepted (normalised JSON), so the log shows exactly what was asked.
  document     jsonb NOT NULL
);

CREATE TABLE deliveries (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id         uuid NOT NULL REFERENCES alerts (id),
  channel          text NOT NULL,  -- channel instance name from the config
  channel_type     text NOT NULL,  -- plugin: telegram, x, facebook, whatsapp
  target           text NOT NULL,  -- chat id, page, phone number
  priority         smallint NOT NULL,
  state            text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending','sending','sent','retrying','failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_owner      text,
  lease_expires_at timestamptz,
  platform_id      text,
  last_error       text,
  rendered_text    text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  UNIQUE (alert_id, channel, target),
  -- A delivery is leased exactly while it is being sent.
  CHECK ((state = 'sending') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
  CHECK ((state IN ('sent','failed')) = (finished_at IS NOT NULL))
);

-- The claim query's two ways in: due work, and leases a crashed worker left behind.
CREATE INDEX deliveries_due ON deliveries (priority DESC, next_attempt_at, id)
  WHERE state IN ('pending','retrying');
-- When to wake up next.
CREATE INDEX deliveries_next_attempt ON deliveries (next_attempt_at)
  WHERE state IN ('pending','retrying');
CREATE INDEX deliveries_leased ON deliveries (lease_expires_at) WHERE state = 'sending';
CREATE INDEX deliveries_alert ON deliveries (alert_id);

CREATE TABLE audit_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor       text NOT NULL,  -- API key name, or 'system'
  kind        text NOT NULL,  -- alert.accepted, delivery.attempt, delivery.sent, ...
  alert_id    uuid,
  delivery_id bigint,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_alert ON audit_events (alert_id, id);
