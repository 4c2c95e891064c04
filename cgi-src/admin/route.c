/*
 * route.c: the admin pool's routes, and what every page of it shares.
 *
 *   GET  /admin/login   200 the sign-in form; 403 over plain  page_login.c
 *                       HTTP, unless allowed for development
 *   POST /admin/login   303 to /admin/ with a new session; 401 the form
 *                       again; 429 throttled; 403 without the form's token
 *   POST /admin/logout  303 to /admin/login; 403 without the CSRF token
 *   GET  /admin/        200 the dashboard; 303 to sign in    page_dashboard.c
 *   POST /admin/export  200 a CSV stream (audited first), ending with its
 *                       trailer; 200 the password again when the sign-in
 *                       is old; 400 bad parameters; 403 without the CSRF
 *                       token; GET and HEAD 405              page_export.c
 *   POST /admin/reauth  200 a button to the export; 401 wrong password;
 *                       429 throttled
 *
 * Any other path is a 404 and any other method a 405, answered here before
 * a page runs.  A POST body is refused as the public program refuses one
 * (route_read_form): 411, 413, 415 kept, 400 for bad encoding, a name
 * unknown, repeated or holding a NUL, or a value not UTF-8 text.  Every response is no-store (http.c).  Every POST but the
 * sign-in needs the session's synchronizer token; the sign-in needs a
 * signed form token.  Nothing here renders a page of its own but those
 * message pages, and nothing here touches a key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

/* The largest POST body any admin page accepts, and its most fields. */
#define FORM_BODY_MAX	8192
#define FORM_FIELDS_MAX	16

typedef void (*route_page)(struct admin_app *, struct req *, struct resp *);

enum route {
	ROUTE_LOGIN,
	ROUTE_LOGOUT,
	ROUTE_DASHBOARD,
	ROUTE_EXPORT,
	ROUTE_REAUTH,
	ROUTE__MAX
};

static const struct {
	const char	*path;
	const char	*allow;
	route_page	 get;	/* also HEAD; NULL if not allowed */
	route_page	 post;	/* NULL if not allowed */
} routes[ROUTE__MAX] = {
	[ROUTE_LOGIN] = { "/admin/login", "GET, HEAD, POST", page_login_get,
	    page_login_post },
	[ROUTE_LOGOUT] = { "/admin/logout", "POST", NULL, page_login_logout },
	[ROUTE_DASHBOARD] = { "/admin/", "GET, HEAD", page_dashboard_get,
	    NULL },
	/* A POST with the CSRF token: an export writes the audit log and
	 * takes answers out, so no GET or HEAD may start one. */
	[ROUTE_EXPORT] = { "/admin/export", "POST", NULL, page_export_post },
	[ROUTE_REAUTH] = { "/admin/reauth", "POST", NULL, page_export_reauth },
};

void
route_handle(struct admin_app *a, struct req *r, struct resp *s)
{
	route_page	 page = NULL;
	int		 i;

	for (i = 0; i < ROUTE__MAX; i++)
		if (strcmp(r->path, routes[i].path) == 0)
			break;
	if (i == ROUTE__MAX) {
		msg_page(s, 404, MSG_NOT_FOUND);
		return;
	}
	/* Every route answers at least one method. */
	assert(routes[i].get != NULL || routes[i].post != NULL);
	switch (r->method) {
	case METHOD_GET:
	case METHOD_HEAD:
		page = routes[i].get;
		break;
	case METHOD_POST:
		page = routes[i].post;
		break;
	case METHOD_OTHER:
		break;
	default:
		abort();	/* http.c makes no other method */
	}
	if (page == NULL) {
		s->allow = routes[i].allow;
		msg_page(s, 405, MSG_NOT_ALLOWED);
		return;
	}
	page(a, r, s);
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

int
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
