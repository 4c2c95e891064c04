/*
 * store.c: everything that talks to PostgreSQL.  SQL appears only here, only
 * as prepared statements with bound parameters (docs/CONTRIBUTING.md §8); ciphertext and
 * keys travel as binary bytea.  A worker keeps one connection for its life
 * and checks it before each use, resetting and re-preparing after a database
 * restart (docs/CONTRIBUTING.md §8, kore's rule).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store.h"

enum stmt {
	STMT_PING,
	STMT_SUBMIT,
	STMT__MAX
};

static const struct {
	const char	*name;
	const char	*sql;
	int		 nparams;
} stmts[STMT__MAX] = {
	[STMT_PING] = { "ping", "SELECT 1", 0 },
	[STMT_SUBMIT] = { "submit",
	    "SELECT vawg.submit($1::integer, $2::bytea, $3::text, $4::jsonb, "
	    "$5::bytea, $6::text)", 6 },
};

struct store {
	PGconn	*conn;
	char	*conninfo;
	int	 prepared;
};

static int	store_ensure(struct store *);

static int
store_prepare(struct store *s)
{
	PGresult	*r;
	int		 i;

	for (i = 0; i < STMT__MAX; i++) {
		r = PQprepare(s->conn, stmts[i].name, stmts[i].sql,
		    stmts[i].nparams, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			LOG_ERR("prepare %s: %s", stmts[i].name,
			    PQerrorMessage(s->conn));
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	s->prepared = 1;
	return 0;
}

/* Makes the connection usable: connect, reset, roll back, re-prepare. */
static int
store_ensure(struct store *s)
{
	PGresult	*r;

	if (s->conn == NULL) {
		s->conn = PQconnectdb(s->conninfo);
		s->prepared = 0;
	} else if (PQstatus(s->conn) != CONNECTION_OK) {
		PQreset(s->conn);
		s->prepared = 0;
	}
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		LOG_WARN("database unreachable: %s",
		    s->conn ? PQerrorMessage(s->conn) : "out of memory");
		return -1;
	}
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		r = PQexec(s->conn, "ROLLBACK");
		PQclear(r);
	}
	if (!s->prepared && store_prepare(s) == -1)
		return -1;
	return 0;
}

PGconn *
store_conn(struct store *s)
{
	return store_ensure(s) == 0 ? s->conn : NULL;
}

struct store *
store_open(const char *conninfo)
{
	struct store	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->conninfo = strdup(conninfo)) == NULL) {
		free(s);
		return NULL;
	}
	(void)store_ensure(s);
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s);
}

/*
 * Is this failure the database going away (so the outcome is unknown and a
 * retry or the spool is right), rather than the database saying no?
 */
static int
store_is_down(const struct store *s, const PGresult *r)
{
	const char	*state;

	if (PQstatus(s->conn) != CONNECTION_OK)
		return 1;
	state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return 1;
	return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	    strcmp(state, "57P03") == 0 || strcmp(state, "57014") == 0;
}

/* Runs a prepared statement, resetting and retrying once if the
 * connection had gone stale (a database restart since the last use). */
static PGresult *
store_exec(struct store *s, enum stmt st, const char *const *values,
    const int *lengths, const int *formats, enum store_result *res)
{
	PGresult	*r = NULL;
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (store_ensure(s) == -1) {
			*res = STORE_DOWN;
			return NULL;
		}
		r = PQexecPrepared(s->conn, stmts[st].name, stmts[st].nparams,
		    values, lengths, formats, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			*res = STORE_OK;
			return r;
		}
		if (!store_is_down(s, r)) {
			LOG_ERR("%s: %s", stmts[st].name,
			    PQresultErrorMessage(r));
			PQclear(r);
			*res = STORE_ERROR;
			return NULL;
		}
		LOG_WARN("%s: connection lost (%s)", stmts[st].name,
		    PQerrorMessage(s->conn));
		PQclear(r);
		r = NULL;
		if (PQstatus(s->conn) == CONNECTION_OK)
			break;	/* the server said "going away": no retry */
	}
	*res = STORE_DOWN;
	return NULL;
}

