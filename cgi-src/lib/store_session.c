/*
 * store_session.c: staff sessions, for the admin pool as role vawg_admin.
 * A session is found by the BLAKE2b hash of its cookie's token (admin.c
 * makes it), so this file never sees a token, and a copy of the table
 * signs nobody in.  Expiry is decided here, in SQL against the database's
 * clock: idle and absolute limits, and a disabled account's sessions end.
 * The account's role is read with the session, at every request, so a
 * role changed or an account disabled holds from the next request on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_GET,
	STMT_DELETE,
	STMT_REAUTHED,
	STMT__MAX
};

/* get's columns. */
enum { GET_USERNAME, GET_CSRF, GET_AUTHED_AGE, GET_ROLE, GET__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	/* A live session is seen now: twice is as good as once. */
	[STMT_GET] = { "session_get",
	    "UPDATE vawg.admin_session z SET last_seen_at = now() "
	    "FROM vawg.admin_user u WHERE z.token_hash = $1 AND "
	    "u.id = z.admin_id AND NOT u.disabled AND "
	    "z.last_seen_at > now() - $2::int * interval '1 second' AND "
	    "z.created_at > now() - $3::int * interval '1 second' "
	    "RETURNING u.username, z.csrf, "
	    "extract(epoch FROM now() - z.authed_at)::bigint, u.role",
	    3, PGRES_TUPLES_OK, GET__COLS, STORE_RESEND, 0 },
	[STMT_DELETE] = { "session_delete",
	    "DELETE FROM vawg.admin_session WHERE token_hash = $1",
	    1, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
	[STMT_REAUTHED] = { "session_reauthed",
	    "UPDATE vawg.admin_session SET authed_at = now() "
	    "WHERE token_hash = $1",
	    1, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
};

/* Runs a command whose one parameter is a session's hash.  0 / -1. */
static int
run_by_hash(struct store *s, enum stmt st, const unsigned char *hash)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	store_arg_bytes(&a, hash, STAFF_HASH_BYTES);
	r = store_run(s, &stmts[st], &a, NULL);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_session_get(struct store *s, const unsigned char *hash, int idle,
    int max, struct staff_session *out)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	memset(out, 0, sizeof(*out));
	store_arg_bytes(&a, hash, STAFF_HASH_BYTES);
	store_arg_int(&a, idle);
	store_arg_int(&a, max);
	if ((r = store_run(s, &stmts[STMT_GET], &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		/* A role this program does not know is no session. */
		if ((out->role = staff_role_parse(PQgetvalue(r, 0,
		    GET_ROLE))) == 0) {
			LOG_ERR("a session's account has an unknown role");
			goto out;
		}
		out->found = 1;
		snprintf(out->username, sizeof(out->username), "%s",
		    PQgetvalue(r, 0, GET_USERNAME));
		snprintf(out->csrf, sizeof(out->csrf), "%s",
		    PQgetvalue(r, 0, GET_CSRF));
		out->authed_age = strtoll(PQgetvalue(r, 0, GET_AUTHED_AGE),
		    NULL, 10);
	}
out:
	PQclear(r);
	return 0;
}

int
store_session_delete(struct store *s, const unsigned char *hash)
{
	return run_by_hash(s, STMT_DELETE, hash);
}

int
store_session_reauthed(struct store *s, const unsigned char *hash)
{
	return run_by_hash(s, STMT_REAUTHED, hash);
}
