-- PostgreSQL: proper column types for what version 1 stored as text or bigint. The casts
-- read the RFC 3339 / ISO 8601 text every earlier `mis` wrote.
ALTER TABLE students
    ALTER COLUMN date_of_birth TYPE date USING date_of_birth::date;
ALTER TABLE attendance_marks
    ALTER COLUMN date TYPE date USING date::date,
    ALTER COLUMN late TYPE boolean USING late <> 0,
    ALTER COLUMN minutes_late TYPE integer USING minutes_late::integer;
ALTER TABLE lessons
    ALTER COLUMN date TYPE date USING date::date,
    ALTER COLUMN start_at TYPE timestamptz USING start_at::timestamptz,
    ALTER COLUMN end_at TYPE timestamptz USING end_at::timestamptz,
    ALTER COLUMN cancelled TYPE boolean USING cancelled <> 0;
ALTER TABLE behaviour_events
    ALTER COLUMN date TYPE date USING date::date,
    ALTER COLUMN occurred_at TYPE timestamptz USING occurred_at::timestamptz;
ALTER TABLE sync_runs
    ALTER COLUMN started_at TYPE timestamptz USING started_at::timestamptz,
    ALTER COLUMN finished_at TYPE timestamptz USING finished_at::timestamptz;
