/*
 * route.c: the admin pool's route table, the checks it makes before any
 * page runs, and what every page shares.
 *
 *   GET  /admin/login   anyone: 200 the sign-in form; 403 over plain
 *                       HTTP, unless allowed for development page_login.c
 *   POST /admin/login   anyone: 303 to /admin/ with a new session; 401
 *                       the form again; 429 throttled; 403 without the
 *                       form's token
 *   POST /admin/logout  every role: 303 to /admin/login
 *   GET  /admin/        every role: 200 the dashboard, showing each role
 *                       only what it may use             page_dashboard.c
 *   POST /admin/export  analyst (the consultation's answers only) and
 *                       admin (every form's): 200 a CSV stream (audited
 *                       first), ending with its trailer; 200 the password
 *                       again when the sign-in is old; 400 bad
 *                       parameters                       page_export.c
 *   POST /admin/reauth  analyst and admin: 200 a button to the export;
 *                       401 wrong password; 429 throttled
 *
 * Before a page runs, and from the table only (docs/THREAT-MODEL.md threat
 * 13): a path no pattern matches is a 404, a method its patterns do not
 * answer a 405.  A route with roles needs a live session: without one a
 * GET is sent to sign in (303), a POST gets 403.  A POST's body must
 * then be readable and hold only the names the route takes (400, the
 * same for every role: the names are the route's, not the account's),
 * and the session's synchronizer token (403, told only that the page was
 * out of date: the token is checked before the role, so a request from
 * another site learns nothing of what the account may do).  Then the
 * account's role, read with the session at this request: a role the
 * route does not name gets 403 and a page saying so, and nothing is
 * written, not even an audit row (a refusal changes and shows nothing,
 * and rows for it would let any account fill the append-only log); the
 * log gets one line with the role and the route, no name.  Then a recent
 * password where the route asks for one (else the route's own password
 * page).  Only then the page, which can neither skip nor repeat these.
 *
 * A POST body is refused as the public program refuses one: 411, 413,
 * 415 kept, 400 for bad encoding, a name unknown, repeated or holding a
 * NUL, or a value not UTF-8 text.  Every response is no-store (http.c).
 * Nothing here renders a page of its own but the message pages, and
 * nothing here touches a key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

/* The largest POST body any admin page accepts, and its most fields. */
#define FORM_BODY_MAX	8192
#define FORM_FIELDS_MAX	16

enum route {
	ROUTE_LOGIN_FORM,
	ROUTE_LOGIN,
	ROUTE_LOGOUT,
	ROUTE_DASHBOARD,
	ROUTE_EXPORT,
	ROUTE_REAUTH,
	ROUTE__MAX
};

/* The names each POST with a CSRF token takes, the token's among them. */
static const char *const logout_fields[] = { "_csrf", NULL };
static const char *const export_fields[] = { "_csrf", "form", "from", "to",
	"format", NULL };
static const char *const reauth_fields[] = { "_csrf", "password", "query",
	NULL };

static const struct route_def {
	enum http_method method;	/* GET (which answers HEAD) or POST */
	const char	*pattern;	/* path_match() */
	int		 roles;		/* enum staff_role bits; 0: anyone,
					 * and no session is read */
	int		 csrf;		/* the session's token in the body */
	int		 reauth;	/* the password within
					 * VAWG_REAUTH_SECONDS, else ask */
	int		 by_form;	/* its "form" narrows the roles:
					 * route_may_export() */
	const char *const *fields;	/* a CSRF route's names */
	route_page	 page;
	route_page	 ask;		/* reauth: the password page */
} routes[ROUTE__MAX] = {
	/* The sign-in checks its own signed form token (page_login.c). */
	[ROUTE_LOGIN_FORM] = { METHOD_GET, "/admin/login", 0, 0, 0, 0, NULL,
	    page_login_get, NULL },
	[ROUTE_LOGIN] = { METHOD_POST, "/admin/login", 0, 0, 0, 0, NULL,
	    page_login_post, NULL },
	[ROUTE_LOGOUT] = { METHOD_POST, "/admin/logout", STAFF_ROLES_ALL, 1,
	    0, 0, logout_fields, page_login_logout, NULL },
	[ROUTE_DASHBOARD] = { METHOD_GET, "/admin/", STAFF_ROLES_ALL, 0, 0,
	    0, NULL, page_dashboard_get, NULL },
	/* A POST: an export writes the audit log and takes answers out, so
	 * no GET or HEAD may start one.  Caseworkers work referrals in the
	 * browser, one at a time, never as a file. */
	[ROUTE_EXPORT] = { METHOD_POST, "/admin/export",
	    STAFF_ANALYST | STAFF_ADMIN, 1, 1, 1, export_fields,
	    page_export_post, page_export_ask },
	[ROUTE_REAUTH] = { METHOD_POST, "/admin/reauth",
	    STAFF_ANALYST | STAFF_ADMIN, 1, 0, 0, reauth_fields,
	    page_export_reauth, NULL },
};

