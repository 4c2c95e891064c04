/*
 * spool_dir.c: the spool folder's bounds and its failed/ folder
 * (docs/THREAT-MODEL.md threat 12).  The spool sits on the disk the
 * database writes to, so what it may hold is capped (VAWG_SPOOL_MAX_BYTES,
 * VAWG_SPOOL_MAX_FILES): a worker that finds it full writes nothing, and
 * the post is answered "not saved" rather than filling the disk.  Records
 * the database refused as invalid wait in failed/ (spool.c), counted by
 * `vawgctl status`; `vawgctl spool-retry` moves them back to be replayed.
 *
 * It reads and moves record files; it never parses one, and never
 * deletes one.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

#define COPY_DIGITS	3	/* move_to_failed() numbers copies 1..99 */

/* The cap's turn to full is said once per process, and its end once. */
static int	 full_said;

struct usage {
	uint64_t	 bytes;
	size_t		 files;
	int		 found;		/* the name to be written is there */
};

/*
 * Adds what the folder open at dfd holds (records only, or every entry
 * but a temporary one) to *u.  0 / -1.
 */
static int
add_usage(int dfd, int records_only, const char *name, struct usage *u)
{
	DIR		*d;
	struct dirent	*e;
	struct stat	 st;
	int		 fd;

	if ((fd = dup(dfd)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' ||
		    (records_only && !spoolrec_is_name(e->d_name)))
			continue;
		if (name != NULL && strcmp(e->d_name, name) == 0)
			u->found = 1;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		u->files++;
		u->bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	return 0;
}

enum spool_result
spool_dir_room(int dfd, const char *name, size_t len,
    const struct spool_cap *cap)
{
	struct usage	 u = { 0, 0, 0 };
	int		 ffd, room;

	if (add_usage(dfd, 1, name, &u) == -1) {
		LOG_ERR("cannot read the spool: %s", strerror(errno));
		return SPOOL_ERROR;
	}
	if (u.found)
		return SPOOL_OK;
	/* failed/ is on the same disk: it counts too. */
	if ((ffd = openat(dfd, SPOOL_FAILED, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		if (add_usage(ffd, 0, NULL, &u) == -1)
			LOG_WARN("cannot count the failed folder");
		close(ffd);
	}
	room = u.files + 1 <= cap->files && u.bytes + len <= cap->bytes;
	if (!room && !full_said)
		LOG_ERR("the spool is full (%zu records, %llu bytes; caps %zu "
		    "and %llu): posts are refused as not saved until the "
		    "database takes them", u.files,
		    (unsigned long long)u.bytes, cap->files,
		    (unsigned long long)cap->bytes);
	else if (room && full_said)
		LOG_INFO("the spool has room again");
	full_said = !room;
	return room ? SPOOL_OK : SPOOL_FULL;
}

/*
 * The record name a failed/ entry stands for: "X.rec" itself, or "X.rec"
 * of a numbered copy "X.rec.N".  1 with out, or 0 for anything else.
 */
static int
unpark_name(const char *entry, char out[SPOOLREC_NAME])
{
	const char	*dot = strrchr(entry, '.');
	size_t		 base, i;

	if (spoolrec_is_name(entry)) {
		memcpy(out, entry, SPOOLREC_NAME);
		return 1;
	}
	if (dot == NULL || dot[1] == '\0' ||
	    strlen(dot + 1) > COPY_DIGITS ||
	    (base = (size_t)(dot - entry)) != SPOOLREC_NAME - 1)
		return 0;
	for (i = 1; dot[i] != '\0'; i++)
		if (dot[i] < '0' || dot[i] > '9')
			return 0;
	memcpy(out, entry, base);
	out[base] = '\0';
	return spoolrec_is_name(out);
}

/* Moves failed/entry back to dir as name: link, then unlink.  1 moved, 0
 * kept (a record of that key waits already), -1 error (logged). */
static int
unpark_one(int dfd, int ffd, const char *entry, const char *name)
{
	if (linkat(ffd, entry, dfd, name, 0) == -1) {
		if (errno == EEXIST)
			return 0;
		LOG_ERR("cannot move %s back: %s", entry, strerror(errno));
		return -1;
	}
	if (unlinkat(ffd, entry, 0) == -1) {
		LOG_ERR("cannot remove %s/%s: %s", SPOOL_FAILED, entry,
		    strerror(errno));
		return -1;
	}
	return 1;
}

int
spool_dir_unpark(const char *dir, size_t *moved, size_t *kept)
{
	DIR		*d = NULL;
	struct dirent	*e;
	char		 name[SPOOLREC_NAME];
	int		 dfd, ffd = -1, rc = -1, r;

	*moved = *kept = 0;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		LOG_ERR("%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((ffd = openat(dfd, SPOOL_FAILED, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		rc = errno == ENOENT ? 0 : -1;
		if (rc == -1)
			LOG_ERR("%s/%s: %s", dir, SPOOL_FAILED,
			    strerror(errno));
		goto out;
	}
	if ((r = dup(ffd)) == -1 || (d = fdopendir(r)) == NULL) {
		if (r != -1)
			close(r);
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		r = unpark_name(e->d_name, name) ?
		    unpark_one(dfd, ffd, e->d_name, name) : 0;
		if (r == 1)
			(*moved)++;
		else
			(*kept)++;
	}
	/* The links first, the unlinks after: a crash between leaves a
	 * record in both, which replays once and is set aside again. */
	if (fsync(dfd) == -1 || fsync(ffd) == -1) {
		LOG_ERR("cannot sync the spool: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (ffd != -1)
		close(ffd);
	close(dfd);
	return rc;
}
