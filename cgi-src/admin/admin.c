/*
 * admin.c: signing administrators in and keeping them signed in
 * (docs/THREAT-MODEL.md threats 9 and 13).
 *
 * A sign-in needs the password (Argon2id, crypto_pwhash_str) and a TOTP
 * code (RFC 6238, liboath; each code once).  Failures are throttled per
 * account and per client address, both kept only as keyed hashes.  An
 * unknown or disabled account costs the same Argon2id verification as a
 * real one, so timing does not tell whether a name exists.  A session is a
 * 128-bit random token in an HttpOnly, SameSite=Strict cookie; the database
 * keeps only its hash, and a fresh one is made at every sign-in.
 */
#include <stdio.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "admin.h"

#define SESSION_TOKEN_BYTES	16
#define COOKIE_NAME		"vawg_admin"
#define COOKIE_NAME_TLS		"__Host-vawg_admin"

int
admin_init(struct admin_app *a)
{
	char	 random[32];

	if (oath_init() != OATH_OK) {
		LOG_ERR("liboath does not initialise");
		return -1;
	}
	/* A hash of a password nobody knows, verified whenever the account
	 * does not exist, so both cases take the same time. */
	randombytes_buf(random, sizeof(random));
	if (crypto_pwhash_str(a->dummy_hash, random, sizeof(random),
	    STAFF_PW_OPSLIMIT, STAFF_PW_MEMLIMIT) != 0) {
		LOG_ERR("crypto_pwhash_str: out of memory");
		return -1;
	}
	sodium_memzero(random, sizeof(random));
	return 0;
}

/* A keyed hash naming an account or an address in the throttle table. */
static void
throttle_key(const struct admin_app *a, const char *kind, const char *v,
    unsigned char out[32])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, a->mac_key, 32, 32);
	crypto_generichash_update(&st, (const unsigned char *)kind,
	    strlen(kind) + 1);
	crypto_generichash_update(&st, (const unsigned char *)v, strlen(v));
	crypto_generichash_final(&st, out, 32);
}

static int
totp_step(const struct account *u, const char *code, int64_t now,
    int64_t *step)
{
	int	 pos = 0;

	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return -1;
	/* One step either side allows for a slow phone clock. */
	if (oath_totp_validate2((const char *)u->totp, u->totplen, (time_t)now,
	    OATH_TOTP_DEFAULT_TIME_STEP_SIZE, OATH_TOTP_DEFAULT_START_TIME, 1,
	    &pos, code) < 0)
		return -1;
	*step = now / OATH_TOTP_DEFAULT_TIME_STEP_SIZE + pos;
	return 0;
}

/* Argon2id against the account's hash, or the dummy: same cost. */
static int
password_ok(const struct admin_app *a, const struct account *u,
    const char *pass, size_t passlen)
{
	int	 ok;

	ok = crypto_pwhash_str_verify(u->found && !u->disabled ? u->pwhash :
	    a->dummy_hash, pass, passlen) == 0;
	return ok && u->found && !u->disabled;
}

/* The throttle entries for an account and an address (keyed hashes). */
struct throttle {
	unsigned char	 user[32];
	unsigned char	 addr[32];
};

/* Seconds to wait before another try (0: go ahead), or -1 on error. */
static int64_t
throttle_check(struct admin_app *a, const char *user, const char *addr,
    struct throttle *t)
{
	int64_t	 wu = 0, wa = 0;

	throttle_key(a, "user", user, t->user);
	throttle_key(a, "addr", addr, t->addr);
	if (store_throttle_wait(a->store, "user", t->user, &wu) == -1 ||
	    store_throttle_wait(a->store, "addr", t->addr, &wa) == -1)
		return -1;
	return wu > wa ? wu : wa;
}

/* Records the outcome of a try against both entries.  0 / -1. */
static int
throttle_record(struct admin_app *a, const struct throttle *t, int ok)
{
	if (ok) {
		(void)store_throttle_clear(a->store, "user", t->user);
		(void)store_throttle_clear(a->store, "addr", t->addr);
		return 0;
	}
	if (store_throttle_fail(a->store, "user", t->user,
	    a->cfg->login_free_tries, a->cfg->login_max_wait) == -1 ||
	    store_throttle_fail(a->store, "addr", t->addr,
	    a->cfg->login_free_tries, a->cfg->login_max_wait) == -1)
		return -1;
	return 0;
}

