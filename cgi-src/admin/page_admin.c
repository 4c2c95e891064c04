/*
 * page_admin.c: the admin routes.
 *
 *   GET  /admin/login   200 the sign-in form
 *   POST /admin/login   303 to /admin/ with a new session; 401 the form
 *                       again; 429 throttled; 403 without the form's token
 *   POST /admin/logout  303 to /admin/login; 403 without the CSRF token
 *   GET  /admin/        200 the dashboard; 303 to sign in
 *   GET  /admin/export  200 a CSV stream (audited first); 200 the password
 *                       again when the sign-in is old; 400 bad parameters
 *   POST /admin/reauth  303 back to the export; 401 wrong password
 *
 * Every response is no-store (http.c).  Every POST but the sign-in needs
 * the session's synchronizer token; the sign-in needs a signed form token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "admin.h"
#include "view.h"

#define LOGIN_FORM_ID	0xffffffffu	/* no public form has this id */
#define LOGIN_MAX_AGE	3600

/* A parsed body or query: the value of name, or NULL. */
static const char *
kv_get(const struct kvlist *kv, const char *name, size_t *len)
{
	size_t	 i;

	for (i = 0; i < kv->n; i++)
		if (strcmp(kv->kv[i].name, name) == 0) {
			if (len != NULL)
				*len = kv->kv[i].valuelen;
			return kv->kv[i].value;
		}
	return NULL;
}

/* Only the names in allowed, each once, as text. */
static int
kv_only(const struct kvlist *kv, const char *const *allowed)
{
	size_t	 i, j, k;

	for (i = 0; i < kv->n; i++) {
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(kv->kv[i].name, allowed[j]) == 0)
				break;
		if (allowed[j] == NULL ||
		    utf8_check(kv->kv[i].value, kv->kv[i].valuelen, NULL) !=
		    UTF8_OK)
			return 0;
		for (k = 0; k < i; k++)
			if (strcmp(kv->kv[k].name, kv->kv[i].name) == 0)
				return 0;
	}
	return 1;
}

static int
read_form(struct req *r, struct resp *s, struct kvlist *kv,
    const char *const *allowed)
{
	if (http_read_body(r, 8192) != BODY_OK ||
	    urlenc_parse(r->body.data, r->body.len, 16, kv) != URLENC_OK ||
	    !kv_only(kv, allowed)) {
		page_message(s, 400, "We could not read that",
		    "What your browser sent was not in the form we expect.",
		    NULL);
		return -1;
	}
	return 0;
}

static void
login_page(struct admin_app *a, struct req *r, struct resp *s, int status,
    const char *user, const char *error)
{
	struct view_dict	*root, *page = NULL, *d;
	char			 token[TOKEN_TEXT_MAX];

	root = page_begin("Sign in", "admin_login.tpl", &page);
	if (root != NULL) {
		if (token_mint(a->mac_key, LOGIN_FORM_ID, r->now, token,
		    sizeof(token)) == 0)
			(void)view_set(page, "TOKEN", token);
		(void)view_set(page, "USERNAME", user ? user : "");
		if (error != NULL && (d = view_section(page, "ERROR")) != NULL)
			(void)view_set(d, "MESSAGE", error);
	}
	page_end(root, s, status);
}

static void
login_post(struct admin_app *a, struct req *r, struct resp *s)
{
	static const char *const allowed[] = { "_token", "username",
	    "password", "code", NULL };
	struct kvlist		 kv = { 0 };
	struct account	 u;
	struct token		 tok;
	const char		*user, *pass, *code, *t;
	size_t			 passlen = 0, tlen = 0;
	int64_t			 wait;
	char			 msg[160];

	if (read_form(r, s, &kv, allowed) == -1)
		goto out;
	t = kv_get(&kv, "_token", &tlen);
	if (t == NULL || token_verify(a->mac_key, t, tlen, LOGIN_FORM_ID,
	    r->now, 0, LOGIN_MAX_AGE, &tok) != TOKEN_OK) {
		page_message(s, 403, "Please sign in again",
		    "The sign-in page had expired or did not come from this "
		    "site.", NULL);
		goto out;
	}
	user = kv_get(&kv, "username", NULL);
	pass = kv_get(&kv, "password", &passlen);
	code = kv_get(&kv, "code", NULL);
	if (user == NULL || pass == NULL || code == NULL || user[0] == '\0') {
		login_page(a, r, s, 401, user, "Enter your username, password "
		    "and the 6-digit code from your authenticator app.");
		goto out;
	}
	switch (admin_login(a, user, pass, passlen, code, r->remote_addr,
	    r->now, &wait, &u)) {
	case LOGIN_OK:
		if (admin_session_start(a, r, u.id, s) == -1)
			goto error;
		(void)store_audit(a->store, u.username, "login", NULL, NULL,
		    NULL, -1, NULL);
		s->status = 303;
		snprintf(s->location, sizeof(s->location), "/admin/");
		break;
	case LOGIN_THROTTLED:
		snprintf(msg, sizeof(msg), "Too many attempts. Wait %lld "
		    "seconds, then try again.", (long long)wait);
		login_page(a, r, s, 429, user, msg);
		break;
	case LOGIN_BAD:
		login_page(a, r, s, 401, user, "The username, password or code "
		    "is not right. Check them and try again.");
		break;
	case LOGIN_ERROR:
	default:
		goto error;
	}
	sodium_memzero(&u, sizeof(u));
	goto out;
error:
	page_message(s, 503, "Sign-in is not available",
	    "The service cannot reach its database just now.",
	    "Try again in a few minutes.");
out:
	urlenc_free(&kv);
}

