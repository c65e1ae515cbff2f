-- Where each upload came from, so one address's uploads per hour are limited however many
-- visitors it starts; and the indexes the hourly allowances read.
ALTER TABLE files ADD COLUMN uploader_ip TEXT;
CREATE INDEX files_by_visitor ON files (visitor_id, created_at);
CREATE INDEX files_by_address ON files (uploader_ip, created_at);
