/*
 * ctl_purge.c: vawgctl's commands that clear what is waiting:
 *
 *   purge         answers past their form's retention_days deleted, as
 *                 the database owner, each form's purge audited (and a
 *                 purge that found nothing too); --dry-run only counts
 *   spool-replay  what the public pool spooled while the database was
 *                 away stored now, as vawg_public, exactly as the pool's
 *                 own replayer would (the idempotency key makes the two
 *                 working at once harmless)
 */
#include <stdio.h>
#include <string.h>

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

int
ctl_purge(struct ctl *c)
{
	struct purge_ctx p;

	p.dry_run = c->dry_run;
	p.forms = 0;
	if (store_purge(c->st, "vawgctl", c->dry_run, purge_report, &p) == -1)
		return 1;
	/* A purge that found nothing is recorded too: the log shows that
	 * retention was applied, not only when it removed rows. */
	if (p.forms == 0 && !c->dry_run) {
		puts("nothing past retention");
		(void)store_audit(c->st, "vawgctl", "purge", NULL, NULL, NULL, 0,
		    "retention");
	}
	return 0;
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
	size_t			 replayed = 0, failed = 0;
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
		if (t.down || t.left == 0 || t.replayed + t.failed == 0)
			break;
	}
	printf("replayed: %zu\nfailed: %zu\nleft: %zu\n", replayed, failed,
	    t.left);
	if (t.down)
		fputs("vawgctl: the database is unreachable\n", stderr);
	return t.left == 0 ? 0 : 1;
}
