/*
 * base.h: the bottom layer of libvawg, which every other file may use:
 * a byte buffer that leaves no stale copies, the event log, JSON strings,
 * settings from the environment, and private files written and read safely.
 * Nothing here knows about forms, keys, the database or HTTP.
 *
 * Ownership is written at each prototype: "borrowed" means the caller keeps
 * it, "owned" means the callee (or the returned object) frees it.
 */
#ifndef VAWG_BASE_H
#define VAWG_BASE_H

/*
 * Invariants are assert()ed and stay checked in every build: the cost is
 * nothing beside a sealed box, and a broken one must stop the process
 * rather than let it go on with an answer in the wrong place.
 */
#ifdef NDEBUG
#error "libvawg is never built with NDEBUG: its assert()s are checks"
#endif
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The project's own wrappers of keys, tokens, envelopes and private files
 * are CHECKED, as libsodium's own functions are: a result ignored is a
 * compile error under -Werror, so no caller can carry on as if a key
 * loaded, a token verified or an envelope sealed when it did not.
 */
#define CHECKED	__attribute__((warn_unused_result))

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
/* Names the request in every line until cleared; id borrowed, NULL
 * clears. */
void	 log_set_request(const char *request_id);
void	 log_msg(const char *level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
#define LOG_ERR(...)	log_msg("error", __func__, __VA_ARGS__)
#define LOG_WARN(...)	log_msg("warn", __func__, __VA_ARGS__)
#define LOG_INFO(...)	log_msg("info", __func__, __VA_ARGS__)

/* ---- json.c: JSON string literals ---- */

int	 json_string(struct buf *, const char *s, size_t len);	/* 0 / -1 */

/* ---- env.c: settings from the environment ---- */

/* The variable's value, or fallback when it is unset or empty. */
const char *env_or(const char *name, const char *fallback);
/*
 * The variable as a whole number in [min, max] into *out (fallback when
 * unset or empty).  0, or -1 with a message naming the variable.
 */
int	 env_num(const char *name, long long fallback, long long min,
	    long long max, long long *out);

/* ---- file.c: small private files ---- */

/*
 * Reads the file at path whole into out (max bytes at most).  Returns its
 * length, or -1 (logged) if it cannot be read or is larger than max.
 */
CHECKED ssize_t	 file_read_small(const char *path, unsigned char *out, size_t max);
/* Writes all of data to fd, through short writes and EINTR.  0 / -1
 * (errno set). */
int	 file_write_all(int fd, const void *data, size_t len);
/* Reads exactly n bytes from path into sodium_malloc()ed *out (owned:
 * sodium_free it).  0 / -1 (logged). */
CHECKED int	 file_read_secret(const char *path, size_t n, unsigned char **out);
/*
 * The one writer of files that must not be read or replaced by anyone
 * else: a temporary file beside path (O_EXCL|O_NOFOLLOW, the given mode),
 * written, fsync()ed, renamed over path (only if path does not exist
 * unless replace is set), then the folder fsync()ed.  A symlink at path
 * is never followed.  0 / -1 (a message on stderr).
 */
CHECKED int	 file_write_private(const char *path, const void *data, size_t len,
	    mode_t mode, int replace);
/* fsync()s the folder dir, so the names just made, moved or removed in
 * it survive a crash.  0 / -1 (errno set, nothing said). */
CHECKED int	 file_sync_dir(const char *dir);

#ifdef __cplusplus
}
#endif

#endif /* VAWG_BASE_H */
