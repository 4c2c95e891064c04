/*
 * store_purge.c: the retention purge, for vawgctl as the database owner
 * (vawg_admin may not delete a submission).  Rows older than their form's
 * retention_days go, and the audit log gets one row per form in the same
 * statement, so the deletion and its record commit together or not at
 * all.  A form without retention_days keeps every row.  Nothing else here
 * deletes, and nothing touches the audit log but that INSERT.
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_PURGE,
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
};

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
