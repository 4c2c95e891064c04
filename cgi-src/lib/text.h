/*
 * text.h: pure parsers and writers of text: what counts as text (UTF-8),
 * the urlencoded body parser, spreadsheet-safe CSV, and the Cookie header.
 * No I/O but the CSV reader's FILE, no allocation but their own results;
 * each has a libFuzzer harness (tests/fuzz/).
 */
#ifndef VAWG_TEXT_H
#define VAWG_TEXT_H

#include "base.h"

/* ---- utf8.c: what counts as text ---- */

enum utf8_result {
	UTF8_OK,
	UTF8_INVALID,	/* malformed, overlong, surrogate or > U+10FFFF */
	UTF8_NUL,	/* contains U+0000 */
	UTF8_CONTROL,	/* C0 other than TAB/LF/CR, DEL, or C1 */
};

/*
 * Checks that s[0..len) is strict UTF-8 text.  On UTF8_OK, *ncodepoints (if
 * not NULL) is the number of code points.  Pure; never reads past len.
 */
enum utf8_result utf8_check(const char *s, size_t len, size_t *ncodepoints);

/* ---- urlenc.c: the application/x-www-form-urlencoded parser ---- */

struct kv {
	char	*name;		/* NUL-terminated, may contain decoded NUL */
	size_t	 namelen;
	char	*value;		/* NUL-terminated, may contain decoded NUL */
	size_t	 valuelen;
};

struct kvlist {
	struct kv	*kv;	/* owned */
	size_t		 n;
	char		*arena;	/* owned: every name and value lives here */
	size_t		 arenasz;
};

enum urlenc_result {
	URLENC_OK,
	URLENC_MALFORMED,	/* a '%' not followed by two hex digits */
	URLENC_TOO_MANY,	/* more than max_fields pairs */
	URLENC_NOMEM,
};

/*
 * Parses in[0..len) (not NUL-terminated) into out, decoding '+' and %XX
 * exactly once.  Empty segments ("a=1&&b=2") are skipped.  Validation of
 * the decoded bytes is the caller's job (form.c).  On any result out is
 * either empty or filled, and must be released with urlenc_free().
 */
enum urlenc_result urlenc_parse(const char *in, size_t len, size_t max_fields,
	    struct kvlist *out);
void	 urlenc_free(struct kvlist *);	/* wipes and frees; NULL-safe */

/* ---- csv.c: spreadsheet-safe RFC 4180 ---- */

#define CSV_MAX_CELLS	4096

struct csv_record {
	struct buf	*cells;	/* owned */
	size_t		 n;
	size_t		 cap;
	long long	 nread;	/* records read so far: the BOM comes first */
};

int	 csv_bom(struct buf *);
/* Appends one quoted, formula-neutralised cell; first: no comma before. */
int	 csv_cell(struct buf *, const char *s, size_t len, int first);
int	 csv_end(struct buf *);		/* CRLF */
/* Reads one record: 1 read, 0 at end of file, -1 malformed.  Start with a
 * zeroed record and pass the same one each time. */
int	 csv_read_record(FILE *, struct csv_record *);
void	 csv_record_free(struct csv_record *);
/* The cell's text without the apostrophe csv_cell added. */
const char *csv_unneutralise(const struct buf *cell);

/* ---- cookie.c: the Cookie request header ---- */

/*
 * Finds cookie name in a Cookie header and decodes its value as unpadded
 * base64url of exactly outlen bytes into out.  1 found and decoded, 0
 * absent or malformed (out then holds nothing of it).
 */
CHECKED int	 cookie_value(const char *header, const char *name, unsigned char *out,
	    size_t outlen);

#endif /* VAWG_TEXT_H */
