/*
 * store_purge.c: the retention purge, for vawgctl as the database owner
 * (vawg_admin may not delete a submission).  Rows older than their form's
 * retention_days go, and the audit log gets one row per form in the same
 * statement, so the deletion and its record commit together or not at
 * all.  A form without retention_days keeps every row.  The same run ends
 * what has stopped meaning anything (issue 14 item 10): admin sessions
 * past their idle or absolute expiry, and sign-in throttle rows with no
 * try for an hour and no lock left (login_try starts such a count again
 * from 1).  Nothing else here deletes, and nothing touches the audit log
 * but that INSERT.
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_PURGE,
	STMT_SESSIONS,
	STMT_THROTTLE,
	STMT_RETENTION_MIN,
	STMT__MAX
};

/* purge's columns: one row per form that lost rows, by name. */
enum { PURGE_FORM, PURGE_ROWS, PURGE__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	/* Audit rows and a count of what went: sent once. */
	[STMT_PURGE] = { "purge",
	    "WITH d AS (DELETE FROM vawg.submission s USING vawg.form_version "
	    "v, vawg.form f WHERE v.id = s.version_id AND f.id = v.form_id AND "
	    "f.retention_days IS NOT NULL AND s.created_at < now() - "
	    "f.retention_days * interval '1 day' RETURNING f.name), "
	    "c AS (SELECT name, count(*) AS n FROM d GROUP BY name), "
	    "a AS (INSERT INTO vawg.audit_log (actor, action, form_name, "
	    "row_count, detail) SELECT $1, 'purge', name, n, 'retention' "
	    "FROM c) SELECT name, n FROM c ORDER BY name",
	    1, PGRES_TUPLES_OK, PURGE__COLS, STORE_ONCE, 0 },
	/* The same rule as session_get (store_session.c): none of these
	 * could be used again. */
	[STMT_SESSIONS] = { "purge_sessions",
	    "DELETE FROM vawg.admin_session WHERE "
	    "last_seen_at <= now() - $1::int * interval '1 second' OR "
	    "created_at <= now() - $2::int * interval '1 second'",
	    2, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
	[STMT_THROTTLE] = { "purge_throttle",
	    "DELETE FROM vawg.login_throttle WHERE last_failure_at < now() - "
	    "interval '1 hour' AND locked_until < now()",
	    0, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
	/* The shortest retention any form promises, NULL if none has one. */
	[STMT_RETENTION_MIN] = { "retention_min",
	    "SELECT min(retention_days) FROM vawg.form",
	    0, PGRES_TUPLES_OK, 1, STORE_RESEND, 0 },
};

/* Runs a DELETE and returns how many rows it removed, or -1. */
static long long
delete_count(struct store *s, enum stmt st, const struct store_args *a)
{
	PGresult	*r;
	long long	 n;

	if ((r = store_run(s, &stmts[st], a, NULL)) == NULL)
		return -1;
	n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return n;
}

int
store_purge_stale(struct store *s, int idle, int max, int dry_run,
    long long *sessions, long long *throttle)
{
	struct store_args	 a = { 0 };
	int			 rc = -1;

	store_arg_int(&a, idle);
	store_arg_int(&a, max);
	if (dry_run && store_begin(s) == -1)
		return -1;
	if ((*sessions = delete_count(s, STMT_SESSIONS, &a)) != -1 &&
	    (*throttle = delete_count(s, STMT_THROTTLE, NULL)) != -1)
		rc = 0;
	if (dry_run)
		(void)store_rollback(s);
	return rc;
}

int
store_retention_min(struct store *s, int *days)
{
	PGresult	*r;

	if ((r = store_run(s, &stmts[STMT_RETENTION_MIN], NULL, NULL)) == NULL)
		return -1;
	*days = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ?
	    (int)strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return 0;
}

int
store_purge(struct store *s, const char *actor, int dry_run,
    int (*cb)(const char *form, long long n, void *), void *arg)
{
	struct store_args	 a = { 0 };
	PGresult		*r = NULL;
	int			 i, rc = -1;

	store_arg_text(&a, actor);
	/* A dry run does the same work inside a transaction it rolls back. */
	if (dry_run && store_begin(s) == -1)
		return -1;
	if ((r = store_run(s, &stmts[STMT_PURGE], &a, NULL)) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		if (cb(PQgetvalue(r, i, PURGE_FORM),
		    strtoll(PQgetvalue(r, i, PURGE_ROWS), NULL, 10), arg) == -1)
			goto out;
	rc = 0;
out:
	PQclear(r);
	/* Whatever becomes of the connection, an uncommitted one is undone. */
	if (dry_run)
		(void)store_rollback(s);
	return rc;
}
