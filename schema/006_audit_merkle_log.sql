-- The audit log without a global lock. Writers append events with their transaction id and
-- nothing else; no lock is shared between them. A sequencer (one daemon at a time) later
-- seals every event whose transaction can no longer commit, in (transaction id, event id)
-- order, as leaves of a Merkle tree (RFC 6962), and publishes signed tree heads, the way
-- Certificate Transparency logs work. The hash chain of migration 003 is replaced: its
-- events stay, and are the first leaves of the tree, in id order.

DROP TRIGGER audit_events_chain ON audit_events;
DROP FUNCTION araldo_audit_chain();
ALTER TABLE audit_events DROP COLUMN seq, DROP COLUMN hash;
DROP FUNCTION araldo_audit_canonical(bigint, timestamptz, text, text, uuid, bigint, jsonb);
-- The writer's transaction: every row of a transaction below the oldest running one is final.
ALTER TABLE audit_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX audit_events_xid ON audit_events (xid, id);

-- The bytes a leaf hashes: the event as written, fields separated by U+001F.
CREATE FUNCTION araldo_audit_entry(id bigint, at timestamptz, actor text, kind text,
                                   alert_id uuid, delivery_id bigint, detail jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT concat_ws(E'\x1f', id::text,
                   to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   actor, kind, coalesce(alert_id::text, ''), coalesce(delivery_id::text, ''),
                   detail::text)
$$;

-- Leaf n (0-based) of the tree: which event, and SHA-256(0x00 || entry).
CREATE TABLE audit_leaves (
  seq       bigint PRIMARY KEY CHECK (seq >= 0),
  event_id  bigint NOT NULL UNIQUE,
  leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32)
);

-- Each seal: the tree's size and root after it, how far it reached, and its signature.
CREATE TABLE audit_heads (
  tree_size     bigint PRIMARY KEY CHECK (tree_size > 0),
  root_hash     bytea NOT NULL CHECK (length(root_hash) = 32),
  last_xid      xid8 NOT NULL,     -- the last sealed event's (xid, id): the next seal
  last_event_id bigint NOT NULL,   -- starts after it
  frontier      bytea NOT NULL,    -- the tree's right edge, so a new sequencer resumes
  signed_at     text NOT NULL,     -- UTC, part of what is signed
  public_key    text,              -- Ed25519, hex; NULL when no signing key is configured
  signature     text
);

CREATE TRIGGER audit_leaves_no_update BEFORE UPDATE OR DELETE ON audit_leaves
  FOR EACH ROW EXECUTE FUNCTION araldo_audit_append_only();
CREATE TRIGGER audit_leaves_no_truncate BEFORE TRUNCATE ON audit_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION araldo_audit_append_only();
CREATE TRIGGER audit_heads_no_update BEFORE UPDATE OR DELETE ON audit_heads
  FOR EACH ROW EXECUTE FUNCTION araldo_audit_append_only();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
  FOR EACH STATEMENT EXECUTE FUNCTION araldo_audit_append_only();
REVOKE ALL ON audit_leaves, audit_heads FROM PUBLIC;
GRANT SELECT, INSERT ON audit_leaves, audit_heads TO araldo_daemon;
