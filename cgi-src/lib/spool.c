/*
 * spool.c: the durable spool that keeps a confirmed submission while the
 * database is away, and its replay (docs/ARCHITECTURE.md "Nothing lost",
 * docs/THREAT-MODEL.md threat 12).
 *
 * A worker whose store_submit() says STORE_DOWN writes the record
 * (spoolrec.c) to DIR/<idem hex>-<digest hex>.rec: a private temporary
 * file, written, fsync()ed, linked to its final name, and the directory
 * fsync()ed, so the file is either whole on disk or absent before the user
 * is told "saved".  The name is the idempotency key and the answers'
 * digest (answers.c), so a retried post finds its record already there,
 * and a corrected one (the same token, other answers) is a record of its
 * own beside the first, with a reference of its own.
 *
 * The replayer (a child of the public pool's master, or `vawgctl
 * spool-replay`) calls vawg.submit() for each record, oldest first (a
 * correction after what it corrects), and unlinks it only after the
 * database answered.  A crash between the two replays the record
 * once more, and vawg.submit() returns the row already stored for that key:
 * exactly one row.  Only a record the database refuses as invalid
 * (STORE_REFUSED: its values, not the database's state), or that does not
 * parse, goes to DIR/failed/ for a person to look at (`vawgctl status`
 * counts it, `vawgctl spool-retry` brings it back: spool_dir.c); it is
 * never deleted.  A refusal that can pass (a permission, a read-only
 * database, a lock) leaves the record where it is, and the passes back off.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define FAILED_DIR	SPOOL_FAILED
#define STALE_TMP	60	/* seconds before a temporary file is litter */
#define HOLD_STREAK	3	/* refusals for now in a row end a pass */
#define HOLD_MAX	30	/* seconds: the longest wait between passes */

/*
 * The backoff while the database refuses records for now: one replayer
 * per process (the pool's replayer child, or vawgctl), so it is the
 * process's.  It is said once when it begins and once when it ends.
 */
static struct {
	time_t	 next;	/* no pass before this */
	int	 wait;	/* seconds, doubling up to HOLD_MAX; 0: not held */
} hold;
#define TMP_NAME	(SPOOLREC_NAME + 32)

_Static_assert(TMP_NAME >= SPOOLREC_NAME - 1 + sizeof("..-2147483648.tmp"),
    "\".<record name>.<pid>.tmp\" fits whole");

/* Is name one of our temporary files, ".<record name>.<pid>.tmp"? */
static int
is_tmp_name(const char *name)
{
	size_t	 len = strlen(name);

	return name[0] == '.' && len > 4 &&
	    strcmp(name + len - 4, ".tmp") == 0;
}

/* Creates the private temporary file tmp in dfd.  fd, or -1 (logged). */
static int
open_tmp(int dfd, const char *tmp)
{
	int	 fd;

	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST) {
		/* Left by a dead process that had our pid: only we could
		 * be writing this name now. */
		(void)unlinkat(dfd, tmp, 0);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd == -1)
		LOG_ERR("cannot create a spool file: %s", strerror(errno));
	return fd;
}

