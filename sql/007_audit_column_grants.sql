-- 007: the admin role appends to the audit log only through the columns
-- its program writes (cgi-src/lib/store_audit.c).  Migration 003 granted
-- INSERT on the whole row, so vawg_admin could choose a row's id (taking
-- one the sequence has yet to hand out, which makes a later row fail) or
-- its time (backdating a sign-in or an export).  Now id comes from its
-- sequence and at from now(), both defaults nobody in that role can
-- override.  Column privileges on INSERT: a column not listed may not
-- appear in the statement, and its default fills it.
REVOKE INSERT ON vawg.audit_log FROM vawg_admin;
GRANT INSERT (actor, action, form_name, range_from, range_to, row_count,
    detail) ON vawg.audit_log TO vawg_admin;
--
-- 003's head says a trigger refuses changes "even to the owner": it does,
-- but the owner may disable or drop that trigger first.  What that means
-- and what would show it: docs/THREAT-MODEL.md threat 13.
