/*
 * staffdb.h: the statements the staff side runs, one file per concern:
 * store_account.c (accounts), store_throttle.c (sign-in throttling),
 * store_session.c (sessions), store_audit.c (the audit log, and the
 * dashboard's list of recent exports), store_export.c (export queries),
 * store_counts.c (the dashboard's counts), store_purge.c (the retention
 * purge); case work's are in casedb.h.  The admin pool runs them as role
 * vawg_admin; vawgctl as the database owner (enrolment, disabling, the
 * purge, and the audit rows and exports it makes itself).  Each file's head says which.  None of these
 * files is linked into the public program.
 */
#ifndef VAWG_STAFFDB_H
#define VAWG_STAFFDB_H

#include "store.h"

/* Argon2id limits for staff passwords (crypto_pwhash_str, so the caller
 * includes sodium.h); raising them rehashes each at her next sign-in. */
#define STAFF_PW_OPSLIMIT	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define STAFF_PW_MEMLIMIT	crypto_pwhash_MEMLIMIT_INTERACTIVE


struct pg_conn;
/*
 * The live connection (reconnecting if needed), or NULL.  Borrowed, and
 * only to learn that the database answers: statements run in store*.c.
 */
struct pg_conn	*store_conn(struct store *);

/* The size of each hash passed below: BLAKE2b of a session's token, or
 * keyed, of an account's name with a client's address, or of an address,
 * for the throttle. */
#define STAFF_HASH_BYTES	32

/* Room for a sealed TOTP secret (secret.h's TOTPSEAL_MAX: checked in
 * admin/admin.c); the database's CHECK holds it to that (sql/009). */
#define STAFF_TOTP_SEALED_MAX	128

/*
 * A staff account's role (migration 014), as a bit, so that a route can
 * name every role that may use it.  The schema's CHECK holds the same
 * three words; nothing else is a role.
 */
enum staff_role {
	STAFF_CASEWORKER = 0x1,		/* works referrals */
	STAFF_ANALYST = 0x2,		/* counts, the consultation export */
	STAFF_ADMIN = 0x4,		/* everything */
};
#define STAFF_ROLES_ALL	(STAFF_CASEWORKER | STAFF_ANALYST | STAFF_ADMIN)
/* Room for a role's word, with its NUL. */
#define STAFF_ROLE_TEXT	16

/* The role text names ("caseworker", "analyst", "admin"), or 0. */
int	 staff_role_parse(const char *text);
/* The word of one role; "" for anything that is not one.  Static. */
const char *staff_role_name(int role);

struct account {
	int		 found;
	int32_t		 id;
	char		 username[40];
	char		 pwhash[128];	/* crypto_pwhash_STRBYTES */
	/* The TOTP secret, sealed (secret.h, totpseal.c); 0 bytes when the
	 * account still holds only a clear one (vawgctl seal-totp). */
	unsigned char	 totp_sealed[STAFF_TOTP_SEALED_MAX];
	size_t		 totp_sealed_len;
	int		 disabled;
};

struct staff_session {
	int		 found;
	char		 username[40];
	char		 csrf[64];
	int64_t		 authed_age;	/* seconds since the password */
	int		 role;		/* one enum staff_role, read with the
					 * session at every request */
};

struct export_row {
	int32_t		 version_id;
	const char	*reference;
	const char	*created;	/* "YYYY-MM-DD HH:MM:SS", London */
	const char	*plain;		/* name=v1,v2&name=v */
	const unsigned char *idem;	/* the token nonce, binary */
	size_t		 idem_len;
	const unsigned char *sealed;	/* the envelope, binary */
	size_t		 sealed_len;
};

/* All return 0 / -1 (logged) unless said otherwise; u->found etc. say
 * whether a row matched. */
int	 store_account_get(struct store *, const char *username,
	    struct account *);
/* 1 if the TOTP step was fresh and the login recorded, 0 if replayed. */
int	 store_account_signed_in(struct store *, int32_t id, int64_t step,
	    const char *new_pwhash);
/* One sign-in try for an account at an address (pair) and for the
 * address (addr), counted before it is verified: *wait 0 if it may go
 * ahead (counted), else the seconds to wait (not counted).  A try that
 * then succeeds calls store_throttle_passed with the same arguments: the
 * pair's row is cleared and the address gets its try back. */
int	 store_throttle_try(struct store *, const unsigned char *pair,
	    const unsigned char *addr, int free_tries, int max_wait,
	    int64_t *wait);