int
store_ping(struct store *s)
{
	enum store_result	 res;
	PGresult		*r;

	r = store_exec(s, STMT_PING, NULL, NULL, NULL, &res);
	PQclear(r);
	return res == STORE_OK ? 0 : -1;
}

enum store_result
store_submit(struct store *s, int32_t version_id, const unsigned char *idem,
    const char *reference, const char *plain_json, const struct buf *sealed,
    const char *key_id, char ref_out[REFERENCE_TEXT])
{
	char		 version[16];
	const char	*values[6];
	int		 lengths[6] = { 0, TOKEN_NONCE_BYTES, 0, 0, 0, 0 };
	int		 formats[6] = { 0, 1, 0, 0, 1, 0 };
	enum store_result res;
	PGresult	*r;
	const char	*got;

	snprintf(version, sizeof(version), "%d", (int)version_id);
	values[0] = version;
	values[1] = (const char *)idem;
	values[2] = reference;
	values[3] = plain_json;
	values[4] = sealed->data;
	lengths[4] = (int)sealed->len;
	values[5] = key_id;
	if ((r = store_exec(s, STMT_SUBMIT, values, lengths, formats,
	    &res)) == NULL)
		return res;
	got = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
	if (strlen(got) != REFERENCE_TEXT - 1) {
		LOG_ERR("submit returned no reference");
		PQclear(r);
		return STORE_ERROR;
	}
	memcpy(ref_out, got, REFERENCE_TEXT);
	PQclear(r);
	return STORE_OK;
}

/* ---- loading definitions (once, at start) ---- */

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

static int
load_fields(PGconn *c, struct form *f)
{
	static const char *fsql =
	    "SELECT name, kind, section, label, hint, required, max_length, "
	    "sensitive FROM vawg.form_field WHERE version_id = $1 "
	    "ORDER BY position";
	static const char *osql =
	    "SELECT field_name, value, label, hint, notice "
	    "FROM vawg.form_option WHERE version_id = $1 "
	    "ORDER BY field_name, position";
	char		 ver[16];
	const char	*params[1] = { ver };
	PGresult	*r = NULL, *o = NULL;
	int		 i, j, rc = -1;

	snprintf(ver, sizeof(ver), "%d", (int)f->version_id);
	r = PQexecParams(c, fsql, 1, NULL, params, NULL, NULL, 0);
	o = PQexecParams(c, osql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK ||
	    PQresultStatus(o) != PGRES_TUPLES_OK) {
		LOG_ERR("loading fields: %s", PQerrorMessage(c));
		goto out;
	}
	f->nfields = (size_t)PQntuples(r);
	if ((f->fields = calloc(f->nfields + 1, sizeof(*f->fields))) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		struct field *fd = &f->fields[i];

		fd->name = dupval(r, i, 0);
		if (field_kind_from_name(PQgetvalue(r, i, 1), &fd->kind) == -1) {
			LOG_ERR("form %s: field kind unknown", f->name);
			goto out;
		}
		fd->section = dupval(r, i, 2);
		fd->label = dupval(r, i, 3);
		fd->hint = dupval(r, i, 4);
		fd->required = PQgetvalue(r, i, 5)[0] == 't';
		fd->max_length = strtoul(PQgetvalue(r, i, 6), NULL, 10);
		fd->sensitive = PQgetvalue(r, i, 7)[0] == 't';
		if (!fd->name || !fd->section || !fd->label || !fd->hint)
			goto out;
		/* Options are few: count, then fill, per field. */
		for (j = 0; j < PQntuples(o); j++)
			if (strcmp(PQgetvalue(o, j, 0), fd->name) == 0)
				fd->noptions++;
		if (fd->noptions > 0 && (fd->options =
		    calloc(fd->noptions, sizeof(*fd->options))) == NULL)
			goto out;
		fd->noptions = 0;
		for (j = 0; j < PQntuples(o); j++) {
			struct field_option *op;

			if (strcmp(PQgetvalue(o, j, 0), fd->name) != 0)
				continue;
			op = &fd->options[fd->noptions++];
			op->value = dupval(o, j, 1);
			op->label = dupval(o, j, 2);
			op->hint = dupval(o, j, 3);
			op->notice = dupval(o, j, 4);
			if (!op->value || !op->label || !op->hint || !op->notice)
				goto out;
		}
		if (field_is_choice(fd) && fd->noptions == 0) {
			LOG_ERR("form %s: choice field without options",
			    f->name);
			goto out;
		}
	}
	rc = 0;
out:
	PQclear(r);
	PQclear(o);
	return rc;
}

