/*
 * page_login.c: signing in and out (docs/THREAT-MODEL.md threats 9 and
 * 13).
 *
 *   GET  /admin/login   200 the sign-in form, with a signed form token;
 *                       403 over plain HTTP (below)
 *   POST /admin/login   303 to /admin/ with a new session; 401 the form
 *                       again; 429 throttled; 403 without a good form
 *                       token or over plain HTTP; 503 the database
 *                       failed, or the audit row could not be written
 *                       (no session)
 *   POST /admin/logout  303 to /admin/login, the session deleted and its
 *                       cookie cleared (the session and its CSRF token
 *                       checked by route.c); 503
 *                       the session could not be deleted, or was but
 *                       its audit row could not be written
 *
 * The checks themselves (password, code, throttle, session token) are
 * admin.c's: this file only reads the form and answers.  It never echoes
 * the password or the code back into a page.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "admin.h"
#include "view.h"

/* The sign-in form's token names this form id, which no public form has;
 * it is signed with admin.key, which the public pool never holds. */
#define LOGIN_FORM_ID	0xffffffffu
#define LOGIN_MAX_AGE	3600	/* seconds a sign-in page stays good */

static void
login_page(struct admin_app *a, struct req *r, struct resp *s, int status,
    const char *user, const char *error)
{
	struct view_dict	*root, *page = NULL, *d;
	char			 token[TOKEN_TEXT_MAX];

	root = page_begin(msg_text(MSG_LOGIN_TITLE), "admin_login.tpl", &page);
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

/*
 * Signing in sends a password and gets a session cookie: over plain HTTP
 * anyone on the way reads the one and can replay the other.  So both the
 * form and its POST need HTTPS (TLS to nginx, or a trusted proxy's
 * X-Forwarded-Proto: https; conf/nginx.conf.in), unless
 * VAWG_ADMIN_ALLOW_PLAIN_HTTP says this is development.  Refusing the GET
 * keeps the password from being typed at all; refusing the POST, before
 * its body is read, keeps a password sent anyway from opening a session.
 * 403, not 421: the request reached the right server, which refuses it,
 * and a browser may silently resend a 421's request, password and all.
 * 1 if allowed, else 0 with the page on s.
 */
static int
login_transport_ok(struct admin_app *a, const struct req *r, struct resp *s)
{
	if (r->https || a->cfg->allow_plain_http)
		return 1;
	msg_page(s, 403, MSG_LOGIN_PLAIN_HTTP);
	return 0;
}

void
page_login_get(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	(void)ctx;
	if (login_transport_ok(a, r, s))
		login_page(a, r, s, 200, NULL, NULL);
}

/* 1 if the form carries a good sign-in token, else 0 with a 403 on s. */
static int
login_token_ok(struct admin_app *a, struct req *r, struct resp *s,
    const struct kvlist *kv)
{
	struct token	 tok;
	const char	*t;
	size_t		 tlen = 0;

	t = route_kv_get(kv, "_token", &tlen);
	if (t == NULL || token_verify(a->mac_key, t, tlen, LOGIN_FORM_ID,
	    r->now, 0, LOGIN_MAX_AGE, &tok) != TOKEN_OK) {
		msg_page(s, 403, MSG_LOGIN_EXPIRED);
		return 0;
	}
	return 1;
}

void
page_login_post(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	static const char *const allowed[] = { "_token", "username",
	    "password", "code", NULL };
	struct kvlist		 kv = { 0 };
	struct account		 u;
	const char		*user, *pass, *code;
	size_t			 passlen = 0;
	int64_t			 wait;
	char			 msg[MSG_LINE_MAX];

	(void)ctx;
	if (!login_transport_ok(a, r, s) ||
	    route_read_form(r, s, &kv, allowed) == -1 ||
	    !login_token_ok(a, r, s, &kv))
		goto out;
	user = route_kv_get(&kv, "username", NULL);
	pass = route_kv_get(&kv, "password", &passlen);
	code = route_kv_get(&kv, "code", NULL);
	if (user == NULL || pass == NULL || code == NULL || user[0] == '\0') {
		login_page(a, r, s, 401, user, msg_text(MSG_LOGIN_INCOMPLETE));
		goto out;
	}
	switch (admin_login(a, user, pass, passlen, code, r->remote_addr,
	    r->now, &wait, &u)) {
	case LOGIN_OK:
		/* Fails closed: the session and its audit row are written
		 * together, and without them no cookie is set. */
		if (admin_session_start(a, r, u.id, s) == -1) {
			msg_page(s, 503, MSG_LOGIN_DOWN);
			break;
		}
		s->status = 303;
		snprintf(s->location, sizeof(s->location), "/admin/");
		break;
	case LOGIN_THROTTLED:
		msg_throttled(msg, wait);
		login_page(a, r, s, 429, user, msg);
		break;
	case LOGIN_BAD:
		login_page(a, r, s, 401, user, msg_text(MSG_LOGIN_WRONG));
		break;
	case LOGIN_ERROR:
		msg_page(s, 503, MSG_LOGIN_DOWN);
		break;
	default:
		abort();
	}
	sodium_memzero(&u, sizeof(u));
out:
	urlenc_free(&kv);
}

void
page_login_logout(struct admin_app *a, struct req *r, struct resp *s,
    const struct route_ctx *ctx)
{
	/*
	 * Signing out never waits on the audit log: a session kept alive
	 * because its "logout" row could not be written is worse than the
	 * row missing (its "login" row is there, and it would have idled
	 * out).  So the session goes first; if that fails she is told and
	 * keeps the cookie to try again.  If the row then fails, the cookie
	 * is cleared, the log says so, and she is told it was not recorded.
	 */
	if (store_session_delete(a->store, ctx->hash) == -1) {
		msg_page(s, 503, MSG_LOGOUT_DOWN);
		return;
	}
	admin_session_clear_cookie(r, s);
	if (store_audit(a->store, ctx->sess->username, "logout", NULL, NULL,
	    NULL, -1, NULL) == -1) {
		LOG_ERR("signed out, but the audit log has no row for it");
		msg_page(s, 503, MSG_LOGOUT_UNRECORDED);
		return;
	}
	s->status = 303;
	snprintf(s->location, sizeof(s->location), "/admin/login");
}
