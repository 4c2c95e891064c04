/*
 * admin.c: signing staff in and keeping them signed in
 * (docs/THREAT-MODEL.md threats 9 and 13).
 *
 * A sign-in needs the password (Argon2id, crypto_pwhash_str) and a TOTP
 * code (RFC 6238, liboath; each code once), checked against the account's
 * secret, which the database holds only sealed (totpseal.c) and this file
 * opens with admin.key for the check and wipes.  Tries are counted before
 * they are verified, per account at a client address (the lock) and per
 * address, both kept only as keyed hashes.  An unknown or disabled
 * account costs the same Argon2id verification as a real one, so timing
 * does not tell whether a name exists.  A session is a 128-bit random
 * token in an HttpOnly, SameSite=Strict cookie; the database keeps only
 * its hash, and a fresh one is made at every sign-in.
 *
 * This file decides and records; it renders no page and reads no request
 * body (the pages, page_login.c and page_export.c, do), and it never logs
 * a name, a password, a code or a token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>

#include "admin.h"

#define SESSION_TOKEN_BYTES	16
#define CSRF_BYTES		16
#define TOTP_DIGITS		6
#define COOKIE_NAME		"vawg_admin"
#define COOKIE_NAME_TLS		"__Host-vawg_admin"
/* Room for a session token or a CSRF token as unpadded base64url. */
#define TOKEN_B64_MAX		64

/* admin.key keys both crypto_auth (the sign-in form's token, token.c) and
 * crypto_generichash (the throttle's keyed hashes, below). */
_Static_assert(ADMIN_MAC_KEY_BYTES == crypto_auth_KEYBYTES &&
    ADMIN_MAC_KEY_BYTES == TOKEN_KEY_BYTES, "admin.key is a crypto_auth key");
_Static_assert(ADMIN_MAC_KEY_BYTES >= crypto_generichash_KEYBYTES_MIN &&
    ADMIN_MAC_KEY_BYTES <= crypto_generichash_KEYBYTES_MAX,
    "admin.key is a crypto_generichash key");
_Static_assert(STAFF_HASH_BYTES >= crypto_generichash_BYTES_MIN &&
    STAFF_HASH_BYTES <= crypto_generichash_BYTES_MAX,
    "a session or throttle hash is a crypto_generichash output");
_Static_assert(TOKEN_B64_MAX >= sodium_base64_ENCODED_LEN(SESSION_TOKEN_BYTES,
    sodium_base64_VARIANT_URLSAFE_NO_PADDING) &&
    TOKEN_B64_MAX >= sodium_base64_ENCODED_LEN(CSRF_BYTES,
    sodium_base64_VARIANT_URLSAFE_NO_PADDING), "tokens fit their text");
/* The CSRF text is stored, then read back into struct staff_session. */
_Static_assert(sodium_base64_ENCODED_LEN(CSRF_BYTES,
    sodium_base64_VARIANT_URLSAFE_NO_PADDING) <=
    sizeof(((struct staff_session *)0)->csrf),
    "the CSRF text fits the session read back");
_Static_assert(sizeof(((struct account *)0)->pwhash) >= crypto_pwhash_STRBYTES,
    "an account holds a crypto_pwhash_str");
_Static_assert(sizeof(((struct account *)0)->totp_sealed) >= TOTPSEAL_MAX,
    "an account holds a sealed TOTP secret");
/* The longest Set-Cookie value made below, with the longest token. */
_Static_assert(sizeof(((struct resp *)0)->set_cookie) >= TOKEN_B64_MAX +
    sizeof(COOKIE_NAME_TLS "=; Path=/; Secure; HttpOnly; SameSite=Strict; "
    "Max-Age=0"), "a session cookie is never cut short");

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

/*
 * A keyed hash naming a throttle row: its kind, a NUL and the value; for
 * the account-and-address row, the name, a NUL and the address.  A name
 * holds no NUL (route.c refuses one), so no two pairs hash the same text.
 */
static void
throttle_key(const struct admin_app *a, const char *kind, const char *v,
    const char *v2, unsigned char out[STAFF_HASH_BYTES])
{
	crypto_generichash_state st;

	/* None of these can fail: they fail only for a key or output size
	 * out of range, and the _Static_asserts above pin both. */
	(void)crypto_generichash_init(&st, a->mac_key, ADMIN_MAC_KEY_BYTES,
	    STAFF_HASH_BYTES);
	(void)crypto_generichash_update(&st, (const unsigned char *)kind,
	    strlen(kind) + 1);
	(void)crypto_generichash_update(&st, (const unsigned char *)v,
	    strlen(v) + (v2 != NULL));
	if (v2 != NULL)
		(void)crypto_generichash_update(&st, (const unsigned char *)v2,
		    strlen(v2));
	(void)crypto_generichash_final(&st, out, STAFF_HASH_BYTES);
}

/*
 * The step of code if it is the account's, opening its sealed secret for
 * the check and wiping it after.  An account whose secret is still in
 * clear (from before migration 009), or whose sealed one does not open
 * (moved from another account, altered, or sealed under another
 * admin.key), cannot sign in: the log tells the operator, by account id;
 * the visitor sees a wrong code.  0 / -1.
 */
