-- SQLite: nothing to do. Its columns take the value's own type (dates and times are ISO 8601
-- text, booleans 0/1, which is what SQLite's date functions and every reader expect); the
-- PostgreSQL version of this migration gives those columns real types there. Kept as a
-- version so both back ends share one version sequence.
SELECT 1;
