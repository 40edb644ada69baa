-- SQLite: nothing to do. The sync queue (`mis sync enqueue` / `mis sync work`) coordinates
-- worker processes on many hosts through one PostgreSQL server; a SQLite file lives on one
-- host, and the queue commands refuse it. Kept as a version so both back ends share one
-- version sequence.
SELECT 1;
