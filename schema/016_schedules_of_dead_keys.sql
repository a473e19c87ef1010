-- A schedule sends in its owner's name. Once that key is revoked or has expired, nobody
-- holds the authority it sends with: the daemons disable the schedule and say why here.
ALTER TABLE schedules ADD COLUMN disabled_reason text;
