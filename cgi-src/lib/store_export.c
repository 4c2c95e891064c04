/*
 * store_export.c: the rows of one form in a date range (London days,
 * inclusive), counted and then streamed for the CSV export, with the
 * form's versions read, all in one REPEATABLE READ, READ ONLY transaction:
 * the count, the definitions and the rows are of one snapshot, so the
 * count is the number of rows the stream holds and every row's version
 * is there to read it by.  The transaction runs on a connection of the
 * export's own (the caller's audit rows must commit on another while it
 * is open), with no statement timeout: the stream lasts as long as the
 * download, and the caller bounds the whole export instead (export.h).
 * The admin pool runs these as role vawg_admin, vawgctl's export as the
 * database owner.  Read only; the caller writes the audit row before the
 * rows go out (store_audit.c), and opens no envelope here: the rows leave
 * sealed.  The stream uses single-row mode so memory stays flat however
 * many rows.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "staffdb.h"

enum stmt {
	STMT_SNAPSHOT,
	STMT_NO_TIMEOUT,
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
	/* The first statement of the transaction, before any snapshot. */
	[STMT_SNAPSHOT] = { "export_snapshot",
	    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
	    0, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
	/* The role's statement_timeout would cut a download that lasts; for
	 * this transaction only. */
	[STMT_NO_TIMEOUT] = { "export_no_timeout",
	    "SET LOCAL statement_timeout = 0",
	    0, PGRES_COMMAND_OK, 0, STORE_RESEND, 0 },
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

static int
export_count(struct store *s, const char *form, const char *from,
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

int
store_export_begin(struct store *s, const char *form, const char *from,
    const char *to, struct formset *versions, long long *count)
{
	PGresult	*r = NULL;

	memset(versions, 0, sizeof(*versions));
	if (store_begin(s) == -1)
		return -1;
	if ((r = store_run(s, &stmts[STMT_SNAPSHOT], NULL, NULL)) == NULL)
		goto fail;
	PQclear(r);
	if ((r = store_run(s, &stmts[STMT_NO_TIMEOUT], NULL, NULL)) == NULL)
		goto fail;
	PQclear(r);
	if (store_load_form_versions(s, form, versions) == -1 ||
	    export_count(s, form, from, to, count) == -1)
		goto fail;
	return 0;
fail:
	formset_free(versions);
	(void)store_rollback(s);
	return -1;
}

void
store_export_end(struct store *s)
{
	/* It wrote nothing: a rollback ends it as well as a commit. */
	(void)store_rollback(s);
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
