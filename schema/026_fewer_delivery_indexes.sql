-- Every update of a delivery's state writes a new entry into each index its new version
-- falls in: a claim and its outcome, 9 index entries per message. Two of them repeat
-- another index:
-- - deliveries_alert (alert_id) is the leading column of the unique
--   (alert_id, channel, target, part, round), which serves every look-up by alert;
-- - deliveries_leased (lease_expires_at) WHERE sending: deliveries_leased_by_channel
--   holds the same rows (only those in flight, a few thousand at most), so the sweeps
--   that look at every channel's expired leases read it whole.
DROP INDEX deliveries_alert;
DROP INDEX deliveries_leased;
