/*
 * vawg.h: the one private header of the service.  Every prototype that
 * crosses a file boundary is here, grouped by the file that defines it;
 * functions private to a file are static there.  Ownership is written at
 * each prototype: "borrowed" means the caller keeps it, "owned" means the
 * callee (or the returned object) frees it.
 */
#ifndef VAWG_H
#define VAWG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- buf.c: a growable byte buffer that never leaves stale copies ---- */

/*
 * A buffer grows by allocate-copy-wipe-free rather than realloc(), so a
 * buffer that once held a sensitive answer leaves no copy of it behind in
 * freed memory.  data is always NUL-terminated when non-NULL.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

int	 buf_append(struct buf *, const void *, size_t);	/* 0 / -1 */
int	 buf_puts(struct buf *, const char *);		/* 0 / -1 */
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));	/* 0 / -1 */
/* Room for n more bytes (and the NUL) without another allocation. */
int	 buf_reserve(struct buf *, size_t n);			/* 0 / -1 */
void	 buf_truncate(struct buf *, size_t len);	/* wipes the cut */
void	 buf_reset(struct buf *);	/* len = 0, keeps the memory */
void	 buf_free(struct buf *);	/* wipes and frees; NULL-safe */

/* ---- log.c: events, never values ---- */

/*
 * One line per event on stderr: time, pid, level, function, request id,
 * message.  Callers never pass an answer, a token or an address.
 */
