/*
 * store_counts.c: the dashboard's counts, for the admin pool as role
 * vawg_admin: a form's rows per London day over the last 30 days and in
 * all, and how often each value of a choice field was picked.  Read only,
 * and only the plain columns: nothing here touches an envelope, and no
 * count is of a sensitive answer (those are sealed, so SQL cannot see them).
 */
#include <stdlib.h>

#include <libpq-fe.h>

#include "staffdb.h"

#define DAYS	30	/* daily[]'s length; the SQL's current_date - 29 */

enum stmt {
	STMT_FORM,
	STMT_CHOICE,
	STMT__MAX
};

/* form's columns (one row per day, oldest first), and choice's. */
enum { FORM_DAY, FORM_ON_DAY, FORM_TOTAL, FORM__COLS };
enum { CHOICE_VALUE, CHOICE_TIMES, CHOICE__COLS };

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_FORM] = { "counts_form",
	    "SELECT d::date, count(s.id), (SELECT count(*) FROM "
	    "vawg.submission t JOIN vawg.form_version w ON w.id = t.version_id "
	    "WHERE w.form_id = $1) FROM generate_series(current_date - 29, "
	    "current_date, interval '1 day') d LEFT JOIN (vawg.submission s "
	    "JOIN vawg.form_version v ON v.id = s.version_id AND v.form_id = $1) "
	    "ON s.created_at >= d AND s.created_at < d + interval '1 day' "
	    "GROUP BY d ORDER BY d",
	    1, PGRES_TUPLES_OK, FORM__COLS, STORE_RESEND, 0 },
	/* A checkboxes answer is an array, a radio one a string. */
	[STMT_CHOICE] = { "counts_choice",
	    "SELECT x, count(*) FROM vawg.submission s JOIN "
	    "vawg.form_version v ON v.id = s.version_id, "
	    "jsonb_array_elements_text(CASE jsonb_typeof(s.plain -> $2) WHEN "
	    "'array' THEN s.plain -> $2 ELSE jsonb_build_array(s.plain -> $2) "
	    "END) x WHERE v.form_id = $1 AND s.plain ? $2 GROUP BY x",
	    2, PGRES_TUPLES_OK, CHOICE__COLS, STORE_RESEND, 0 },
};

int
store_form_counts(struct store *s, uint32_t form_id, long long *total,
    long long *today, long long daily[DAYS])
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 i;

	store_arg_int(&a, form_id);
	if ((r = store_run(s, &stmts[STMT_FORM], &a, NULL)) == NULL)
		return -1;
	*total = *today = 0;
	for (i = 0; i < DAYS; i++)
		daily[i] = i < PQntuples(r) ?
		    strtoll(PQgetvalue(r, i, FORM_ON_DAY), NULL, 10) : 0;
	if (PQntuples(r) == DAYS) {
		*today = daily[DAYS - 1];
		*total = strtoll(PQgetvalue(r, 0, FORM_TOTAL), NULL, 10);
	}
	PQclear(r);
	return 0;
}

int
store_choice_counts(struct store *s, uint32_t form_id, const char *field,
    int (*cb)(const char *value, long long n, void *), void *arg)
{
	struct store_args	 a = { 0 };
	PGresult		*r;
	int			 i;

	store_arg_int(&a, form_id);
	store_arg_text(&a, field);
	if ((r = store_run(s, &stmts[STMT_CHOICE], &a, NULL)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++)
		if (cb(PQgetvalue(r, i, CHOICE_VALUE),
		    strtoll(PQgetvalue(r, i, CHOICE_TIMES), NULL, 10), arg) == -1)
			break;
	PQclear(r);
	return 0;
}