/*
 * Who may export which form's answers.  A consultation response is what
 * someone thinks of the strategy, for the analysts who count it; any
 * other form's answers, a referral's above all (who she is, how to reach
 * her safely), only an admin's.  A form not named here is admin-only: a
 * new form is no analyst's until it is listed.
 */
static const struct {
	const char	*form;
	int		 roles;
} export_roles[] = {
	{ "consultation", STAFF_ANALYST | STAFF_ADMIN },
};

int
route_may_export(int role, const char *form)
{
	size_t	 i;

	for (i = 0; i < sizeof(export_roles) / sizeof(export_roles[0]); i++)
		if (strcmp(form, export_roles[i].form) == 0)
			return (export_roles[i].roles & role) != 0;
	return role == STAFF_ADMIN;
}

int
route_check(void)
{
	const struct route_def	*t;
	int			 i, j, rc = 0;

	for (i = 0; i < ROUTE__MAX; i++) {
		t = &routes[i];
		for (j = 0; j < i; j++)
			if (t->method == routes[j].method &&
			    strcmp(t->pattern, routes[j].pattern) == 0)
				break;
		/* A POST that a session makes must carry its token. */
		if (!path_pattern_ok(t->pattern) || j < i || t->page == NULL ||
		    (t->method == METHOD_POST && t->roles != 0 && !t->csrf) ||
		    (t->csrf && (t->fields == NULL || t->roles == 0 ||
		    t->method != METHOD_POST)) || (t->reauth &&
		    (t->ask == NULL || t->roles == 0)) || (t->by_form &&
		    !t->csrf)) {
			LOG_ERR("route %s is not a route the table can check",
			    t->pattern);
			rc = -1;
		}
	}
	return rc;
}

static int	 route_need_session(struct admin_app *, struct req *,
		    struct resp *, struct staff_session *,
		    unsigned char [STAFF_HASH_BYTES]);

/* The route for r's path and method, its parameter into param; NULL with
 * a 404 or a 405 (with Allow) on s. */
static const struct route_def *
route_find(const struct req *r, struct resp *s, char param[PATH_PARAM_MAX])
{
	enum http_method	 want = r->method == METHOD_HEAD ? METHOD_GET :
	    r->method;
	int			 i, get = 0, post = 0;

	for (i = 0; i < ROUTE__MAX; i++) {
		if (!path_match(routes[i].pattern, r->path, param))
			continue;
		if (routes[i].method == want)
			return &routes[i];
		get |= routes[i].method == METHOD_GET;
		post |= routes[i].method == METHOD_POST;
	}
	if (!get && !post)
		msg_page(s, 404, MSG_NOT_FOUND);
	else {
		s->allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" :
		    "POST";
		msg_page(s, 405, MSG_NOT_ALLOWED);
	}
	return NULL;
}

/* 1 if the session's role may use t with this body, else 0. */
static int
route_role_ok(const struct route_def *t, const struct staff_session *sess,
    const struct kvlist *kv)
{
	const char	*form;
	size_t		 len = 0;

	if ((t->roles & sess->role) == 0)
		return 0;
	if (!t->by_form)
		return 1;
	/* A form name holding a NUL is no form's: admin-only, like one not
	 * listed (and 400 for the admin, from the names' check). */
	form = route_kv_get(kv, "form", &len);
	return form != NULL && strlen(form) == len ?
	    route_may_export(sess->role, form) : sess->role == STAFF_ADMIN;
}

