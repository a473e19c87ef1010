-- CAP status, scope and message type: only Actual, Public alerts reach public channels;
-- an Update or a Cancel refers to the alerts it corrects. And the two-person rule: an
-- alert held until another operator approves it.
ALTER TABLE alerts
  ADD COLUMN status text NOT NULL DEFAULT 'Actual'
    CHECK (status IN ('Actual','Exercise','System','Test','Draft')),
  ADD COLUMN scope text NOT NULL DEFAULT 'Public'
    CHECK (scope IN ('Public','Restricted','Private')),
  ADD COLUMN msg_type text NOT NULL DEFAULT 'Alert'
    CHECK (msg_type IN ('Alert','Update','Cancel')),
  ADD COLUMN references_alerts uuid[] NOT NULL DEFAULT '{}',
  -- NULL: no approval needed. 'awaiting': nothing is claimed until another operator
  -- approves; 'rejected' and 'expired' end it with nothing sent.
  ADD COLUMN approval text CHECK (approval IN ('awaiting','approved','rejected','expired')),
  ADD COLUMN approval_expires_at timestamptz,
  ADD COLUMN approval_decided_by text,
  ADD COLUMN approval_decided_at timestamptz,
  ADD COLUMN approval_reason text,
  ADD CONSTRAINT alerts_approval_expiry CHECK (approval IS NULL OR approval_expires_at IS NOT NULL);

-- The sweep that expires approval requests reads only the waiting ones.
CREATE INDEX alerts_awaiting_approval ON alerts (approval_expires_at) WHERE approval = 'awaiting';
-- The public archive: Actual, Public alerts, newest first.
CREATE INDEX alerts_public ON alerts (accepted_at DESC, id DESC)
  WHERE status = 'Actual' AND scope = 'Public';
