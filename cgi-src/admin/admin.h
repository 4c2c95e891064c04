/*
 * admin.h: the admin pool, vawg-admin: the staff's pages (sign-in, the
 * dashboard, exports).  Its own settings, what every worker holds, staff
 * sign-in and sessions (admin.c) and the routes (page_admin.c).  It runs
 * as its own Unix user with database role vawg_admin, and holds the
 * unlocked keyring unless started in sealed mode.
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
	const char	*run_as;	/* VAWG_ADMIN_USER, "" to stay */
	const char	*passphrase_file;	/* VAWG_PASSPHRASE_FILE; "" =
					 * sealed mode, no secret key held */
	int		 workers;	/* VAWG_ADMIN_WORKERS */
	int		 session_idle;	/* VAWG_SESSION_IDLE seconds */
	int		 session_max;	/* VAWG_SESSION_MAX seconds */
	int		 reauth_after;	/* VAWG_REAUTH_SECONDS */
	int		 login_free_tries;	/* VAWG_LOGIN_FREE_TRIES */
	int		 login_max_wait;	/* VAWG_LOGIN_MAX_WAIT seconds */
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
	unsigned char		*mac_key;	/* admin.key, sodium_malloc */
	char			 dummy_hash[crypto_pwhash_STRBYTES];
	struct store		*store;		/* per worker */
};

enum login_result {
	LOGIN_OK,
	LOGIN_BAD,		/* wrong name, password or code */
	LOGIN_THROTTLED,	/* too many failures: *wait seconds */
	LOGIN_ERROR,		/* the database failed */
};

int	 admin_init(struct admin_app *);
enum login_result admin_login(struct admin_app *, const char *user,
	    const char *pass, size_t passlen, const char *code,
	    const char *addr, int64_t now, int64_t *wait, struct account *);
/* Re-authentication before an export: 1 right, 0 wrong, 2 throttled
 * (*wait seconds), -1 error. */
int	 admin_password_ok(struct admin_app *, const char *user,
	    const char *pass, size_t passlen, const char *addr, int64_t *wait);
/* Makes a session and sets its cookie on s.  0 / -1. */
int	 admin_session_start(struct admin_app *, const struct req *,
	    int32_t account_id, struct resp *s);
void	 admin_session_clear_cookie(const struct req *, struct resp *);
/* The hash of the session token in a Cookie header: 1 found, 0 not. */
int	 admin_cookie_token(const char *header, int https,
	    unsigned char hash[32]);
int	 admin_csrf_ok(const struct staff_session *, const char *given,
	    size_t len);

void	 admin_handle(struct admin_app *, struct req *, struct resp *);

#endif /* VAWG_ADMIN_H */
