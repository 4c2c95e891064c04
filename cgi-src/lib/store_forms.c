/*
 * store_forms.c: the form definitions, read from the database when a
 * program starts and when it reloads: each form's current version (what
 * the public pool renders and checks), or every version (what an export
 * needs to read rows of older ones), or every version of one form, read
 * by an export on its own connection inside its snapshot (store_export.c),
 * so a version made after the pool started is read too.  The statements
 * run as whichever role the caller's connection has: vawg_public and
 * vawg_admin may SELECT the definitions, vawgctl runs them as the
 * database owner.  This file only
 * reads; it never writes, and reads no submission.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store.h"

enum stmt {
	STMT_VERSIONS_CURRENT,
	STMT_VERSIONS_ALL,
	STMT_VERSIONS_FORM,
	STMT_FIELDS,
	STMT_OPTIONS,
	STMT__MAX
};

/*
 * A version's columns, one list for both statements, in the order of enum
 * version_col.  The three dates are passed in: the current versions fill
 * them, every version leaves them empty (an export needs no opening times).
 */
#define VERSION_SELECT(opens, closes, closes_text) \
	"SELECT f.id, v.id, f.name, f.title, f.summary, f.intro, " \
	"f.privacy, f.submit_label, f.confirmation, " opens ", " closes ", " \
	closes_text ", v.version FROM vawg.form f JOIN vawg.form_version v " \
	"ON v.form_id = f.id "
enum version_col {
	VER_FORM_ID, VER_ID, VER_NAME, VER_TITLE, VER_SUMMARY, VER_INTRO,
	VER_PRIVACY, VER_SUBMIT_LABEL, VER_CONFIRMATION, VER_OPENS_AT,
	VER_CLOSES_AT, VER_CLOSES_TEXT, VER_VERSION, VER__COLS
};

/* A version's fields and their options (fields come first). */
enum field_col {
	FLD_NAME, FLD_KIND, FLD_SECTION, FLD_LABEL, FLD_HINT, FLD_REQUIRED,
	FLD_MAX_LENGTH, FLD_SENSITIVE, FLD__COLS
};
enum option_col {
	OPT_FIELD, OPT_VALUE, OPT_LABEL, OPT_HINT, OPT_NOTICE, OPT__COLS
};

static const struct store_stmt stmts[STMT__MAX] = {
	[STMT_VERSIONS_CURRENT] = { "versions_current",
	    VERSION_SELECT(
	    "CASE WHEN f.opens_at = '-infinity' THEN NULL "
	    "  ELSE floor(extract(epoch FROM f.opens_at))::bigint END",
	    "CASE WHEN f.closes_at = 'infinity' THEN NULL "
	    "  ELSE floor(extract(epoch FROM f.closes_at))::bigint END",
	    "CASE WHEN f.closes_at = 'infinity' THEN '' ELSE "
	    "  to_char(f.closes_at AT TIME ZONE 'Europe/London', "
	    "  'FMDD FMMonth YYYY') END")
	    "JOIN vawg.form_current c ON c.version_id = v.id ORDER BY f.id",
	    0, PGRES_TUPLES_OK, VER__COLS, STORE_RESEND, 0 },
	[STMT_VERSIONS_ALL] = { "versions_all",
	    VERSION_SELECT("NULL", "NULL", "''") "ORDER BY f.id, v.version",
	    0, PGRES_TUPLES_OK, VER__COLS, STORE_RESEND, 0 },
	/* One form's versions, read by an export inside its own snapshot. */
	[STMT_VERSIONS_FORM] = { "versions_form",
	    VERSION_SELECT("NULL", "NULL", "''") "WHERE f.name = $1 "
	    "ORDER BY v.version",
	    1, PGRES_TUPLES_OK, VER__COLS, STORE_RESEND, 0 },
	[STMT_FIELDS] = { "form_fields",
	    "SELECT name, kind, section, label, hint, required, max_length, "
	    "sensitive FROM vawg.form_field WHERE version_id = $1 "
	    "ORDER BY position",
	    1, PGRES_TUPLES_OK, FLD__COLS, STORE_RESEND, 0 },
	[STMT_OPTIONS] = { "form_options",
	    "SELECT field_name, value, label, hint, notice "
	    "FROM vawg.form_option WHERE version_id = $1 "
	    "ORDER BY field_name, position",
	    1, PGRES_TUPLES_OK, OPT__COLS, STORE_RESEND, 0 },
};

static char *
dupval(const PGresult *r, int row, int col)
{
	return strdup(PQgetvalue(r, row, col));
}

