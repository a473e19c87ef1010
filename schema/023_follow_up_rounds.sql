-- Follow-ups: an operator resends an alert that asked for an answer to the subscribers who
-- have not answered after N minutes, as new deliveries of the same alert. Each follow-up is
-- a round (0: the alert as accepted), so a target has one delivery per part and round.
ALTER TABLE deliveries ADD COLUMN round smallint NOT NULL DEFAULT 0;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_alert_id_channel_target_part_key;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_alert_channel_target_part_round
  UNIQUE (alert_id, channel, target, part, round);
