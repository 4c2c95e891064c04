-- 004: no index on submission.reference.
--
-- Nothing in the service looks a submission up by its reference: the
-- public pool stores by idempotency key, the admin pool reads by form and
-- date (submission_version_created).  The index only cost every post a
-- write to a random place in a growing B-tree (make bench, issue 6: the
-- cost as data grows).  Staff who look up a reference a caller quotes do
-- so rarely, in psql; a scan of a million rows takes about a second.
SET ROLE vawg_owner;
DROP INDEX IF EXISTS vawg.submission_reference;
RESET ROLE;
