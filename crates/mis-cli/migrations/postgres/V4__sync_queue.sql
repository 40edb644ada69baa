-- `mis sync enqueue` / `mis sync work` (PostgreSQL only): a queue of schools claimed by
-- worker processes on any number of hosts with `FOR UPDATE SKIP LOCKED` leases.

-- One row per `mis sync enqueue`: the config as loaded (it names environment variables, never
-- holds a secret) and the window every worker reads, fixed once so that workers started on
-- either side of midnight read the same dates.
CREATE TABLE sync_batches (
    batch_id BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL,
    config TEXT NOT NULL,
    window_from DATE NOT NULL,
    window_to DATE NOT NULL,
    today DATE NOT NULL,
    max_attempts INTEGER NOT NULL,
    retry_seconds DOUBLE PRECISION NOT NULL,
    enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Lease tokens are never reused (not even across batches): a worker whose lease was taken
-- over cannot match a later lease of the same school.
CREATE SEQUENCE sync_lease_tokens;

-- One row per school of the current batch.
--
-- `quota_group`: schools whose vendor limits requests per IP address (HUBmis, ManageBac)
-- name that vendor here; at most `quota_slots` of a group run at once per `egress`, and
-- the next one starts `quota_window` seconds (the quota's window) after the last finished,
-- so the old school's requests still in the vendor's window do not add to the new one's.
-- `lease_token` fences writes: every unit's transaction first updates this row where
-- `lease_token` is its own, so a worker whose lease was taken over writes nothing.
CREATE TABLE sync_jobs (
    school TEXT PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES sync_batches (batch_id),
    provider TEXT NOT NULL,
    quota_group TEXT,
    quota_slots INTEGER NOT NULL DEFAULT 1,
    quota_window DOUBLE PRECISION NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_token BIGINT NOT NULL DEFAULT 0,
    worker TEXT,
    egress TEXT,
    lease_until TIMESTAMPTZ,
    heartbeat_at TIMESTAMPTZ,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    mode TEXT,
    rows_written BIGINT,
    rows_deleted BIGINT,
    requests BIGINT,
    warnings BIGINT,
    error TEXT
);
CREATE INDEX sync_jobs_claim ON sync_jobs (status, not_before);