enum spool_result
spool_write(const char *dir, struct spoolrec *rec,
    const struct spool_cap *cap)
{
	struct buf		 enc = { 0 };
	char			 name[SPOOLREC_NAME], tmp[TMP_NAME];
	int			 dfd = -1, fd = -1, made = 0;
	enum spool_result	 rc = SPOOL_ERROR;

	spoolrec_name(rec, name);
	/* The pid makes the temporary name ours alone, even when two
	 * workers spool the same key at once (a double click). */
	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		LOG_ERR("%s: %s", dir, strerror(errno));
		goto out;
	}
	if (spoolwait_prepare(dir, dfd, name, rec, &enc) == -1)
		goto out;
	if ((rc = spool_dir_room(dfd, name, enc.len, cap)) != SPOOL_OK)
		goto out;
	rc = SPOOL_ERROR;
	if ((fd = open_tmp(dfd, tmp)) == -1)
		goto out;
	made = 1;
	if (file_write_all(fd, enc.data, enc.len) == -1 || fsync(fd) == -1) {
		LOG_ERR("cannot write a spool file: %s", strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		LOG_ERR("cannot write a spool file: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	/* link() rather than rename(): a record already there for this
	 * name (the same token and the same answers, spooled a moment ago by
	 * a double click) is kept, and that is success, with its reference.
	 * Other answers have another name: a correction is never dropped. */
	if (linkat(dfd, tmp, dfd, name, 0) == -1) {
		if (errno != EEXIST) {
			LOG_ERR("cannot name a spool file: %s",
			    strerror(errno));
			goto out;
		}
		(void)spoolwait_reference(dfd, name, rec->reference);
	}
	if (unlinkat(dfd, tmp, 0) == 0)
		made = 0;
	if (fsync(dfd) == -1) {
		LOG_ERR("cannot sync the spool: %s", strerror(errno));
		goto out;
	}
	rc = SPOOL_OK;
out:
	if (fd != -1)
		close(fd);
	if (made && dfd != -1)
		(void)unlinkat(dfd, tmp, 0);
	if (dfd != -1)
		close(dfd);
	buf_free(&enc);
	return rc;
}

long
spool_depth(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	long		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (spoolrec_is_name(e->d_name))
			n++;
	closedir(d);
	return n;
}

/*
 * Moves name into failed/ without replacing anything already there: a
 * second failure of the same key gets a numbered name.  0 / -1.
 */
static int
move_to_failed(int dfd, const char *name)
{
	char	 dst[PATH_MAX];
	int	 ffd, i, rc = -1;

	(void)mkdirat(dfd, FAILED_DIR, 0700);
	if ((ffd = openat(dfd, FAILED_DIR, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		LOG_ERR("cannot open the failed folder: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(dst, sizeof(dst), "%s", name);
		else
			snprintf(dst, sizeof(dst), "%s.%d", name, i);
		if (linkat(dfd, name, ffd, dst, 0) == 0)
			break;
		if (errno != EEXIST) {
			LOG_ERR("cannot move a record aside: %s",
			    strerror(errno));
			goto out;
		}
	}
	if (i == 100 || fsync(ffd) == -1 || unlinkat(dfd, name, 0) == -1) {
		LOG_ERR("cannot move a record aside");
		goto out;
	}
	rc = 0;
out:
	close(ffd);
	return rc;
}

/* Removes temporary files nobody finished writing a while ago. */
static void
sweep_tmp(int dfd, const char *name, time_t now)
{
	struct stat	 st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode) && st.st_mtime + STALE_TMP < now &&
	    unlinkat(dfd, name, 0) == 0)
		LOG_WARN("removed an unfinished spool file");
}

/* Replays one record: STORE_OK when it is in the database and gone from
 * the spool, STORE_DOWN to stop the pass, STORE_ERROR when it stays for a
 * later pass (refused for now), STORE_REFUSED when set aside in failed/. */
static enum store_result
replay_one(int dfd, const char *name, struct store *st,
    struct spool_tally *t)
{
	struct buf		 raw = { 0 };
	struct spoolrec		 rec;
	char			 want[SPOOLREC_NAME], stored[REFERENCE_TEXT];
	enum spoolrec_result	 pr;
	enum store_result	 res = STORE_ERROR;

	memset(&rec, 0, sizeof(rec));
	if (spoolwait_read(dfd, name, &raw) == -1) {
		if (errno == ENOENT)	/* another replayer took it */
			res = STORE_OK;
		else if (errno == ENOMEM)
			res = STORE_DOWN;	/* try again next pass */
		else {
			LOG_ERR("unreadable spool file: %s", strerror(errno));
			goto aside;
		}
		goto out;
	}
	pr = spoolrec_parse(raw.data, raw.len, &rec);
	if (pr == SPOOLREC_NOMEM) {
		res = STORE_DOWN;
		goto out;
	}
	if (pr != SPOOLREC_OK) {
		LOG_ERR("malformed spool file");
		goto aside;
	}
	spoolrec_name(&rec, want);
	if (strcmp(want, name) != 0) {
		LOG_ERR("spool file named for another key");
		goto aside;
	}
	/* The reference she was shown, whether the database finds it the
	 * token's first answers or a correction (spool_write chose it). */
	res = store_submit(st, rec.version_id, rec.idem, rec.reference,
	    rec.plain.data, &rec.sealed, rec.key_id,
	    rec.has_digest ? rec.digest : NULL, rec.reference, stored);
	/* Refused for now: store.c said why, once; the record stays. */
	if (res == STORE_DOWN || res == STORE_ERROR)
		goto out;
	if (res == STORE_REFUSED) {
		LOG_ERR("the database refused a spooled record as invalid");
		goto aside;
	}
	if (strcmp(stored, rec.reference) != 0)
		LOG_WARN("replayed record has another stored reference");
	if (unlinkat(dfd, name, 0) == -1 && errno != ENOENT)
		LOG_ERR("cannot remove a replayed record: %s",
		    strerror(errno));
	/* No line per record: the replayer logs each pass's totals. */
	t->replayed++;
	goto out;
aside:
	res = STORE_REFUSED;
	if (move_to_failed(dfd, name) == 0) {
		t->failed++;
		LOG_WARN("record moved to %s/", FAILED_DIR);
	}
out:
	spoolrec_free(&rec);
	buf_free(&raw);
	return res;
}

/*
 * After a pass: a pass that stored nothing and met a refusal for now waits
 * 1, 2, 4 ... up to HOLD_MAX seconds before the next; one that stored or
 * met none ends the wait.  A pass stopped by the database being away
 * changes nothing (the connect is the cheap test, and store.c says it).
 */
static void
replay_backoff(const struct spool_tally *t, time_t now)
{
	if (t->held > 0 && t->replayed == 0) {
		if (hold.wait == 0)
			LOG_WARN("spool replay held: the database refuses "
			    "records for now; %zu wait, tried again up to "
			    "every %d s", t->left, HOLD_MAX);
		hold.wait = hold.wait == 0 ? 1 : hold.wait * 2;
		if (hold.wait > HOLD_MAX)
			hold.wait = HOLD_MAX;
		hold.next = now + hold.wait;
	} else if (!t->down && hold.wait > 0) {
		LOG_INFO("spool replay goes on: the database takes records "
		    "again");
		hold.wait = 0;
	}
}

int
spool_replay(const char *dir, struct store *st, size_t max,
    struct spool_tally *t)
{
	DIR		*d = NULL;
	struct dirent	*e;
	struct spoolwait *names = NULL;
	size_t		 n = 0, i, done = 0, streak = 0;
	time_t		 now = time(NULL);
	int		 dfd = -1, rc = -1;
	enum store_result res;

	memset(t, 0, sizeof(*t));
	if (hold.wait > 0 && now < hold.next) {
		/* Backing off: no statement this time. */
		t->left = t->held = (size_t)(spool_depth(dir) > 0 ?
		    spool_depth(dir) : 0);
		return 0;
	}
	if ((names = calloc(max + 1, sizeof(*names))) == NULL)
		goto out;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (d = opendir(dir)) == NULL) {
		LOG_ERR("%s: %s", dir, strerror(errno));
		goto out;
	}
	/* Names first, work after: the directory changes under us. */
	while ((e = readdir(d)) != NULL) {
		if (spoolrec_is_name(e->d_name))
			t->left += (size_t)spoolwait_keep(dfd, e->d_name,
			    names, &n, max);
		else if (is_tmp_name(e->d_name))
			sweep_tmp(dfd, e->d_name, now);
	}
	spoolwait_sort(names, n);
	for (i = 0; i < n; i++) {
		done++;
		res = replay_one(dfd, names[i].name, st, t);
		if (res == STORE_DOWN) {
			t->down = 1;
			break;
		}
		/* A few in a row say it is the database, not the records:
		 * the rest wait for the next pass. */
		streak = res == STORE_ERROR ? streak + 1 : 0;
		t->held += res == STORE_ERROR;
		if (streak == HOLD_STREAK)
			break;
	}
	t->left += n - done + (t->down ? 1 : 0) + t->held;
	replay_backoff(t, now);
	/* One directory sync covers every unlink of the pass.  Losing one
	 * to a crash only replays a stored record again, which is harmless. */
	if ((t->replayed > 0 || t->failed > 0) && fsync(dfd) == -1)
		LOG_WARN("cannot sync the spool: %s", strerror(errno));
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (dfd != -1)
		close(dfd);
	free(names);
	return rc;
}
