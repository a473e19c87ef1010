-- An alert's state says "updated" when a later alert references it (msgType Update): the
-- list of alerts finds those by this index, not by reading every alert.
CREATE INDEX alerts_references ON alerts USING gin (references_alerts);