/* The session behind the cookie; 0 and a redirect or 403 if none. */
static int
need_session(struct admin_app *a, struct req *r, struct resp *s,
    struct staff_session *sess, unsigned char hash[32])
{
	if (!admin_cookie_token(r->cookie, r->https, hash) ||
	    store_session_get(a->store, hash, a->cfg->session_idle,
	    a->cfg->session_max, sess) == -1 || !sess->found) {
		if (r->method == METHOD_POST)
			page_message(s, 403, "Please sign in",
			    "Your session has ended.", NULL);
		else {
			s->status = 303;
			snprintf(s->location, sizeof(s->location), "/admin/login");
		}
		return 0;
	}
	return 1;
}

static void
logout_post(struct admin_app *a, struct req *r, struct resp *s)
{
	static const char *const allowed[] = { "_csrf", NULL };
	struct staff_session	 sess;
	struct kvlist		 kv = { 0 };
	unsigned char		 hash[32];
	const char		*csrf;
	size_t			 len = 0;

	if (!need_session(a, r, s, &sess, hash) ||
	    read_form(r, s, &kv, allowed) == -1)
		goto out;
	if ((csrf = kv_get(&kv, "_csrf", &len)) == NULL ||
	    !admin_csrf_ok(&sess, csrf, len)) {
		page_message(s, 403, "That did not work",
		    "The page was out of date. Go back, reload it and try "
		    "again.", NULL);
		goto out;
	}
	(void)store_session_delete(a->store, hash);
	(void)store_audit(a->store, sess.username, "logout", NULL, NULL, NULL,
	    -1, NULL);
	admin_session_clear_cookie(r, s);
	s->status = 303;
	snprintf(s->location, sizeof(s->location), "/admin/login");
out:
	urlenc_free(&kv);
}

struct choice_ctx {
	const struct field	*field;
	long long		*counts;	/* per option */
};

static int
count_choice(const char *value, long long n, void *arg)
{
	struct choice_ctx	*c = arg;
	size_t			 i;

	for (i = 0; i < c->field->noptions; i++)
		if (strcmp(c->field->options[i].value, value) == 0)
			c->counts[i] += n;
	return 0;
}

static int
list_export(const char *const *cols, void *arg)
{
	static const char *const keys[] = { "WHEN", "ACTOR", "FORM", "FROM",
	    "TO", "ROWS" };
	struct view_dict	*d;
	int			 i;

	if ((d = view_section(arg, "EXPORT")) == NULL)
		return -1;
	for (i = 0; i < 6; i++)
		(void)view_set(d, keys[i], cols[i]);
	return 0;
}

static void
dashboard_form(struct admin_app *a, struct view_dict *fd,
    const struct form *f, int64_t now)
{
	struct view_dict	*d, *q, *c;
	long long		 total, today, daily[30], counts[256];
	struct choice_ctx	 ctx;
	char			 date[16];
	time_t			 t;
	struct tm		 tm;
	size_t			 i, j;

	(void)view_set(fd, "NAME", f->name);
	(void)view_set(fd, "TITLE", f->title);
	if (store_form_counts(a->store, f->id, &total, &today, daily) == -1)
		return;
	(void)view_set_int(fd, "TOTAL", total);
	(void)view_set_int(fd, "TODAY", today);
	for (i = 0; i < 30; i++) {
		t = (time_t)(now - (int64_t)(29 - i) * 86400);
		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		if ((d = view_section(fd, "DAY")) == NULL)
			return;
		(void)view_set(d, "DATE", date);
		(void)view_set_int(d, "COUNT", daily[i]);
	}
	/* Counts for plain choice questions: computed in SQL, none of it
	 * decrypted. */
	for (i = 0; i < f->nfields; i++) {
		const struct field *fld = &f->fields[i];

		if (fld->sensitive || !field_is_choice(fld) ||
		    fld->noptions > 256)
			continue;
		memset(counts, 0, sizeof(counts));
		ctx.field = fld;
		ctx.counts = counts;
		if (store_choice_counts(a->store, f->id, fld->name,
		    count_choice, &ctx) == -1 ||
		    (q = view_section(fd, "QUESTION")) == NULL)
			return;
		(void)view_set(q, "LABEL", fld->label);
		for (j = 0; j < fld->noptions; j++) {
			if ((c = view_section(q, "CHOICE")) == NULL)
				return;
			(void)view_set(c, "LABEL", fld->options[j].label);
			(void)view_set_int(c, "COUNT", counts[j]);
		}
	}
}