static int
totp_step(const struct admin_app *a, const struct account *u,
    const char *code, int64_t now, int64_t *step)
{
	unsigned char	 secret[TOTP_SECRET_MAX];
	size_t		 len = 0;
	int		 pos = 0, rc = -1;

	if (strlen(code) != TOTP_DIGITS ||
	    strspn(code, "0123456789") != TOTP_DIGITS || !u->found)
		return -1;
	if (u->totp_sealed_len == 0) {
		LOG_ERR("account %d has no sealed TOTP secret and cannot sign "
		    "in: run vawgctl seal-totp", (int)u->id);
		return -1;
	}
	if (totpseal_open(a->mac_key, u->username, u->totp_sealed,
	    u->totp_sealed_len, secret, sizeof(secret), &len) != 0) {
		LOG_ERR("account %d: its sealed TOTP secret does not open "
		    "(moved from another account, altered, or another "
		    "admin.key); re-enrol it", (int)u->id);
		return -1;
	}
	/* One step either side allows for a slow phone clock. */
	if (oath_totp_validate2((const char *)secret, len, (time_t)now,
	    OATH_TOTP_DEFAULT_TIME_STEP_SIZE, OATH_TOTP_DEFAULT_START_TIME, 1,
	    &pos, code) >= 0) {
		*step = now / OATH_TOTP_DEFAULT_TIME_STEP_SIZE + pos;
		rc = 0;
	}
	sodium_memzero(secret, sizeof(secret));
	return rc;
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

/* The throttle rows of a try: the account at this address, and the
 * address alone (keyed hashes). */
struct throttle {
	unsigned char	 pair[STAFF_HASH_BYTES];
	unsigned char	 addr[STAFF_HASH_BYTES];
};

/*
 * Counts this try before it is verified, in one statement, so parallel
 * workers get no more tries than the rule gives one; the seconds to wait
 * (0: go ahead), or -1 on error.
 *
 * The lock is on the account at this address, and on the address alone
 * (one address trying many accounts).  No count is kept per account from
 * any address: refusing on it lets anyone anywhere keep an administrator
 * out with one wrong try a quarter hour, and a delay that a right password
 * and code passed through would slow no guesser, since every try would
 * still be verified and a right guess let in.  Guessing at one account
 * from many addresses meets the password (128 random bits, vawgctl) and a
 * TOTP code each step of which works once (docs/THREAT-MODEL.md 13).
 */
static int64_t
throttle_try(struct admin_app *a, const char *user, const char *addr,
    struct throttle *t)
{
	int64_t	 wait = 0;

	throttle_key(a, "account_address", user, addr, t->pair);
	throttle_key(a, "addr", addr, NULL, t->addr);
	if (store_throttle_try(a->store, t->pair, t->addr,
	    a->cfg->login_free_tries, a->cfg->login_max_wait, &wait) == -1)
		return -1;
	return wait;
}

/* The try succeeded: only its own account-and-address row is cleared, and
 * the address gets back the try counted in advance.  0 / -1. */
static int
throttle_passed(struct admin_app *a, const struct throttle *t)
{
	return store_throttle_passed(a->store, t->pair, t->addr,
	    a->cfg->login_free_tries, a->cfg->login_max_wait);
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

	if ((*wait = throttle_try(a, user, addr, &t)) != 0)
		return *wait < 0 ? LOGIN_ERROR : LOGIN_THROTTLED;
	if (store_account_get(a->store, user, u) == -1)
		return LOGIN_ERROR;
	ok = password_ok(a, u, pass, passlen);
	ok = totp_step(a, u, code, now, &step) == 0 && ok;
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
		case -1:
			return LOGIN_ERROR;
		default:
			abort();	/* staffdb.h: 1, 0 or -1 */
		}
	}
	/* A failure was counted before verifying; a success gives it back. */
	if (ok && throttle_passed(a, &t) == -1)
		return LOGIN_ERROR;
	return ok ? LOGIN_OK : LOGIN_BAD;
}

enum login_result
admin_password_ok(struct admin_app *a, const char *user, const char *pass,
    size_t passlen, const char *addr, int64_t *wait)
{
	struct account		 u;
	struct throttle		 t;
	int			 ok;

	/* The same throttle as signing in: re-authentication must not be a
	 * way round it. */
	if ((*wait = throttle_try(a, user, addr, &t)) != 0)
		return *wait < 0 ? LOGIN_ERROR : LOGIN_THROTTLED;
	if (store_account_get(a->store, user, &u) == -1) {
		sodium_memzero(&u, sizeof(u));	/* a row may be half read */
		return LOGIN_ERROR;
	}
	ok = password_ok(a, &u, pass, passlen);
	/* Left counted if this fails: stricter, never looser. */
	if (ok)
		(void)throttle_passed(a, &t);
	sodium_memzero(&u, sizeof(u));
	return ok ? LOGIN_OK : LOGIN_BAD;
}

int
admin_session_start(struct admin_app *a, const struct req *r,
    int32_t account_id, struct resp *s)
{
	unsigned char	 token[SESSION_TOKEN_BYTES], c[CSRF_BYTES];
	unsigned char	 hash[STAFF_HASH_BYTES];
	char		 text[TOKEN_B64_MAX], csrf[TOKEN_B64_MAX];
	int		 rc = -1;

	randombytes_buf(token, sizeof(token));
	randombytes_buf(c, sizeof(c));
	/* bin2base64 cannot fail here (it aborts on a short buffer, and the
	 * _Static_asserts above make both fit). */
	sodium_bin2base64(text, sizeof(text), token, sizeof(token),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(csrf, sizeof(csrf), c, sizeof(c),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (crypto_generichash(hash, sizeof(hash), token, sizeof(token), NULL,
	    0) == 0 && store_audit_login(a->store, hash, account_id, csrf) == 0) {
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
admin_cookie_token(const char *header, int https,
    unsigned char hash[STAFF_HASH_BYTES])
{
	unsigned char	 token[SESSION_TOKEN_BYTES];

	if (!cookie_value(header, https ? COOKIE_NAME_TLS : COOKIE_NAME, token,
	    sizeof(token)))
		return 0;
	crypto_generichash(hash, STAFF_HASH_BYTES, token, sizeof(token), NULL,
	    0);
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
