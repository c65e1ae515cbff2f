-- Each agent's "turn off online mode" time: seconds without an open workspace before they are
-- shown offline (NULL: the server's default, --offline-after).
ALTER TABLE agents ADD COLUMN offline_after_secs INTEGER;
