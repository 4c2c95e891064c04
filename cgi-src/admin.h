/*
 * admin.h: the admin pool's own declarations (admin.c, page_admin.c,
 * main_admin.c).  Shared types live in vawg.h.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <sodium.h>

/* Argon2id limits for admin passwords; raising them rehashes at sign-in. */
#define ADMIN_PW_OPSLIMIT	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define ADMIN_PW_MEMLIMIT	crypto_pwhash_MEMLIMIT_INTERACTIVE

/* Everything the admin pool holds; built at start, then read-only. */
struct admin_app {
	const struct config	*cfg;
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
	    const char *addr, int64_t now, int64_t *wait, struct admin_user *);
/* Re-authentication before an export: 1 right, 0 wrong, 2 throttled
 * (*wait seconds), -1 error. */
int	 admin_password_ok(struct admin_app *, const char *user,
	    const char *pass, size_t passlen, const char *addr, int64_t *wait);
/* Makes a session and sets its cookie on s.  0 / -1. */
int	 admin_session_start(struct admin_app *, const struct req *,
	    int32_t admin_id, struct resp *s);
void	 admin_session_clear_cookie(const struct req *, struct resp *);
/* The hash of the session token in a Cookie header: 1 found, 0 not. */
int	 admin_cookie_token(const char *header, int https,
	    unsigned char hash[32]);
int	 admin_csrf_ok(const struct admin_session *, const char *given,
	    size_t len);

void	 admin_handle(struct admin_app *, struct req *, struct resp *);

#endif /* ADMIN_H */