enum login_result
admin_login(struct admin_app *a, const char *user, const char *pass,
    size_t passlen, const char *code, const char *addr, int64_t now,
    int64_t *wait, struct account *u)
{
	struct throttle	 t;
	int64_t		 step = 0;
	char		 rehash[crypto_pwhash_STRBYTES];
	int		 ok, fresh;

	if ((*wait = throttle_check(a, user, addr, &t)) != 0)
		return *wait < 0 ? LOGIN_ERROR : LOGIN_THROTTLED;
	if (store_account_get(a->store, user, u) == -1)
		return LOGIN_ERROR;
	ok = password_ok(a, u, pass, passlen);
	ok = totp_step(u, code, now, &step) == 0 && ok;
	if (ok) {
		/* Limits rose since this hash was made: store a new one. */
		fresh = crypto_pwhash_str_needs_rehash(u->pwhash,
		    STAFF_PW_OPSLIMIT, STAFF_PW_MEMLIMIT) != 0 &&
		    crypto_pwhash_str(rehash, pass, passlen, STAFF_PW_OPSLIMIT,
		    STAFF_PW_MEMLIMIT) == 0;
		switch (store_account_signed_in(a->store, u->id, step,
		    fresh ? rehash : NULL)) {
		case 1:
			break;
		case 0:
			ok = 0;		/* a code used before */
			break;
		default:
			return LOGIN_ERROR;
		}
	}
	if (throttle_record(a, &t, ok) == -1)
		return LOGIN_ERROR;
	return ok ? LOGIN_OK : LOGIN_BAD;
}

int
admin_password_ok(struct admin_app *a, const char *user, const char *pass,
    size_t passlen, const char *addr, int64_t *wait)
{
	struct account	 u;
	struct throttle		 t;
	int			 ok;

	/* The same throttle as signing in: re-authentication must not be a
	 * way round it. */
	if ((*wait = throttle_check(a, user, addr, &t)) != 0)
		return *wait < 0 ? -1 : 2;
	if (store_account_get(a->store, user, &u) == -1)
		return -1;
	ok = password_ok(a, &u, pass, passlen);
	(void)throttle_record(a, &t, ok);
	sodium_memzero(&u, sizeof(u));
	return ok;
}

int
admin_session_start(struct admin_app *a, const struct req *r,
    int32_t account_id, struct resp *s)
{
	unsigned char	 token[SESSION_TOKEN_BYTES], hash[32], c[16];
	char		 text[64], csrf[64];
	int		 rc = -1;

	randombytes_buf(token, sizeof(token));
	randombytes_buf(c, sizeof(c));
	sodium_bin2base64(text, sizeof(text), token, sizeof(token),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(csrf, sizeof(csrf), c, sizeof(c),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(hash, sizeof(hash), token, sizeof(token), NULL, 0);
	if (store_session_create(a->store, hash, account_id, csrf) == 0) {
		/* Behind TLS the __Host- prefix pins the cookie to this host
		 * and path /; without TLS it is confined to /admin. */
		if (r->https)
			snprintf(s->set_cookie, sizeof(s->set_cookie),
			    COOKIE_NAME_TLS "=%s; Path=/; Secure; HttpOnly; "
			    "SameSite=Strict", text);
		else
			snprintf(s->set_cookie, sizeof(s->set_cookie),
			    COOKIE_NAME "=%s; Path=/admin; HttpOnly; "
			    "SameSite=Strict", text);
		rc = 0;
	}
	sodium_memzero(token, sizeof(token));
	sodium_memzero(text, sizeof(text));
	return rc;
}

void
admin_session_clear_cookie(const struct req *r, struct resp *s)
{
	if (r->https)
		snprintf(s->set_cookie, sizeof(s->set_cookie), COOKIE_NAME_TLS
		    "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
	else
		snprintf(s->set_cookie, sizeof(s->set_cookie), COOKIE_NAME
		    "=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0");
}

int
admin_cookie_token(const char *header, int https, unsigned char hash[32])
{
	unsigned char	 token[SESSION_TOKEN_BYTES];

	if (!cookie_value(header, https ? COOKIE_NAME_TLS : COOKIE_NAME, token,
	    sizeof(token)))
		return 0;
	crypto_generichash(hash, 32, token, sizeof(token), NULL, 0);
	sodium_memzero(token, sizeof(token));
	return 1;
}

int
admin_csrf_ok(const struct staff_session *sess, const char *given,
    size_t len)
{
	size_t	 want = strlen(sess->csrf);

	return want > 0 && len == want &&
	    sodium_memcmp(sess->csrf, given, len) == 0;
}
