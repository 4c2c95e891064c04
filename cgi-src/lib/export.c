/*
 * export.c: one form's submissions as CSV, streamed a row at a time, for
 * the admin pool (to the browser) and vawgctl (to a file).
 *
 * Columns are the form's fields across all its versions, one per field
 * name, labelled as the newest version that has it asks it; a field
 * renamed in a later version is two columns, each blank in the rows of
 * versions without it.  Each row is read by its own version's definition:
 * a field sealed in that version comes from the envelope, a plain one from
 * the plain answers, whatever later versions did with it.  In decrypting
 * mode sensitive answers are opened with the keyring; a row that will not
 * open says why in the last column, and never shows garbage.  A row whose
 * version is not in the set stops the export rather than print blanks.
 * Every whole export ends with the trailer record, "# end of export: N
 * rows"; one without it was cut short.  In sealed mode (no keyring: an admin
 * pool started without a passphrase holds no secret key, and vawgctl can
 * ask for it) the sensitive cells stay empty, headers are the fields'
 * names, and the envelope travels in the row for `vawgctl decrypt-export`
 * to open on the administrator's own machine.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "export.h"

/* Adds each field of every version of the form, once, by name, in the
 * order versions are loaded (oldest first). */
static int
export_columns(struct exporter *x)
{
	size_t	 i, j, k;

	for (i = 0; i < x->versions->n; i++) {
		const struct form *f = &x->versions->forms[i];

		if (strcmp(f->name, x->form_name) != 0)
			continue;
		for (j = 0; j < f->nfields; j++) {
			const struct field *fd = &f->fields[j];

			for (k = 0; k < x->ncols; k++)
				if (strcmp(x->cols[k].name, fd->name) == 0)
					break;
			if (k == x->ncols) {
				if (x->ncols == EXPORT_MAX_COLS)
					return -1;
				x->ncols++;
			}
			/* Later versions come later: their label wins. */
			x->cols[k].name = fd->name;
			x->cols[k].label = fd->label;
		}
	}
	return x->ncols > 0 ? 0 : -1;
}

/* Cells in the header, and in every record. */
static size_t
export_width(const struct exporter *x)
{
	return 3 + x->ncols + (x->keys != NULL ? 1 : 3);
}

static int
flush_line(struct exporter *x)
{
	int	 rc;

	rc = x->emit(x->line.data, x->line.len, x->emit_arg);
	buf_reset(&x->line);
	return rc;
}

/* Seconds on the monotonic clock. */
static int64_t
now_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

int
export_begin(struct exporter *x)
{
	size_t	 i;
	int	 rc = 0;

	if (export_columns(x) == -1)
		return -1;
	x->deadline = now_seconds() + EXPORT_MAX_SECONDS;
	rc |= csv_bom(&x->line);
	rc |= csv_cell(&x->line, "Reference", 9, 1);
	rc |= csv_cell(&x->line, "Submitted (London time)", 23, 0);
	rc |= csv_cell(&x->line, "Form version", 12, 0);
	for (i = 0; i < x->ncols; i++) {
		const char *h = x->keys ? x->cols[i].label : x->cols[i].name;
		rc |= csv_cell(&x->line, h, strlen(h), 0);
	}
	if (x->keys != NULL)
		rc |= csv_cell(&x->line, "Decryption", 10, 0);
	else {
		rc |= csv_cell(&x->line, "form", 4, 0);
		rc |= csv_cell(&x->line, "idem_key", 8, 0);
		rc |= csv_cell(&x->line, "envelope", 8, 0);
	}
	rc |= csv_end(&x->line);
	return rc != 0 ? -1 : flush_line(x);
}

/* The label of option value v (len bytes) of field name, else v itself. */
static void
option_label(const struct form *f, const char *name, const char *v,
    size_t len, const char **out, size_t *outlen)
{
	size_t	 i, j;

	*out = v;
	*outlen = len;
	for (i = 0; f != NULL && i < f->nfields; i++) {
		if (strcmp(f->fields[i].name, name) != 0)
			continue;
		for (j = 0; j < f->fields[i].noptions; j++) {
			const struct field_option *o = &f->fields[i].options[j];

			if (strlen(o->value) == len &&
			    memcmp(o->value, v, len) == 0) {
				*out = o->label;
				*outlen = strlen(o->label);
			}
		}
	}
}

