-- When a delivery was first tried (its first claim): with created_at and finished_at, what
-- an auditor asks of each message.
ALTER TABLE deliveries ADD COLUMN first_attempt_at timestamptz;
