/*
 * spool.h: the durable spool that stands in for the database while it is
 * away: a record's bytes (spoolrec.c), the records waiting and in what
 * order (spoolwait.c), the folder and its replay (spool.c), its cap and
 * its failed/ (spool_dir.c).  Used by the public pool (which writes and
 * replays records) and vawgctl (status, spool-replay, spool-retry); the
 * admin pool has no business here.
 */
#ifndef VAWG_SPOOL_H
#define VAWG_SPOOL_H

#include "store.h"

/* ---- spoolrec.c: a spooled submission as bytes (pure) ---- */

#define SPOOLREC_MAX	(64u << 20)	/* largest record file, bytes */
/* "<idem hex>-<digest hex>.rec" and NUL; a record from before digests
 * (format 1) is "<idem hex>.rec". */
#define SPOOLREC_IDEM_HEX	(TOKEN_NONCE_BYTES * 2)
#define SPOOLREC_NAME	(SPOOLREC_IDEM_HEX + 1 + ANSWERS_DIGEST_BYTES * 2 + \
			 sizeof(".rec"))

/* Exactly what store_submit() takes, and nothing else. */
struct spoolrec {
	int32_t		 version_id;
	unsigned char	 idem[TOKEN_NONCE_BYTES];
	/* The answers' digest; has_digest 0 for a format 1 record. */
	unsigned char	 digest[ANSWERS_DIGEST_BYTES];
	int		 has_digest;
	/* The reference she was shown: the token's (token_reference), or a
	 * correction's (answers_reference).  Stored as it is on replay. */
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

/* The record's file name: by key and digest, so a correction is a
 * record of its own beside the first; "<idem hex>.rec" without one. */
void	 spoolrec_name(const struct spoolrec *, char out[SPOOLREC_NAME]);
int	 spoolrec_is_name(const char *);	/* 1 / 0, either form */
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

/* ---- spoolwait.c: the records waiting, in order of arrival ---- */

/* A record's name, and when it was written (ns since the epoch). */
struct spoolwait {
	char	 name[SPOOLREC_NAME];
	int64_t	 at;
};

/*
 * Keeps the record name (in the folder dfd) among the max oldest in
 * w[0..*n), *n growing up to max.  1 when a record was left for a later
 * pass (this one or a newer one it replaced), else 0.
 */
int	 spoolwait_keep(int dfd, const char *name, struct spoolwait *w,
	    size_t *n, size_t max);
void	 spoolwait_sort(struct spoolwait *w, size_t n);	/* oldest first */
/* 1 when a record of name's key with other answers waits in dir, else 0. */
int	 spoolwait_other_answers(const char *dir, const char *name);
/* Reads the whole record file name in dfd into out, refusing anything but
 * a small regular file.  0 / -1 with errno. */
int	 spoolwait_read(int dfd, const char *name, struct buf *out);
/* The reference of the record waiting as name, into ref.  0 / -1. */
int	 spoolwait_reference(int dfd, const char *name,
	    char ref[REFERENCE_TEXT]);
/*
 * rec's bytes into enc, with the reference its replay will store set in
 * rec->reference (see spool_write).  0, or -1 (logged) when the same
 * answers' record is there but unreadable: not saved, honestly.
 */
int	 spoolwait_prepare(const char *dir, int dfd, const char *name,
	    struct spoolrec *rec, struct buf *enc);

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
 * link, fsync of dir, unless cap (borrowed) would be passed.  First sets
 * rec->reference to the one its replay will store: the waiting record's
 * when the same answers wait already, a correction's (answers_reference)
 * when other answers of the same token wait, else the token's.  Anything
 * but SPOOL_OK means the user must be told her answers were not saved.
 */
enum spool_result spool_write(const char *dir, struct spoolrec *rec,
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

#endif /* VAWG_SPOOL_H */
