/*
 * ctl_account.c: vawgctl's commands on staff accounts, as the database
 * owner (the admin pool's own role may not enrol anyone):
 *
 *   add-admin      a new account: a random password and a TOTP secret,
 *                  shown once (or written to private files) with an
 *                  otpauth:// URI and its QR code, and its role
 *   disable-admin  an account that may no longer sign in; its sessions end
 *   set-role       an account's role (caseworker, analyst, admin); its
 *                  sessions stay, and have the new role from their next
 *                  request
 *   seal-totp      every TOTP secret left in clear from before migration
 *                  009, sealed with admin.key and the clear one removed
 *
 * add-admin, disable-admin and set-role write an audit row.  The database receives
 * a TOTP secret only sealed (totpseal.c, with the account's name bound
 * in).  Secrets are wiped before the command returns; files that receive
 * them go through file_write_private().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "ctl.h"

#define TOTP_BYTES	20
#define ISSUER		"VAWG%20forms"

/* What a new account is given.  Wiped by enrolment_wipe(). */
struct enrolment {
	char		 password[32];
	unsigned char	 secret[TOTP_BYTES];
	char		*b32;		/* the secret in base32, unpadded */
	char		 hash[crypto_pwhash_STRBYTES];
};

/* A fresh password, TOTP secret and the password's hash.  0 / -1. */
static int
enrolment_make(struct enrolment *e)
{
	unsigned char	 pw[16];
	size_t		 b32len;
	int		 rc = -1;

	/* 128 random bits as the first password: the admin may keep it in
	 * a password manager; there is no weaker default to change. */
	randombytes_buf(pw, sizeof(pw));
	/* Cannot fail: 16 bytes take 22 characters and the NUL. */
	sodium_bin2base64(e->password, sizeof(e->password), pw, sizeof(pw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	randombytes_buf(e->secret, sizeof(e->secret));
	if (crypto_pwhash_str(e->hash, e->password, strlen(e->password),
	    STAFF_PW_OPSLIMIT, STAFF_PW_MEMLIMIT) != 0 ||
	    oath_base32_encode((const char *)e->secret, sizeof(e->secret),
	    &e->b32, &b32len) != OATH_OK)
		goto out;
	e->b32[strcspn(e->b32, "=")] = '\0';
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

static void
enrolment_wipe(struct enrolment *e)
{
	if (e->b32 != NULL) {
		sodium_memzero(e->b32, strlen(e->b32));
		free(e->b32);
	}
	sodium_memzero(e, sizeof(*e));
}

/* text and a newline into a file only its owner can read, replacing one
 * that is there (never through a symlink).  0 / -1 (said). */
static int
write_line(const char *path, const char *text)
{
	struct buf	 b = { 0 };
	int		 rc;

	if (buf_printf(&b, "%s\n", text) == -1)
		return -1;
	rc = file_write_private(path, b.data, b.len, 0600, 1);
	buf_free(&b);
	return rc;
}

/* Half-block QR code for a terminal: two module rows per text line,
 * light modules drawn, with the quiet zone the standard asks for. */
static void
print_qr(const char *text)
{
	QRcode	*qr;
	int	 x, y, w, q = 2;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL) {
		fputs("(no QR code: the text is too long)\n", stdout);
		return;
	}
	w = qr->width;
	for (y = -q; y < w + q; y += 2) {
		for (x = -q; x < w + q; x++) {
			int top = y >= 0 && y < w && x >= 0 && x < w &&
			    (qr->data[y * w + x] & 1);
			int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w &&
			    (qr->data[(y + 1) * w + x] & 1);
			fputs(!top && !bot ? "\xe2\x96\x88" : !top ?
			    "\xe2\x96\x80" : !bot ? "\xe2\x96\x84" : " ",
			    stdout);
		}
		putchar('\n');
	}
	QRcode_free(qr);
}

/* What the new administrator needs to sign in, on stdout. */
static void
print_enrolment(const struct ctl *c, const struct enrolment *e,
    const char *role)
{
	char	 uri[256];

	snprintf(uri, sizeof(uri), "otpauth://totp/%s:%s?secret=%s&issuer=%s&"
	    "algorithm=SHA1&digits=6&period=30", ISSUER, c->user, e->b32,
	    ISSUER);
	printf("account: %s, role %s\n", c->user, role);
	if (c->password_out == NULL)
		printf("password (shown once): %s\n", e->password);
	else
		printf("password: written to %s\n", c->password_out);
	printf("TOTP: scan this code with an authenticator app, or enter\n"
	    "%s\n\n", uri);
	print_qr(uri);
	sodium_memzero(uri, sizeof(uri));
}

int
ctl_add_account(struct ctl *c)
{
	struct enrolment e;
	unsigned char	 sealed[TOTPSEAL_BYTES(TOTP_BYTES)];
	size_t		 sealedlen;
	char		 role[STAFF_ROLE_TEXT], detail[80];
	int		 rc = 1;

	memset(&e, 0, sizeof(e));
	if (oath_init() != OATH_OK || enrolment_make(&e) == -1 ||
	    totpseal_seal(c->admin_key, c->user, e.secret, sizeof(e.secret),
	    sealed, sizeof(sealed), &sealedlen) == -1)
		goto out;
	/* The audit row names the role the account has now. */
	if (store_account_enrol(c->st, c->user, e.hash, sealed,
	    sealedlen, c->role, role) == -1 ||
	    snprintf(detail, sizeof(detail), "%s as %s", c->user, role) >=
	    (int)sizeof(detail) ||
	    store_audit(c->st, "vawgctl", "admin-add", NULL, NULL, NULL, -1,
	    detail) == -1) {
		fprintf(stderr, "vawgctl: could not add %s (a name is a-z, "
		    "0-9, _ . -, 2 to 32 long)\n", c->user);
		goto out;
	}
	if ((c->password_out && write_line(c->password_out, e.password)) ||
	    (c->totp_out && write_line(c->totp_out, e.b32)))
		goto out;
	print_enrolment(c, &e, role);
	rc = 0;
out:
	enrolment_wipe(&e);
	return rc;
}

int
ctl_disable_account(struct ctl *c)
{
	if (store_account_disable(c->st, c->user) <= 0) {
		fprintf(stderr, "vawgctl: no admin called %s\n", c->user);
		return 1;
	}
	printf("disabled %s and ended their sessions\n", c->user);
	return ctl_audited(store_audit(c->st, "vawgctl", "admin-disable",
	    NULL, NULL, NULL, -1, c->user));
}

int
ctl_set_role(struct ctl *c)
{
	char	 old[STAFF_ROLE_TEXT], detail[80];

	switch (store_account_set_role(c->st, c->user, c->role, old)) {
	case 1:
		break;
	case 0:
		fprintf(stderr, "vawgctl: no account called %s\n", c->user);
		return 1;
	default:
		fprintf(stderr, "vawgctl: the role of %s was not changed\n",
		    c->user);
		return 1;
	}
	printf("%s: %s, was %s; open sessions have it from their next "
	    "request\n", c->user, c->role, old);
	snprintf(detail, sizeof(detail), "%s: %s to %s", c->user, old,
	    c->role);
	return ctl_audited(store_audit(c->st, "vawgctl", "admin-role",
	    NULL, NULL, NULL, -1, detail));
}

/* store_account_seal_clear()'s sealer: arg is admin.key. */
static int
seal_one(const char *user, const unsigned char *clear, size_t len,
    unsigned char *out, size_t outsz, size_t *outlen, void *arg)
{
	return totpseal_seal(arg, user, clear, len, out, outsz, outlen);
}

int
ctl_seal_totp(struct ctl *c)
{
	int	 n, moved;

	if ((n = store_account_seal_clear(c->st, seal_one, c->admin_key,
	    &moved)) == -1) {
		fputs("vawgctl: no TOTP secret was sealed (see the message "
		    "above)\n", stderr);
		return 1;
	}
	printf("sealed: %d TOTP secrets\n", n);
	if (moved > 0) {
		fprintf(stderr, "vawgctl: %d accounts changed meanwhile: run "
		    "seal-totp again\n", moved);
		return 1;
	}
	return 0;
}
