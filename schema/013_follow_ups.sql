-- Cancel and update reach what was published: a delivery may act on a post another
-- delivery published (edit it, remove it, or reply to it), addressed by that delivery's
-- platform id. Where the platform refuses an edit or a removal, the delivery falls back
-- to a reply holding fallback_text.
ALTER TABLE deliveries
  ADD COLUMN action text NOT NULL DEFAULT 'send'
    CHECK (action IN ('send','edit','remove','reply')),
  ADD COLUMN refers_to bigint REFERENCES deliveries (id),
  ADD COLUMN fallback_text text,
  ADD CONSTRAINT deliveries_follow_up CHECK (action = 'send' OR refers_to IS NOT NULL);
-- The posts of an alert a correction acts on.
CREATE INDEX deliveries_refers_to ON deliveries (refers_to) WHERE refers_to IS NOT NULL;
