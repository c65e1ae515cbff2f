-- Privacy: the query parameters an inbox keeps in the page addresses it records
-- (`utm_*, ref`); empty keeps no query at all. Fragments are never kept.
ALTER TABLE inboxes ADD COLUMN kept_query_params TEXT NOT NULL DEFAULT '';
