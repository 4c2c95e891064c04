/*
 * store_audit.c: the audit log (docs/THREAT-MODEL.md 13, 18): a row
 * appended, and the latest exports read back for the dashboard.  The admin
 * pool runs both as role vawg_admin (its rows: sign-in, sign-out, export);
 * vawgctl appends as the database owner (enrolment, disabling, key
 * rotation, export, purge).  Nothing here updates or deletes a row: the
 * log is append-only, by grant and by trigger.  A row says who, what,
 * which form, range and how many rows; never an answer.  The admin role
 * may write only the columns store_audit names (migration 007): a row's
 * id and time are the database's.
 *
 * A sign-in's session and its audit row are one statement here
 * (store_audit_login), so no session exists that the log does not show.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_APPEND,
	STMT_LOGIN,
	STMT_RECENT_EXPORTS,
	STMT__MAX
};

/* recent_exports' columns, which its callback gets in this order. */
enum {
	RECENT_AT, RECENT_ACTOR, RECENT_FORM, RECENT_FROM, RECENT_TO,
	RECENT_ROWS, RECENT__COLS
};

static const struct store_stmt stmts[STMT__MAX] = {
	/* A row more each time it is sent: sent once. */
	[STMT_APPEND] = { "audit_append",
	    "INSERT INTO vawg.audit_log (actor, action, form_name, "
	    "range_from, range_to, row_count, detail) VALUES ($1, $2, $3, "
	    "$4::date, $5::date, $6::bigint, $7)",
	    7, PGRES_COMMAND_OK, 0, STORE_ONCE, 0 },
	/* The session and its "login" row commit together or not at all.
	 * Sent once: the caller told of a failure sets no cookie, so a
	 * session that did get in is never used and idles out. */
	[STMT_LOGIN] = { "audit_login",
	    "WITH z AS (INSERT INTO vawg.admin_session (token_hash, admin_id, "
	    "csrf) VALUES ($1, $2, $3) RETURNING admin_id) INSERT INTO "
	    "vawg.audit_log (actor, action) SELECT u.username, 'login' "
	    "FROM z JOIN vawg.admin_user u ON u.id = z.admin_id",
	    3, PGRES_COMMAND_OK, 0, STORE_ONCE, 0 },
	[STMT_RECENT_EXPORTS] = { "audit_recent_exports",
	    "SELECT to_char(at AT TIME ZONE 'Europe/London', "
	    "'YYYY-MM-DD HH24:MI'), actor, coalesce(form_name, ''), "
	    "coalesce(range_from::text, ''), coalesce(range_to::text, ''), "
	    "coalesce(row_count::text, '') FROM vawg.audit_log "
	    "WHERE action = 'export' ORDER BY id DESC LIMIT $1::int",
	    1, PGRES_TUPLES_OK, RECENT__COLS, STORE_RESEND, 0 },
};

int
store_audit(struct store *s, const char *actor, const char *action,
    const char *form, const char *from, const char *to, long long count,
    const char *detail)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	store_arg_text(&a, actor);
	store_arg_text(&a, action);
	store_arg_text(&a, form);
	store_arg_text(&a, from);
	store_arg_text(&a, to);
	if (count < 0)
		store_arg_text(&a, NULL);
	else
		store_arg_int(&a, count);
	store_arg_text(&a, detail ? detail : "");
	r = store_run(s, &stmts[STMT_APPEND], &a, NULL);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_audit_login(struct store *s, const unsigned char *hash,
    int32_t account_id, const char *csrf)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 rc;

	store_arg_bytes(&a, hash, STAFF_HASH_BYTES);
	store_arg_int(&a, account_id);
	store_arg_text(&a, csrf);
	if ((r = store_run(s, &stmts[STMT_LOGIN], &a, NULL)) == NULL)
		return -1;
	/* One audit row, or the account was not there: no session either. */
	rc = strcmp(PQcmdTuples(r), "1") == 0 ? 0 : -1;
	PQclear(r);
	return rc;
}

int
store_recent_exports(struct store *s, int limit,
    int (*cb)(const char *const *cols, void *), void *arg)
{
	struct store_args	 a = { 0 };
	const char		*cols[RECENT__COLS];
	PGresult		*r;
	int			 i, j;

	store_arg_int(&a, limit);
	if ((r = store_run(s, &stmts[STMT_RECENT_EXPORTS], &a, NULL)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		for (j = 0; j < RECENT__COLS; j++)
			cols[j] = PQgetvalue(r, i, j);
		if (cb(cols, arg) == -1)
			break;
	}
	PQclear(r);
	return 0;
}
