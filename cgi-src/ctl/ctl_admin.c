/*
 * ctl_admin.c: vawgctl's administration commands.
 *
 *   add-admin --user NAME [--password-out F] [--totp-out F] [--db C]
 *   disable-admin --user NAME [--db C]
 *   rotate --keys DIR --passphrase-file F [--db C]
 *   export --form NAME --from D --to D [--sealed] --keys DIR
 *          --passphrase-file F [--db C]                  > answers.csv
 *   decrypt-export --keys DIR --passphrase-file F < sealed.csv > answers.csv
 *   purge [--dry-run] [--db C]
 *
 * --db defaults to the development database as its owner.  Every command
 * that reads or removes answers, or changes who may, writes an audit row.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "ctl.h"

#define DEFAULT_DB	"host=var/run dbname=vawg user=postgres connect_timeout=3"
#define TOTP_BYTES	20
#define ISSUER		"VAWG%20forms"

struct ctl_opts {
	const char	*db, *keys, *passfile, *user, *form, *from, *to;
	const char	*password_out, *totp_out;
	int		 sealed, dry_run;
};

static int
parse(int argc, char *argv[], struct ctl_opts *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "keys", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "form", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "password-out", required_argument, NULL, 'P' },
		{ "totp-out", required_argument, NULL, 'O' },
		{ "sealed", no_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int	 c;

	memset(o, 0, sizeof(*o));
	o->db = DEFAULT_DB;
	o->keys = "var/keys";
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'k': o->keys = optarg; break;
		case 'p': o->passfile = optarg; break;
		case 'u': o->user = optarg; break;
		case 'f': o->form = optarg; break;
		case 'F': o->from = optarg; break;
		case 'T': o->to = optarg; break;
		case 'P': o->password_out = optarg; break;
		case 'O': o->totp_out = optarg; break;
		case 's': o->sealed = 1; break;
		case 'n': o->dry_run = 1; break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Writes text to a new file only its owner can read. */
static int
write_private(const char *path, const char *text)
{
	int	 fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1 || fchmod(fd, 0600) == -1) {
		perror(path);
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text) &&
	    write(fd, "\n", 1) == 1 && fsync(fd) == 0)
		rc = 0;
	close(fd);
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

static int
open_db(const char *db, struct store **st)
{
	if ((*st = store_open(db)) == NULL || store_conn(*st) == NULL) {
		fprintf(stderr, "vawgctl: cannot reach the database (%s)\n",
		    db);
		store_close(*st);
		return -1;
	}
	return 0;
}