static void
dashboard(struct admin_app *a, struct req *r, struct resp *s)
{
	struct staff_session	 sess;
	struct view_dict	*root, *page = NULL, *d;
	unsigned char		 hash[32];
	char			 from[16], to[16], ids[KEYRING_MAX * 18 + 1];
	time_t			 t;
	struct tm		 tm;
	size_t			 i;

	if (!need_session(a, r, s, &sess, hash))
		return;
	if ((root = page_begin("Dashboard", "admin_dashboard.tpl", &page)) ==
	    NULL)
		goto out;
	(void)view_set(page, "USERNAME", sess.username);
	(void)view_set(page, "CSRF", sess.csrf);
	(void)view_set(page, "FINGERPRINT", a->pub.fingerprint);
	(void)view_set(page, "KEY_ID", a->pub.key_id);
	(void)view_set(page, "MODE", a->decrypting ? "Exports are decrypted "
	    "here, with the keys below." : "This server holds no secret key: "
	    "exports carry sealed answers for vawgctl decrypt-export.");
	ids[0] = '\0';
	for (i = 0; i < a->keys.n; i++)
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s",
		    i ? " " : "", a->keys.keys[i].pub.key_id);
	(void)view_set(page, "KEYRING", a->decrypting ? ids : "none");
	for (i = 0; i < a->current.n; i++) {
		if ((d = view_section(page, "FORM")) == NULL)
			goto out;
		dashboard_form(a, d, &a->current.forms[i], r->now);
		if ((d = view_section(page, "FORM_OPTION")) == NULL)
			goto out;
		(void)view_set(d, "NAME", a->current.forms[i].name);
		(void)view_set(d, "TITLE", a->current.forms[i].title);
	}
	t = (time_t)r->now;
	gmtime_r(&t, &tm);
	strftime(to, sizeof(to), "%Y-%m-%d", &tm);
	t -= 29 * 86400;
	gmtime_r(&t, &tm);
	strftime(from, sizeof(from), "%Y-%m-%d", &tm);
	(void)view_set(page, "FROM", from);
	(void)view_set(page, "TO", to);
	(void)store_recent_exports(a->store, 20, list_export, page);
out:
	page_end(root, s, 200);
}

static void
reauth_page(struct resp *s, int status, const struct staff_session *sess,
    const char *query, const char *error)
{
	struct view_dict	*root, *page = NULL, *d;

	root = page_begin("Confirm it is you", "admin_reauth.tpl", &page);
	if (root != NULL) {
		(void)view_set(page, "CSRF", sess->csrf);
		(void)view_set(page, "USERNAME", sess->username);
		(void)view_set(page, "QUERY", query);
		if (error && (d = view_section(page, "ERROR")) != NULL)
			(void)view_set(d, "MESSAGE", error);
	}
	page_end(root, s, status);
}

/* form, from, to and format from an export query; 0 / -1. */
static int
export_params(struct admin_app *a, const char *query, struct kvlist *kv,
    const char **form, const char **from, const char **to)
{
	static const char *const allowed[] = { "form", "from", "to", "format",
	    NULL };
	const char	*fmt;

	if (urlenc_parse(query, strlen(query), 8, kv) != URLENC_OK ||
	    !kv_only(kv, allowed))
		return -1;
	*form = kv_get(kv, "form", NULL);
	*from = kv_get(kv, "from", NULL);
	*to = kv_get(kv, "to", NULL);
	fmt = kv_get(kv, "format", NULL);
	if (*form == NULL || *from == NULL || *to == NULL ||
	    formset_find(&a->current, *form, strlen(*form)) == NULL ||
	    !form_valid_date(*from) || !form_valid_date(*to) ||
	    strcmp(*from, *to) > 0 || (fmt != NULL && strcmp(fmt, "csv") != 0))
		return -1;
	return 0;
}

