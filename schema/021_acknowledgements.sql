-- Acknowledgements: an alert may ask its subscribers to answer "Sto bene" / "Ho bisogno di
-- aiuto" with a button on its last part. One answer per delivery, the first one kept; the
-- row names the delivery, never the number.
ALTER TABLE alerts ADD COLUMN asks_ack boolean NOT NULL DEFAULT false;
CREATE TABLE acknowledgements (
  delivery_id  bigint PRIMARY KEY REFERENCES deliveries (id),
  alert_id     uuid NOT NULL REFERENCES alerts (id),
  channel      text NOT NULL,
  answer       text NOT NULL CHECK (answer IN ('safe', 'need_help')),
  answered_at  timestamptz NOT NULL DEFAULT now(),
  inbound_item bigint
);
CREATE INDEX acknowledgements_alert ON acknowledgements (alert_id, answer);
GRANT SELECT ON acknowledgements TO araldo_auditor;