static int64_t
epoch_or(const PGresult *r, int row, int col, int64_t fallback)
{
	return PQgetisnull(r, row, col) ? fallback :
	    strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Fills fd's options from o, the version's options of every field. */
static int
fill_options(struct field *fd, const PGresult *o)
{
	struct field_option	*op;
	int			 j;

	/* Options are few: count, then fill. */
	for (j = 0; j < PQntuples(o); j++)
		if (strcmp(PQgetvalue(o, j, OPT_FIELD), fd->name) == 0)
			fd->noptions++;
	if (fd->noptions > 0 && (fd->options =
	    calloc(fd->noptions, sizeof(*fd->options))) == NULL)
		return -1;
	fd->noptions = 0;
	for (j = 0; j < PQntuples(o); j++) {
		if (strcmp(PQgetvalue(o, j, OPT_FIELD), fd->name) != 0)
			continue;
		op = &fd->options[fd->noptions++];
		op->value = dupval(o, j, OPT_VALUE);
		op->label = dupval(o, j, OPT_LABEL);
		op->hint = dupval(o, j, OPT_HINT);
		op->notice = dupval(o, j, OPT_NOTICE);
		if (!op->value || !op->label || !op->hint || !op->notice)
			return -1;
	}
	return 0;
}

/* Fills fd from row i of r and its options from o.  0 / -1. */
static int
fill_field(const struct form *f, struct field *fd, const PGresult *r, int i,
    const PGresult *o)
{
	fd->name = dupval(r, i, FLD_NAME);
	if (field_kind_from_name(PQgetvalue(r, i, FLD_KIND), &fd->kind) == -1) {
		LOG_ERR("form %s: field kind unknown", f->name);
		return -1;
	}
	fd->section = dupval(r, i, FLD_SECTION);
	fd->label = dupval(r, i, FLD_LABEL);
	fd->hint = dupval(r, i, FLD_HINT);
	fd->required = PQgetvalue(r, i, FLD_REQUIRED)[0] == 't';
	fd->max_length = strtoul(PQgetvalue(r, i, FLD_MAX_LENGTH), NULL, 10);
	fd->sensitive = PQgetvalue(r, i, FLD_SENSITIVE)[0] == 't';
	if (!fd->name || !fd->section || !fd->label || !fd->hint ||
	    fill_options(fd, o) == -1)
		return -1;
	if (field_is_choice(fd) && fd->noptions == 0) {
		LOG_ERR("form %s: choice field without options", f->name);
		return -1;
	}
	return 0;
}

/* Loads f's fields and their options.  0 / -1. */
static int
load_fields(struct store *s, struct form *f)
{
	struct store_args	 a = { 0 };
	PGresult		*r = NULL, *o = NULL;
	int			 i, rc = -1;

	store_arg_int(&a, f->version_id);
	if ((r = store_run(s, &stmts[STMT_FIELDS], &a, NULL)) == NULL ||
	    (o = store_run(s, &stmts[STMT_OPTIONS], &a, NULL)) == NULL)
		goto out;
	f->nfields = (size_t)PQntuples(r);
	if ((f->fields = calloc(f->nfields + 1, sizeof(*f->fields))) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++)
		if (fill_field(f, &f->fields[i], r, i, o) == -1)
			goto out;
	rc = 0;
out:
	PQclear(r);
	PQclear(o);
	return rc;
}

/* Fills f from row i of r.  0 / -1 (out of memory). */
static int
fill_form(struct form *f, const PGresult *r, int i)
{
	f->id = (uint32_t)strtoul(PQgetvalue(r, i, VER_FORM_ID), NULL, 10);
	f->version_id = (int32_t)strtol(PQgetvalue(r, i, VER_ID), NULL, 10);
	f->name = dupval(r, i, VER_NAME);
	f->title = dupval(r, i, VER_TITLE);
	f->summary = dupval(r, i, VER_SUMMARY);
	f->intro = dupval(r, i, VER_INTRO);
	f->privacy = dupval(r, i, VER_PRIVACY);
	f->submit_label = dupval(r, i, VER_SUBMIT_LABEL);
	f->confirmation = dupval(r, i, VER_CONFIRMATION);
	f->opens_at = epoch_or(r, i, VER_OPENS_AT, INT64_MIN);
	f->closes_at = epoch_or(r, i, VER_CLOSES_AT, INT64_MAX);
	f->closes_text = dupval(r, i, VER_CLOSES_TEXT);
	f->version = (int)strtol(PQgetvalue(r, i, VER_VERSION), NULL, 10);
	return !f->name || !f->title || !f->summary || !f->intro ||
	    !f->privacy || !f->submit_label || !f->confirmation ||
	    !f->closes_text ? -1 : 0;
}

/* The versions st (with a) selects, each with its fields, into set,
 * over s.  0 / -1 (set emptied). */
static int
load_set(struct store *s, const struct store_stmt *st,
    const struct store_args *a, struct formset *set)
{
	PGresult	*r = NULL;
	int		 i, rc = -1;

	memset(set, 0, sizeof(*set));
	if ((r = store_run(s, st, a, NULL)) == NULL)
		goto out;
	if ((set->forms = calloc((size_t)PQntuples(r) + 1,
	    sizeof(*set->forms))) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		set->n++;
		if (fill_form(&set->forms[i], r, i) == -1 ||
		    load_fields(s, &set->forms[i]) == -1)
			goto out;
	}
	rc = 0;
out:
	PQclear(r);
	if (rc == -1)
		formset_free(set);
	return rc;
}

int
store_load_versions(const char *conninfo, struct formset *set, int all)
{
	struct store	*s;
	int		 rc = -1;

	memset(set, 0, sizeof(*set));
	if ((s = store_open(conninfo)) != NULL)
		rc = load_set(s, &stmts[all ? STMT_VERSIONS_ALL :
		    STMT_VERSIONS_CURRENT], NULL, set);
	store_close(s);
	return rc;
}

int
store_load_form_versions(struct store *s, const char *form,
    struct formset *set)
{
	struct store_args	 a = { 0 };

	store_arg_text(&a, form);
	return load_set(s, &stmts[STMT_VERSIONS_FORM], &a, set);
}
