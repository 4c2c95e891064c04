/*
 * admin.h: the one header of the admin pool, vawg-admin, which serves the
 * staff's pages (sign-in, the dashboard, exports).  It declares the
 * pool's settings (config.c), what every worker holds, staff sign-in and
 * sessions (admin.c), the route table, which checks session, CSRF token,
 * role and a recent password before any page runs, and the helpers every
 * page shares (route.c), the pages themselves (page_login.c, page_dashboard.c,
 * page_export.c) and the words they show (msg.c).  main.c starts it all.
 *
 * The pool runs as its own Unix user with database role vawg_admin, and
 * holds the unlocked keyring unless started in sealed mode.  Only files of
 * cgi-src/admin/ include this header; it includes only libvawg's headers,
 * and no other program's.
 */
#ifndef VAWG_ADMIN_H
#define VAWG_ADMIN_H

#include <sodium.h>

#include "base.h"
#include "export.h"
#include "secret.h"
#include "staffdb.h"
#include "web.h"


/* ---- config.c: the admin pool's settings, read once at start ---- */

struct admin_config {
	const char	*socket_path;	/* VAWG_ADMIN_SOCKET */
	const char	*conninfo;	/* VAWG_ADMIN_DB */
	const char	*template_dir;	/* VAWG_TEMPLATES */
	const char	*key_dir;	/* VAWG_KEYS */
	const char	*run_as;	/* VAWG_ADMIN_USER; "" to stay, not
					 * as root */
	const char	*socket_group;	/* VAWG_ADMIN_SOCKET_GROUP, nginx's */
	const char	*passphrase_file;	/* VAWG_PASSPHRASE_FILE; "" =
					 * sealed mode, no secret key held */
	int		 workers;	/* VAWG_ADMIN_WORKERS */
	int		 session_idle;	/* VAWG_SESSION_IDLE seconds */
	int		 session_max;	/* VAWG_SESSION_MAX seconds */
	int		 reauth_after;	/* VAWG_REAUTH_SECONDS */
	int		 login_free_tries;	/* VAWG_LOGIN_FREE_TRIES */
	int		 login_max_wait;	/* VAWG_LOGIN_MAX_WAIT seconds */
	int		 allow_plain_http;	/* VAWG_ADMIN_ALLOW_PLAIN_HTTP:
					 * 1 = sign-in without HTTPS, for
					 * development; 0 by default */
};

/* Reads and checks only the admin pool's variables.  0 / -1 with a
 * message naming the variable. */
int	 admin_config_load(struct admin_config *);

/* Everything the admin pool holds; built at start, then read-only. */
struct admin_app {
	const struct admin_config *cfg;
	struct formset		 current;	/* for the dashboard */
	struct formset		 versions;	/* every version, for exports */
	struct keyring		 keys;		/* empty in sealed mode */
	int			 decrypting;
	struct seal_pub		 pub;		/* the current public key */
	unsigned char		*mac_key;	/* admin.key: ADMIN_MAC_KEY_BYTES,
						 * sodium_malloc */
	char			 dummy_hash[crypto_pwhash_STRBYTES];
	struct store		*store;		/* per worker */
};

/* ---- admin.c: staff sign-in and sessions ---- */

enum login_result {
	LOGIN_OK,
	LOGIN_BAD,		/* wrong name, password or code */
	LOGIN_THROTTLED,	/* too many failures: *wait seconds */
	LOGIN_ERROR,		/* the database failed */
};

/* Starts liboath and makes the dummy hash.  0 / -1 (logged). */
int	 admin_init(struct admin_app *);
/* Password and TOTP code, throttled: the try is counted for this account
 * at addr and for addr before either is verified.  On LOGIN_OK *u is the
 * account (the caller wipes it); on LOGIN_THROTTLED *wait is the seconds
 * to wait. */
enum login_result admin_login(struct admin_app *, const char *user,
	    const char *pass, size_t passlen, const char *code,
	    const char *addr, int64_t now, int64_t *wait, struct account *u);
/* Re-authentication before an export: the password alone, under the same
 * throttle.  LOGIN_BAD is a wrong password. */
enum login_result admin_password_ok(struct admin_app *, const char *user,
	    const char *pass, size_t passlen, const char *addr, int64_t *wait);
/* Makes a session and its "login" audit row, together, and sets its
 * cookie on s.  0 / -1: no audit row, no session and no cookie. */
int	 admin_session_start(struct admin_app *, const struct req *,
	    int32_t account_id, struct resp *s);
void	 admin_session_clear_cookie(const struct req *, struct resp *);
/* The hash of the session token in a Cookie header: 1 found, 0 not. */
int	 admin_cookie_token(const char *header, int https,
	    unsigned char hash[STAFF_HASH_BYTES]);
/* 1 if given[0..len) is the session's synchronizer token, else 0. */
int	 admin_csrf_ok(const struct staff_session *, const char *given,
	    size_t len);

/* ---- route.c: the route table and what every page shares ---- */

/*
 * What route.c hands a page once the table's checks passed: the session
 * (NULL on a route open to anyone, the sign-in), its hash, the body of a
 * POST that carries a CSRF token (parsed, its names checked; NULL
 * otherwise: the sign-in reads its own), and the path's ":ref" ("" for
 * none).  All borrowed for the call.
 */
struct route_ctx {
	const struct staff_session *sess;
	const unsigned char	*hash;		/* STAFF_HASH_BYTES */
	const struct kvlist	*form;
	char			 ref[PATH_PARAM_MAX];
};

