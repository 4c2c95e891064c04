/*
 * export.h: one form's answers as streamed, spreadsheet-safe CSV, labelled
 * with each row's own form version; decrypting (the envelopes opened in
 * batches on every core) or sealed (envelopes as hex for vawgctl
 * decrypt-export).  The admin pool and vawgctl export through it; the
 * public program must not include it (it pulls in secret.h).
 */
#ifndef VAWG_EXPORT_H
#define VAWG_EXPORT_H

#include "secret.h"
#include "staffdb.h"

/* ---- export.c: the exporter ---- */

#define EXPORT_MAX_COLS	256
/*
 * The longest an export may take, start to last row: the database has no
 * statement timeout for it (store_export.c), so a download read slowly
 * but steadily is stopped here instead; one that stalls is stopped sooner
 * by nginx's send_timeout.
 */
#define EXPORT_MAX_SECONDS	3600
/*
 * The first cell of the record that ends every whole export, followed by
 * the number of data rows and " rows": "# end of export: 12 rows".  A
 * file without it as its last record was cut short (README, exports).
 */
#define EXPORT_TRAILER	"# end of export: "

/* One row waiting in a decrypting export's batch: its own copies of the
 * row's fields, and what opening its envelope gave. */
struct export_slot {
	int32_t		 version_id;
	struct buf	 reference, created, plain, idem, sealed;
	struct buf	 pairs;		/* the opened answers; wiped */
	int		 opened;
	const char	*status;	/* "ok", or why it did not open */
};

#define EXPORT_BATCH	64	/* rows opened together */

struct exporter {
	/* Set by the caller: */
	const struct formset	*versions;	/* every version of the form,
						 * oldest first; borrowed */
	const struct keyring	*keys;		/* NULL: sealed mode */
	const char		*form_name;
	int			(*emit)(const char *, size_t, void *);
	void			*emit_arg;
	/* Kept by export.c: */
	struct {
		const char	*name;
		const char	*label;
	}			 cols[EXPORT_MAX_COLS];
	size_t			 ncols;
	struct buf		 line;
	struct buf		 cell;
	struct buf		 hex;
	struct export_slot	*slots;		/* EXPORT_BATCH, decrypting */
	size_t			 nslots;	/* rows waiting */
	long long		 rows;		/* written to emit */
	long long		 errors;	/* rows that did not open */
	int64_t			 deadline;	/* monotonic seconds */
};

/* Writes the byte-order mark and the header.  0 / -1. */
int	 export_begin(struct exporter *);
/* A store_export_rows() callback: writes one row, or (decrypting) adds it
 * to the batch and writes the batch when it is full.  0 / -1. */
int	 export_row(const struct export_row *, void *exporter);
/* Writes the rows still in the batch.  0 / -1.  Call after the last row. */
int	 export_end(struct exporter *);
/* Writes the trailer record (EXPORT_TRAILER, rows): only after export_end,
 * and only when every row of the export has been written.  0 / -1. */
int	 export_trailer(struct exporter *);
void	 export_free(struct exporter *);	/* wipes every slot */

/* ---- export_open.c: a batch's envelopes opened on every core ---- */

/* Opens n slots' envelopes, on up to 4 threads, and returns when all are
 * done: each slot's opened and status say how it went. */
void	 export_open_batch(const struct exporter *, struct export_slot *,
	    size_t n);

#endif /* VAWG_EXPORT_H */
