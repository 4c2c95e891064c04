/*
 * store.h: the public side's storage, and the one path every statement of
 * the library takes.  The database connection, its execution path and the
 * public pool's statements (store.c), the form definitions (store_forms.c),
 * and the answers' digest that tells a retry from a correction
 * (answers.c).  The durable spool that stands in for the database while
 * it is away is in spool.h.
 * Statements the staff side runs are in staffdb.h.  Programs call the named
 * functions; only the library's store*.c files hold SQL and use the
 * execution path below.
 */
#ifndef VAWG_STORE_H
#define VAWG_STORE_H

#include "crypto.h"
#include "form.h"

enum store_result {
	STORE_OK,
	STORE_DOWN,	/* unreachable, or the outcome is unknown */
	/* The database said no for a reason that can pass: a permission, a
	 * read-only database after a failover, a lock, a deadlock, its disk.
	 * The same statement may succeed later. */
	STORE_ERROR,
	/* The database refused these values as invalid (SQLSTATE classes 22
	 * and 23 but a duplicate, a function's RAISE): sent again, the same
	 * values are refused again. */
	STORE_REFUSED,
};

struct store;

/*
 * Opens a connection with conninfo (borrowed, copied) and prepares the
 * statements.  Returns an object even when the database is down; it
 * reconnects on use.  NULL only when out of memory.
 */
struct store	*store_open(const char *conninfo);
void		 store_close(struct store *);	/* NULL-safe */
/* 0 when the database answers a trivial query, -1 otherwise. */
int		 store_ping(struct store *);
/*
 * Calls vawg.submit() (sql/010).  digest (ANSWERS_DIGEST_BYTES, or NULL:
 * unknown) tells the same answers from a correction: the token's first
 * post is stored with reference, a later one with other answers as a new
 * row with correction (its reference), linked to the first.  On STORE_OK,
 * ref_out holds the reference of the row that holds these answers: an
 * earlier one's when the same answers were stored before (or the token's
 * row predates digests).
 */
enum store_result store_submit(struct store *, int32_t version_id,
		    const unsigned char *idem, const char *reference,
		    const char *plain_json, const struct buf *sealed,
		    const char *key_id, const unsigned char *digest,
		    const char *correction, char ref_out[REFERENCE_TEXT]);
/*
 * The same for a post made at Unix time received (the
 * spool's replay): the row it inserts is dated then, as vawg.received_at()
 * bounds it (sql/012); received 0 is store_submit().
 */
enum store_result store_submit_at(struct store *, int32_t version_id,
		    const unsigned char *idem, const char *reference,
		    const char *plain_json, const struct buf *sealed,
		    const char *key_id, const unsigned char *digest,
		    const char *correction, int64_t received,
		    char ref_out[REFERENCE_TEXT]);
/*
 * store_forms.c: loads every version of every form (all) or only the
 * current ones into out (free with formset_free), over a connection of its
 * own opened with conninfo (borrowed).  0 / -1 (logged; out empty).
 */
int		 store_load_versions(const char *conninfo, struct formset *out,
		    int all);

/* ---- answers.c: the same answers, or a correction (pure) ---- */

#define ANSWERS_KEY_BYTES	32	/* crypto_kdf_KEYBYTES */
#define ANSWERS_DIGEST_BYTES	32

/* The digest's key, derived from the token key (TOKEN_KEY_BYTES).  0 / -1. */
CHECKED int	 answers_key(const unsigned char *token_key,
		    unsigned char out[ANSWERS_KEY_BYTES]);
/*
 * Keyed BLAKE2b of f's id, version and validated answers vals (f->nfields
 * of them) in canonical form: the definition's field order, ticked boxes
 * in the options' order.  0 / -1.
 */
CHECKED int	 answers_digest(const unsigned char key[ANSWERS_KEY_BYTES],
		    const struct form *f, const struct fieldval *vals,
		    unsigned char out[ANSWERS_DIGEST_BYTES]);
/* The reference of a correction: derived from the token's nonce and the
 * digest, as token_reference() derives a first post's from the nonce. */
void		 answers_reference(const unsigned char *idem,
		    const unsigned char digest[ANSWERS_DIGEST_BYTES],
		    char out[REFERENCE_TEXT]);

/* ---- store.c: the one execution path, for cgi-src/lib/store*.c only ---- */

/*
 * May a statement be sent again after the connection was lost once it had
 * gone?  Then whether the server ran it is unknown (store.c's head).
 */
enum store_send {
	STORE_ONCE,	/* a write that is not idempotent: never re-sent */
	STORE_RESEND,	/* a read, or a write keyed so twice is once */
};

/*
 * One statement of a file's table: an enum with a __MAX sentinel indexes
 * an array of these, and an enum of its columns sits beside the SQL.
 */
struct store_stmt {
	const char	*name;	/* its prepared name: unique in the library */
	const char	*sql;	/* parameters $1..$nparams, bound, never spliced */
	int		 nparams;
	int		 want;	/* the ExecStatusType of success: PGRES_TUPLES_OK
				 * or PGRES_COMMAND_OK */
	int		 ncols;	/* columns of a row (the enum's __COLS), or 0 */
	enum store_send	 send;
	int		 binary;	/* 1: results in binary, not text */
};

#define STORE_ARGS_MAX	12	/* the most a statement binds (submit_at: 9) */

/* A statement's parameters, built with store_arg_*(): all borrowed. */
struct store_args {
	int		 n;
	const char	*v[STORE_ARGS_MAX];
	int		 len[STORE_ARGS_MAX];	/* bytes of a binary one */
	int		 fmt[STORE_ARGS_MAX];	/* 1: binary */
	char		 num[STORE_ARGS_MAX][24];	/* numbers, as text */
};

/* Appends a parameter: text (NULL is SQL NULL), bytes, or a number. */
void		 store_arg_text(struct store_args *, const char *);
void		 store_arg_bytes(struct store_args *, const void *, size_t);
void		 store_arg_int(struct store_args *, long long);

struct pg_result;
/*
 * Runs st with a (NULL when st takes none) on s's connection, preparing it
 * there first if this connection has not.  Returns the result (the caller
 * PQclear()s it) when its status is st->want; otherwise NULL, logged, and
 * *res (may be NULL) says STORE_DOWN (unreachable, or the outcome unknown),
 * STORE_ERROR (the database said no for now) or STORE_REFUSED (no, for
 * these values, for good).  A refusal for now is logged once per change
 * of its SQLSTATE, and its end once, not once per statement.
 */
struct pg_result *store_run(struct store *, const struct store_stmt *st,
		    const struct store_args *a, enum store_result *res);
/*
 * The same in single-row mode, for reads too large to hold: calls
 * row(r, arg) with each row's one-row result (borrowed for the call).
 * row returning -1 stops the calls; the rest is drained so the connection
 * stays usable.  0, or -1 (logged) if the statement failed or row said -1.
 */
int		 store_stream(struct store *, const struct store_stmt *st,
		    const struct store_args *a,
		    int (*row)(const struct pg_result *, void *), void *arg);
/*
 * A transaction around the next statements, closed by store_rollback (the
 * only ending the library needs: the dry-run purge).  Inside one nothing
 * is re-sent, since a lost connection takes the transaction with it.
 * 0 / -1 (logged); store_rollback always leaves s outside a transaction.
 */
int		 store_begin(struct store *);
int		 store_rollback(struct store *);

#endif /* VAWG_STORE_H */