int	 store_throttle_passed(struct store *, const unsigned char *pair,
	    const unsigned char *addr, int free_tries, int max_wait);
int	 store_session_get(struct store *, const unsigned char *hash,
	    int idle, int max, struct staff_session *);
int	 store_session_delete(struct store *, const unsigned char *hash);
int	 store_session_reauthed(struct store *, const unsigned char *hash);
/* count < 0 stores NULL; form/from/to may be NULL. */
int	 store_audit(struct store *, const char *actor, const char *action,
	    const char *form, const char *from, const char *to,
	    long long count, const char *detail);
/* A sign-in: the new session and its "login" audit row, in one
 * statement: both or neither (store_audit.c; sessions are otherwise
 * store_session.c's). */
int	 store_audit_login(struct store *, const unsigned char *hash,
	    int32_t account_id, const char *csrf);
/*
 * An export, on a connection of its own (store_open; the audit rows go on
 * another): store_export_begin opens one REPEATABLE READ, READ ONLY
 * transaction with no statement timeout, reads every version of form
 * into versions (free with formset_free) and counts the rows in the
 * range; store_export_rows then calls cb per row, in time order, from the
 * same snapshot (cb returning -1 stops it); store_export_end closes the
 * transaction.  Begin: 0, or -1 with no transaction left open.
 */
int	 store_export_begin(struct store *, const char *form, const char *from,
	    const char *to, struct formset *versions, long long *count);
int	 store_export_rows(struct store *, const char *form, const char *from,
	    const char *to, int (*cb)(const struct export_row *, void *),
	    void *arg);
void	 store_export_end(struct store *);
/* Every version of one form, with its fields, read over s (inside its
 * transaction, if one is open): store_forms.c.  0 / -1 (set empty). */
int	 store_load_form_versions(struct store *, const char *form,
	    struct formset *set);
int	 store_form_counts(struct store *, uint32_t form_id, long long *total,
	    long long *today, long long daily[30]);
int	 store_choice_counts(struct store *, uint32_t form_id,
	    const char *field, int (*cb)(const char *value, long long n,
	    void *), void *arg);
/* vawgctl, as the owner: enrol (or re-enrol, ending the account's
 * sessions) with the TOTP secret already sealed (the clear column left
 * empty) and role (NULL: a new account is an admin, one re-enrolled
 * keeps its role; the role it has now into now), disable (returns how many accounts matched), purge past each
 * form's retention (cb per form, in the same transaction as the deletion;
 * dry_run rolls it back). */
int	 store_account_enrol(struct store *, const char *user, const char *pwhash,
	    const unsigned char *totp_sealed, size_t sealedlen,
	    const char *role, char now[STAFF_ROLE_TEXT]);
int	 store_account_disable(struct store *, const char *user);
/* vawgctl set-role, as the owner: the account's role, its old one into
 * old; 1, 0 if no account has that name, -1.  Its sessions stay: the
 * role is read with each at its next request. */
int	 store_account_set_role(struct store *, const char *user,
	    const char *role, char old[STAFF_ROLE_TEXT]);
/*
 * vawgctl seal-totp: every account still holding a clear TOTP secret
 * (from before migration 009) gets it sealed and the clear one removed,
 * all in one statement.  seal(user, clear, len, out, outsz, outlen, arg)
 * seals one (0 / -1); the clear bytes it is given are wiped after.
 * Returns how many were sealed, or -1 (nothing changed); *moved counts
 * the accounts changed meanwhile (re-enrolled), left as they were.
 */
int	 store_account_seal_clear(struct store *,
	    int (*seal)(const char *user, const unsigned char *clear,
	    size_t len, unsigned char *out, size_t outsz, size_t *outlen,
	    void *arg), void *arg, int *moved);
int	 store_purge(struct store *, const char *actor, int dry_run,
	    int (*cb)(const char *form, long long n, void *), void *arg);
/* vawgctl purge, as the owner: deletes admin sessions idle idle seconds or
 * older than max (the admin pool's limits) and throttle rows that no
 * longer count, saying how many of each (dry_run rolls it back); and the
 * shortest retention any form has, in days (0: none has one). */
int	 store_purge_stale(struct store *, int idle, int max, int dry_run,
	    long long *sessions, long long *throttle);
int	 store_retention_min(struct store *, int *days);
/* cols: when, actor, form, from, to, rows. */
int	 store_recent_exports(struct store *, int limit,
	    int (*cb)(const char *const *cols, void *), void *arg);

#endif /* VAWG_STAFFDB_H */
