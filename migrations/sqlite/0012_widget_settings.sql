-- What an inbox's widget asks and shows, as one JSON document (model::WidgetSettings; '{}' is
-- every default): the pre-chat form, departments, business hours, the offline form, the look,
-- ratings. Read whole, never queried by its parts.
ALTER TABLE inboxes ADD COLUMN widget_settings TEXT NOT NULL DEFAULT '{}';
-- A visitor's answers to the pre-chat form (JSON of model::FormAnswer list), when they gave
-- them, and the department (an inbox) they chose: their new conversations start there.
ALTER TABLE visitors ADD COLUMN form_answers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE visitors ADD COLUMN form_answered_at INTEGER;
ALTER TABLE visitors ADD COLUMN department_id INTEGER REFERENCES inboxes (id) ON DELETE SET NULL;
