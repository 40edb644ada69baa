-- The schema `mis demo` and `mis sync` created before versioned migrations, verbatim.
-- `IF NOT EXISTS` on purpose, in this one file only: a database made by that older `mis`
-- already has these tables, and adopting it must be a no-op that records version 1.
CREATE TABLE IF NOT EXISTS schools (
    school TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    tenant TEXT,
    time_zone TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS students (
    school TEXT NOT NULL,
    provider TEXT NOT NULL,
    id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    preferred_first_name TEXT,
    date_of_birth TEXT,
    gender TEXT,
    year_group TEXT,
    registration_group TEXT,
    email TEXT,
    enrolment_status TEXT,
    upn TEXT,
    identifiers TEXT NOT NULL,
    PRIMARY KEY (school, provider, id)
);
CREATE TABLE IF NOT EXISTS attendance_marks (
    school TEXT NOT NULL,
    provider TEXT NOT NULL,
    student_id TEXT NOT NULL,
    date TEXT NOT NULL,
    slot_key TEXT NOT NULL,
    slot TEXT NOT NULL,
    session TEXT,
    period TEXT,
    lesson_id TEXT,
    code TEXT NOT NULL,
    category TEXT NOT NULL,
    late BIGINT NOT NULL,
    minutes_late BIGINT,
    note TEXT,
    PRIMARY KEY (school, provider, student_id, date, slot_key)
);
CREATE TABLE IF NOT EXISTS lessons (
    school TEXT NOT NULL,
    provider TEXT NOT NULL,
    id TEXT NOT NULL,
    student_key TEXT NOT NULL,
    date TEXT NOT NULL,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    period TEXT,
    subject TEXT,
    group_name TEXT,
    teachers TEXT NOT NULL,
    rooms TEXT NOT NULL,
    cancelled BIGINT NOT NULL,
    PRIMARY KEY (school, provider, id, student_key)
);
CREATE TABLE IF NOT EXISTS behaviour_events (
    school TEXT NOT NULL,
    provider TEXT NOT NULL,
    id TEXT NOT NULL,
    date TEXT NOT NULL,
    occurred_at TEXT,
    polarity TEXT NOT NULL,
    category TEXT,
    points BIGINT,
    notes TEXT,
    author TEXT,
    student_ids TEXT NOT NULL,
    PRIMARY KEY (school, provider, id)
);
CREATE TABLE IF NOT EXISTS sync_runs (
    run_id TEXT NOT NULL,
    school TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    students BIGINT NOT NULL,
    marks BIGINT NOT NULL,
    lessons BIGINT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (run_id, school)
);
