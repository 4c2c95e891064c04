/*
 * file.c: small private files, read whole and written safely: the key
 * files the programs load at start, and the secret key files keyfile.c
 * writes.  One place gets the details right: a file larger than expected
 * is refused, never cut; a write never follows a symlink planted where
 * the file will be, never truncates an existing file in place, leaves
 * nothing half written under the real name, and syncs the folder so the
 * name survives a crash.  Messages name the path, never what the file
 * holds.  (The spool writes its records itself: a record already there
 * for the same key is success for it, not an error, and it works inside
 * one open folder; see spool.c.)
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base.h"

ssize_t
file_read_small(const char *path, unsigned char *out, size_t max)
{
	unsigned char	 extra;
	size_t		 total = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		LOG_ERR("%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		n = total < max ? read(fd, out + total, max - total) :
		    read(fd, &extra, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (n > 0 && total == max)) {
			LOG_ERR("%s: unreadable or larger than expected", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	return (ssize_t)total;
}

int
file_read_secret(const char *path, size_t n, unsigned char **out)
{
	unsigned char	*p;
	ssize_t		 got;

	if ((p = sodium_malloc(n)) == NULL)
		return -1;
	if ((got = file_read_small(path, p, n)) != (ssize_t)n) {
		if (got >= 0)
			LOG_ERR("%s: expected %zu bytes", path, n);
		sodium_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int
file_write_all(int fd, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
file_sync_dir(const char *dir)
{
	int	 fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* fsync()s the folder that holds path, so a new name in it is durable. */
static int
sync_folder(const char *path)
{
	char	 copy[PATH_MAX];

	if (strlen(path) >= sizeof(copy))
		return -1;
	strcpy(copy, path);
	return file_sync_dir(dirname(copy));
}

int
file_write_private(const char *path, const void *data, size_t len,
    mode_t mode, int replace)
{
	char	 tmp[PATH_MAX];
	int	 fd, n, rc = -1;

	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "%s: path too long\n", path);
		return -1;
	}
	/* Refuse early and clearly; link() below is what makes it sure. */
	if (!replace && access(path, F_OK) == 0) {
		fprintf(stderr, "%s exists: not overwriting it\n", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		return -1;
	}
	/* The mode asked for, whatever the umask. */
	if (fchmod(fd, mode) == -1 || file_write_all(fd, data, len) == -1 ||
	    fsync(fd) == -1) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) == -1) {
		fprintf(stderr, "%s: %s\n", tmp, strerror(errno));
		goto out;
	}
	/* rename() replaces a symlink at path rather than following it;
	 * link() fails if anything at all is there. */
	if ((replace ? rename(tmp, path) : link(tmp, path)) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	if (sync_folder(path) == -1) {
		fprintf(stderr, "%s: cannot sync its folder\n", path);
		goto out;
	}
	rc = 0;
out:
	unlink(tmp);	/* gone already after rename() */
	return rc;
}
