/*
 * store_export.c: the rows of one form in a date range (London days,
 * inclusive), counted and then streamed for the CSV export.  The admin
 * pool runs these as role vawg_admin, vawgctl's export as the database
 * owner.  Read only; the caller writes the audit row before the rows go
 * out (store_audit.c), and opens no envelope here: the rows leave sealed.
 * The stream uses single-row mode so memory stays flat however many rows.
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_COUNT,
	STMT_ROWS,
	STMT__MAX
};

/* Both statements' rows: one form by name, between two dates. */
#define EXPORT_WHERE \
	"FROM vawg.submission s JOIN vawg.form_version v ON v.id = " \
	"s.version_id JOIN vawg.form f ON f.id = v.form_id WHERE f.name = $1 " \
	"AND s.created_at >= ($2::date::timestamp AT TIME ZONE " \
	"'Europe/London') AND s.created_at < (($3::date + 1)::timestamp AT " \
	"TIME ZONE 'Europe/London') "

/* count's column, and the columns of each row. */
enum { COUNT_ROWS, COUNT__COLS };
enum {
	ROW_VERSION_ID, ROW_REFERENCE, ROW_CREATED, ROW_PLAIN, ROW_IDEM,
	ROW_SEALED, ROW__COLS
};

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_COUNT] = { "export_count",
	    "SELECT count(*) " EXPORT_WHERE,
	    3, PGRES_TUPLES_OK, COUNT__COLS, STORE_RESEND, 0 },
	/* Results in binary: the bytea columns arrive as bytes, not hex to
	 * decode (a tenth of an export's time); the rest are text, whose
	 * binary form is its text.  Re-sent only before the first row. */
	[STMT_ROWS] = { "export_rows",
	    "SELECT s.version_id::text, s.reference, to_char(s.created_at AT "
	    "TIME ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI:SS'), "
	    /* Plain answers flattened: option values are [a-z0-9_-] by the
	     * schema's CHECK, so '&', '=' and ',' cannot occur in them. */
	    "coalesce((SELECT string_agg(e.key || '=' || CASE "
	    "jsonb_typeof(e.value) WHEN 'array' THEN (SELECT string_agg(x, ',') "
	    "FROM jsonb_array_elements_text(e.value) x) ELSE e.value #>> '{}' "
	    "END, '&') FROM jsonb_each(s.plain) e), ''), "
	    "s.idem_key, s.sealed "
	    EXPORT_WHERE "ORDER BY s.created_at, s.id",
	    3, PGRES_TUPLES_OK, ROW__COLS, STORE_RESEND, 1 },
};

/* The caller's callback, for each row as it comes. */
struct walk {
	int	(*cb)(const struct export_row *, void *);
	void	*arg;
};

static void
args_range(struct store_args *a, const char *form, const char *from,
    const char *to)
{
	store_arg_text(a, form);
	store_arg_text(a, from);
	store_arg_text(a, to);
}

int
store_export_count(struct store *s, const char *form, const char *from,
    const char *to, long long *count)
{
	struct store_args	 a = { 0 };
	PGresult		*r;

	args_range(&a, form, from, to);
	if ((r = store_run(s, &stmts[STMT_COUNT], &a, NULL)) == NULL)
		return -1;
	*count = strtoll(PQgetvalue(r, 0, COUNT_ROWS), NULL, 10);
	PQclear(r);
	return 0;
}

/* One row, borrowed from r for the callback's time. */
static int
export_one(const PGresult *r, void *arg)
{
	const struct walk	*w = arg;
	struct export_row	 row;

	row.version_id = (int32_t)strtol(PQgetvalue(r, 0, ROW_VERSION_ID),
	    NULL, 10);
	row.reference = PQgetvalue(r, 0, ROW_REFERENCE);
	row.created = PQgetvalue(r, 0, ROW_CREATED);
	row.plain = PQgetvalue(r, 0, ROW_PLAIN);
	row.idem = (const unsigned char *)PQgetvalue(r, 0, ROW_IDEM);
	row.idem_len = (size_t)PQgetlength(r, 0, ROW_IDEM);
	row.sealed = (const unsigned char *)PQgetvalue(r, 0, ROW_SEALED);
	row.sealed_len = (size_t)PQgetlength(r, 0, ROW_SEALED);
	return w->cb(&row, w->arg);
}

int
store_export_rows(struct store *s, const char *form, const char *from,
    const char *to, int (*cb)(const struct export_row *, void *), void *arg)
{
	struct store_args	 a = { 0 };
	struct walk		 w = { cb, arg };

	args_range(&a, form, from, to);
	return store_stream(s, &stmts[STMT_ROWS], &a, export_one, &w);
}
