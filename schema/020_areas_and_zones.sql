-- Alert areas and zones, in PostGIS. A zone is a named part of the territory (a district,
-- a hamlet, a river bank): a polygon, a set of ISTAT municipality codes, or both.
-- Channels' configured targets and subscribers are bound to zones; an alert with an area
-- reaches those whose zones it touches, and everyone not bound to any zone.
-- CREATE EXTENSION needs a superuser once per database: where the daemon's role is not
-- one, the DBA runs it first (README, "Zones"), and this statement is a no-op.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE zones (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  label       text NOT NULL CHECK (label <> ''),   -- how people read it: "Niguarda"
  -- What a citizen writes after the opt-in word ("ISCRIVIMI NIGUARDA"), folded to capitals.
  keyword     text UNIQUE CHECK (keyword ~ '^[A-Z0-9]+$'),
  geom        geometry(MultiPolygon, 4326) CHECK (geom IS NULL OR ST_IsValid(geom)),
  istat_codes text[] NOT NULL DEFAULT '{}',
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (geom IS NOT NULL OR cardinality(istat_codes) > 0)
);
CREATE INDEX zones_geom ON zones USING gist (geom);
CREATE INDEX zones_istat ON zones USING gin (istat_codes);

-- The zones a subscriber chose; none: the whole territory.
CREATE TABLE subscriber_zones (
  subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
  zone          text NOT NULL REFERENCES zones (name) ON DELETE CASCADE,
  PRIMARY KEY (subscriber_id, zone)
);
CREATE INDEX subscriber_zones_zone ON subscriber_zones (zone, subscriber_id);

-- An alert's area as one geometry (polygons and circles together) and its ISTAT codes;
-- both empty: everyone. alert_zones keeps which zones it touched when it was accepted.
ALTER TABLE alerts
  ADD COLUMN area_geom geometry(MultiPolygon, 4326),
  ADD COLUMN area_istat text[] NOT NULL DEFAULT '{}';
CREATE TABLE alert_zones (
  alert_id uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  zone     text NOT NULL,  -- no foreign key: the record stays if the zone is deleted later
  PRIMARY KEY (alert_id, zone)
);

GRANT SELECT ON zones, alert_zones TO araldo_auditor;
