-- Resumable, incremental sync (one SQL text for SQLite and PostgreSQL).
--
-- `sync_gen`: the sync generation that last wrote a row. A re-read scope (a date chunk, one
-- student's dates) is replaced by upserting what the vendor now sends with the new generation
-- and deleting the scope's rows still carrying an older one: exactly the rows removed upstream.
ALTER TABLE students ADD COLUMN sync_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attendance_marks ADD COLUMN sync_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE lessons ADD COLUMN sync_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE behaviour_events ADD COLUMN sync_gen BIGINT NOT NULL DEFAULT 0;

-- The per-school report (item 9); the legacy count columns stay filled.
ALTER TABLE sync_runs ADD COLUMN provider TEXT;
ALTER TABLE sync_runs ADD COLUMN mode TEXT;
ALTER TABLE sync_runs ADD COLUMN generation BIGINT;
ALTER TABLE sync_runs ADD COLUMN read_from DATE;
ALTER TABLE sync_runs ADD COLUMN read_to DATE;
ALTER TABLE sync_runs ADD COLUMN rows_written BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN rows_deleted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN requests BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN requests_failed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN warnings BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN warnings_by_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_runs ADD COLUMN wall_ms BIGINT NOT NULL DEFAULT 0;

-- The same per entity.
CREATE TABLE sync_run_entities (
    run_id TEXT NOT NULL,
    school TEXT NOT NULL,
    entity TEXT NOT NULL,
    status TEXT NOT NULL,
    rows_written BIGINT NOT NULL,
    rows_deleted BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    requests_failed BIGINT NOT NULL,
    warnings BIGINT NOT NULL,
    warnings_by_kind TEXT NOT NULL,
    wall_ms BIGINT NOT NULL,
    note TEXT,
    PRIMARY KEY (run_id, school, entity)
);

-- One row per school: the generation being written or last completed, and its windows.
-- `status` is `running` until every entity is done; a run finding `running` with the same
-- window resumes that generation instead of starting a new one.
CREATE TABLE sync_state (
    school TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    generation BIGINT NOT NULL,
    status TEXT NOT NULL,
    window_from DATE NOT NULL,
    window_to DATE NOT NULL,
    read_from DATE NOT NULL,
    read_to DATE NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    completed_on DATE
);

-- Checkpoints: one row per finished unit of work (the student list, a date chunk, one
-- student), written in the same transaction as the unit's rows.
CREATE TABLE sync_progress (
    school TEXT NOT NULL,
    generation BIGINT NOT NULL,
    entity TEXT NOT NULL,
    unit TEXT NOT NULL,
    rows_written BIGINT NOT NULL,
    PRIMARY KEY (school, generation, entity, unit)
);

-- Reference data refreshed on a TTL (e.g. HUBmis enrolment details).
CREATE TABLE sync_cache (
    school TEXT NOT NULL,
    item TEXT NOT NULL,
    refreshed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (school, item)
);

-- The obvious queries: a school's day, a school's student.
CREATE INDEX attendance_marks_school_date ON attendance_marks (school, date);
CREATE INDEX attendance_marks_school_student ON attendance_marks (school, student_id, date);
CREATE INDEX lessons_school_date ON lessons (school, date);
CREATE INDEX lessons_school_student ON lessons (school, student_key, date);
CREATE INDEX behaviour_events_school_date ON behaviour_events (school, date);
CREATE INDEX sync_runs_school ON sync_runs (school, started_at);
