/*
 * files.c: what the unit tests that need the disk share (test_seal.c and
 * test_keyring.c, whose key files are files by nature): a private
 * directory under /tmp and its removal with everything in it, paths
 * inside it, and whole-file reads and writes.  Every other test stays in
 * memory; nothing here is a test.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

int
test_fixture_begin(int *state, char *dir, size_t size, const char *prefix,
    void (*cleanup)(void))
{
	if (*state != 0)
		return 0;
	*state = -1;
	if (snprintf(dir, size, "/tmp/%s-XXXXXX", prefix) >= (int)size ||
	    mkdtemp(dir) == NULL) {
		dir[0] = '\0';
		return 0;
	}
	atexit(cleanup);
	return 1;
}

void
test_dir_remove(const char *dir)
{
	char		 path[512];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			test_dir_remove(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

const char *
test_path(const char *dir, const char *name)
{
	static char	 path[2][192];
	static int	 which;

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/%s", dir, name);
	return path[which];
}

long
read_file(const char *path, void *data, size_t max)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	n = fread(data, 1, max, f);
	fclose(f);
	return (long)n;
}

int
write_file(const char *path, const void *data, size_t len)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
