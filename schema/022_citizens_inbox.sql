-- The citizens' inbox: what citizens write to Araldo's numbers and bots (anything that is
-- not an opt-in or opt-out word) and "Ho bisogno di aiuto" pressed under an alert open a
-- conversation for the citizens' relations office. One conversation per citizen and
-- channel, like the chat itself: a new message puts it back among those awaiting an answer.
CREATE TABLE conversations (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel         text NOT NULL,
  address         text NOT NULL,  -- to answer; the API shows its pseudonym, never this
  state           text NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'assigned', 'answered')),
  assignee        text,           -- an API key's name, or "role:<role>"
  opened_at       timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  -- When the citizen last wrote, by the platform's clock: WhatsApp takes free-form text
  -- only within 24 hours of it.
  last_citizen_at timestamptz NOT NULL,
  -- The platform's id of the citizen's last message: a reply quotes it.
  last_message_id text,
  UNIQUE (channel, address)
);
CREATE INDEX conversations_by_state ON conversations (state, updated_at DESC);

CREATE TABLE conversation_messages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  direction       text NOT NULL CHECK (direction IN ('in', 'out')),
  -- in: text (written), need_help (pressed under an alert); out: free_form, template
  kind            text NOT NULL,
  body            text NOT NULL,
  at              timestamptz NOT NULL DEFAULT now(),
  alert_id        uuid REFERENCES alerts (id),  -- need_help: the alert it answered
  author          text,                         -- out: the API key that answered
  outcome         text,                         -- out: delivered, or why not
  platform_id     text,                         -- the platform's id of the message
  inbound_item    bigint
);
CREATE INDEX conversation_messages_of ON conversation_messages (conversation_id, id);