int
store_load_versions(const char *conninfo, struct formset *set, int all)
{
	static const char *sql =
	    "SELECT f.id, c.version_id, f.name, f.title, f.summary, f.intro, "
	    "f.privacy, f.submit_label, f.confirmation, "
	    "CASE WHEN f.opens_at = '-infinity' THEN NULL "
	    "  ELSE floor(extract(epoch FROM f.opens_at))::bigint END, "
	    "CASE WHEN f.closes_at = 'infinity' THEN NULL "
	    "  ELSE floor(extract(epoch FROM f.closes_at))::bigint END, "
	    "CASE WHEN f.closes_at = 'infinity' THEN '' ELSE "
	    "  to_char(f.closes_at AT TIME ZONE 'Europe/London', "
	    "  'FMDD FMMonth YYYY') END, c.version "
	    "FROM vawg.form f JOIN vawg.form_current c ON c.form_id = f.id "
	    "ORDER BY f.id";
	static const char *all_sql =
	    "SELECT f.id, v.id, f.name, f.title, f.summary, f.intro, "
	    "f.privacy, f.submit_label, f.confirmation, NULL, "
	    "NULL, '', v.version FROM vawg.form f JOIN vawg.form_version v "
	    "ON v.form_id = f.id ORDER BY f.id, v.version";
	PGconn		*c;
	PGresult	*r = NULL;
	int		 i, rc = -1;

	memset(set, 0, sizeof(*set));
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		LOG_ERR("database unreachable: %s", PQerrorMessage(c));
		goto out;
	}
	r = PQexec(c, all ? all_sql : sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		LOG_ERR("loading forms: %s", PQerrorMessage(c));
		goto out;
	}
	if ((set->forms = calloc((size_t)PQntuples(r) + 1,
	    sizeof(*set->forms))) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		struct form *f = &set->forms[i];

		set->n++;
		f->id = (uint32_t)strtoul(PQgetvalue(r, i, 0), NULL, 10);
		f->version_id = (int32_t)strtol(PQgetvalue(r, i, 1), NULL, 10);
		f->name = dupval(r, i, 2);
		f->title = dupval(r, i, 3);
		f->summary = dupval(r, i, 4);
		f->intro = dupval(r, i, 5);
		f->privacy = dupval(r, i, 6);
		f->submit_label = dupval(r, i, 7);
		f->confirmation = dupval(r, i, 8);
		f->opens_at = epoch_or(r, i, 9, INT64_MIN);
		f->closes_at = epoch_or(r, i, 10, INT64_MAX);
		f->closes_text = dupval(r, i, 11);
		f->version = (int)strtol(PQgetvalue(r, i, 12), NULL, 10);
		if (!f->name || !f->title || !f->summary || !f->intro ||
		    !f->privacy || !f->submit_label || !f->confirmation ||
		    !f->closes_text || load_fields(c, f) == -1)
			goto out;
	}
	rc = 0;
out:
	PQclear(r);
	PQfinish(c);
	if (rc == -1)
		formset_free(set);
	return rc;
}
