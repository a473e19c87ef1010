-- Recurring notices (siren tests, bulletins): an alert body sent at every occurrence of a
-- recurrence in an IANA time zone. next_at is the next occurrence not yet handled, kept
-- by the daemons; each occurrence they handle gets one row in schedule_occurrences.
CREATE TABLE schedules (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  owner text NOT NULL,                       -- the key that created it: its alerts' sender
  alert jsonb NOT NULL,                      -- a POST /v1/alerts body, validated
  recurrence jsonb NOT NULL,                 -- {"rrule"|"cron", "start"?, "time_zone"}
  rrule text NOT NULL,                       -- what libical iterates (cron translated)
  dtstart text NOT NULL,                     -- local time, YYYYMMDDTHHMMSS
  time_zone text NOT NULL,
  misfire text NOT NULL CHECK (misfire IN ('skip', 'send_late')),
  late_within interval NOT NULL DEFAULT '0',
  enabled boolean NOT NULL DEFAULT true,
  next_at timestamptz,                       -- NULL: the recurrence has ended
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
-- A name once per key among live schedules: a create retried after a lost answer, or
-- pasted twice, is refused instead of making a second schedule that fires alongside.
CREATE UNIQUE INDEX schedules_owner_name ON schedules (owner, name) WHERE deleted_at IS NULL;
CREATE INDEX schedules_due ON schedules (next_at) WHERE enabled AND deleted_at IS NULL;

-- One row per schedule and occurrence: the primary key is what makes an occurrence fire
-- once, however many daemons run. claimed: a daemon is sending it (a claim older than a
-- minute is taken over: its daemon died); sent: alert_id is the alert; missed: too late
-- for the misfire policy, nothing sent.
CREATE TABLE schedule_occurrences (
  schedule_id uuid NOT NULL REFERENCES schedules (id),
  occurrence timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('claimed', 'sent', 'missed', 'refused')),
  alert_id uuid REFERENCES alerts (id),
  claimed_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  detail text,
  PRIMARY KEY (schedule_id, occurrence)
);

GRANT SELECT, INSERT, UPDATE ON schedules, schedule_occurrences TO araldo_daemon;
GRANT SELECT ON schedules, schedule_occurrences TO araldo_auditor;
