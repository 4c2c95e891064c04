/*
 * store_account.c: staff accounts.  The admin pool, as role vawg_admin,
 * reads an account by name and records a sign-in; its grants let it
 * change only the password hash, the TOTP step and the sign-in time
 * (migration 003), and read every column but a TOTP secret left in clear
 * (migration 009).  vawgctl, as the database owner, enrols and disables,
 * each ending the account's sessions, sets an account's role (migration
 * 014), and seals the clear secrets left from before 009.  The role's
 * words and bits (staff_role_parse) live here too.
 * Nothing here checks a password or a code (admin.c does), seals or opens
 * a secret (totpseal.c, called by vawgctl and admin.c), and nothing
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
	STMT_SET_ROLE,
	STMT_CLEAR_LIST,
	STMT_SEAL_CLEAR,
	STMT__MAX
};

/* The columns of get, of signed_in, of disable, clear_list and seal. */
enum { GET_ID, GET_PWHASH, GET_SEALED_HEX, GET_DISABLED, GET__COLS };
enum { SIGNED_IN_ID, SIGNED_IN__COLS };
enum { ENROL_ROLE, ENROL__COLS };
enum { DISABLE_MATCHED, DISABLE__COLS };
enum { SET_ROLE_OLD, SET_ROLE__COLS };
enum { CLEAR_ID, CLEAR_USER, CLEAR_HEX, CLEAR__COLS };
enum { SEAL_CLEAR_DONE, SEAL_CLEAR__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_GET] = { "account_get",
	    "SELECT id, pwhash, encode(totp_sealed, 'hex'), disabled "
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
	 * secret (sealed, and any clear one from before migration 009
	 * removed), and every session of the old credentials ended in the
	 * same statement (a reset is often because they leaked).  A role
	 * not given ($4 NULL) makes a new account an admin, as before
	 * roles, and leaves a re-enrolled one's as it was: a password reset
	 * never widens what an account may do.  Not re-sent: the person
	 * running vawgctl sees the error and may run the command again. */
	[STMT_ENROL] = { "account_enrol",
	    "WITH u AS (INSERT INTO vawg.admin_user (username, pwhash, "
	    "totp_sealed, role) VALUES ($1, $2, $3, coalesce($4, 'admin')) "
	    "ON CONFLICT (username) DO "
	    "UPDATE SET pwhash = excluded.pwhash, totp_sealed = "
	    "excluded.totp_sealed, totp_secret = NULL, totp_last_step = 0, "
	    "disabled = false, role = coalesce($4, admin_user.role) "
	    "RETURNING id, role), d AS (DELETE FROM vawg.admin_session "
	    "WHERE admin_id IN (SELECT id FROM u)) SELECT role FROM u",
	    4, PGRES_TUPLES_OK, ENROL__COLS, STORE_ONCE, 0 },
	/* The owner's: twice leaves the same account disabled, sessionless. */
	[STMT_DISABLE] = { "account_disable",
	    "WITH u AS (UPDATE vawg.admin_user SET disabled = true "
	    "WHERE username = $1 RETURNING id), d AS (DELETE FROM "
	    "vawg.admin_session WHERE admin_id IN (SELECT id FROM u)) "
	    "SELECT count(*) FROM u",
	    1, PGRES_TUPLES_OK, DISABLE__COLS, STORE_RESEND, 0 },
	/* The owner's: the role before, read under the row's lock, and the
	 * new one.  Sessions are left: the admin program reads the role
	 * with the session at every request.  Twice sets the same role. */
	[STMT_SET_ROLE] = { "account_set_role",
	    "WITH o AS (SELECT id, role FROM vawg.admin_user WHERE "
	    "username = $1 FOR UPDATE), u AS (UPDATE vawg.admin_user a SET "
	    "role = $2 FROM o WHERE a.id = o.id RETURNING a.id) "
	    "SELECT o.role FROM o JOIN u ON u.id = o.id",
	    2, PGRES_TUPLES_OK, SET_ROLE__COLS, STORE_RESEND, 0 },
	/* The owner's: the accounts whose secret is still in clear. */
	[STMT_CLEAR_LIST] = { "account_clear_list",
	    "SELECT id, username, encode(totp_secret, 'hex') FROM "
	    "vawg.admin_user WHERE totp_secret IS NOT NULL ORDER BY id",
	    0, PGRES_TUPLES_OK, CLEAR__COLS, STORE_RESEND, 0 },
	/* The owner's: every sealed secret in, every clear one out, in one
	 * statement, so all or none.  A row changed since the list was read
	 * (re-enrolled, renamed) no longer matches and is left alone.  Sent
	 * twice, the second finds no clear secret to match. */
	[STMT_SEAL_CLEAR] = { "account_seal_clear",
	    "WITH n AS (SELECT * FROM unnest($1::int[], $2::text[], "
	    "$3::text[], $4::text[]) AS n(id, username, clear, sealed)), "
	    "u AS (UPDATE vawg.admin_user a SET totp_sealed = "
	    "decode(n.sealed, 'hex'), totp_secret = NULL FROM n WHERE "
	    "a.id = n.id AND a.username = n.username AND a.totp_secret = "
	    "decode(n.clear, 'hex') RETURNING a.id) SELECT count(*) FROM u",
	    4, PGRES_TUPLES_OK, SEAL_CLEAR__COLS, STORE_RESEND, 0 },
};

/* The schema's words (sql/014), in enum staff_role's order of bits. */
static const struct {
	int		 role;
	const char	*name;
} roles[] = {
	{ STAFF_CASEWORKER, "caseworker" },
	{ STAFF_ANALYST, "analyst" },
	{ STAFF_ADMIN, "admin" },
};

