-- A large audience is written after the 202. The intake stores one row per alert and
-- subscription channel: who the alert reaches (the channel's subscribers up to
-- last_subscriber, i.e. those subscribed at acceptance, by the alert's zones and whether it
-- is a notice) and the rendered texts. The 202 still means every delivery is durable: the
-- rule and the texts are committed with the alert. A worker then writes the deliveries in
-- chunks, in subscriber order (cursor), a little ahead of sending.
CREATE TABLE fanouts (
  alert_id        uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  channel         text NOT NULL,
  channel_type    text NOT NULL,
  priority        int NOT NULL,
  notice          boolean NOT NULL,
  targeted        boolean NOT NULL,  -- by the zones the alert touched (alert_zones)
  texts           jsonb NOT NULL,    -- [{key, language, part, parts, text}]; key '' is the fallback
  audience        bigint NOT NULL,   -- subscribers counted at acceptance
  last_subscriber bigint NOT NULL,
  cursor_id       bigint NOT NULL DEFAULT 0,  -- subscribers up to this id are written
  written         bigint NOT NULL DEFAULT 0,  -- subscribers written so far
  finished_at     timestamptz,
  outcome         text CHECK (outcome IN ('written', 'cancelled', 'expired', 'rejected',
                                            'failed')),
  error           text,  -- failed: what the database refused
  PRIMARY KEY (alert_id, channel)
);
CREATE INDEX fanouts_open ON fanouts (alert_id) WHERE finished_at IS NULL;
-- The worker walks a channel's subscribers in id order.
CREATE INDEX subscribers_channel_id ON subscribers (channel, id);

GRANT SELECT ON fanouts TO araldo_auditor;
