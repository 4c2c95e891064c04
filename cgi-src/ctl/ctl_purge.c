/*
 * ctl_purge.c: vawgctl's commands that clear what is waiting:
 *
 *   purge         answers past their form's retention_days deleted, as
 *                 the database owner, each form's purge audited (and a
 *                 purge that found nothing too); with them what has
 *                 expired: admin sessions, sign-in throttle rows, and
 *                 records in the spool's failed/ older than the shortest
 *                 retention of any form; --dry-run only counts.  What
 *                 `make run` runs every hour, and a timer in production
 *   spool-replay  what the public pool spooled while the database was
 *                 away stored now, as vawg_public, exactly as the pool's
 *                 own replayer would (the idempotency key makes the two
 *                 working at once harmless)
 *   spool-retry   the records set aside in the spool's failed/ (the
 *                 database refused them as invalid) moved back into the
 *                 spool, once the operator has fixed the cause
 *   status        what GET /healthz no longer tells anyone: whether the
 *                 database answers, how many records wait in the spool
 *                 and in its failed/, and which key posts are sealed to
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

struct purge_ctx {
	int		 dry_run;
	long long	 forms;
};

static int
purge_report(const char *form, long long n, void *arg)
{
	struct purge_ctx *p = arg;

	p->forms++;
	printf("%s%s: %lld rows past retention\n", p->dry_run ?
	    "would purge " : "purged ", form, n);
	return 0;
}

/*
 * Removes the entries of dir/failed/ last written before cutoff (a record
 * is written at her post, and moving it keeps that time), or only counts
 * them on a dry run.  Returns how many, 0 when there is no failed/, or -1.
 */
static long
failed_expire(const char *dir, time_t cutoff, int dry_run)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	DIR		*d;
	struct dirent	*e;
	long		 n = 0;
	int		 len, fd;

	len = snprintf(path, sizeof(path), "%s/%s", dir, SPOOL_FAILED);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -1;
	fd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || fstatat(fd, e->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_mtime >= cutoff)
			continue;
		if (!dry_run && unlinkat(fd, e->d_name, 0) == -1) {
			n = -1;
			break;
		}
		n++;
	}
	if (n > 0 && !dry_run && fsync(fd) == -1)
		n = -1;
	closedir(d);
	return n;
}

/*
 * What has expired beside the answers: sessions and throttle rows in the
 * database, by the admin pool's own limits (the same variables, defaults
 * and bounds as cgi-src/admin/config.c: set them alike for both), and
 * failed/ records older than the shortest retention any form promises,
 * since a record that does not parse cannot say its form.  0 / -1.
 */
static int
purge_stale(struct ctl *c)
{
	long long	 idle, max, sessions, throttle;
	long		 failed = 0;
	int		 days;

	if (env_num("VAWG_SESSION_IDLE", 1800, 10, 86400, &idle) == -1 ||
	    env_num("VAWG_SESSION_MAX", 43200, 60, 7 * 86400, &max) == -1 ||
	    store_purge_stale(c->st, (int)idle, (int)max, c->dry_run,
	    &sessions, &throttle) == -1 ||
	    store_retention_min(c->st, &days) == -1)
		return -1;
	if (days > 0 && (failed = failed_expire(c->spool, time(NULL) -
	    (time_t)days * 86400, c->dry_run)) == -1) {
		fprintf(stderr, "vawgctl: %s/%s: cannot remove expired "
		    "records\n", c->spool, SPOOL_FAILED);
		return -1;
	}
	printf("%s expired sessions: %lld\n%s throttle rows: %lld\n"
	    "%s failed records past retention: %ld\n",
	    c->dry_run ? "would purge" : "purged", sessions,
	    c->dry_run ? "would purge" : "purged", throttle,
	    c->dry_run ? "would purge" : "purged", failed);
	return 0;
}