typedef void (*route_page)(struct admin_app *, struct req *, struct resp *,
	    const struct route_ctx *);

/* One request: finds the route, makes the table's checks (session,
 * CSRF token, role, body's names, recent password), runs the page. */
void	 route_handle(struct admin_app *, struct req *, struct resp *);
/* 0 if every route is one route_handle can check (its pattern good, a
 * POST with a session carrying a CSRF token, a password page for each
 * route that asks again), else -1, logged.  main.c calls it at start. */
int	 route_check(void);
/* 1 if role (enum staff_role) may export form's answers, else 0: the
 * same rule for the export route and the dashboard's export form. */
int	 route_may_export(int role, const char *form);
/* The value of name in a parsed body or query, or NULL; borrowed from kv.
 * *len, if len is not NULL, gets its length.  Names match whole: a name
 * holding a NUL matches nothing. */
const char *route_kv_get(const struct kvlist *kv, const char *name,
	    size_t *len);
/* 1 if kv holds only names in allowed (NULL-terminated), each at most
 * once, no name or value with a NUL in it, every value strict UTF-8
 * text (utf8_check); else 0. */
int	 route_kv_only(const struct kvlist *kv, const char *const *allowed);
/* Reads and parses the POST body into kv (the caller frees it with
 * urlenc_free, on every path), then route_kv_only.  0, or -1 with a page
 * on s: the public program's status for a refused body (http_body_status:
 * 411, 413, 415, 400, 500), 500 out of memory, else 400.  route.c
 * reads a CSRF route's body with it; the sign-in reads its own. */
int	 route_read_form(struct req *, struct resp *s, struct kvlist *kv,
	    const char *const *allowed);

/* ---- the pages: every one fills s, or streams and sets s->streamed ---- */

/* page_login.c: GET and POST /admin/login, POST /admin/logout. */
void	 page_login_get(struct admin_app *, struct req *, struct resp *,
	    const struct route_ctx *);
void	 page_login_post(struct admin_app *, struct req *, struct resp *,
	    const struct route_ctx *);
void	 page_login_logout(struct admin_app *, struct req *, struct resp *,
	    const struct route_ctx *);
/* page_dashboard.c: GET /admin/. */
void	 page_dashboard_get(struct admin_app *, struct req *,
	    struct resp *, const struct route_ctx *);
/* page_export.c: POST /admin/export (and its password page, when the
 * sign-in is old), POST /admin/reauth. */
void	 page_export_post(struct admin_app *, struct req *, struct resp *,
	    const struct route_ctx *);
void	 page_export_ask(struct admin_app *, struct req *, struct resp *,
	    const struct route_ctx *);
void	 page_export_reauth(struct admin_app *, struct req *,
	    struct resp *, const struct route_ctx *);

/* ---- msg.c: every word the admin pages write from C ---- */

/*
 * One entry is what the user reads in one place: a message page (heading,
 * paragraph, and a second paragraph or none), or a single line (an error
 * inside a form, a page title, a sentence on the dashboard).
 */
enum msg {
	MSG_UNREADABLE,		/* page: a body we cannot parse */
	MSG_BODY_TOO_LARGE,	/* page: a body over the limit (413) */
	MSG_BODY_FAILED,	/* page: no memory for a body (500) */
	MSG_NOT_FOUND,		/* page: 404 */
	MSG_NOT_ALLOWED,	/* page: 405 */
	MSG_SESSION_ENDED,	/* page: a POST without a session */
	MSG_STALE_PAGE,		/* page: a wrong synchronizer token */
	MSG_ROLE_REFUSED,	/* page: the account's role may not (403) */
	MSG_LOGIN_TITLE,	/* line */
	MSG_LOGIN_EXPIRED,	/* page: the sign-in form's token is bad */
	MSG_LOGIN_PLAIN_HTTP,	/* page: sign-in over plain HTTP (403) */
	MSG_LOGIN_INCOMPLETE,	/* line */
	MSG_LOGIN_WRONG,	/* line */
	MSG_LOGIN_DOWN,		/* page: the database failed */
	MSG_LOGOUT_DOWN,	/* page: the session could not be deleted */
	MSG_LOGOUT_UNRECORDED,	/* page: signed out, the audit row failed */
	MSG_THROTTLED,		/* line: a format, one %lld of seconds */
	MSG_DASHBOARD_TITLE,	/* line */
	MSG_MODE_DECRYPTING,	/* line */
	MSG_MODE_SEALED,	/* line */
	MSG_KEYRING_NONE,	/* line */
	MSG_DASHBOARD_CASEWORK,	/* line: a caseworker's dashboard */
	MSG_EXPORT_BAD,		/* page: bad export parameters */
	MSG_EXPORT_UNRECORDED,	/* page: the audit row was not written */
	MSG_REAUTH_TITLE,	/* line */
	MSG_REAUTH_BAD,		/* page: a bad query to return to */
	MSG_REAUTH_WRONG,	/* line */
	MSG_REAUTH_DOWN,	/* page: the database failed */
	MSG__MAX
};

/* Room for MSG_THROTTLED with any int64_t of seconds. */
#define MSG_LINE_MAX	160

/* The entry's line, or a message page's heading.  Static. */
const char *msg_text(enum msg);
/* The message page of entry m with status on s (page_message). */
void	 msg_page(struct resp *s, int status, enum msg m);
/* MSG_THROTTLED for seconds into out. */
void	 msg_throttled(char out[MSG_LINE_MAX], int64_t seconds);

#endif /* VAWG_ADMIN_H */
