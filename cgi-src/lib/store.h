/*
 * store.h: the public side's storage.  The database connection and its
 * statement table (store.c), the durable spool that stands in for the
 * database while it is away (spoolrec.c, the record's bytes; spool.c, the
 * folder and its replay).  Statements the staff side runs are in staffdb.h.
 */
#ifndef VAWG_STORE_H
#define VAWG_STORE_H

#include "crypto.h"
#include "form.h"

enum store_result {
	STORE_OK,
	STORE_DOWN,	/* unreachable, or the outcome is unknown */
	STORE_ERROR,	/* the database refused: a bug or a bad definition */
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
/* Loads every version of every form (all) or only the current ones. */
int		 store_load_versions(const char *conninfo, struct formset *out,
		    int all);

/* ---- spoolrec.c: a spooled submission as bytes (pure) ---- */

#define SPOOLREC_MAX	(64u << 20)	/* largest record file, bytes */
#define SPOOLREC_NAME	37		/* 32 hex digits, ".rec" and NUL */

/* Exactly what store_submit() takes, and nothing else. */
struct spoolrec {
	int32_t		 version_id;
	unsigned char	 idem[TOKEN_NONCE_BYTES];
	char		 reference[REFERENCE_TEXT];
	char		 key_id[SEAL_KEY_ID_HEX];
	struct buf	 plain;		/* owned: the plain answers' JSON */
	struct buf	 sealed;	/* owned: the envelope */
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

struct spool_tally {
	size_t	 replayed;	/* stored (or found stored) and removed */
	size_t	 failed;	/* moved to failed/ */
	size_t	 left;		/* still in the spool after the pass */
	int	 down;		/* the pass stopped: the database is away */
};

/*
 * Writes rec durably into dir as spoolrec_name(): temporary file, fsync,
 * link, fsync of dir.  0 when written or already there for this key; -1
 * (logged) when the user must be told her answers were not saved.
 */
int	 spool_write(const char *dir, const struct spoolrec *rec);
/* Records waiting in dir, or -1 if it cannot be read. */
long	 spool_depth(const char *dir);
/*
 * One replay pass over at most max records through st (borrowed): stored
 * records are removed, refused or unreadable ones moved to dir/failed/,
 * and the pass stops at the first sign the database is away.  Also removes
 * temporary files abandoned over a minute ago.  0, or -1 when dir cannot
 * be read; *t says what happened.
 */
int	 spool_replay(const char *dir, struct store *st, size_t max,
	    struct spool_tally *t);

#endif /* VAWG_STORE_H */
