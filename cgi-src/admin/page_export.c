/*
 * page_export.c: exports, and the password asked again before one
 * (docs/THREAT-MODEL.md threats 9, 18 and 21).
 *
 *   POST /admin/export  200 a CSV stream (audited first) ending with its
 *                       trailer, or cut off visibly (http_abort) if it
 *                       fails halfway; 200 the password page when the
 *                       sign-in is older than VAWG_REAUTH_SECONDS
 *                       (page_export_ask, which route.c runs instead);
 *                       400 bad parameters; 503 the database failed or
 *                       the audit row could not be written.
 *   POST /admin/reauth  200 a page whose button posts the export; 401
 *                       wrong password; 429 throttled; 400 no valid
 *                       export to return to; 503 the database failed
 *
 * Before either runs, route.c has checked the session, the CSRF token,
 * the role (an export of a form the role may not export is its 403), the
 * body's names, and for the export a recent password; GET and HEAD are
 * its 405.
 *
 * Nothing leaves before its audit row is written, and an export cut short
 * writes a second one with the rows that went.  The rows, their count and
 * the form's versions come from one snapshot on a connection of the
 * export's own (store_export.c).  In decrypting mode the rows are opened
 * by export.c with the keyring; in sealed mode they leave as envelopes.
 * This file never opens an envelope itself, and redirects nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "view.h"

#define EXPORT_FIELDS_MAX	8	/* of a query; it allows four */
/* The longest export query the password page carries back. */
#define EXPORT_QUERY_MAX	256

/*
 * The password page (query: the export to return to, error: NULL or a
 * line), or once confirmed, the page whose button posts that export
 * (form, from, to); either way with the session's CSRF token.
 */
static void
reauth_page(struct resp *s, int status, const struct staff_session *sess,
    const char *query, const char *error, const char *const *confirmed)
{
	struct view_dict	*root, *page = NULL, *d;

	root = page_begin(msg_text(MSG_REAUTH_TITLE), "admin_reauth.tpl",
	    &page);
	if (root != NULL) {
		(void)view_set(page, "CSRF", sess->csrf);
		(void)view_set(page, "USERNAME", sess->username);
		if (confirmed != NULL &&
		    (d = view_section(page, "CONFIRMED")) != NULL) {
			(void)view_set(d, "FORM", confirmed[0]);
			(void)view_set(d, "FROM", confirmed[1]);
			(void)view_set(d, "TO", confirmed[2]);
		} else if ((d = view_section(page, "ASK")) != NULL)
			(void)view_set(d, "QUERY", query);
		if (error && (d = view_section(page, "ERROR")) != NULL)
			(void)view_set(d, "MESSAGE", error);
	}
	page_end(root, s, status);
}

/* 1 if name could be a form's (the schema's CHECK); whether it is one is
 * for the export's own snapshot to say. */
