-- Never lose an alert, and prove it: expired and cancelled deliveries, idempotent
-- intake, and an append-only, hash-chained audit log.

ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
  CHECK (state IN ('pending','sending','sent','retrying','failed','expired','cancelled'));
ALTER TABLE deliveries DROP CONSTRAINT deliveries_check1;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_finished_check
  CHECK ((state IN ('sent','failed','expired','cancelled')) = (finished_at IS NOT NULL));
CREATE INDEX alerts_expires ON alerts (expires_at) WHERE expires_at IS NOT NULL;
-- Dead letters: what failed, per alert.
CREATE INDEX deliveries_failed ON deliveries (alert_id, id) WHERE state = 'failed';

-- Idempotency-Key on POST /v1/alerts: the same key and body within 24 h is the same alert.
CREATE TABLE idempotency_keys (
  actor        text NOT NULL,
  key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  body_sha256  text NOT NULL,
  alert_id     uuid NOT NULL REFERENCES alerts (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (actor, key)
);

-- The audit chain: each row's hash covers its canonical content and the previous row's
-- hash, in `seq` order (assigned under a lock, so concurrent writers form one chain).
ALTER TABLE audit_events ADD COLUMN seq bigint, ADD COLUMN hash text;

CREATE FUNCTION araldo_audit_canonical(seq bigint, at timestamptz, actor text, kind text,
                                       alert_id uuid, delivery_id bigint, detail jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(E'\x1f', seq::text,
                   to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   actor, kind, coalesce(alert_id::text, ''), coalesce(delivery_id::text, ''),
                   detail::text)
$$;

-- Rows written before the chain existed join it now, in id order.
DO $$
DECLARE r record; prev text := repeat('0', 64); n bigint := 0;
BEGIN
  FOR r IN SELECT * FROM audit_events ORDER BY id LOOP
    n := n + 1;
    prev := encode(sha256(convert_to(prev || E'\n' || araldo_audit_canonical(
              n, r.at, r.actor, r.kind, r.alert_id, r.delivery_id, r.detail), 'UTF8')), 'hex');
    UPDATE audit_events SET seq = n, hash = prev WHERE id = r.id;
  END LOOP;
END $$;
ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);

CREATE FUNCTION araldo_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last record;
BEGIN
  -- One writer at a time extends the chain; held until this transaction ends.
  PERFORM pg_advisory_xact_lock(4716742361213257029);
  SELECT seq, hash INTO last FROM audit_events ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.at := clock_timestamp();
  NEW.hash := encode(sha256(convert_to(coalesce(last.hash, repeat('0', 64)) || E'\n' ||
              araldo_audit_canonical(NEW.seq, NEW.at, NEW.actor, NEW.kind, NEW.alert_id,
                                     NEW.delivery_id, NEW.detail), 'UTF8')), 'hex');
  RETURN NEW;
END $$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION araldo_audit_chain();

-- Append-only: the database itself refuses changes, whoever asks.
CREATE FUNCTION araldo_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION araldo_audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION araldo_audit_append_only();

-- The role araldod should connect as (GRANT araldo_daemon TO <login>): it may read and
-- add audit rows, never change them.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'araldo_daemon') THEN
    CREATE ROLE araldo_daemon NOLOGIN;
  END IF;
END $$;
REVOKE ALL ON audit_events FROM PUBLIC;
GRANT SELECT, INSERT ON audit_events TO araldo_daemon;
GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys, alerts, deliveries, idempotency_keys,
  subscribers TO araldo_daemon;
GRANT SELECT ON schema_migrations TO araldo_daemon;

-- Deliveries still to do, per alert: what expiry and retries look for.
CREATE INDEX deliveries_open ON deliveries (alert_id)
  WHERE state IN ('pending','retrying','sending');
