/*
 * ctl_export.c: vawgctl's commands that take answers out, and open them
 * on the administrator's own machine:
 *
 *   export          one form's answers in a date range as CSV, from the
 *                   database as its owner, decrypted here or --sealed
 *   decrypt-export  a sealed export (CSV on stdin) opened, as CSV
 *   decrypt         rows "idem_key_hex TAB form TAB envelope_hex" (as
 *                   `psql -At -F $'\t'` prints them) opened, one line
 *                   each: "ok TAB pairs" with the answers url-encoded, or
 *                   "error TAB reason"
 *
 * The keyring arrives opened (vawgctl.c); the sealed answers are walked
 * with pairs_next(), the library's one reader of them.  An export writes
 * its audit row before the first answer leaves the database, reads each
 * row by its own form version from one snapshot (store_export.c), ends
 * with the trailer record (export.h) and, cut short, writes no trailer,
 * a second audit row with the rows that went, and exits 1.  decrypt-export
 * wants the trailer, checks its count and writes its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"

/* The columns of a sealed export that decrypt-export opens and drops. */
struct sealed_cols {
	int	 form, idem, env;
};

static int
emit_stdout(const char *p, size_t n, void *arg)
{
	(void)arg;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

/* The rows of the export's snapshot on db to stdout, then the trailer.
 * 0 / -1; *sent: the rows written. */
static int
export_out(struct ctl *c, struct store *db, const struct formset *versions,
    long long count, long long *sent, long long *errors)
{
	struct exporter	 x;
	int		 rc = -1;

	memset(&x, 0, sizeof(x));
	x.versions = versions;
	x.keys = c->kr;		/* NULL: --sealed */
	x.form_name = c->form;
	x.emit = emit_stdout;
	if (export_begin(&x) == 0 && store_export_rows(db, c->form, c->from,
	    c->to, export_row, &x) == 0 && export_end(&x) == 0 &&
	    x.rows == count && export_trailer(&x) == 0 && fflush(stdout) == 0)
		rc = 0;
	*sent = x.rows;
	*errors = x.errors;
	export_free(&x);
	return rc;
}

int
ctl_export(struct ctl *c)
{
	const char	*mode = c->sealed ? "sealed" : "decrypted";
	struct formset	 versions = { 0 };
	struct store	*db;
	long long	 count = 0, sent = 0, errors = 0;
	char		 detail[96];
	int		 rc = 1;

	/* The snapshot on a connection of its own: the audit row on c->st
	 * commits while it is open. */
	if ((db = store_open(c->db)) == NULL ||
	    store_export_begin(db, c->form, c->from, c->to, &versions,
	    &count) == -1)
		goto out;
	if (versions.n == 0) {
		fprintf(stderr, "vawgctl: no form called %s\n", c->form);
		goto end;
	}
	if (store_audit(c->st, "vawgctl", "export", c->form, c->from, c->to,
	    count, mode) == -1)
		goto end;
	if (export_out(c, db, &versions, count, &sent, &errors) == -1) {
		fprintf(stderr, "vawgctl: export cut short after %lld of %lld "
		    "rows: the file is incomplete (no end-of-export line)\n",
		    sent, count);
		snprintf(detail, sizeof(detail), "%s: cut short, %lld of %lld "
		    "rows sent", mode, sent, count);
		(void)store_audit(c->st, "vawgctl", "export", c->form, c->from,
		    c->to, sent, detail);
		goto end;
	}
	fprintf(stderr, "exported %lld rows, %lld did not open\n", sent,
	    errors);
	rc = errors == 0 ? 0 : 2;
end:
	store_export_end(db);
out:
	formset_free(&versions);
	store_close(db);
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

static int
is_sealed_col(const struct sealed_cols *k, size_t i)
{
	return (int)i == k->form || (int)i == k->idem || (int)i == k->env;
}

/*
 * The values of the pairs named name, joined with "; " (a name repeats
 * for each box ticked), appended to cell.  0 / -1.
 */
static int
pairs_join(const struct buf *pairs, const char *name, struct buf *cell)
{
	struct pair	 p;
	size_t		 pos = 0;

	while (pairs_next(pairs->data, pairs->len, &pos, &p))
		if (strcmp(p.name, name) == 0 &&
		    ((cell->len > 0 && buf_append(cell, "; ", 2) == -1) ||
		    buf_append(cell, p.value, p.valuelen) == -1))
			return -1;
	return 0;
}

/* Opens one sealed row and appends it, decrypted, to out.  0, or -1 on
 * output; a row that does not open says why in its last cell. */
static int
decrypt_row(const struct keyring *kr, const struct csv_record *h,
    const struct csv_record *row, const struct sealed_cols *k,
    struct buf *out, long long *failed)
{
	struct buf	 pairs = { 0 }, cell = { 0 };
	unsigned char	 idem[TOKEN_NONCE_BYTES], *env = NULL;
	const char	*status = "ok", *ih, *eh;
	size_t		 i, n, envlen = 0, cap;
	enum open_result r = OPEN_MALFORMED;
	int		 rc = -1, first = 1;

	ih = csv_unneutralise(&row->cells[k->idem]);
	eh = csv_unneutralise(&row->cells[k->env]);
	cap = strlen(eh) / 2 + 1;
	if ((env = malloc(cap)) != NULL &&
	    sodium_hex2bin(idem, sizeof(idem), ih, strlen(ih), NULL, &n,
	    NULL) == 0 && n == sizeof(idem) &&
	    sodium_hex2bin(env, cap, eh, strlen(eh), NULL, &envlen, NULL) == 0)
		r = keyring_open(kr, env, envlen, idem,
		    csv_unneutralise(&row->cells[k->form]), &pairs);
	if (r != OPEN_OK) {
		status = seal_open_strerror(r);
		(*failed)++;
	}
	for (i = 0; i < h->n; i++) {
		if (is_sealed_col(k, i))
			continue;
		buf_reset(&cell);
		/* A sealed answer fills its (empty) column by name. */
		if (r == OPEN_OK && pairs_join(&pairs,
		    csv_unneutralise(&h->cells[i]), &cell) == -1)
			goto out;
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

/*
 * Reads the header of a sealed export into h and k, and appends the
 * decrypted export's header to out: the same columns without the sealed
 * ones, then "Decryption".  0 / -1 (said).
 */
static int
sealed_header(struct csv_record *h, struct sealed_cols *k, struct buf *out)
{
	size_t	 i;
	int	 first = 1;

	if (csv_read_record(stdin, h) != 1 ||
	    (k->form = column(h, "form")) < 0 ||
	    (k->idem = column(h, "idem_key")) < 0 ||
	    (k->env = column(h, "envelope")) < 0) {
		fputs("vawgctl: this is not a sealed export (no form, idem_key "
		    "and envelope columns)\n", stderr);
		return -1;
	}
	if (csv_bom(out) == -1)
		return -1;
	for (i = 0; i < h->n; i++) {
		const char *name = csv_unneutralise(&h->cells[i]);

		if (is_sealed_col(k, i))
			continue;
		if (csv_cell(out, name, strlen(name), first) == -1)
			return -1;
		first = 0;
	}
	return csv_cell(out, "Decryption", 10, 0) == -1 || csv_end(out) == -1 ?
	    -1 : 0;
}

/* The rows an end-of-export record announces, or -1 if row is not one. */
static long long
trailer_count(const struct csv_record *row)
{
	const char	*t, *end;
	long long	 n;
	size_t		 k = strlen(EXPORT_TRAILER);

	if (row->n == 0 || row->cells[0].data == NULL)
		return -1;
	t = csv_unneutralise(&row->cells[0]);
	if (strncmp(t, EXPORT_TRAILER, k) != 0)
		return -1;
	n = strtoll(t + k, (char **)&end, 10);
	return n >= 0 && end != t + k && strcmp(end, " rows") == 0 ? n : -1;
}

/* Appends the end-of-export record for rows, width cells wide.  0 / -1. */
static int
trailer_line(struct buf *out, size_t width, long long rows)
{
	char	 text[64];
	size_t	 i;
	int	 rc = 0;

	snprintf(text, sizeof(text), EXPORT_TRAILER "%lld rows", rows);
	rc |= csv_cell(out, text, strlen(text), 1);
	for (i = 1; i < width; i++)
		rc |= csv_cell(out, "", 0, 0);
	return rc != 0 || csv_end(out) == -1 ? -1 : 0;
}

int
ctl_decrypt_export(struct ctl *c)
{
	struct csv_record	 h = { 0 }, row = { 0 };
	struct sealed_cols	 k;
	struct buf		 out = { 0 };
	long long		 rows = 0, failed = 0, trailer = -1;
	int			 got, rc = 1;

	if (sealed_header(&h, &k, &out) == -1)
		goto out;
	row.nread = h.nread;	/* the same stream: its BOM is behind us */
	while ((got = csv_read_record(stdin, &row)) == 1) {
		if (trailer != -1) {
			fprintf(stderr, "vawgctl: a record after the "
			    "end-of-export line\n");
			goto out;
		}
		if ((trailer = trailer_count(&row)) != -1)
			continue;
		if (row.n != h.n) {
			fprintf(stderr, "vawgctl: row %lld has %zu cells, the "
			    "header %zu\n", rows + 1, row.n, h.n);
			goto out;
		}
		if (decrypt_row(c->kr, &h, &row, &k, &out, &failed) == -1 ||
		    fwrite(out.data, 1, out.len, stdout) != out.len)
			goto out;
		buf_reset(&out);
		rows++;
	}
	if (got == -1) {
		fprintf(stderr, "vawgctl: malformed CSV after row %lld\n", rows);
		goto out;
	}
	if (trailer != rows) {
		fprintf(stderr, trailer == -1 ? "vawgctl: no end-of-export line: "
		    "the sealed export is incomplete\n" : "vawgctl: the "
		    "end-of-export line says %lld rows, the file holds %lld\n",
		    trailer, rows);
		goto out;
	}
	if (trailer_line(&out, h.n - 3 + 1, rows) == -1 ||
	    fwrite(out.data, 1, out.len, stdout) != out.len)
		goto out;
	fprintf(stderr, "decrypted %lld rows, %lld did not open\n", rows,
	    failed);
	rc = failed == 0 ? 0 : 2;
out:
	fflush(stdout);
	buf_free(&out);
	csv_record_free(&h);
	csv_record_free(&row);
	return rc;
}

/* Writes s[0..len) url-encoded, so every byte survives one line. */
static void
put_urlencoded(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.~", ch) != NULL)
			putchar(ch);
		else
			printf("%%%02X", ch);
	}
}

/* One input line of decrypt, hex-decoded into idem and *env (malloc()ed,
 * the caller frees it); form points into line.  0 / -1 (said). */
static int
decrypt_input(char *line, unsigned char *idem, const char **form,
    unsigned char **env, size_t *envlen)
{
	char	*idem_hex = line, *env_hex, *f;
	size_t	 idemlen, cap;

	if ((f = strchr(idem_hex, '\t')) == NULL ||
	    (env_hex = strchr(f + 1, '\t')) == NULL) {
		puts("error\tline is not idem TAB form TAB envelope");
		return -1;
	}
	*f++ = '\0';
	*env_hex++ = '\0';
	*form = f;
	env_hex[strcspn(env_hex, "\r\n")] = '\0';
	if (strncmp(env_hex, "\\x", 2) == 0)	/* bytea's hex output */
		env_hex += 2;
	cap = strlen(env_hex) / 2 + 1;
	if (sodium_hex2bin(idem, TOKEN_NONCE_BYTES, idem_hex, strlen(idem_hex),
	    NULL, &idemlen, NULL) != 0 || idemlen != TOKEN_NONCE_BYTES ||
	    (*env = malloc(cap)) == NULL ||
	    sodium_hex2bin(*env, cap, env_hex, strlen(env_hex), NULL, envlen,
	    NULL) != 0) {
		puts("error\tnot hexadecimal");
		free(*env);
		*env = NULL;
		return -1;
	}
	return 0;
}

static void
decrypt_line(const struct keyring *kr, char *line)
{
	unsigned char	 idem[TOKEN_NONCE_BYTES], *env = NULL;
	const char	*form;
	size_t		 envlen, pos = 0;
	struct buf	 plain = { 0 };
	struct pair	 p;
	enum open_result r;

	if (decrypt_input(line, idem, &form, &env, &envlen) == -1)
		return;
	r = keyring_open(kr, env, envlen, idem, form, &plain);
	free(env);
	if (r != OPEN_OK) {
		printf("error\t%s\n", seal_open_strerror(r));
		buf_free(&plain);
		return;
	}
	fputs("ok\t", stdout);
	while (pairs_next(plain.data, plain.len, &pos, &p)) {
		if (p.name != plain.data)
			putchar('&');
		put_urlencoded(p.name, p.namelen);
		putchar('=');
		put_urlencoded(p.value, p.valuelen);
	}
	putchar('\n');
	buf_free(&plain);
}

/* Every generation of the key is in the keyring: rows sealed before a
 * rotation open too. */
int
ctl_decrypt(struct ctl *c)
{
	char	*line = NULL;
	size_t	 cap = 0;

	while (getline(&line, &cap, stdin) > 0)
		decrypt_line(c->kr, line);
	if (line != NULL) {
		sodium_memzero(line, cap);
		free(line);
	}
	return 0;
}
