/*
 * store_admin.c: the admin pool's SQL (role vawg_admin) and vawgctl's.
 * Like store.c: bound parameters only, every PGresult cleared on every
 * path, expected failures told apart by SQLSTATE.  Large reads (exports)
 * use single-row mode so memory stays flat however many rows there are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "staffdb.h"

/* Runs sql with text parameters; returns the result if it has status want. */
static PGresult *
run(struct store *s, const char *sql, int n, const char *const *v,
    const int *len, const int *fmt, ExecStatusType want)
{
	PGconn		*c;
	PGresult	*r;

	if ((c = store_conn(s)) == NULL)
		return NULL;
	r = PQexecParams(c, sql, n, NULL, v, len, fmt, 0);
	if (PQresultStatus(r) != want) {
		LOG_ERR("%s", PQresultErrorMessage(r));
		PQclear(r);
		return NULL;
	}
	return r;
}

/* Runs a command whose one parameter is a 32-byte hash.  0 / -1. */
static int
run_by_hash(struct store *s, const char *sql, const unsigned char *hash)
{
	const char	*v[1] = { (const char *)hash };
	int		 len[1] = { 32 }, fmt[1] = { 1 };
	PGresult	*r;

	r = run(s, sql, 1, v, len, fmt, PGRES_COMMAND_OK);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_account_get(struct store *s, const char *username, struct account *u)
{
	const char	*v[1] = { username };
	PGresult	*r;
	size_t		 n;
	unsigned char	*bin;
	int		 rc = -1;

	memset(u, 0, sizeof(*u));
	if ((r = run(s, "SELECT id, pwhash, encode(totp_secret, 'hex'), "
	    "totp_last_step, disabled FROM vawg.admin_user WHERE username = $1",
	    1, v, NULL, NULL, PGRES_TUPLES_OK)) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		rc = 0;
		goto out;
	}
	u->id = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	snprintf(u->username, sizeof(u->username), "%s", username);
	snprintf(u->pwhash, sizeof(u->pwhash), "%s", PQgetvalue(r, 0, 1));
	bin = u->totp;
	if (sodium_hex2bin(bin, sizeof(u->totp), PQgetvalue(r, 0, 2),
	    strlen(PQgetvalue(r, 0, 2)), NULL, &n, NULL) != 0)
		goto out;
	u->totplen = n;
	u->totp_last_step = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	u->disabled = PQgetvalue(r, 0, 4)[0] == 't';
	u->found = 1;
	rc = 0;
out:
	PQclear(r);
	return rc;
}

int
store_account_signed_in(struct store *s, int32_t id, int64_t step,
    const char *new_pwhash)
{
	char		 ids[16], steps[24];
	const char	*v[3] = { ids, steps, new_pwhash };
	PGresult	*r;
	int		 rc;

	snprintf(ids, sizeof(ids), "%d", (int)id);
	snprintf(steps, sizeof(steps), "%lld", (long long)step);
	/* The step only moves forward: a replayed code updates nothing. */
	if ((r = run(s, "UPDATE vawg.admin_user SET totp_last_step = $2, "
	    "last_login_at = now(), pwhash = coalesce($3, pwhash) "
	    "WHERE id = $1 AND totp_last_step < $2 RETURNING id", 3, v, NULL,
	    NULL, PGRES_TUPLES_OK)) == NULL)
		return -1;
	rc = PQntuples(r) == 1 ? 1 : 0;
	PQclear(r);
	return rc;
}

int
store_throttle_wait(struct store *s, const char *kind,
    const unsigned char *hash, int64_t *seconds)
{
	const char	*v[2] = { kind, (const char *)hash };
	int		 len[2] = { 0, 32 }, fmt[2] = { 0, 1 };
	PGresult	*r;

	*seconds = 0;
	if ((r = run(s, "SELECT CASE WHEN locked_until > now() THEN "
	    "ceil(extract(epoch FROM locked_until - now()))::bigint ELSE 0 END "
	    "FROM vawg.login_throttle WHERE kind = $1 AND key_hash = $2", 2, v,
	    len, fmt,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	if (PQntuples(r) == 1)
		*seconds = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

int
store_throttle_fail(struct store *s, const char *kind,
    const unsigned char *hash, int free_tries, int max_wait)
{
	char		 tries[16], wait[16];
	const char	*v[4] = { kind, (const char *)hash, tries, wait };
	int		 len[4] = { 0, 32, 0, 0 }, fmt[4] = { 0, 1, 0, 0 };
	PGresult	*r;

	snprintf(tries, sizeof(tries), "%d", free_tries);
	snprintf(wait, sizeof(wait), "%d", max_wait);
	/* Once free_tries failures have piled up within an hour, the account
	 * or address waits 4 s, and each further failure doubles the wait, up
	 * to max_wait seconds. */
	r = run(s, "INSERT INTO vawg.login_throttle AS t (kind, key_hash, "
	    "failures) VALUES ($1, $2, 1) ON CONFLICT (kind, key_hash) DO "
	    "UPDATE SET failures = CASE WHEN t.last_failure_at < now() - "
	    "interval '1 hour' THEN 1 ELSE t.failures + 1 END, "
	    "last_failure_at = now(), locked_until = CASE WHEN t.failures + 1 "
	    ">= $3::int THEN now() + least($4::int, 4 * 2 ^ least(20, "
	    "t.failures + 1 - $3::int)) * interval '1 second' ELSE "
	    "'-infinity' END",
	    4, v, len, fmt, PGRES_COMMAND_OK);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_throttle_clear(struct store *s, const char *kind,
    const unsigned char *hash)
{
	const char	*v[2] = { kind, (const char *)hash };
	int		 len[2] = { 0, 32 }, fmt[2] = { 0, 1 };
	PGresult	*r;

	r = run(s, "DELETE FROM vawg.login_throttle WHERE kind = $1 AND "
	    "key_hash = $2", 2, v, len, fmt, PGRES_COMMAND_OK);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_session_create(struct store *s, const unsigned char *hash,
    int32_t account_id, const char *csrf)
{
	char		 ids[16];
	const char	*v[3] = { (const char *)hash, ids, csrf };
	int		 len[3] = { 32, 0, 0 }, fmt[3] = { 1, 0, 0 };
	PGresult	*r;

	snprintf(ids, sizeof(ids), "%d", (int)account_id);
	r = run(s, "INSERT INTO vawg.admin_session (token_hash, admin_id, "
	    "csrf) VALUES ($1, $2, $3)", 3, v, len, fmt, PGRES_COMMAND_OK);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_session_get(struct store *s, const unsigned char *hash, int idle,
    int max, struct staff_session *out)
{
	char		 idles[16], maxs[16];
	const char	*v[3] = { (const char *)hash, idles, maxs };
	int		 len[3] = { 32, 0, 0 }, fmt[3] = { 1, 0, 0 };
	PGresult	*r;

	memset(out, 0, sizeof(*out));
	snprintf(idles, sizeof(idles), "%d", idle);
	snprintf(maxs, sizeof(maxs), "%d", max);
	if ((r = run(s, "UPDATE vawg.admin_session z SET last_seen_at = now() "
	    "FROM vawg.admin_user u WHERE z.token_hash = $1 AND u.id = "
	    "z.admin_id AND NOT u.disabled AND z.last_seen_at > now() - $2::int "
	    "* interval '1 second' AND z.created_at > now() - $3::int * "
	    "interval '1 second' RETURNING z.admin_id, u.username, z.csrf, "
	    "extract(epoch FROM now() - z.authed_at)::bigint", 3, v, len, fmt,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	if (PQntuples(r) == 1) {
		out->found = 1;
		out->account_id = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		snprintf(out->username, sizeof(out->username), "%s",
		    PQgetvalue(r, 0, 1));
		snprintf(out->csrf, sizeof(out->csrf), "%s",
		    PQgetvalue(r, 0, 2));
		out->authed_age = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
	}
	PQclear(r);
	return 0;
}

int
store_session_delete(struct store *s, const unsigned char *hash)
{
	return run_by_hash(s, "DELETE FROM vawg.admin_session WHERE "
	    "token_hash = $1", hash);
}

int
store_session_reauthed(struct store *s, const unsigned char *hash)
{
	return run_by_hash(s, "UPDATE vawg.admin_session SET authed_at = "
	    "now() WHERE token_hash = $1", hash);
}

int
store_audit(struct store *s, const char *actor, const char *action,
    const char *form, const char *from, const char *to, long long count,
    const char *detail)
{
	char		 n[24];
	const char	*v[7] = { actor, action, form, from, to,
			    count < 0 ? NULL : n, detail ? detail : "" };
	PGresult	*r;

	snprintf(n, sizeof(n), "%lld", count);
	r = run(s, "INSERT INTO vawg.audit_log (actor, action, form_name, "
	    "range_from, range_to, row_count, detail) VALUES ($1, $2, $3, "
	    "$4::date, $5::date, $6::bigint, $7)", 7, v, NULL, NULL,
	    PGRES_COMMAND_OK);
	PQclear(r);
	return r ? 0 : -1;
}

/* The rows of one form in a date range (London days, inclusive). */
#define EXPORT_WHERE \
	"FROM vawg.submission s JOIN vawg.form_version v ON v.id = " \
	"s.version_id JOIN vawg.form f ON f.id = v.form_id WHERE f.name = $1 " \
	"AND s.created_at >= ($2::date::timestamp AT TIME ZONE " \
	"'Europe/London') AND s.created_at < (($3::date + 1)::timestamp AT " \
	"TIME ZONE 'Europe/London') "

int
store_export_count(struct store *s, const char *form, const char *from,
    const char *to, long long *count)
{
	const char	*v[3] = { form, from, to };
	PGresult	*r;

	if ((r = run(s, "SELECT count(*) " EXPORT_WHERE, 3, v, NULL, NULL,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	*count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

int
store_export_rows(struct store *s, const char *form, const char *from,
    const char *to, int (*cb)(const struct export_row *, void *), void *arg)
{
	static const char *sql =
	    "SELECT s.version_id::text, s.reference, to_char(s.created_at AT TIME "
	    "ZONE 'Europe/London', 'YYYY-MM-DD HH24:MI:SS'), "
	    /* Plain answers flattened: option values are [a-z0-9_-] by the
	     * schema's CHECK, so '&', '=' and ',' cannot occur in them. */
	    "coalesce((SELECT string_agg(e.key || '=' || CASE "
	    "jsonb_typeof(e.value) WHEN 'array' THEN (SELECT string_agg(x, ',') "
	    "FROM jsonb_array_elements_text(e.value) x) ELSE e.value #>> '{}' "
	    "END, '&') FROM jsonb_each(s.plain) e), ''), "
	    "s.idem_key, s.sealed "
	    EXPORT_WHERE "ORDER BY s.created_at, s.id";
	const char		*v[3] = { form, from, to };
	PGconn			*c;
	PGresult		*r;
	struct export_row	 row;
	int			 rc = 0, stop = 0;

	if ((c = store_conn(s)) == NULL)
		return -1;
	/* Results in binary: the bytea columns arrive as bytes, not hex to
	 * decode (a tenth of an export's time); the rest are text, whose
	 * binary form is its text. */
	if (!PQsendQueryParams(c, sql, 3, NULL, v, NULL, NULL, 1) ||
	    !PQsetSingleRowMode(c)) {
		LOG_ERR("export: %s", PQerrorMessage(c));
		return -1;
	}
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE && !stop) {
			row.version_id = (int32_t)strtol(PQgetvalue(r, 0, 0),
			    NULL, 10);
			row.reference = PQgetvalue(r, 0, 1);
			row.created = PQgetvalue(r, 0, 2);
			row.plain = PQgetvalue(r, 0, 3);
			row.idem = (const unsigned char *)
			    PQgetvalue(r, 0, 4);
			row.idem_len = (size_t)PQgetlength(r, 0, 4);
			row.sealed = (const unsigned char *)
			    PQgetvalue(r, 0, 5);
			row.sealed_len = (size_t)PQgetlength(r, 0, 5);
			if (cb(&row, arg) == -1) {
				/* Keep draining so the connection stays
				 * usable, but stop calling back. */
				stop = 1;
				rc = -1;
			}
		} else if (PQresultStatus(r) != PGRES_TUPLES_OK &&
		    PQresultStatus(r) != PGRES_SINGLE_TUPLE) {
			LOG_ERR("export: %s", PQresultErrorMessage(r));
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

int
store_form_counts(struct store *s, uint32_t form_id, long long *total,
    long long *today, long long daily[30])
{
	char		 id[16];
	const char	*v[1] = { id };
	PGresult	*r;
	int		 i;

	snprintf(id, sizeof(id), "%u", form_id);
	if ((r = run(s, "SELECT d::date, count(s.id), (SELECT count(*) FROM "
	    "vawg.submission t JOIN vawg.form_version w ON w.id = t.version_id "
	    "WHERE w.form_id = $1) FROM generate_series(current_date - 29, "
	    "current_date, interval '1 day') d LEFT JOIN (vawg.submission s "
	    "JOIN vawg.form_version v ON v.id = s.version_id AND v.form_id = $1) "
	    "ON s.created_at >= d AND s.created_at < d + interval '1 day' "
	    "GROUP BY d ORDER BY d", 1, v, NULL, NULL,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	*total = *today = 0;
	for (i = 0; i < 30; i++)
		daily[i] = i < PQntuples(r) ?
		    strtoll(PQgetvalue(r, i, 1), NULL, 10) : 0;
	if (PQntuples(r) == 30) {
		*today = daily[29];
		*total = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	}
	PQclear(r);
	return 0;
}

int
store_choice_counts(struct store *s, uint32_t form_id, const char *field,
    int (*cb)(const char *value, long long n, void *), void *arg)
{
	char		 id[16];
	const char	*v[2] = { id, field };
	PGresult	*r;
	int		 i;

	snprintf(id, sizeof(id), "%u", form_id);
	if ((r = run(s, "SELECT x, count(*) FROM vawg.submission s JOIN "
	    "vawg.form_version v ON v.id = s.version_id, "
	    "jsonb_array_elements_text(CASE jsonb_typeof(s.plain -> $2) WHEN "
	    "'array' THEN s.plain -> $2 ELSE jsonb_build_array(s.plain -> $2) "
	    "END) x WHERE v.form_id = $1 AND s.plain ? $2 GROUP BY x", 2, v,
	    NULL, NULL, PGRES_TUPLES_OK)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++)
		if (cb(PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL,
		    10), arg) == -1)
			break;
	PQclear(r);
	return 0;
}

int
store_recent_exports(struct store *s, int limit,
    int (*cb)(const char *const *cols, void *), void *arg)
{
	char		 n[16];
	const char	*v[1] = { n };
	const char	*cols[6];
	PGresult	*r;
	int		 i, j;

	snprintf(n, sizeof(n), "%d", limit);
	if ((r = run(s, "SELECT to_char(at AT TIME ZONE 'Europe/London', "
	    "'YYYY-MM-DD HH24:MI'), actor, coalesce(form_name, ''), "
	    "coalesce(range_from::text, ''), coalesce(range_to::text, ''), "
	    "coalesce(row_count::text, '') FROM vawg.audit_log WHERE action = "
	    "'export' ORDER BY id DESC LIMIT $1::int", 1, v, NULL, NULL,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		for (j = 0; j < 6; j++)
			cols[j] = PQgetvalue(r, i, j);
		if (cb(cols, arg) == -1)
			break;
	}
	PQclear(r);
	return 0;
}

/* ---- vawgctl's, as the database owner ---- */

int
store_account_enrol(struct store *s, const char *user, const char *pwhash,
    const unsigned char *totp, size_t totplen)
{
	const char	*v[3] = { user, pwhash, (const char *)totp };
	int		 len[3] = { 0, 0, (int)totplen }, fmt[3] = { 0, 0, 1 };
	PGresult	*r;

	/* Adding a name again re-enrols it: new password, new secret. */
	r = run(s, "INSERT INTO vawg.admin_user (username, pwhash, "
	    "totp_secret) VALUES ($1, $2, $3) ON CONFLICT (username) DO "
	    "UPDATE SET pwhash = excluded.pwhash, totp_secret = "
	    "excluded.totp_secret, totp_last_step = 0, disabled = false",
	    3, v, len, fmt, PGRES_COMMAND_OK);
	PQclear(r);
	return r ? 0 : -1;
}

int
store_account_disable(struct store *s, const char *user)
{
	const char	*v[1] = { user };
	PGresult	*r;
	int		 n;

	if ((r = run(s, "WITH u AS (UPDATE vawg.admin_user SET disabled = "
	    "true WHERE username = $1 RETURNING id), d AS (DELETE FROM "
	    "vawg.admin_session WHERE admin_id IN (SELECT id FROM u)) "
	    "SELECT count(*) FROM u", 1, v, NULL, NULL,
	    PGRES_TUPLES_OK)) == NULL)
		return -1;
	n = (int)strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return n;
}

int
store_purge(struct store *s, const char *actor, int dry_run,
    int (*cb)(const char *form, long long n, void *), void *arg)
{
	/* One statement: the deletion and its audit rows commit together. */
	static const char *sql =
	    "WITH d AS (DELETE FROM vawg.submission s USING vawg.form_version "
	    "v, vawg.form f WHERE v.id = s.version_id AND f.id = v.form_id AND "
	    "f.retention_days IS NOT NULL AND s.created_at < now() - "
	    "f.retention_days * interval '1 day' RETURNING f.name), "
	    "c AS (SELECT name, count(*) AS n FROM d GROUP BY name), "
	    "a AS (INSERT INTO vawg.audit_log (actor, action, form_name, "
	    "row_count, detail) SELECT $1, 'purge', name, n, 'retention' "
	    "FROM c) SELECT name, n FROM c ORDER BY name";
	const char	*v[1] = { actor };
	PGconn		*c;
	PGresult	*r;
	int		 i, rc = -1;

	if ((c = store_conn(s)) == NULL)
		return -1;
	/* A dry run does the same work inside a transaction it rolls back. */
	if (dry_run)
		PQclear(PQexec(c, "BEGIN"));
	r = PQexecParams(c, sql, 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		LOG_ERR("purge: %s", PQresultErrorMessage(r));
		goto out;
	}
	for (i = 0; i < PQntuples(r); i++)
		if (cb(PQgetvalue(r, i, 0), strtoll(PQgetvalue(r, i, 1), NULL,
		    10), arg) == -1)
			goto out;
	rc = 0;
out:
	PQclear(r);
	if (dry_run)
		PQclear(PQexec(c, "ROLLBACK"));
	return rc;
}