/* The checks of the file's head, in its order, then the page. */
void
route_handle(struct admin_app *a, struct req *r, struct resp *s)
{
	const struct route_def	*t;
	struct route_ctx	 ctx;
	struct staff_session	 sess;
	struct kvlist		 kv = { 0 };
	unsigned char		 hash[STAFF_HASH_BYTES];
	const char		*csrf;
	size_t			 len = 0;

	memset(&ctx, 0, sizeof(ctx));
	if ((t = route_find(r, s, ctx.ref)) == NULL)
		return;
	if (t->roles == 0) {
		t->page(a, r, s, &ctx);
		return;
	}
	if (!route_need_session(a, r, s, &sess, hash))
		return;
	ctx.sess = &sess;
	ctx.hash = hash;
	if (t->csrf) {
		if (route_read_form(r, s, &kv, t->fields) == -1)
			goto out;
		csrf = route_kv_get(&kv, "_csrf", &len);
		if (csrf == NULL || !admin_csrf_ok(&sess, csrf, len)) {
			msg_page(s, 403, MSG_STALE_PAGE);
			goto out;
		}
		ctx.form = &kv;
	}
	if (!route_role_ok(t, &sess, &kv)) {
		LOG_INFO("refused: the role %s may not use %s %s",
		    staff_role_name(sess.role), r->method == METHOD_POST ?
		    "POST" : "GET", t->pattern);
		msg_page(s, 403, MSG_ROLE_REFUSED);
		goto out;
	}
	if (t->reauth && sess.authed_age > a->cfg->reauth_after)
		t->ask(a, r, s, &ctx);
	else
		t->page(a, r, s, &ctx);
out:
	urlenc_free(&kv);
}

/* 1 if p's name is exactly name: same length, so no NUL inside. */
static int
kv_named(const struct kv *p, const char *name)
{
	size_t	 n = strlen(name);

	return p->namelen == n && memcmp(p->name, name, n) == 0;
}

const char *
route_kv_get(const struct kvlist *kv, const char *name, size_t *len)
{
	size_t	 i;

	for (i = 0; i < kv->n; i++)
		if (kv_named(&kv->kv[i], name)) {
			if (len != NULL)
				*len = kv->kv[i].valuelen;
			return kv->kv[i].value;
		}
	return NULL;
}

int
route_kv_only(const struct kvlist *kv, const char *const *allowed)
{
	const struct kv	*p;
	size_t		 i, j, k;

	for (i = 0; i < kv->n; i++) {
		p = &kv->kv[i];
		/* "password%00x" is not "password", nor any other name. */
		if (strlen(p->name) != p->namelen ||
		    strlen(p->value) != p->valuelen ||
		    utf8_check(p->value, p->valuelen, NULL) != UTF8_OK)
			return 0;
		for (j = 0; allowed[j] != NULL; j++)
			if (kv_named(p, allowed[j]))
				break;
		if (allowed[j] == NULL)
			return 0;
		for (k = 0; k < i; k++)
			if (kv_named(&kv->kv[k], p->name))
				return 0;
	}
	return 1;
}

int
route_read_form(struct req *r, struct resp *s, struct kvlist *kv,
    const char *const *allowed)
{
	enum body_result	 b;
	enum urlenc_result	 u = URLENC_MALFORMED;
	int			 status;

	/* As the public program does: the body's type and length first,
	 * with http.c's statuses, then its encoding, then its names. */
	if ((b = http_read_body(r, FORM_BODY_MAX)) == BODY_OK &&
	    (u = urlenc_parse(r->body.data, r->body.len, FORM_FIELDS_MAX,
	    kv)) == URLENC_OK && route_kv_only(kv, allowed))
		return 0;
	status = b != BODY_OK ? http_body_status(b) :
	    u == URLENC_NOMEM ? 500 : 400;
	msg_page(s, status, status == 413 ? MSG_BODY_TOO_LARGE :
	    status == 500 ? MSG_BODY_FAILED : MSG_UNREADABLE);
	return -1;
}

/* The session behind the cookie into *sess and its hash: 1, or 0 with a
 * redirect to the sign-in page (GET) or a 403 page (POST) on s. */
static int
route_need_session(struct admin_app *a, struct req *r, struct resp *s,
    struct staff_session *sess, unsigned char hash[STAFF_HASH_BYTES])
{
	if (admin_cookie_token(r->cookie, r->https, hash) &&
	    store_session_get(a->store, hash, a->cfg->session_idle,
	    a->cfg->session_max, sess) != -1 && sess->found)
		return 1;
	if (r->method == METHOD_POST)
		msg_page(s, 403, MSG_SESSION_ENDED);
	else {
		s->status = 303;
		snprintf(s->location, sizeof(s->location), "/admin/login");
	}
	return 0;
}
