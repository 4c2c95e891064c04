/*
 * page_export.c: exports, and the password asked again before one
 * (docs/THREAT-MODEL.md threat 18).
 *
 *   GET  /admin/export  200 a CSV stream (audited first); 200 the password
 *                       page when the sign-in is older than
 *                       VAWG_REAUTH_SECONDS; 400 bad parameters; 503 the
 *                       audit row could not be written; 303 to sign in
 *   POST /admin/reauth  303 back to the export; 401 wrong password; 429
 *                       throttled; 400 no valid export to return to; 403
 *                       without the CSRF token; 503 the database failed
 *
 * Nothing leaves before its audit row is written.  In decrypting mode the
 * rows are opened by export.c with the keyring; in sealed mode they leave
 * as envelopes.  This file never opens an envelope itself, and redirects
 * only ever to a valid export of this site.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "view.h"

#define EXPORT_PATH		"/admin/export"
#define EXPORT_FIELDS_MAX	8	/* of a query; it allows four */
/* What a redirect back to an export keeps of its location for the path. */
#define EXPORT_PATH_ROOM	32
_Static_assert(sizeof(((struct resp *)0)->location) > EXPORT_PATH_ROOM,
    "a redirect's location has room for a query");

static void
reauth_page(struct resp *s, int status, const struct staff_session *sess,
    const char *query, const char *error)
{
	struct view_dict	*root, *page = NULL, *d;

	root = page_begin(msg_text(MSG_REAUTH_TITLE), "admin_reauth.tpl",
	    &page);
	if (root != NULL) {
		(void)view_set(page, "CSRF", sess->csrf);
		(void)view_set(page, "USERNAME", sess->username);
		(void)view_set(page, "QUERY", query);
		if (error && (d = view_section(page, "ERROR")) != NULL)
			(void)view_set(d, "MESSAGE", error);
	}
	page_end(root, s, status);
}

/* form, from, to and format from an export query, borrowed from kv (the
 * caller frees kv on every path); 0 / -1. */
static int
export_params(struct admin_app *a, const char *query, struct kvlist *kv,
    const char **form, const char **from, const char **to)
{
	static const char *const allowed[] = { "form", "from", "to", "format",
	    NULL };
	const char	*fmt;

	if (urlenc_parse(query, strlen(query), EXPORT_FIELDS_MAX, kv) !=
	    URLENC_OK || !route_kv_only(kv, allowed))
		return -1;
	*form = route_kv_get(kv, "form", NULL);
	*from = route_kv_get(kv, "from", NULL);
	*to = route_kv_get(kv, "to", NULL);
	fmt = route_kv_get(kv, "format", NULL);
	if (*form == NULL || *from == NULL || *to == NULL ||
	    formset_find(&a->current, *form, strlen(*form)) == NULL ||
	    !form_valid_date(*from) || !form_valid_date(*to) ||
	    strcmp(*from, *to) > 0 || (fmt != NULL && strcmp(fmt, "csv") != 0))
		return -1;
	return 0;
}

/* Sends the head, then the rows as they come; logs how it ended (the
 * status is already sent, so a failure can only cut the file short). */
static void
export_stream(struct admin_app *a, struct req *r, struct resp *s,
    const char *form, const char *from, const char *to)
{
	struct exporter	 x;

	memset(&x, 0, sizeof(x));
	x.versions = &a->versions;
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
	if (export_begin(&x) == -1 ||
	    store_export_rows(a->store, form, from, to, export_row, &x) == -1 ||
	    export_end(&x) == -1)
		LOG_ERR("export of %s ended early after %lld rows", form,
		    x.rows);
	else
		LOG_INFO("export of %s: %lld rows, %lld not opened", form,
		    x.rows, x.errors);
	export_free(&x);
}

void
page_export_get(struct admin_app *a, struct req *r, struct resp *s)
{
	struct staff_session	 sess;
	struct kvlist		 kv = { 0 };
	unsigned char		 hash[STAFF_HASH_BYTES];
	const char		*form, *from, *to;
	long long		 count;

	if (!route_need_session(a, r, s, &sess, hash))
		return;
	if (export_params(a, r->query, &kv, &form, &from, &to) == -1) {
		msg_page(s, 400, MSG_EXPORT_BAD);
		goto out;
	}
	if (sess.authed_age > a->cfg->reauth_after) {
		reauth_page(s, 200, &sess, r->query, NULL);
		goto out;
	}
	/* The audit row is written before the first byte leaves. */
	if (store_export_count(a->store, form, from, to, &count) == -1 ||
	    store_audit(a->store, sess.username, "export", form, from, to,
	    count, a->decrypting ? "decrypted" : "sealed") == -1) {
		msg_page(s, 503, MSG_EXPORT_UNRECORDED);
		goto out;
	}
	export_stream(a, r, s, form, from, to);
out:
	urlenc_free(&kv);
}

/* 1 if query is an export this page may redirect to, else 0.  Only ever
 * back to a valid export: never an open redirect, never a header split. */
static int
reauth_query_ok(struct admin_app *a, const char *query, struct kvlist *q,
    size_t room)
{
	const char	*form, *from, *to;

	_Static_assert(sizeof(EXPORT_PATH "?") <= EXPORT_PATH_ROOM,
	    "the path, the \"?\" and the NUL fit beside the query");
	return export_params(a, query, q, &form, &from, &to) == 0 &&
	    strlen(query) <= room - EXPORT_PATH_ROOM &&
	    strpbrk(query, "\r\n") == NULL;
}

void
page_export_reauth(struct admin_app *a, struct req *r, struct resp *s)
{
	static const char *const allowed[] = { "_csrf", "password", "query",
	    NULL };
	struct staff_session	 sess;
	struct kvlist		 kv = { 0 }, q = { 0 };
	unsigned char		 hash[STAFF_HASH_BYTES];
	const char		*csrf, *pass, *query;
	size_t			 len = 0, passlen = 0;
	int64_t			 wait;
	char			 msg[MSG_LINE_MAX];

	if (!route_need_session(a, r, s, &sess, hash) ||
	    route_read_form(r, s, &kv, allowed) == -1)
		goto out;
	csrf = route_kv_get(&kv, "_csrf", &len);
	pass = route_kv_get(&kv, "password", &passlen);
	query = route_kv_get(&kv, "query", NULL);
	if (csrf == NULL || !admin_csrf_ok(&sess, csrf, len)) {
		msg_page(s, 403, MSG_STALE_PAGE);
		goto out;
	}
	if (query == NULL || pass == NULL ||
	    !reauth_query_ok(a, query, &q, sizeof(s->location))) {
		msg_page(s, 400, MSG_REAUTH_BAD);
		goto out;
	}
	switch (admin_password_ok(a, sess.username, pass, passlen,
	    r->remote_addr, &wait)) {
	case LOGIN_OK:
		(void)store_session_reauthed(a->store, hash);
		snprintf(s->location, sizeof(s->location), EXPORT_PATH "?%s",
		    query);
		s->status = 303;
		break;
	case LOGIN_BAD:
		reauth_page(s, 401, &sess, query, msg_text(MSG_REAUTH_WRONG));
		break;
	case LOGIN_THROTTLED:
		msg_throttled(msg, wait);
		reauth_page(s, 429, &sess, query, msg);
		break;
	case LOGIN_ERROR:
		msg_page(s, 503, MSG_REAUTH_DOWN);
		break;
	default:
		abort();
	}
out:
	urlenc_free(&kv);
	urlenc_free(&q);
}
