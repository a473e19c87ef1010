-- What the platforms tell Araldo: webhook bodies as received (no platform API returns
-- past webhooks), cut into items stored once each, so a replay or a duplicate changes
-- nothing; delivery receipts; and where Telegram polling resumes.
CREATE TABLE inbound_bodies (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel     text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body        text NOT NULL
);

CREATE TABLE inbound_items (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel      text NOT NULL,
  kind         text NOT NULL,  -- status, message, update
  key          text NOT NULL,  -- wamid:status, message wamid, update_id
  body_id      bigint NOT NULL REFERENCES inbound_bodies (id),
  payload      text NOT NULL,  -- the item's JSON as sent (jsonb refuses \u0000)
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- A receipt can overtake the send it is about (Meta answers the send and fires the
  -- webhook at once): such items wait and are tried again.
  next_try_at  timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  outcome      text,
  UNIQUE (channel, kind, key)
);
CREATE INDEX inbound_items_due ON inbound_items (next_try_at, id) WHERE processed_at IS NULL;

-- One daemon at a time polls a channel (Telegram answers a second poller 409): it holds
-- the lease, and renews it each poll.
CREATE TABLE inbound_offsets (
  channel     text PRIMARY KEY,
  next_offset bigint NOT NULL,
  lease_owner text,
  lease_until timestamptz
);

-- What the platform reported after accepting a message; ranked sent < delivered < read <
-- failed, and never moved down.
-- A receipt finds its delivery by the id Araldo tagged the message with
-- (biz_opaque_callback_data), so no index on platform ids slows every send.
ALTER TABLE deliveries
  ADD COLUMN receipt       text CHECK (receipt IN ('sent','delivered','read','failed')),
  ADD COLUMN receipt_at    timestamptz,
  ADD COLUMN receipt_error text;

-- Telegram private chats subscribe too: their address is a chat id, not a phone number.
-- Each channel's own input checks still apply (E.164 for WhatsApp).
ALTER TABLE subscribers DROP CONSTRAINT subscribers_address_check;
ALTER TABLE subscribers ADD CONSTRAINT subscribers_address_check
  CHECK (address ~ '^[1-9][0-9]{0,19}$');
