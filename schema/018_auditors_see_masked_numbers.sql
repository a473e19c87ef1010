-- Auditors read deliveries without the full number of a citizen: araldo_auditor loses the
-- target column (migration 008's comment promised no numbers, and was wrong) and reads
-- deliveries_for_auditors instead, where a subscriber's number or private chat id is
-- masked ("+39 333 ***4567") with its pseudonym where the pseudonyms table knows it.
-- Public targets (a channel's @name, a group, a Page) are shown as they are.
CREATE FUNCTION araldo_masked(target text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN target ~ '^sub:' THEN target  -- erased: the pseudonym already
    WHEN length(target) >= 12 THEN '+' || left(target, 2) || ' ' || substr(target, 3, 3)
                                   || ' ***' || right(target, 4)
    ELSE '***' || right(target, 4) END
$$;

-- WhatsApp targets are phone numbers; a Telegram target that is a positive number is a
-- private chat (groups and channels are negative ids or @names).
CREATE FUNCTION araldo_personal_target(channel_type text, target text) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT channel_type = 'whatsapp' OR (channel_type = 'telegram' AND target ~ '^[1-9][0-9]*$')
$$;

CREATE INDEX pseudonyms_address ON pseudonyms (address);

CREATE VIEW deliveries_for_auditors AS
  SELECT d.id, d.alert_id, d.channel, d.channel_type,
         CASE WHEN araldo_personal_target(d.channel_type, d.target)
              THEN araldo_masked(d.target) ELSE d.target END AS target,
         p.pseudonym,
         d.language, d.part, d.parts, d.state, d.attempts, d.platform_id, d.last_error,
         d.created_at, d.updated_at, d.finished_at, d.receipt, d.receipt_at
    FROM deliveries d
    LEFT JOIN pseudonyms p
      ON araldo_personal_target(d.channel_type, d.target) AND p.address = d.target;

DO $$
DECLARE
  readable text;
BEGIN
  SELECT string_agg(quote_ident(column_name), ', ') INTO readable
    FROM information_schema.columns
   WHERE table_schema = current_schema() AND table_name = 'deliveries'
     AND column_name <> 'target';
  REVOKE SELECT ON deliveries FROM araldo_auditor;
  EXECUTE format('GRANT SELECT (%s) ON deliveries TO araldo_auditor', readable);
END $$;
GRANT SELECT ON deliveries_for_auditors TO araldo_auditor;

