-- Each channel's token bucket, shared by every daemon on this database: claims take
-- tokens under the row's lock, so two daemons together keep the platform's rate.
CREATE TABLE channel_buckets (
  channel     text PRIMARY KEY,
  tokens      double precision NOT NULL,
  refilled_at timestamptz NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON channel_buckets TO araldo_daemon;
