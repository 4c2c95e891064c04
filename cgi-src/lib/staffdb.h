/*
 * staffdb.h: the statements the staff side runs, one file per concern:
 * store_account.c (accounts), store_throttle.c (sign-in throttling),
 * store_session.c (sessions), store_audit.c (the audit log, and the
 * dashboard's list of recent exports), store_export.c (export queries),
 * store_counts.c (the dashboard's counts), store_purge.c (the retention
 * purge), store_case.c (case work's reads) and store_case_act.c (its
 * actions, through sql/015's functions).  The admin pool runs them as role vawg_admin; vawgctl as the
 * database owner (enrolment, disabling, the purge, and the audit rows and
 * exports it makes itself).  Each file's head says which.  None of these
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
 * empty), disable (returns how many accounts matched), purge past each
 * form's retention (cb per form, in the same transaction as the deletion;
 * dry_run rolls it back). */
int	 store_account_enrol(struct store *, const char *user, const char *pwhash,
	    const unsigned char *totp_sealed, size_t sealedlen);
int	 store_account_disable(struct store *, const char *user);
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

/* ---- store_case.c, store_case_act.c: case work (sql/015), vawg_admin ---- */
/* Queue rows a page, and its filters, or'ed (a status is apart). */
#define CASE_PAGE	50
enum { CASE_MINE = 1, CASE_UNASSIGNED = 2, CASE_URGENT = 4, CASE_OVERDUE = 8 };

/* Where a queue page ended (done: contacted or closed; due: UTC, to the
 * microsecond); the next page begins after it. */
struct case_cursor { int done; char due[40]; int64_t id; };

/* A queue row, or one case's head.  Strings borrowed for the callback,
 * "" for none; times London "YYYY-MM-DD HH:MM"; age in seconds by
 * vawg.now().  No answer and no name of hers: nothing needs a key. */
struct case_row {
	int64_t		 id, age;
	const char	*reference, *arrived, *status, *close_reason;
	int		 urgent, overdue, unopened;	/* unopened by me */
	const char	*assignee, *last_holder;	/* account names */
	const char	*due, *remind;	/* contact due; "try again at" */
	const char	*last_kind, *changed_at, *changed_by;
	const char	*risk_level, *first_opened, *first_contact;
	int32_t		 version;
	struct case_cursor cursor;
};

/* One event, borrowed for the callback: "", NULL or -1 for none. */
struct case_event {
	int64_t		 id, submission_id;
	const char	*at, *actor, *kind;	/* actor "": the service */
	const char	*from_status, *to_status, *close_reason, *account;
	const char	*contact_at, *method, *outcome, *next_try;
	const unsigned char *sealed, *reason_sealed;
	size_t		 sealed_len, reason_len;
	int		 dash_yes;	/* and risk_level, marac "a,b" */
	const char	*risk_level, *marac;
};

/* Her submissions on a case, newest first, sealed (unseal.c opens). */
struct case_answers {
	int64_t		 id;
	int32_t		 version_id;	/* her form's version */
	const char	*reference, *created;
	const unsigned char *idem, *sealed;
	size_t		 idem_len, sealed_len;
};

/* STALE: changed since the caller's version (409; the head says who and
 * when); REFUSED: not allowed now or by her (409); GONE: no case (404);
 * FAILED: the database is away or said no for now. */
enum case_result { CASE_OK, CASE_STALE, CASE_REFUSED, CASE_GONE, CASE_FAILED };

/* A contact attempt (times ISO 8601 with offset, next NULL: none), a
 * DASH assessment (level NULL: the count's; marac "{a,b}"): sql/015. */
struct case_contact {
	const char	*at, *next, *method, *outcome;
	int		 message_ok;	/* her answers allow a message */
};
struct case_risk {
	const unsigned char *sealed, *reason;	/* reason NULL: none */
	size_t		 sealed_len, reason_len;
	int		 yes;
	const char	*level, *marac;
};

/* Up to CASE_PAGE rows after `after` (NULL: the first page), overdue
 * first, then by due time, contacted and closed last; status NULL: all
 * but closed; *more 1 if a page follows.  Rows given, or -1. */
int	 store_case_queue(struct store *, int32_t me, const char *status,
	    int filters, const struct case_cursor *after,
	    int (*cb)(const struct case_row *, void *), void *arg, int *more);
int	 store_case_unopened(struct store *, int32_t me, long long *n);
int	 store_case_find(struct store *, const char *reference, int64_t *ids,
	    size_t max, size_t *n);
/* A case's head (1), none (0), or -1; its events and accesses. */
int	 store_case_get(struct store *, int64_t id, int32_t me,
	    int (*cb)(const struct case_row *, void *), void *arg);
int	 store_case_events(struct store *, int64_t id,
	    int (*cb)(const struct case_event *, void *), void *arg);
int	 store_case_accesses(struct store *, int64_t id,
	    int (*cb)(const char *at, const char *who, void *), void *arg);
/* The access row (new becomes opened) and her submissions, in one
 * statement: nothing of hers is read unless the access was written. */
enum case_result store_case_open(struct store *, int64_t id, int32_t actor,
	    int (*cb)(const struct case_answers *, void *), void *arg);
/* Each at *version, the one the caller read, then the case's after it.
 * to 0 unassigns; a reason only with "closed". */
enum case_result store_case_assign(struct store *, int64_t id, int32_t actor,
	    int32_t *version, int32_t to);
enum case_result store_case_status(struct store *, int64_t id, int32_t actor,
	    int32_t *version, const char *to, const char *reason);
enum case_result store_case_contact(struct store *, int64_t id,
	    int32_t actor, int32_t *version, const struct case_contact *);
enum case_result store_case_urgent(struct store *, int64_t id, int32_t actor,
	    int32_t *version);
enum case_result store_case_note(struct store *, int64_t id, int32_t actor,
	    int32_t *version, const unsigned char *sealed, size_t len);
enum case_result store_case_risk(struct store *, int64_t id, int32_t actor,
	    int32_t *version, const struct case_risk *);

#endif /* VAWG_STAFFDB_H */