int
staff_role_parse(const char *text)
{
	size_t	 i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(text, roles[i].name) == 0)
			return roles[i].role;
	return 0;
}

const char *
staff_role_name(int role)
{
	size_t	 i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (role == roles[i].role)
			return roles[i].name;
	return "";
}

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
	hex = PQgetvalue(r, 0, GET_SEALED_HEX);
	if (sodium_hex2bin(u->totp_sealed, sizeof(u->totp_sealed), hex,
	    strlen(hex), NULL, &n, NULL) != 0) {
		LOG_ERR("account %d: its sealed TOTP secret is too long",
		    (int)u->id);
		goto out;
	}
	u->totp_sealed_len = n;	/* NULL reads as "": 0, none sealed */
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
    const unsigned char *totp_sealed, size_t sealedlen, const char *role,
    char now[STAFF_ROLE_TEXT])
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	now[0] = '\0';
	store_arg_text(&a, user);
	store_arg_text(&a, pwhash);
	store_arg_bytes(&a, totp_sealed, sealedlen);
	store_arg_text(&a, role);
	if ((r = store_run(s, &stmts[STMT_ENROL], &a, NULL)) == NULL)
		return -1;
	if (PQntuples(r) == 1)	/* an upsert: always one row */
		snprintf(now, STAFF_ROLE_TEXT, "%s",
		    PQgetvalue(r, 0, ENROL_ROLE));
	PQclear(r);
	return 0;
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

int
store_account_set_role(struct store *s, const char *user, const char *role,
    char old[STAFF_ROLE_TEXT])
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 n;

	old[0] = '\0';
	store_arg_text(&a, user);
	store_arg_text(&a, role);
	if ((r = store_run(s, &stmts[STMT_SET_ROLE], &a, NULL)) == NULL)
		return -1;
	if ((n = PQntuples(r)) == 1)
		snprintf(old, STAFF_ROLE_TEXT, "%s",
		    PQgetvalue(r, 0, SET_ROLE_OLD));
	PQclear(r);
	return n == 1 ? 1 : 0;
}

/* The four arrays of seal_clear's parameters, as PostgreSQL array text. */
struct seal_arrays {
	struct buf	 ids, names, clear, sealed;
};

/*
 * Seals row i of the clear list and appends it to the arrays.  Names are
 * quoted whole: the schema's CHECK keeps quotes and backslashes out of
 * them, and quoted, "null" is a name, not NULL.  0 / -1.
 */
static int
seal_row(const PGresult *r, int i, struct seal_arrays *v,
    int (*seal)(const char *, const unsigned char *, size_t,
    unsigned char *, size_t, size_t *, void *), void *arg)
{
	unsigned char	 bin[STAFF_TOTP_SEALED_MAX], out[STAFF_TOTP_SEALED_MAX];
	char		 hex[2 * STAFF_TOTP_SEALED_MAX + 1];
	const char	*clear = PQgetvalue(r, i, CLEAR_HEX);
	const char	*sep = i == 0 ? "{" : ",";
	size_t		 binlen, outlen;
	int		 rc = -1;

	if (sodium_hex2bin(bin, sizeof(bin), clear, strlen(clear), NULL,
	    &binlen, NULL) != 0) {
		LOG_ERR("account %s: its clear TOTP secret is too long",
		    PQgetvalue(r, i, CLEAR_ID));
		goto out;
	}
	if (seal(PQgetvalue(r, i, CLEAR_USER), bin, binlen, out, sizeof(out),
	    &outlen, arg) == -1)
		goto out;
	sodium_bin2hex(hex, sizeof(hex), out, outlen);
	if (buf_printf(&v->ids, "%s%s", sep, PQgetvalue(r, i, CLEAR_ID)) ||
	    buf_printf(&v->names, "%s\"%s\"", sep,
	    PQgetvalue(r, i, CLEAR_USER)) ||
	    buf_printf(&v->clear, "%s%s", sep, clear) ||
	    buf_printf(&v->sealed, "%s%s", sep, hex))
		goto out;
	rc = 0;
out:
	sodium_memzero(bin, sizeof(bin));
	sodium_memzero(hex, sizeof(hex));
	return rc;
}

int
store_account_seal_clear(struct store *s,
    int (*seal)(const char *, const unsigned char *, size_t,
    unsigned char *, size_t, size_t *, void *), void *arg, int *moved)
{
	struct store_args	 a = { 0 };
	struct seal_arrays	 v;
	PGresult		*r, *u = NULL;
	int			 i, n, rc = -1;

	*moved = 0;
	memset(&v, 0, sizeof(v));
	if ((r = store_run(s, &stmts[STMT_CLEAR_LIST], NULL, NULL)) == NULL)
		return -1;
	if ((n = PQntuples(r)) == 0) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (seal_row(r, i, &v, seal, arg) == -1)
			goto out;
	if (buf_printf(&v.ids, "}") || buf_printf(&v.names, "}") ||
	    buf_printf(&v.clear, "}") || buf_printf(&v.sealed, "}"))
		goto out;
	store_arg_text(&a, v.ids.data);
	store_arg_text(&a, v.names.data);
	store_arg_text(&a, v.clear.data);
	store_arg_text(&a, v.sealed.data);
	if ((u = store_run(s, &stmts[STMT_SEAL_CLEAR], &a, NULL)) == NULL)
		goto out;
	rc = (int)strtol(PQgetvalue(u, 0, SEAL_CLEAR_DONE), NULL, 10);
	*moved = n - rc;
out:
	buf_free(&v.ids);
	buf_free(&v.names);
	buf_free(&v.clear);
	buf_free(&v.sealed);
	PQclear(u);
	PQclear(r);
	return rc;
}
