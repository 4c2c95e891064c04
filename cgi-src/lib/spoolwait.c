/*
 * spoolwait.c: which records wait in the spool's folder, and in what
 * order (issue 14, item 1).  A replay pass takes the oldest records first,
 * by the time each was written, so a token's first answers are stored
 * before the correction that follows them, even when the backlog is
 * longer than a pass; and a worker about to spool a post asks whether
 * other answers of the same token wait, which makes its post a correction
 * with a reference of its own (spool.c).  It reads names and times only:
 * it opens no record, writes and removes nothing.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

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
