-- Every API key has a role, which decides what it may do (README, "Roles"), and may
-- expire. Keys from before roles sent alerts: they become operators.
ALTER TABLE api_keys
  ADD COLUMN role text NOT NULL DEFAULT 'operator'
    CHECK (role IN ('operator', 'scheduler', 'auditor', 'admin')),
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN created_by text;
ALTER TABLE api_keys ALTER COLUMN role DROP DEFAULT;

-- A database role for auditors who read the log directly (araldoctl audit verify/prove,
-- their own SQL): SELECT on the alerts, deliveries and the audit log, nothing else: no
-- key hashes, no subscribers' numbers, no writes. GRANT araldo_auditor TO <their login>.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'araldo_auditor') THEN
    CREATE ROLE araldo_auditor NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;  -- another database on this cluster created it at the same moment
END $$;
GRANT SELECT ON alerts, deliveries, audit_events, audit_leaves, audit_heads,
  schema_migrations TO araldo_auditor;