static int
form_name_ok(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > 32 || name[0] < 'a' || name[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", name[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* form, from and to of an export's fields in kv, borrowed from it; 0 /
 * -1.  format may be given, and only as csv. */
static int
export_fields(const struct kvlist *kv, const char **form, const char **from,
    const char **to)
{
	const char	*fmt;

	*form = route_kv_get(kv, "form", NULL);
	*from = route_kv_get(kv, "from", NULL);
	*to = route_kv_get(kv, "to", NULL);
	fmt = route_kv_get(kv, "format", NULL);
	if (*form == NULL || *from == NULL || *to == NULL ||
	    !form_name_ok(*form) || !form_valid_date(*from) ||
	    !form_valid_date(*to) || strcmp(*from, *to) > 0 ||
	    (fmt != NULL && strcmp(fmt, "csv") != 0))
		return -1;
	return 0;
}

/* The same from an export query ("form=...&from=...&to=...&format=csv"),
 * as the password page carries it; the caller frees kv on every path. */
static int
export_params(const char *query, struct kvlist *kv, const char **form,
    const char **from, const char **to)
{
	static const char *const allowed[] = { "form", "from", "to", "format",
	    NULL };

	if (strlen(query) > EXPORT_QUERY_MAX ||
	    urlenc_parse(query, strlen(query), EXPORT_FIELDS_MAX, kv) !=
	    URLENC_OK || !route_kv_only(kv, allowed))
		return -1;
	return export_fields(kv, form, from, to);
}

/* Sends the head, then the rows as they come from db's snapshot, then
 * the trailer; 0, or -1 once anything failed (the head is sent: the
 * caller can only cut the answer off).  *sent: the rows that went. */
static int
export_stream(struct admin_app *a, struct req *r, struct resp *s,
    struct store *db, const struct formset *versions, const char *form,
    const char *from, const char *to, long long count, long long *sent)
{
	struct exporter	 x;
	int		 rc = -1;

	memset(&x, 0, sizeof(x));
	x.versions = versions;
	x.keys = a->decrypting ? &a->keys : NULL;
	x.form_name = form;
	x.emit = http_stream;
	x.emit_arg = r;
	s->status = 200;
	s->ctype = "text/csv; charset=utf-8";
	snprintf(s->disposition, sizeof(s->disposition),
	    "attachment; filename=\"%s-%s-to-%s%s.csv\"", form, from, to,
	    a->decrypting ? "" : "-sealed");
	http_send_head(r, s);
	s->streamed = 1;
	/* Fewer rows than the snapshot counted would be a file that lies. */
	if (export_begin(&x) == 0 &&
	    store_export_rows(db, form, from, to, export_row, &x) == 0 &&
	    export_end(&x) == 0 && x.rows == count && export_trailer(&x) == 0)
		rc = 0;
	if (rc == 0)
		LOG_INFO("export of %s: %lld rows, %lld not opened", form,
		    x.rows, x.errors);
	else
		LOG_ERR("export of %s cut short after %lld of %lld rows", form,
		    x.rows, count);
	*sent = x.rows;
	export_free(&x);
	return rc;
}

/*
 * One export: its snapshot opened on a connection of its own, the audit
 * row written (on the worker's connection, so it commits at once), then
 * the stream.  One cut short is ended so the client sees it fail, and a
 * second audit row says how many rows went.
 */
static void
export_run(struct admin_app *a, struct req *r, struct resp *s,
    const struct staff_session *sess, const char *form, const char *from,
    const char *to)
{
	const char	*mode = a->decrypting ? "decrypted" : "sealed";
	struct formset	 versions = { 0 };
	struct store	*db;
	long long	 count = 0, sent = 0;
	char		 detail[96];

	if ((db = store_open(a->cfg->conninfo)) == NULL ||
	    store_export_begin(db, form, from, to, &versions, &count) == -1) {
		msg_page(s, 503, MSG_REAUTH_DOWN);
		goto out;
	}
	if (versions.n == 0)
		msg_page(s, 400, MSG_EXPORT_BAD);
	else if (store_audit(a->store, sess->username, "export", form, from,
	    to, count, mode) == -1)
		msg_page(s, 503, MSG_EXPORT_UNRECORDED);
	else if (export_stream(a, r, s, db, &versions, form, from, to, count,
	    &sent) == -1) {
		http_abort(r);
		snprintf(detail, sizeof(detail), "%s: cut short, %lld of %lld "
		    "rows sent", mode, sent, count);
		if (store_audit(a->store, sess->username, "export", form, from,
		    to, sent, detail) == -1)
			LOG_ERR("export of %s: the rows sent (%lld) were not "
			    "recorded", form, sent);
	}
	store_export_end(db);
out:
	formset_free(&versions);
	store_close(db);
}

void
page_export_post(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	const char	*form, *from, *to;

	if (export_fields(ctx->form, &form, &from, &to) == -1) {
		msg_page(s, 400, MSG_EXPORT_BAD);
		return;
	}
	export_run(a, r, s, ctx->sess, form, from, to);
}

void
page_export_ask(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	const char	*form, *from, *to;
	char		 query[EXPORT_QUERY_MAX + 1];

	(void)a;
	(void)r;
	if (export_fields(ctx->form, &form, &from, &to) == -1) {
		msg_page(s, 400, MSG_EXPORT_BAD);
		return;
	}
	/* Checked fields: a name of [a-z0-9-] and two dates. */
	snprintf(query, sizeof(query), "form=%s&from=%s&to=%s&format=csv",
	    form, from, to);
	reauth_page(s, 200, ctx->sess, query, NULL, NULL);
}

void
page_export_reauth(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	struct kvlist		 q = { 0 };
	const char		*pass, *query, *export[3];
	size_t			 passlen = 0;
	int64_t			 wait;
	char			 msg[MSG_LINE_MAX];

	pass = route_kv_get(ctx->form, "password", &passlen);
	query = route_kv_get(ctx->form, "query", NULL);
	if (query == NULL || pass == NULL || export_params(query, &q,
	    &export[0], &export[1], &export[2]) == -1) {
		msg_page(s, 400, MSG_REAUTH_BAD);
		goto out;
	}
	switch (admin_password_ok(a, ctx->sess->username, pass, passlen,
	    r->remote_addr, &wait)) {
	case LOGIN_OK:
		/* A redirect cannot carry a POST: a button does. */
		(void)store_session_reauthed(a->store, ctx->hash);
		reauth_page(s, 200, ctx->sess, NULL, NULL, export);
		break;
	case LOGIN_BAD:
		reauth_page(s, 401, ctx->sess, query,
		    msg_text(MSG_REAUTH_WRONG), NULL);
		break;
	case LOGIN_THROTTLED:
		msg_throttled(msg, wait);
		reauth_page(s, 429, ctx->sess, query, msg, NULL);
		break;
	case LOGIN_ERROR:
		msg_page(s, 503, MSG_REAUTH_DOWN);
		break;
	default:
		abort();
	}
out:
	urlenc_free(&q);
}
