/*
 * store_throttle.c: sign-in throttling, for the admin pool as role
 * vawg_admin.  Tries are counted per account and client address together
 * (the lock) and per address alone (which stops one address trying many
 * accounts), each known here only by a keyed hash that admin.c makes, so
 * this file never sees a name or an address.  The rule (free tries, then
 * a wait that doubles) is in the SQL functions of sql/008: a try is
 * counted, atomically, before it is verified, and one that succeeds gives
 * its count back.  Nothing here signs anyone in or reads an account.
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_TRY,
	STMT_PASSED,
	STMT__MAX
};

/* try's one column: seconds still to wait, 0 if the try goes ahead. */
enum { TRY_WAIT, TRY__COLS };
/* passed's one column: login_passed() returns void, a NULL. */
enum { PASSED_VOID, PASSED__COLS };

/* Both are counts, so each is sent once: re-sending a try after a lost
 * answer would count it twice, a pass would give two tries back. */
static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_TRY] = { "throttle_try",
	    "SELECT vawg.login_try($1, $2, $3::int, $4::int)",
	    4, PGRES_TUPLES_OK, TRY__COLS, STORE_ONCE, 0 },
	[STMT_PASSED] = { "throttle_passed",
	    "SELECT vawg.login_passed($1, $2, $3::int, $4::int)",
	    4, PGRES_TUPLES_OK, PASSED__COLS, STORE_ONCE, 0 },
};

/* The four parameters both statements take. */
static void
args_try(struct store_args *a, const unsigned char *pair,
    const unsigned char *addr, int free_tries, int max_wait)
{
	store_arg_bytes(a, pair, STAFF_HASH_BYTES);
	store_arg_bytes(a, addr, STAFF_HASH_BYTES);
	store_arg_int(a, free_tries);
	store_arg_int(a, max_wait);
}

int
store_throttle_try(struct store *s, const unsigned char *pair,
    const unsigned char *addr, int free_tries, int max_wait, int64_t *wait)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 rc = -1;

	*wait = 0;
	args_try(&a, pair, addr, free_tries, max_wait);
	if ((r = store_run(s, &stmts[STMT_TRY], &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, TRY_WAIT)) {
		*wait = strtoll(PQgetvalue(r, 0, TRY_WAIT), NULL, 10);
		rc = 0;
	}
	PQclear(r);
	return rc;
}

int
store_throttle_passed(struct store *s, const unsigned char *pair,
    const unsigned char *addr, int free_tries, int max_wait)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	args_try(&a, pair, addr, free_tries, max_wait);
	r = store_run(s, &stmts[STMT_PASSED], &a, NULL);
	PQclear(r);
	return r ? 0 : -1;
}