int
ctl_purge(struct ctl *c)
{
	struct purge_ctx p;
	int		 rc = 0;

	p.dry_run = c->dry_run;
	p.forms = 0;
	if (store_purge(c->st, "vawgctl", c->dry_run, purge_report, &p) == -1)
		return 1;
	/* A purge that found nothing is recorded too: the log shows that
	 * retention was applied, not only when it removed rows. */
	if (p.forms == 0 && !c->dry_run) {
		puts("nothing past retention");
		rc = ctl_audited(store_audit(c->st, "vawgctl", "purge", NULL,
		    NULL, NULL, 0, "retention"));
	}
	return purge_stale(c) == -1 ? 1 : rc;
}

/*
 * Replays the spool until it is empty, the database is away, or a pass
 * stores nothing (the pool's replayer may be working on it too).  Exit 0
 * when nothing is left waiting, 1 otherwise.
 */
int
ctl_spool_replay(struct ctl *c)
{
	struct spool_tally	 t;
	size_t			 replayed = 0, failed = 0, held = 0;
	int			 pass;

	memset(&t, 0, sizeof(t));
	for (pass = 0; pass < 100000; pass++) {
		if (spool_replay(c->spool, c->st, 1000, &t) == -1) {
			fprintf(stderr, "vawgctl: %s: cannot read the spool\n",
			    c->spool);
			return 1;
		}
		replayed += t.replayed;
		failed += t.failed;
		held = t.held;
		if (t.down || t.left == 0 || t.replayed + t.failed == 0)
			break;
	}
	printf("replayed: %zu\nfailed: %zu\nleft: %zu\n", replayed, failed,
	    t.left);
	if (t.down)
		fputs("vawgctl: the database is unreachable\n", stderr);
	else if (held > 0)
		fputs("vawgctl: the database refuses records for now (the "
		    "log says why); they stay in the spool\n", stderr);
	return t.left == 0 ? 0 : 1;
}

/*
 * Moves failed/ back into the spool.  Exit 0 when failed/ is empty after,
 * 1 otherwise (a record of the same key still waits, or an error).
 */
int
ctl_spool_retry(struct ctl *c)
{
	size_t	 moved, kept;

	if (spool_dir_unpark(c->spool, &moved, &kept) == -1) {
		fprintf(stderr, "vawgctl: %s: cannot move failed/ back\n",
		    c->spool);
		return 1;
	}
	printf("moved back: %zu\nleft in failed: %zu\n", moved, kept);
	if (kept > 0)
		fputs("vawgctl: some stay in failed/: a record of the same key "
		    "waits in the spool (run again once it is replayed), or a "
		    "name that is no record\n", stderr);
	return kept == 0 ? 0 : 1;
}

/*
 * Entries in dir/failed/ (a record set aside twice has a numbered name, so
 * every entry but a temporary file counts); 0 when there is no failed/
 * yet, -1 when it cannot be read.
 */
static long
failed_count(const char *dir)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*e;
	long		 n = 0;
	int		 len;

	len = snprintf(path, sizeof(path), "%s/failed", dir);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* "name: n", or "name: error" for n == -1. */
static void
print_count(const char *name, long n)
{
	if (n >= 0)
		printf("%s: %ld\n", name, n);
	else
		printf("%s: error\n", name);
}

/*
 * The operator's health check, as the database owner: one line each for
 * the database, the spool, failed/ and the key.  Exit 0 when the database
 * answers, the spool reads, failed/ is empty and the key loads; 1
 * otherwise, so a monitor run by the operator can alert on it.
 */
int
ctl_status(struct ctl *c)
{
	char		 pub[PATH_MAX];
	struct seal_pub	 p;
	long		 depth, failed;
	int		 db, key, len;

	db = store_ping(c->st) == 0;
	printf("database: %s\n", db ? "reachable" : "unreachable");
	depth = spool_depth(c->spool);
	failed = depth == -1 ? -1 : failed_count(c->spool);
	print_count("spool", depth);
	print_count("failed", failed);
	len = snprintf(pub, sizeof(pub), "%s/service.pub", c->keys);
	key = len >= 0 && (size_t)len < sizeof(pub) &&
	    seal_pub_load(pub, &p) == 0;
	if (key)
		printf("key id: %s\nfingerprint: %s\n", p.key_id,
		    p.fingerprint);
	else
		printf("key: error (%s/service.pub)\n", c->keys);
	return db && depth >= 0 && failed == 0 && key ? 0 : 1;
}
