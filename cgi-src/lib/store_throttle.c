/*
 * store_throttle.c: sign-in throttling, for the admin pool as role
 * vawg_admin.  Failures are counted per account and per client address,
 * each known here only by a keyed hash that admin.c makes, so this file
 * never sees a name or an address.  The waiting rule (free tries, then a
 * wait that doubles) is in the SQL; admin.c asks how long to wait and
 * reports each try.  Nothing here signs anyone in or reads an account.
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_WAIT,
	STMT_FAIL,
	STMT_CLEAR,
	STMT__MAX
};

/* wait's one column: seconds still to wait, 0 if none. */
enum { WAIT_SECONDS, WAIT__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_WAIT] = { "throttle_wait",
	    "SELECT CASE WHEN locked_until > now() THEN "
	    "ceil(extract(epoch FROM locked_until - now()))::bigint ELSE 0 END "
	    "FROM vawg.login_throttle WHERE kind = $1 AND key_hash = $2",
	    2, PGRES_TUPLES_OK, WAIT__COLS, STORE_RESEND, 0 },
	/* Once free_tries ($3) failures have piled up within an hour, the
	 * account or address waits 4 s, and each further failure doubles
	 * the wait, up to max_wait ($4) seconds.  A count: sent once. */
	[STMT_FAIL] = { "throttle_fail",
	    "INSERT INTO vawg.login_throttle AS t (kind, key_hash, failures) "
	    "VALUES ($1, $2, 1) ON CONFLICT (kind, key_hash) DO UPDATE SET "
	    "failures = CASE WHEN t.last_failure_at < now() - "
	    "interval '1 hour' THEN 1 ELSE t.failures + 1 END, "
	    "last_failure_at = now(), locked_until = CASE WHEN t.failures + 1 "
	    ">= $3::int THEN now() + least($4::int, 4 * 2 ^ least(20, "
	    "t.failures + 1 - $3::int)) * interval '1 second' ELSE "
	    "'-infinity' END",
	    4, PGRES_COMMAND_OK, 0, STORE_ONCE, 0 },
	[STMT_CLEAR] = { "throttle_clear",
	    "DELETE FROM vawg.login_throttle WHERE kind = $1 AND key_hash = $2",
	    2, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
};

/* The two parameters every statement here starts with. */
static void
args_key(struct store_args *a, const char *kind, const unsigned char *hash)
{
	store_arg_text(a, kind);
	store_arg_bytes(a, hash, STAFF_HASH_BYTES);
}

int
store_throttle_wait(struct store *s, const char *kind,
    const unsigned char *hash, int64_t *seconds)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	*seconds = 0;
	args_key(&a, kind, hash);
	if ((r = store_run(s, &stmts[STMT_WAIT], &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 1)
		*seconds = strtoll(PQgetvalue(r, 0, WAIT_SECONDS), NULL, 10);
	PQclear(r);
	return 0;
}

int
store_throttle_fail(struct store *s, const char *kind,
    const unsigned char *hash, int free_tries, int max_wait)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	args_key(&a, kind, hash);
	store_arg_int(&a, free_tries);
	store_arg_int(&a, max_wait);
	r = store_run(s, &stmts[STMT_FAIL], &a, NULL);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_throttle_clear(struct store *s, const char *kind,
    const unsigned char *hash)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	args_key(&a, kind, hash);
	r = store_run(s, &stmts[STMT_CLEAR], &a, NULL);
	PQclear(r);
	return r ? 0 : -1;
}