void	 log_init(const char *progname);
void	 log_set_request(const char *request_id);	/* borrowed; NULL clears */
void	 log_msg(const char *level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#define LOG_ERR(...)	log_msg("error", __func__, __VA_ARGS__)
#define LOG_WARN(...)	log_msg("warn", __func__, __VA_ARGS__)
#define LOG_INFO(...)	log_msg("info", __func__, __VA_ARGS__)

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

/* ---- token.c: signed form tokens and references ---- */

#define TOKEN_KEY_BYTES		32	/* crypto_auth_KEYBYTES */
#define TOKEN_NONCE_BYTES	16
#define TOKEN_TEXT_MAX		128	/* base64url text, with NUL */
#define REFERENCE_TEXT		10	/* "K7QM-4XPT" and NUL */
/* What the schema's CHECK lets a stored reference hold. */
#define REFERENCE_CHARS		"ABCDEFGHIJKLMNOPQRSTUVWXYZ23456789-"

struct token {
	uint32_t	form_id;
	int64_t		issued;		/* seconds since the epoch */
	unsigned char	nonce[TOKEN_NONCE_BYTES];	/* the idempotency key */
};

enum token_result {
	TOKEN_OK,
	TOKEN_MALFORMED,	/* not base64url of the right length/version */
	TOKEN_BAD_MAC,		/* not ours, or altered */
	TOKEN_WRONG_FORM,	/* ours, but for another form */
	TOKEN_TOO_QUICK,	/* younger than the minimum fill time */
	TOKEN_EXPIRED,		/* older than the maximum age */
};

/*
 * Writes a fresh token for form_id issued at now into out (size at least
 * TOKEN_TEXT_MAX).  Returns 0, or -1 if out is too small.
 */
int	 token_mint(const unsigned char *key, uint32_t form_id, int64_t now,
	    char *out, size_t outsz);
/*
 * Checks text[0..len) against key, form_id and the time window.  On TOKEN_OK,
 * TOKEN_TOO_QUICK and TOKEN_EXPIRED, *out holds the decoded token (its MAC
 * was good); otherwise *out is zeroed.
 */
enum token_result token_verify(const unsigned char *key, const char *text,
	    size_t len, uint32_t form_id, int64_t now, int64_t min_fill,
	    int64_t max_age, struct token *out);
/* The short reference shown to the user, derived from the nonce. */
void	 token_reference(const unsigned char *nonce, char out[REFERENCE_TEXT]);

/* ---- seal.c: keys and envelopes (libsodium) ---- */

#define SEAL_PK_BYTES		32
#define SEAL_SK_BYTES		32
#define SEAL_KEY_ID_BYTES	8
#define SEAL_KEY_ID_HEX		17	/* 16 hex digits and NUL */
#define SEAL_FP_HEX		65	/* fingerprint: 64 hex digits and NUL */
#define ENVELOPE_VERSION	1
#define SEAL_PAD_BLOCK		256

struct seal_pub {
	unsigned char	pk[SEAL_PK_BYTES];
	char		key_id[SEAL_KEY_ID_HEX];	/* hex, names the key */
	char		fingerprint[SEAL_FP_HEX];	/* hex BLAKE2b-256 of pk */
};

/* A secret key, unlocked; lives in sodium_malloc()ed memory. */
struct seal_secret {
	struct seal_pub	pub;
	unsigned char	*sk;	/* SEAL_SK_BYTES, sodium_malloc()ed */
};

int	 seal_init(void);	/* sodium_init(); 0 / -1 */
int	 seal_pub_from_bytes(const unsigned char *pk, struct seal_pub *);
int	 seal_pub_load(const char *path, struct seal_pub *);	/* 0 / -1 */
/* Reads exactly n secret bytes from path into sodium_malloc()ed *out. */
int	 seal_read_secret_file(const char *path, size_t n, unsigned char **out);
/*
 * Generates a key pair; writes pub_path (hex text) and sec_path (the secret
 * key under passphrase: Argon2id + secretbox).  Refuses to overwrite.
 */
int	 seal_keygen(const char *pub_path, const char *sec_path,
	    const char *pass, size_t passlen, struct seal_pub *out);
/* Opens sec_path with the passphrase.  -1 on a wrong passphrase too. */
int	 seal_secret_load(const char *sec_path, const char *pass,
	    size_t passlen, struct seal_secret *out);
void	 seal_secret_free(struct seal_secret *);	/* wipes; NULL-safe */
/* The first line of path, in sodium_malloc()ed memory (sodium_free it);
 * NULL (logged) if unreadable or shorter than SEAL_PASS_MIN. */
char	*seal_passphrase_load(const char *path, size_t *len);
#define SEAL_PASS_MIN	12
#define SEAL_PASS_MAX	1024

/*
 * Seals plain[0..len) for the row identified by idem and form into out:
 * version | key id | crypto_box_seal(pad(idem | form | plain)).
 * The padded copy is wiped before return.  0 / -1.
 */
int	 seal_envelope(const struct seal_pub *, const unsigned char *idem,
	    const char *form, const void *plain, size_t len, struct buf *out);

enum open_result {
	OPEN_OK,
	OPEN_MALFORMED,		/* too short, unknown version */
	OPEN_UNKNOWN_KEY,	/* sealed to a key we do not hold */
	OPEN_FAILED,		/* tampered or corrupt */
	OPEN_MISMATCH,		/* sealed for another row or form */
	OPEN_NOMEM,
};

/* Opens an envelope, checks idem and form, appends the plaintext to out. */
enum open_result seal_open(const struct seal_secret *, const unsigned char *env,
	    size_t envlen, const unsigned char *idem, const char *form,
	    struct buf *out);
const char *seal_open_strerror(enum open_result);

/* ---- form.c: definitions and validation ---- */

enum field_kind {
	FIELD_TEXT,
	FIELD_TEXTAREA,
	FIELD_EMAIL,
	FIELD_TEL,
	FIELD_RADIO,
	FIELD_CHECKBOXES,
	FIELD_SELECT,
	FIELD_DATE,
	FIELD__MAX
};

struct field_option {
	char	*value;
	char	*label;
	char	*hint;
	char	*notice;	/* "" if none */
};

struct field {
	char		*name;
	enum field_kind	 kind;
	char		*section;
	char		*label;
	char		*hint;
	int		 required;
	int		 sensitive;
	size_t		 max_length;	/* in code points */
	struct field_option	*options;
	size_t		 noptions;
};

struct form {
	uint32_t	 id;
	int32_t		 version_id;
	int		 version;	/* 1, 2, ... as people count them */
	char		*name;
	char		*title;
	char		*summary;
	char		*intro;
	char		*privacy;
	char		*submit_label;
	char		*confirmation;
	char		*closes_text;	/* "31 March 2027", "" if never */
	int		 discreet;
	int64_t		 opens_at;	/* INT64_MIN: always */
	int64_t		 closes_at;	/* INT64_MAX: never */
	struct field	*fields;
	size_t		 nfields;
};

struct formset {
	struct form	*forms;
	size_t		 n;
};

/* The answers to one field after validation (values point into a kvlist). */
struct fieldval {
	char		**vals;		/* owned array; strings borrowed */
	struct kv	**src;		/* each value's pair (in vals' block) */
	size_t		 nvals;
	char		 error[160];	/* the field's own message, "" if fine */
};

enum form_reject {
	FORM_ACCEPT,		/* validated; field errors may still exist */
	FORM_UNKNOWN_FIELD,	/* a name the form does not have */
	FORM_REPEATED_FIELD,	/* two values for a single-valued field */
	FORM_HONEYPOT,		/* the hidden field was filled */
	FORM_NOMEM,
};

const char	*field_kind_name(enum field_kind);
int		 field_kind_from_name(const char *, enum field_kind *);
int		 field_is_choice(const struct field *);
const struct form *formset_find(const struct formset *, const char *name,
		    size_t len);
const struct form *formset_find_version(const struct formset *, int32_t id);
int		 form_valid_date(const char *);	/* YYYY-MM-DD, 1 / 0 */
int		 form_is_open(const struct form *, int64_t now);
void		 formset_free(struct formset *);
/*
 * Validates kv against form.  vals must have form->nfields entries; it is
 * filled (free with fieldvals_free).  Values are trimmed and CRLF-normalised
 * in place in kv's arena.  Reserved names (_token, _homepage) are skipped
 * here; the token is found with form_token_value().  Returns FORM_ACCEPT with
 * *nerrors set, or a reason to refuse the whole request.
 */
enum form_reject form_validate(const struct form *, struct kvlist *kv,
		    struct fieldval *vals, size_t *nerrors);
void		 fieldvals_free(struct fieldval *, size_t n);
/* The _token value: 1 found once, 0 absent, -1 repeated. */
int		 form_token_value(const struct kvlist *, const char **val,
		    size_t *len);
/* Plain answers as a JSON object; sensitive ones as name NUL value NUL. */
int		 form_plain_json(const struct form *, const struct fieldval *,
		    struct buf *out);
int		 form_sensitive_pairs(const struct form *,
		    const struct fieldval *, struct buf *out);

#define FIELD_TOKEN	"_token"
#define FIELD_HONEYPOT	"_homepage"

/* ---- store.c: PostgreSQL through libpq ---- */

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
/* Loads every form's current definition.  0 / -1 (logged). */
int		 store_load_forms(const char *conninfo, struct formset *out);
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

/* ---- http.c: the request and the response ---- */

struct FCGX_Request;

enum http_method {
	METHOD_GET,
	METHOD_HEAD,
	METHOD_POST,
	METHOD_OTHER
};

struct req {
	struct FCGX_Request	*fcgx;		/* borrowed */
	enum http_method	 method;
	const char		*path;		/* borrowed from the params */
	const char		*ctype;		/* "" if absent */
	long long		 clen;		/* -1 if absent, -2 if invalid */
	const char		*query;		/* "" if absent */
	const char		*cookie;	/* admin routes only; "" */
	const char		*remote_addr;	/* admin routes only; "" */
	int			 https;
	struct buf		 body;		/* owned, wiped at the end */
	int64_t			 now;
};

struct resp {
	int		 status;
	const char	*ctype;		/* static; default text/html UTF-8 */
	char		 location[1024];	/* "" for none */
	const char	*allow;		/* static; NULL for none */
	int		 clear_site_data;
	char		 set_cookie[256];	/* "" for none */
	char		 disposition[160];	/* "" for none */
	int		 streamed;	/* the handler already sent it all */
	struct buf	 body;		/* owned, wiped at the end */
	/* When npieces > 0 the body is these, in order, instead: borrowed
	 * (a cached page's halves, or body itself), so a cached page is
	 * sent without being copied. */
	struct resp_piece {
		const char	*data;
		size_t		 len;
	}		 pieces[3];
	size_t		 npieces;
};

enum body_result {
	BODY_OK,
	BODY_NO_LENGTH,		/* 411 */
	BODY_TOO_LARGE,		/* 413 */
	BODY_BAD_TYPE,		/* 415 */
	BODY_SHORT,		/* 400: fewer bytes than announced */
	BODY_NOMEM,		/* 500 */
};

/* Fills r from the FastCGI parameters of f.  Allocates nothing. */
void	 http_req_init(struct req *r, struct FCGX_Request *f);
void	 http_req_free(struct req *r);
/*
 * Checks type and length before reading a byte, then reads exactly
 * CONTENT_LENGTH bytes into r->body (STYLE.md 3, SECURITY.md threat 10).
 */
enum body_result http_read_body(struct req *r, size_t max);
/* Writes status, the security headers and the body (none for HEAD). */
void	 http_send(struct req *r, struct resp *s);
/* Writes only status and headers (no Content-Length), for a streamed
 * body that follows with http_stream(). */
/* DESIGN.md: the same strict policy on every page; no inline anything.
 * Sent by http.c on every answer, and by bench/bare.c, byte for byte. */
#define HTTP_SECURITY_HEADERS \
	"Content-Security-Policy: default-src 'self'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'; object-src 'none'\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Referrer-Policy: no-referrer\r\n" \
	"X-Frame-Options: DENY\r\n" \
	"Cross-Origin-Opener-Policy: same-origin\r\n" \
	"Permissions-Policy: camera=(), microphone=(), geolocation=()\r\n" \
	"Cache-Control: no-store\r\n"

void	 http_send_head(struct req *r, struct resp *s);
size_t	 http_body_len(const struct resp *);	/* body, or its pieces */
int	 http_stream(const char *p, size_t n, void *req);	/* 0 / -1 */
const char *http_status_text(int status);
void	 http_resp_free(struct resp *s);

/* ---- config.c: settings from the environment, read once at start ---- */

struct config {
	const char	*socket_path;	/* VAWG_SOCKET */
	const char	*conninfo;	/* VAWG_DB */
	const char	*template_dir;	/* VAWG_TEMPLATES */
	const char	*key_dir;	/* VAWG_KEYS */
	const char	*exit_url;	/* VAWG_EXIT_URL */
	const char	*run_as;	/* VAWG_USER, "" to stay */
	const char	*pin;		/* VAWG_KEY_FINGERPRINT, "" if unset */
	const char	*spool_dir;	/* VAWG_SPOOL */
	int		 workers;	/* VAWG_WORKERS */
	size_t		 body_max;	/* VAWG_BODY_MAX */
	int64_t		 min_fill;	/* VAWG_MIN_FILL_SECONDS */
	int64_t		 max_age;	/* VAWG_TOKEN_MAX_AGE */
	/* The admin pool's: */
	const char	*admin_socket;	/* VAWG_ADMIN_SOCKET */
	const char	*admin_conninfo;	/* VAWG_ADMIN_DB */
	const char	*admin_run_as;	/* VAWG_ADMIN_USER, "" to stay */
	const char	*passphrase_file;	/* VAWG_PASSPHRASE_FILE; "" =
					 * sealed mode, no secret key held */
	int		 admin_workers;	/* VAWG_ADMIN_WORKERS */
	int		 session_idle;	/* VAWG_SESSION_IDLE seconds */
	int		 session_max;	/* VAWG_SESSION_MAX seconds */
	int		 reauth_after;	/* VAWG_REAUTH_SECONDS */
	int		 login_free_tries;	/* VAWG_LOGIN_FREE_TRIES */
	int		 login_max_wait;	/* VAWG_LOGIN_MAX_WAIT seconds */
};

int	 config_load(struct config *);	/* 0 / -1 with a message */

/* ---- app.c and page_*.c: the public routes ---- */

/* What every public page needs; built at start, read-only afterwards. */
/*
 * An empty form page is the same for everyone but its token: it is
 * rendered once per form when the definitions load, split where the token
 * goes, and each GET only mints a token between the two halves.  The
 * confirmation page is the same for everyone but the reference (unless an
 * answer chosen brings an urgent notice: then it is rendered afresh).
 */
struct page_split {
	int		 valid;
	struct buf	 head;		/* the page up to the variable part */
	struct buf	 tail;		/* and after it */
};

struct page_cache {
	int			 open;	/* rendered while the form was open */
	struct page_split	 form;	/* tail "" if closed */
	struct page_split	 confirm;
};

struct app {
	const struct config	*cfg;
	struct formset		 forms;
	struct page_cache	*cache;		/* one per form, or NULL */
	struct seal_pub		 pub;
	unsigned char		*token_key;	/* sodium_malloc()ed */
	struct store		*store;		/* per worker */
};

extern const char *const app_templates[];
extern const size_t app_ntemplates;

/* Routes one request: fills s, never writes to the client itself. */
void	 app_handle(struct app *, struct req *, struct resp *);
/*
 * Renders file inside the layout with page title into s->body; the page's
 * own dictionary is returned through *page for the caller to fill first.
 * Use: d = page_begin(title, file, &page); fill page; page_end(d, s, status).
 */
struct view_dict *page_begin(const char *title, const char *file,
	    struct view_dict **page);
void	 page_end(struct view_dict *root, struct resp *s, int status);
/* A message page: heading, one or two paragraphs, a link home. */
void	 page_message(struct resp *s, int status, const char *heading,
	    const char *para1, const char *para2);
/* Adds one section item per blank-line separated paragraph of text. */
int	 page_paragraphs(struct view_dict *d, const char *section,
	    const char *text);

void	 page_index(struct app *, struct req *, struct resp *);
void	 page_form(struct app *, struct req *, struct resp *,
	    const struct form *);
/* Renders every form's empty page into app->cache (after each load of the
 * definitions); a form whose page fails is simply rendered per request. */
void	 page_form_cache_build(struct app *, int64_t now);
void	 page_form_cache_free(struct app *);
void	 page_health(struct app *, struct req *, struct resp *);
void	 page_exit(struct app *, struct req *, struct resp *);
void	 page_safety(struct app *, struct req *, struct resp *);

/* ---- keyring.c: every generation of the secret key ---- */

#define KEYRING_MAX	32

struct keyring {
	struct seal_secret	keys[KEYRING_MAX];
	size_t			n;
};

/* Opens service.sec and keyring/ *.sec under dir.  0 / -1 (logged). */
int	 keyring_load(const char *dir, const char *pass, size_t passlen,
	    struct keyring *);
const struct seal_secret *keyring_find(const struct keyring *,
	    const char *key_id);
/* Opens an envelope with whichever key it names. */
enum open_result keyring_open(const struct keyring *, const unsigned char *env,
	    size_t envlen, const unsigned char *idem, const char *form,
	    struct buf *out);
void	 keyring_free(struct keyring *);	/* wipes; NULL-safe */
/* Moves the current pair into keyring/ and makes a new one.  0 / -1. */
int	 keyring_rotate(const char *dir, const char *pass, size_t passlen,
	    struct seal_pub *old, struct seal_pub *fresh);

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

/* ---- store_admin.c: the admin pool's and vawgctl's SQL ---- */

struct pg_conn;
/* The live connection (reconnecting if needed), or NULL.  Borrowed. */
struct pg_conn	*store_conn(struct store *);

struct admin_user {
	int		 found;
	int32_t		 id;
	char		 username[40];
	char		 pwhash[128];	/* crypto_pwhash_STRBYTES */
	unsigned char	 totp[64];
	size_t		 totplen;
	int64_t		 totp_last_step;
	int		 disabled;
};

struct admin_session {
	int		 found;
	int32_t		 admin_id;
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
int	 store_admin_user(struct store *, const char *username,
	    struct admin_user *);
/* 1 if the TOTP step was fresh and the login recorded, 0 if replayed. */
int	 store_admin_login_ok(struct store *, int32_t id, int64_t step,
	    const char *new_pwhash);
int	 store_throttle_wait(struct store *, const char *kind,
	    const unsigned char *hash, int64_t *seconds);
int	 store_throttle_fail(struct store *, const char *kind,
	    const unsigned char *hash, int free_tries, int max_wait);
int	 store_throttle_clear(struct store *, const char *kind,
	    const unsigned char *hash);
int	 store_session_create(struct store *, const unsigned char *hash,
	    int32_t admin_id, const char *csrf);
int	 store_session_get(struct store *, const unsigned char *hash,
	    int idle, int max, struct admin_session *);
int	 store_session_delete(struct store *, const unsigned char *hash);
int	 store_session_reauthed(struct store *, const unsigned char *hash);
/* count < 0 stores NULL; form/from/to may be NULL. */
int	 store_audit(struct store *, const char *actor, const char *action,
	    const char *form, const char *from, const char *to,
	    long long count, const char *detail);
int	 store_export_count(struct store *, const char *form, const char *from,
	    const char *to, long long *count);
/* Calls cb per row, in time order; cb returning -1 stops the export. */
int	 store_export_rows(struct store *, const char *form, const char *from,
	    const char *to, int (*cb)(const struct export_row *, void *),
	    void *arg);
int	 store_form_counts(struct store *, uint32_t form_id, long long *total,
	    long long *today, long long daily[30]);
int	 store_choice_counts(struct store *, uint32_t form_id,
	    const char *field, int (*cb)(const char *value, long long n,
	    void *), void *arg);
/* vawgctl, as the owner: enrol (or re-enrol), disable (returns how many
 * accounts matched), purge past each form's retention (cb per form, in the
 * same transaction as the deletion; dry_run rolls it back). */
int	 store_admin_add(struct store *, const char *user, const char *pwhash,
	    const unsigned char *totp, size_t totplen);
int	 store_admin_disable(struct store *, const char *user);
int	 store_purge(struct store *, const char *actor, int dry_run,
	    int (*cb)(const char *form, long long n, void *), void *arg);
/* cols: when, actor, form, from, to, rows. */
int	 store_recent_exports(struct store *, int limit,
	    int (*cb)(const char *const *cols, void *), void *arg);

/* ---- export.c: streamed, spreadsheet-safe CSV of one form ---- */

#define EXPORT_MAX_COLS	256

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
	const struct formset	*versions;	/* every version; borrowed */
	const struct keyring	*keys;		/* NULL: sealed mode */
	const char		*form_name;
	int			(*emit)(const char *, size_t, void *);
	void			*emit_arg;
	/* Kept by export.c: */
	struct {
		const char	*name;
		const char	*label;
		int		 sensitive;
	}			 cols[EXPORT_MAX_COLS];
	size_t			 ncols;
	struct buf		 line;
	struct buf		 cell;
	struct buf		 hex;
	struct export_slot	*slots;		/* EXPORT_BATCH, decrypting */
	size_t			 nslots;	/* rows waiting */
	long long		 rows;
	long long		 errors;	/* rows that did not open */
};

/* Writes the byte-order mark and the header.  0 / -1. */
int	 export_begin(struct exporter *);
/* A store_export_rows() callback: writes one row, or (decrypting) adds it
 * to the batch and writes the batch when it is full.  0 / -1. */
int	 export_row(const struct export_row *, void *exporter);
/* Writes the rows still in the batch.  0 / -1.  Call after the last row. */
int	 export_end(struct exporter *);
void	 export_free(struct exporter *);	/* wipes every slot */

/* export_open.c: opens n slots' envelopes, on up to 4 threads. */
void	 export_open_batch(const struct exporter *, struct export_slot *,
	    size_t n);

/* ---- json.c ---- */
int	 json_string(struct buf *, const char *s, size_t len);	/* 0 / -1 */

/* ---- hex / base64 helpers live in libsodium ---- */

#ifdef __cplusplus
}
#endif

#endif /* VAWG_H */
