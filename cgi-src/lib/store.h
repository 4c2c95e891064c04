/*
 * store.h: the public side's storage, and the one path every statement of
 * the library takes.  The database connection, its execution path and the
 * public pool's statements (store.c), the form definitions (store_forms.c),
 * the durable spool that stands in for the database while it is away
 * (spoolrec.c, the record's bytes; spool.c, the folder and its replay).
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
 * Calls vawg.submit().  On STORE_OK, ref_out holds the reference stored for
 * this idempotency key, which is the given one unless an earlier post of
 * the same token got there first.
 */
enum store_result store_submit(struct store *, int32_t version_id,
		    const unsigned char *idem, const char *reference,
		    const char *plain_json, const struct buf *sealed,
		    const char *key_id, char ref_out[REFERENCE_TEXT]);
/*
 * store_replay.c: the same for a post made at Unix time received (the
 * spool's replay): the row it inserts is dated then, as vawg.received_at()
 * bounds it (sql/012); received 0 is store_submit().
 */
enum store_result store_submit_at(struct store *, int32_t version_id,
		    const unsigned char *idem, const char *reference,
		    const char *plain_json, const struct buf *sealed,
		    const char *key_id, int64_t received,
		    char ref_out[REFERENCE_TEXT]);
/*
 * store_forms.c: loads every version of every form (all) or only the
 * current ones into out (free with formset_free), over a connection of its
 * own opened with conninfo (borrowed).  0 / -1 (logged; out empty).
 */
int		 store_load_versions(const char *conninfo, struct formset *out,
		    int all);

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

#define STORE_ARGS_MAX	8

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

/* ---- spoolrec.c: a spooled submission as bytes (pure) ---- */

#define SPOOLREC_MAX	(64u << 20)	/* largest record file, bytes */
#define SPOOLREC_NAME	37		/* 32 hex digits, ".rec" and NUL */

/* Exactly what store_submit_at() takes, and nothing else. */
struct spoolrec {
	int32_t		 version_id;
	unsigned char	 idem[TOKEN_NONCE_BYTES];
	char		 reference[REFERENCE_TEXT];
	char		 key_id[SEAL_KEY_ID_HEX];
	struct buf	 plain;		/* owned: the plain answers' JSON */
	struct buf	 sealed;	/* owned: the envelope */
	/* Unix time of her post, which starts the retention clock; 0 in a
	 * record written before records carried it (the file's mtime then). */
	int64_t		 received;
};

enum spoolrec_result {
	SPOOLREC_OK,
	SPOOLREC_MALFORMED,	/* any byte out of place, or a bad checksum */
	SPOOLREC_NOMEM,
};

/* The record's file name, "<idem hex>.rec". */
void	 spoolrec_name(const unsigned char *idem, char out[SPOOLREC_NAME]);
int	 spoolrec_is_name(const char *);	/* 1 / 0 */
/* Appends the record's bytes to out.  0 / -1 (out unchanged). */
int	 spoolrec_encode(const struct spoolrec *, struct buf *out);
/*
 * Parses in[0..len) into out (free with spoolrec_free) and checks it whole:
 * framing, checksum, each field's shape, the reference derived from the
 * key, the envelope naming key_id.  On failure out is empty.
 */
enum spoolrec_result spoolrec_parse(const char *in, size_t len,
	    struct spoolrec *out);
void	 spoolrec_free(struct spoolrec *);	/* wipes; NULL-safe */

/* ---- spool.c: the durable spool and its replay ---- */

#define SPOOL_FAILED	"failed"	/* the folder of records set aside */

struct spool_tally {
	size_t	 replayed;	/* stored (or found stored) and removed */
	size_t	 failed;	/* moved to failed/: refused as invalid */
	size_t	 held;		/* refused for now, left in the spool */
	size_t	 left;		/* still in the spool after the pass */
	int	 down;		/* the pass stopped: the database is away */
};

/* The most the spool and its failed/ may hold together. */
struct spool_cap {
	uint64_t	 bytes;		/* VAWG_SPOOL_MAX_BYTES */
	size_t		 files;		/* VAWG_SPOOL_MAX_FILES */
};

enum spool_result {
	SPOOL_OK,	/* written, or already there for this key */
	SPOOL_FULL,	/* the cap would be passed: nothing written */
	SPOOL_ERROR,	/* logged: the folder or the disk failed */
};

/*
 * Writes rec durably into dir as spoolrec_name(): temporary file, fsync,
 * link, fsync of dir, unless cap (borrowed) would be passed.  Anything but
 * SPOOL_OK means the user must be told her answers were not saved.
 */
enum spool_result spool_write(const char *dir, const struct spoolrec *rec,
	    const struct spool_cap *cap);
/* Records waiting in dir, or -1 if it cannot be read. */
long	 spool_depth(const char *dir);
/*
 * One replay pass over at most max records through st (borrowed): stored
 * records are removed, ones refused as invalid (STORE_REFUSED) or
 * unreadable moved to dir/failed/, ones refused for now (STORE_ERROR)
 * left, and the pass stops at the first sign the database is away or at
 * three refusals for now in a row; then the process's passes back off,
 * up to 30 s, and a pass inside the wait runs no statement.  Also removes
 * temporary files abandoned over a minute ago.  0, or -1 when dir cannot
 * be read; *t says what happened.
 */
int	 spool_replay(const char *dir, struct store *st, size_t max,
	    struct spool_tally *t);

/* ---- spool_dir.c: the spool folder's cap, and its failed/ ---- */

/*
 * Is there room in the folder open at dfd (and its failed/) for one more
 * record of len bytes named name?  SPOOL_OK (also when name is already
 * there: nothing is added), SPOOL_FULL, SPOOL_ERROR (logged).  The turn
 * to full and back is logged once per process.  Workers writing at once
 * may pass the cap by a record each.
 */
enum spool_result spool_dir_room(int dfd, const char *name, size_t len,
	    const struct spool_cap *cap);
/*
 * Moves every record in dir/failed/ (its numbered copies, name.rec.N,
 * too) back into dir as name.rec, for the replay to try again; one whose
 * key already waits in dir stays.  0 with *moved and *kept, or -1.
 */
int	 spool_dir_unpark(const char *dir, size_t *moved, size_t *kept);

#endif /* VAWG_STORE_H */
