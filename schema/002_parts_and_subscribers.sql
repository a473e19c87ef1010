-- Long alerts sent as ordered parts (X threads, split Telegram messages), the language
-- each delivery was rendered in, and subscribers of subscription channels (WhatsApp).

ALTER TABLE deliveries
  ADD COLUMN part     smallint NOT NULL DEFAULT 1 CHECK (part >= 1),
  ADD COLUMN parts    smallint NOT NULL DEFAULT 1,
  ADD COLUMN language text NOT NULL DEFAULT '',
  ADD CHECK (part <= parts);
ALTER TABLE deliveries DROP CONSTRAINT deliveries_alert_id_channel_target_key;
-- Also how a part finds the one before it.
ALTER TABLE deliveries ADD UNIQUE (alert_id, channel, target, part);

-- Citizens who asked for alerts on a subscription channel, with proof of when.
CREATE TABLE subscribers (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel     text NOT NULL,  -- channel instance name from the config
  address     text NOT NULL CHECK (address ~ '^[1-9][0-9]{6,14}$'),  -- E.164, digits only
  language    text NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),        -- primary subtag
  consent_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL,
  UNIQUE (channel, address)
);
CREATE INDEX subscribers_channel_language ON subscribers (channel, language);
