/*
 * spoolwait.c: which records wait in the spool's folder, and in what
 * order (issue 14, item 1).  A replay pass takes the oldest records first,
 * by the time each was written, so a token's first answers are stored
 * before the correction that follows them, even when the backlog is
 * longer than a pass; and a worker about to spool a post asks whether
 * other answers of the same token wait, which makes its post a correction
 * with a reference of its own (spool.c), and which reference a record
 * already waiting holds.  It reads names, times and records: it writes,
 * moves and removes nothing.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

int
spoolwait_keep(int dfd, const char *name, struct spoolwait *w, size_t *n,
    size_t max)
{
	struct stat	 st;
	size_t		 i, k = *n;
	int64_t		 at;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;	/* gone: another replayer took it */
	/* link() keeps the time the record's temporary file was written. */
	at = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (*n == max)		/* full: take the newest's place, if older */
		for (i = k = 0; i < *n; i++)
			if (w[i].at > w[k].at)
				k = i;
	if (k < max && (k == *n || at < w[k].at)) {
		memcpy(w[k].name, name, SPOOLREC_NAME);
		w[k].at = at;
	}
	if (*n < max) {
		(*n)++;
		return 0;
	}
	return 1;
}

static int
by_arrival(const void *a, const void *b)
{
	const struct spoolwait	*x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
spoolwait_sort(struct spoolwait *w, size_t n)
{
	if (n > 1)
		qsort(w, n, sizeof(*w), by_arrival);
}

int
spoolwait_other_answers(const char *dir, const char *name)
{
	DIR		*d;
	struct dirent	*e;
	int		 found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	/* The same idempotency key, another name: another digest. */
	while (!found && (e = readdir(d)) != NULL)
		found = spoolrec_is_name(e->d_name) &&
		    strncmp(e->d_name, name, SPOOLREC_IDEM_HEX) == 0 &&
		    strcmp(e->d_name, name) != 0;
	closedir(d);
	return found;
}

/* Reads a whole record file, refusing anything but a small regular file. */
int
spoolwait_read(int dfd, const char *name, struct buf *out)
{
	struct stat	 st;
	char		 chunk[8192];
	ssize_t		 n;
	int		 fd, rc = -1;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > (off_t)SPOOLREC_MAX) {
		errno = EINVAL;
		goto out;
	}
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > SPOOLREC_MAX ||
		    buf_append(out, chunk, (size_t)n) == -1) {
			errno = ENOMEM;
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* The reference of the record waiting as name, into ref.  0 / -1. */
int
spoolwait_reference(int dfd, const char *name, char ref[REFERENCE_TEXT])
{
	struct buf	 raw = { 0 };
	struct spoolrec	 rec;
	int		 rc = -1;

	if (spoolwait_read(dfd, name, &raw) == 0) {
		if (spoolrec_parse(raw.data, raw.len, &rec) == SPOOLREC_OK) {
			memcpy(ref, rec.reference, REFERENCE_TEXT);
			spoolrec_free(&rec);
			rc = 0;
		} else
			errno = EINVAL;
	}
	buf_free(&raw);
	return rc;
}

/*
 * rec's bytes into enc, with the reference its replay will store in
 * rec->reference: the waiting record's for the same answers; a
 * correction's when other answers of the token wait (replayed first, they
 * take the token's own); else the token's.  (When the token's first
 * answers are in the database already, the spool cannot know: the
 * correction keeps the token's reference, and sql/010 stores it with
 * that one, linked.)  0, or -1 (logged) when the same answers' record is
 * there but unreadable: not saved, honestly.
 */
int
spoolwait_prepare(const char *dir, int dfd, const char *name,
    struct spoolrec *rec, struct buf *enc)
{
	struct stat	 st;
	int		 waiting = 0;

	/* Her post's time goes with it: the replay dates the row by it,
	 * which starts the retention clock (store_submit.c). */
	if (rec->received == 0)
		rec->received = (int64_t)time(NULL);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (spoolwait_reference(dfd, name, rec->reference) == 0)
			waiting = 1;
		else if (errno != ENOENT) {	/* ENOENT: just replayed */
			LOG_ERR("a waiting spool file is unreadable");
			return -1;
		}
	}
	if (!waiting && rec->has_digest &&
	    spoolwait_other_answers(dir, name))
		answers_reference(rec->idem, rec->digest, rec->reference);
	else if (!waiting)
		token_reference(rec->idem, rec->reference);
	if (spoolrec_encode(rec, enc) == -1) {
		LOG_ERR("cannot encode the record");
		return -1;
	}
	return 0;
}