int
ctl_add_admin(int argc, char *argv[])
{
	struct ctl_opts	 o;
	struct store	*st = NULL;
	unsigned char	 secret[TOTP_BYTES], pw[16];
	char		 password[32], hash[crypto_pwhash_STRBYTES];
	char		*b32 = NULL, uri[256];
	size_t		 b32len;
	int		 rc = 1;

	if (parse(argc, argv, &o) == -1 || o.user == NULL) {
		fputs("usage: vawgctl add-admin --user NAME [--password-out F] "
		    "[--totp-out F] [--db CONNINFO]\n", stderr);
		return 1;
	}
	if (open_db(o.db, &st) == -1 || oath_init() != OATH_OK)
		goto out;
	/* 128 random bits as the first password: the admin may keep it in
	 * a password manager; there is no weaker default to change. */
	randombytes_buf(pw, sizeof(pw));
	sodium_bin2base64(password, sizeof(password), pw, sizeof(pw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	randombytes_buf(secret, sizeof(secret));
	if (crypto_pwhash_str(hash, password, strlen(password),
	    STAFF_PW_OPSLIMIT, STAFF_PW_MEMLIMIT) != 0 ||
	    oath_base32_encode((const char *)secret, sizeof(secret), &b32,
	    &b32len) != OATH_OK)
		goto out;
	b32[strcspn(b32, "=")] = '\0';
	if (store_account_enrol(st, o.user, hash, secret, sizeof(secret)) == -1 ||
	    store_audit(st, "vawgctl", "admin-add", NULL, NULL, NULL, -1,
	    o.user) == -1) {
		fprintf(stderr, "vawgctl: could not add %s (a name is a-z, "
		    "0-9, _ . -, 2 to 32 long)\n", o.user);
		goto out;
	}
	if ((o.password_out && write_private(o.password_out, password)) ||
	    (o.totp_out && write_private(o.totp_out, b32)))
		goto out;
	snprintf(uri, sizeof(uri), "otpauth://totp/%s:%s?secret=%s&issuer=%s&"
	    "algorithm=SHA1&digits=6&period=30", ISSUER, o.user, b32, ISSUER);
	printf("admin: %s\n", o.user);
	if (o.password_out == NULL)
		printf("password (shown once): %s\n", password);
	else
		printf("password: written to %s\n", o.password_out);
	printf("TOTP: scan this code with an authenticator app, or enter\n"
	    "%s\n\n", uri);
	print_qr(uri);
	rc = 0;
out:
	sodium_memzero(password, sizeof(password));
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(secret, sizeof(secret));
	if (b32 != NULL) {
		sodium_memzero(b32, strlen(b32));
		free(b32);
	}
	store_close(st);
	return rc;
}

int
ctl_disable_admin(int argc, char *argv[])
{
	struct ctl_opts	 o;
	struct store	*st = NULL;
	int		 n, rc = 1;

	if (parse(argc, argv, &o) == -1 || o.user == NULL) {
		fputs("usage: vawgctl disable-admin --user NAME [--db C]\n",
		    stderr);
		return 1;
	}
	if (open_db(o.db, &st) == -1)
		goto out;
	if ((n = store_account_disable(st, o.user)) <= 0) {
		fprintf(stderr, "vawgctl: no admin called %s\n", o.user);
		goto out;
	}
	(void)store_audit(st, "vawgctl", "admin-disable", NULL, NULL, NULL,
	    -1, o.user);
	printf("disabled %s and ended their sessions\n", o.user);
	rc = 0;
out:
	store_close(st);
	return rc;
}

int
ctl_rotate(int argc, char *argv[])
{
	struct ctl_opts	 o;
	struct seal_pub	 old, fresh;
	struct store	*st = NULL;
	char		*pass;
	size_t		 passlen;
	int		 rc;

	if (parse(argc, argv, &o) == -1 ||
	    (pass = ctl_passphrase(o.passfile, &passlen)) == NULL) {
		fputs("usage: vawgctl rotate --keys DIR --passphrase-file F "
		    "[--db C]\n", stderr);
		return 1;
	}
	rc = keyring_rotate(o.keys, pass, passlen, &old, &fresh);
	sodium_free(pass);
	if (rc == -1) {
		fputs("vawgctl: rotation failed; the current key is unchanged\n",
		    stderr);
		return 1;
	}
	printf("old key id: %s (kept in %s/keyring)\nnew key id: %s\n"
	    "new fingerprint: %s\nRestart the public pool to seal to the new "
	    "key; update VAWG_KEY_FINGERPRINT if you pin it.\n", old.key_id,
	    o.keys, fresh.key_id, fresh.fingerprint);
	if (open_db(o.db, &st) == 0)
		(void)store_audit(st, "vawgctl", "key-rotate", NULL, NULL, NULL,
		    -1, fresh.key_id);
	store_close(st);
	return 0;
}

static int
emit_stdout(const char *p, size_t n, void *arg)
{
	(void)arg;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

int
ctl_export(int argc, char *argv[])
{
	struct ctl_opts	 o;
	struct store	*st = NULL;
	struct keyring	 kr;
	struct formset	 all = { 0 };
	struct exporter	 x;
	char		*pass = NULL;
	size_t		 passlen;
	long long	 count;
	int		 rc = 1;

	memset(&kr, 0, sizeof(kr));
	memset(&x, 0, sizeof(x));
	if (parse(argc, argv, &o) == -1 || o.form == NULL || o.from == NULL ||
	    o.to == NULL || !form_valid_date(o.from) ||
	    !form_valid_date(o.to)) {
		fputs("usage: vawgctl export --form NAME --from YYYY-MM-DD "
		    "--to YYYY-MM-DD [--sealed | --keys DIR --passphrase-file F]"
		    " [--db C]\n", stderr);
		return 1;
	}
	if (!o.sealed) {
		if ((pass = ctl_passphrase(o.passfile, &passlen)) == NULL)
			return 1;
		if (keyring_load(o.keys, pass, passlen, &kr) == -1) {
			fputs("vawgctl: the keyring does not open (wrong "
			    "passphrase?)\n", stderr);
			goto out;
		}
	}
	if (open_db(o.db, &st) == -1 ||
	    store_load_versions(o.db, &all, 1) == -1 ||
	    store_export_count(st, o.form, o.from, o.to, &count) == -1 ||
	    store_audit(st, "vawgctl", "export", o.form, o.from, o.to, count,
	    o.sealed ? "sealed" : "decrypted") == -1)
		goto out;
	x.versions = &all;
	x.keys = o.sealed ? NULL : &kr;
	x.form_name = o.form;
	x.emit = emit_stdout;
	if (export_begin(&x) == -1) {
		fprintf(stderr, "vawgctl: no form called %s\n", o.form);
		goto out;
	}
	if (store_export_rows(st, o.form, o.from, o.to, export_row, &x) == -1 ||
	    export_end(&x) == -1 || fflush(stdout) != 0)
		goto out;
	fprintf(stderr, "exported %lld rows, %lld did not open\n", x.rows,
	    x.errors);
	rc = x.errors == 0 ? 0 : 2;
out:
	export_free(&x);
	formset_free(&all);
	keyring_free(&kr);
	sodium_free(pass);
	store_close(st);
	return rc;
}

struct purge_ctx {
	int		 dry_run;
	long long	 forms;
};

static int
purge_report(const char *form, long long n, void *arg)
{
	struct purge_ctx *c = arg;

	c->forms++;
	printf("%s%s: %lld rows past retention\n", c->dry_run ?
	    "would purge " : "purged ", form, n);
	return 0;
}

int
ctl_purge(int argc, char *argv[])
{
	struct ctl_opts	 o;
	struct store	*st = NULL;
	struct purge_ctx c;
	int		 rc = 1;

	if (parse(argc, argv, &o) == -1) {
		fputs("usage: vawgctl purge [--dry-run] [--db C]\n", stderr);
		return 1;
	}
	c.dry_run = o.dry_run;
	c.forms = 0;

	if (open_db(o.db, &st) == 0 &&
	    store_purge(st, "vawgctl", o.dry_run, purge_report, &c) == 0) {
		/* A purge that found nothing is recorded too: the log shows
		 * that retention was applied, not only when it removed rows. */
		if (c.forms == 0 && !o.dry_run) {
			puts("nothing past retention");
			(void)store_audit(st, "vawgctl", "purge", NULL, NULL,
			    NULL, 0, "retention");
		}
		rc = 0;
	}
	store_close(st);
	return rc;
}

/* The index of the header cell named name, or -1. */
static int
column(const struct csv_record *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->n; i++)
		if (h->cells[i].data && strcmp(csv_unneutralise(&h->cells[i]),
		    name) == 0)
			return (int)i;
	return -1;
}

/* Opens one sealed row and writes it decrypted.  0, or -1 on output. */
static int
decrypt_row(const struct keyring *kr, const struct csv_record *h,
    const struct csv_record *row, int cform, int cidem, int cenv,
    struct buf *out, long long *failed)
{
	struct buf	 pairs = { 0 }, cell = { 0 };
	unsigned char	 idem[TOKEN_NONCE_BYTES], *env = NULL;
	const char	*status = "ok", *ih, *eh, *p, *end;
	size_t		 i, n, envlen = 0, cap, nlen, vlen;
	enum open_result r = OPEN_MALFORMED;
	int		 rc = -1, first = 1;

	ih = csv_unneutralise(&row->cells[cidem]);
	eh = csv_unneutralise(&row->cells[cenv]);
	cap = strlen(eh) / 2 + 1;
	if ((env = malloc(cap)) != NULL &&
	    sodium_hex2bin(idem, sizeof(idem), ih, strlen(ih), NULL, &n,
	    NULL) == 0 && n == sizeof(idem) &&
	    sodium_hex2bin(env, cap, eh, strlen(eh), NULL, &envlen, NULL) == 0)
		r = keyring_open(kr, env, envlen, idem,
		    csv_unneutralise(&row->cells[cform]), &pairs);
	if (r != OPEN_OK) {
		status = seal_open_strerror(r);
		(*failed)++;
	}
	for (i = 0; i < h->n; i++) {
		if ((int)i == cform || (int)i == cidem || (int)i == cenv)
			continue;
		buf_reset(&cell);
		/* A sealed answer fills its (empty) column by name. */
		for (p = pairs.data, end = p + pairs.len; r == OPEN_OK &&
		    p != NULL && p < end; p += nlen + vlen + 2) {
			nlen = strnlen(p, (size_t)(end - p));
			if (p + nlen >= end)
				break;
			vlen = strnlen(p + nlen + 1, (size_t)(end - p - nlen - 1));
			if (strcmp(p, csv_unneutralise(&h->cells[i])) != 0)
				continue;
			if ((cell.len > 0 && buf_append(&cell, "; ", 2) == -1) ||
			    buf_append(&cell, p + nlen + 1, vlen) == -1)
				goto out;
		}
		if (cell.len == 0 && i < row->n &&
		    buf_puts(&cell, csv_unneutralise(&row->cells[i])) == -1)
			goto out;
		if (csv_cell(out, cell.data ? cell.data : "", cell.len, first))
			goto out;
		first = 0;
	}
	if (csv_cell(out, status, strlen(status), 0) == -1 || csv_end(out))
		goto out;
	rc = 0;
out:
	buf_free(&pairs);
	buf_free(&cell);
	free(env);
	return rc;
}

int
ctl_decrypt_export(int argc, char *argv[])
{
	struct ctl_opts		 o;
	struct keyring		 kr;
	struct csv_record	 h = { 0 }, row = { 0 };
	struct buf		 out = { 0 };
	char			*pass = NULL;
	size_t			 passlen, i;
	long long		 rows = 0, failed = 0;
	int			 cform, cidem, cenv, got, rc = 1, first = 1;

	memset(&kr, 0, sizeof(kr));
	if (parse(argc, argv, &o) == -1 ||
	    (pass = ctl_passphrase(o.passfile, &passlen)) == NULL) {
		fputs("usage: vawgctl decrypt-export --keys DIR "
		    "--passphrase-file F < sealed.csv > answers.csv\n", stderr);
		return 1;
	}
	if (keyring_load(o.keys, pass, passlen, &kr) == -1) {
		fputs("vawgctl: the keyring does not open (wrong passphrase?)\n",
		    stderr);
		goto out;
	}
	if (csv_read_record(stdin, &h) != 1 || (cform = column(&h, "form")) <
	    0 || (cidem = column(&h, "idem_key")) < 0 ||
	    (cenv = column(&h, "envelope")) < 0) {
		fputs("vawgctl: this is not a sealed export (no form, idem_key "
		    "and envelope columns)\n", stderr);
		goto out;
	}
	if (csv_bom(&out) == -1)
		goto out;
	for (i = 0; i < h.n; i++) {
		const char *c = csv_unneutralise(&h.cells[i]);

		if ((int)i == cform || (int)i == cidem || (int)i == cenv)
			continue;
		if (csv_cell(&out, c, strlen(c), first) == -1)
			goto out;
		first = 0;
	}
	if (csv_cell(&out, "Decryption", 10, 0) == -1 || csv_end(&out) == -1)
		goto out;
	row.nread = h.nread;	/* the same stream: its BOM is behind us */
	while ((got = csv_read_record(stdin, &row)) == 1) {
		if (row.n != h.n) {
			fprintf(stderr, "vawgctl: row %lld has %zu cells, the "
			    "header %zu\n", rows + 1, row.n, h.n);
			goto out;
		}
		if (decrypt_row(&kr, &h, &row, cform, cidem, cenv, &out,
		    &failed) == -1 ||
		    fwrite(out.data, 1, out.len, stdout) != out.len)
			goto out;
		buf_reset(&out);
		rows++;
	}
	if (got == -1) {
		fprintf(stderr, "vawgctl: malformed CSV after row %lld\n", rows);
		goto out;
	}
	if (out.len > 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
		goto out;
	fprintf(stderr, "decrypted %lld rows, %lld did not open\n", rows,
	    failed);
	rc = failed == 0 ? 0 : 2;
out:
	fflush(stdout);
	buf_free(&out);
	csv_record_free(&h);
	csv_record_free(&row);
	keyring_free(&kr);
	sodium_free(pass);
	return rc;
}
