/*
 * store_account.c: staff accounts.  The admin pool, as role vawg_admin,
 * reads an account by name and records a sign-in; its grants let it
 * change only the password hash, the TOTP step and the sign-in time
 * (migration 003).  vawgctl, as the database owner, enrols and disables,
 * each ending the account's sessions.
 * Nothing here checks a password or a code (admin.c does), and nothing
 * deletes an account: a disabled one keeps the audit log's names true.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "staffdb.h"

enum stmt {
	STMT_GET,
	STMT_SIGNED_IN,
	STMT_ENROL,
	STMT_DISABLE,
	STMT__MAX
};

/* The columns of get, of signed_in and of disable. */
enum { GET_ID, GET_PWHASH, GET_TOTP_HEX, GET_DISABLED, GET__COLS };
enum { SIGNED_IN_ID, SIGNED_IN__COLS };
enum { DISABLE_MATCHED, DISABLE__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_GET] = { "account_get",
	    "SELECT id, pwhash, encode(totp_secret, 'hex'), disabled "
	    "FROM vawg.admin_user WHERE username = $1",
	    1, PGRES_TUPLES_OK, GET__COLS, STORE_RESEND, 0 },
	/* The step only moves forward: a replayed code updates nothing.
	 * Sent twice, the second would call the first's code replayed. */
	[STMT_SIGNED_IN] = { "account_signed_in",
	    "UPDATE vawg.admin_user SET totp_last_step = $2, "
	    "last_login_at = now(), pwhash = coalesce($3, pwhash) "
	    "WHERE id = $1 AND totp_last_step < $2 RETURNING id",
	    3, PGRES_TUPLES_OK, SIGNED_IN__COLS, STORE_ONCE, 0 },
	/* The owner's.  Adding a name again re-enrols it: new password, new
	 * secret, and every session of the old credentials ended in the
	 * same statement (a reset is often because they leaked).  Not
	 * re-sent: the person running vawgctl sees the error and may run
	 * the command again. */
	[STMT_ENROL] = { "account_enrol",
	    "WITH u AS (INSERT INTO vawg.admin_user (username, pwhash, "
	    "totp_secret) VALUES ($1, $2, $3) ON CONFLICT (username) DO "
	    "UPDATE SET pwhash = excluded.pwhash, totp_secret = "
	    "excluded.totp_secret, totp_last_step = 0, disabled = false "
	    "RETURNING id) DELETE FROM vawg.admin_session WHERE admin_id IN "
	    "(SELECT id FROM u)",
	    3, PGRES_COMMAND_OK, 0, STORE_ONCE, 0 },
	/* The owner's: twice leaves the same account disabled, sessionless. */
	[STMT_DISABLE] = { "account_disable",
	    "WITH u AS (UPDATE vawg.admin_user SET disabled = true "
	    "WHERE username = $1 RETURNING id), d AS (DELETE FROM "
	    "vawg.admin_session WHERE admin_id IN (SELECT id FROM u)) "
	    "SELECT count(*) FROM u",
	    1, PGRES_TUPLES_OK, DISABLE__COLS, STORE_RESEND, 0 },
};

int
store_account_get(struct store *s, const char *username, struct account *u)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	const char		*hex;
	size_t			 n;
	int			 rc = -1;

	memset(u, 0, sizeof(*u));
	store_arg_text(&a, username);
	if ((r = store_run(s, &stmts[STMT_GET], &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		rc = 0;
		goto out;
	}
	u->id = (int32_t)strtol(PQgetvalue(r, 0, GET_ID), NULL, 10);
	snprintf(u->username, sizeof(u->username), "%s", username);
	snprintf(u->pwhash, sizeof(u->pwhash), "%s",
	    PQgetvalue(r, 0, GET_PWHASH));
	hex = PQgetvalue(r, 0, GET_TOTP_HEX);
	if (sodium_hex2bin(u->totp, sizeof(u->totp), hex, strlen(hex), NULL,
	    &n, NULL) != 0)
		goto out;
	u->totplen = n;
	u->disabled = PQgetvalue(r, 0, GET_DISABLED)[0] == 't';
	u->found = 1;
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
store_account_signed_in(struct store *s, int32_t id, int64_t step,
    const char *new_pwhash)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 rc;

	store_arg_int(&a, id);
	store_arg_int(&a, step);
	store_arg_text(&a, new_pwhash);
	if ((r = store_run(s, &stmts[STMT_SIGNED_IN], &a, NULL)) == NULL)
		return -1;
	rc = PQntuples(r) == 1 ? 1 : 0;
	PQclear(r);
	return rc;
}

int
store_account_enrol(struct store *s, const char *user, const char *pwhash,
    const unsigned char *totp, size_t totplen)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	store_arg_text(&a, user);
	store_arg_text(&a, pwhash);
	store_arg_bytes(&a, totp, totplen);
	r = store_run(s, &stmts[STMT_ENROL], &a, NULL);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_account_disable(struct store *s, const char *user)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 n;

	store_arg_text(&a, user);
	if ((r = store_run(s, &stmts[STMT_DISABLE], &a, NULL)) == NULL)
		return -1;
	n = (int)strtol(PQgetvalue(r, 0, DISABLE_MATCHED), NULL, 10);
	PQclear(r);
	return n;
}