/* Appends value to cell, joining answers to one question with "; ". */
static int
join(struct buf *cell, const char *v, size_t len)
{
	if (cell->len > 0 && buf_append(cell, "; ", 2) == -1)
		return -1;
	return buf_append(cell, v, len);
}

/* The plain answers for column name: "a=x,y&b=z". */
static int
plain_cell(const struct form *f, const char *plain, const char *name,
    struct buf *cell)
{
	size_t		 nlen = strlen(name), vlen;
	const char	*p = plain, *end, *v, *comma, *label;
	size_t		 llen;

	while (*p != '\0') {
		end = strchr(p, '&');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			for (v = p + nlen + 1; v < end; v = comma + 1) {
				comma = memchr(v, ',', (size_t)(end - v));
				if (comma == NULL)
					comma = end;
				vlen = (size_t)(comma - v);
				option_label(f, name, v, vlen, &label, &llen);
				if (join(cell, label, llen) == -1)
					return -1;
				if (comma == end)
					break;
			}
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* The decrypted answers split once per row (pairs.c), so each column is
 * a scan of the pairs, not of the bytes. */
static size_t
split_pairs(const struct buf *pairs, struct pair *out, size_t max)
{
	size_t	 n = 0, pos = 0;

	while (n < max && pairs_next(pairs->data, pairs->len, &pos, &out[n]))
		n++;
	return n;
}

/* The sealed answers for column name. */
static int
sealed_cell(const struct form *f, const struct pair *pv, size_t np,
    const char *name, struct buf *cell)
{
	const char	*label;
	size_t		 i, llen;

	for (i = 0; i < np; i++)
		if (strcmp(pv[i].name, name) == 0) {
			option_label(f, name, pv[i].value, pv[i].valuelen,
			    &label, &llen);
			if (join(cell, label, llen) == -1)
				return -1;
		}
	return 0;
}

/* A cell of bytes in hex (the sealed mode's idempotency key and
 * envelope): hex never starts with a formula character. */
static int
hex_cell(struct exporter *x, const unsigned char *p, size_t n)
{
	buf_reset(&x->hex);
	if (n > (SIZE_MAX - 1) / 2 || buf_reserve(&x->hex, 2 * n) == -1)
		return -1;
	/* Cannot fail: the room for 2n digits and the NUL is reserved. */
	sodium_bin2hex(x->hex.data, 2 * n + 1, p, n);
	x->hex.len = 2 * n;
	return csv_cell(&x->line, x->hex.data, x->hex.len, 0);
}

/* The field of version f called name, or NULL. */
static const struct field *
version_field(const struct form *f, const char *name)
{
	size_t	 i;

	for (i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

/* One row in CSV.  pairs: its opened answers (decrypting mode, opened),
 * else NULL; status: the last column in decrypting mode. */
static int
write_row(struct exporter *x, const struct export_row *row,
    const struct buf *pairs, const char *status)
{
	const struct form	*f;
	struct pair		 pv[EXPORT_MAX_COLS];
	char			 ver[16];
	size_t			 i, np = 0;
	int			 rc = -1;

	/* The definition the row was answered with, or nothing at all: a
	 * blank beside "ok" would say she left it empty. */
	if ((f = formset_find_version(x->versions, row->version_id)) == NULL) {
		LOG_ERR("export of %s: a row of version id %d, not loaded",
		    x->form_name, (int)row->version_id);
		return -1;
	}
	snprintf(ver, sizeof(ver), "%d", f->version);
	if (pairs != NULL)
		np = split_pairs(pairs, pv, EXPORT_MAX_COLS);
	if (csv_cell(&x->line, row->reference, strlen(row->reference), 1) ||
	    csv_cell(&x->line, row->created, strlen(row->created), 0) ||
	    csv_cell(&x->line, ver, strlen(ver), 0))
		goto out;
	for (i = 0; i < x->ncols; i++) {
		const struct field *fd = version_field(f, x->cols[i].name);

		buf_reset(&x->cell);
		if (fd == NULL)
			;	/* not asked in this version: blank */
		else if (!fd->sensitive) {
			if (plain_cell(f, row->plain, fd->name, &x->cell))
				goto out;
		} else if (pairs != NULL &&
		    sealed_cell(f, pv, np, fd->name, &x->cell))
			goto out;
		if (csv_cell(&x->line, x->cell.data ? x->cell.data : "",
		    x->cell.len, 0))
			goto out;
	}
	if (x->keys != NULL) {
		if (csv_cell(&x->line, status, strlen(status), 0))
			goto out;
	} else if (csv_cell(&x->line, x->form_name, strlen(x->form_name), 0) ||
	    hex_cell(x, row->idem, row->idem_len) ||
	    hex_cell(x, row->sealed, row->sealed_len))
		goto out;
	if (csv_end(&x->line) == -1 || flush_line(x) == -1)
		goto out;
	x->rows++;	/* counted once it has gone */
	rc = 0;
out:
	buf_reset(&x->cell);	/* it held an answer */
	return rc;
}

/* Applies fn (buf_reset or buf_free) to every buffer of a slot; either
 * way the opened answers in pairs are wiped. */
static void
slot_bufs(struct export_slot *sl, void (*fn)(struct buf *))
{
	struct buf	*b[] = { &sl->reference, &sl->created, &sl->plain,
			    &sl->idem, &sl->sealed, &sl->pairs };
	size_t		 i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		fn(b[i]);
	sl->opened = 0;
	sl->status = NULL;
}

/* Opens the waiting rows together, then writes them in order. */
int
export_end(struct exporter *x)
{
	size_t	 i;
	int	 rc = 0;

	if (x->nslots == 0)
		return 0;
	export_open_batch(x, x->slots, x->nslots);
	for (i = 0; i < x->nslots; i++) {
		struct export_slot	*sl = &x->slots[i];
		struct export_row	 row = {
			.version_id = sl->version_id,
			.reference = sl->reference.data,
			.created = sl->created.data,
			.plain = sl->plain.data,
		};

		if (!sl->opened)
			x->errors++;
		if (rc == 0 && write_row(x, &row, sl->opened ? &sl->pairs :
		    NULL, sl->status) == -1)
			rc = -1;
		slot_bufs(sl, buf_reset);
	}
	x->nslots = 0;
	return rc;
}

int
export_row(const struct export_row *row, void *arg)
{
	struct exporter		*x = arg;
	struct export_slot	*sl;

	if (now_seconds() > x->deadline) {
		LOG_ERR("export of %s: over %d seconds, stopped", x->form_name,
		    EXPORT_MAX_SECONDS);
		return -1;
	}
	if (x->keys == NULL)
		return write_row(x, row, NULL, NULL);
	if (x->slots == NULL &&
	    (x->slots = calloc(EXPORT_BATCH, sizeof(*x->slots))) == NULL)
		return -1;
	/* A full batch is written (export_end) as soon as it fills. */
	assert(x->nslots < EXPORT_BATCH);
	sl = &x->slots[x->nslots];
	sl->version_id = row->version_id;
	/* Copies: the row's memory is the database client's, and is gone
	 * when this returns.  The buffers are kept from batch to batch. */
	if (buf_puts(&sl->reference, row->reference) == -1 ||
	    buf_puts(&sl->created, row->created) == -1 ||
	    buf_puts(&sl->plain, row->plain) == -1 ||
	    buf_append(&sl->idem, row->idem, row->idem_len) == -1 ||
	    buf_append(&sl->sealed, row->sealed, row->sealed_len) == -1) {
		slot_bufs(sl, buf_reset);
		return -1;
	}
	if (++x->nslots < EXPORT_BATCH)
		return 0;
	return export_end(x);
}

int
export_trailer(struct exporter *x)
{
	char	 text[64];
	size_t	 i;
	int	 rc = 0;

	snprintf(text, sizeof(text), EXPORT_TRAILER "%lld rows", x->rows);
	rc |= csv_cell(&x->line, text, strlen(text), 1);
	/* As wide as the header, so a strict reader sees a rectangle. */
	for (i = 1; i < export_width(x); i++)
		rc |= csv_cell(&x->line, "", 0, 0);
	rc |= csv_end(&x->line);
	return rc != 0 ? -1 : flush_line(x);
}

void
export_free(struct exporter *x)
{
	size_t	 i;

	for (i = 0; x->slots != NULL && i < EXPORT_BATCH; i++)
		slot_bufs(&x->slots[i], buf_free);
	free(x->slots);
	x->slots = NULL;
	x->nslots = 0;
	buf_free(&x->line);
	buf_free(&x->cell);
	buf_free(&x->hex);
}