static void
export_get(struct admin_app *a, struct req *r, struct resp *s)
{
	struct staff_session	 sess;
	struct kvlist		 kv = { 0 };
	struct exporter		 x;
	unsigned char		 hash[32];
	const char		*form, *from, *to;
	long long		 count;

	if (!need_session(a, r, s, &sess, hash))
		return;
	if (export_params(a, r->query, &kv, &form, &from, &to) == -1) {
		page_message(s, 400, "Check the export details",
		    "Choose a form and a date range (from, to, as YYYY-MM-DD, "
		    "from not after to).", NULL);
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
		page_message(s, 503, "The export could not start",
		    "Nothing was exported: the service could not record it.",
		    "Try again in a few minutes.");
		goto out;
	}
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
out:
	urlenc_free(&kv);
}

static void
reauth_post(struct admin_app *a, struct req *r, struct resp *s)
{
	static const char *const allowed[] = { "_csrf", "password", "query",
	    NULL };
	struct staff_session	 sess;
	struct kvlist		 kv = { 0 }, q = { 0 };
	unsigned char		 hash[32];
	const char		*csrf, *pass, *query, *form, *from, *to;
	size_t			 len = 0, passlen = 0;
	int64_t			 wait;
	char			 msg[160];

	if (!need_session(a, r, s, &sess, hash) ||
	    read_form(r, s, &kv, allowed) == -1)
		goto out;
	csrf = kv_get(&kv, "_csrf", &len);
	pass = kv_get(&kv, "password", &passlen);
	query = kv_get(&kv, "query", NULL);
	if (csrf == NULL || !admin_csrf_ok(&sess, csrf, len)) {
		page_message(s, 403, "That did not work",
		    "The page was out of date. Go back, reload it and try "
		    "again.", NULL);
		goto out;
	}
	/* Only ever back to a valid export: never an open redirect. */
	if (query == NULL || pass == NULL ||
	    export_params(a, query, &q, &form, &from, &to) == -1 ||
	    strlen(query) > sizeof(s->location) - 32 ||
	    strpbrk(query, "\r\n") != NULL) {
		page_message(s, 400, "Check the export details",
		    "Go back to the dashboard and start the export again.",
		    NULL);
		goto out;
	}
	switch (admin_password_ok(a, sess.username, pass, passlen,
	    r->remote_addr, &wait)) {
	case 1:
		(void)store_session_reauthed(a->store, hash);
		snprintf(s->location, sizeof(s->location), "/admin/export?%s",
		    query);
		s->status = 303;
		break;
	case 0:
		reauth_page(s, 401, &sess, query, "That password is not "
		    "right.");
		break;
	case 2:
		snprintf(msg, sizeof(msg), "Too many attempts. Wait %lld "
		    "seconds, then try again.", (long long)wait);
		reauth_page(s, 429, &sess, query, msg);
		break;
	default:
		page_message(s, 503, "Not available", "The service cannot "
		    "reach its database just now.", NULL);
	}
out:
	urlenc_free(&kv);
	urlenc_free(&q);
}

static void
login_get(struct admin_app *a, struct req *r, struct resp *s)
{
	login_page(a, r, s, 200, NULL, NULL);
}

typedef void (*admin_page)(struct admin_app *, struct req *, struct resp *);

enum admin_route {
	AROUTE_LOGIN,
	AROUTE_LOGOUT,
	AROUTE_DASHBOARD,
	AROUTE_EXPORT,
	AROUTE_REAUTH,
	AROUTE__MAX
};

static const struct {
	const char	*path;
	const char	*allow;
	admin_page	 get;	/* also HEAD; NULL if not allowed */
	admin_page	 post;	/* NULL if not allowed */
} admin_routes[AROUTE__MAX] = {
	[AROUTE_LOGIN] = { "/admin/login", "GET, HEAD, POST", login_get,
	    login_post },
	[AROUTE_LOGOUT] = { "/admin/logout", "POST", NULL, logout_post },
	[AROUTE_DASHBOARD] = { "/admin/", "GET, HEAD", dashboard, NULL },
	[AROUTE_EXPORT] = { "/admin/export", "GET, HEAD", export_get, NULL },
	[AROUTE_REAUTH] = { "/admin/reauth", "POST", NULL, reauth_post },
};

void
admin_handle(struct admin_app *a, struct req *r, struct resp *s)
{
	admin_page	 page = NULL;
	int		 i;

	for (i = 0; i < AROUTE__MAX; i++)
		if (strcmp(r->path, admin_routes[i].path) == 0)
			break;
	if (i == AROUTE__MAX) {
		page_message(s, 404, "Page not found",
		    "Check the address, or go to the dashboard.", NULL);
		return;
	}
	if (r->method == METHOD_GET || r->method == METHOD_HEAD)
		page = admin_routes[i].get;
	else if (r->method == METHOD_POST)
		page = admin_routes[i].post;
	if (page == NULL) {
		s->allow = admin_routes[i].allow;
		page_message(s, 405, "This page cannot do that",
		    "Your browser asked for something this page does not "
		    "offer.", NULL);
		return;
	}
	page(a, r, s);
}
