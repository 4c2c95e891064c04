/*
 * export_open.c: opens a batch of an export's envelopes on every core.
 *
 * Opening an envelope is one X25519 operation, about 32 µs here, and it is
 * four fifths of a decrypting export's time.  Rows are independent, so the
 * exporter collects them in batches (export.c) and this file opens a batch
 * with up to EXPORT_THREADS threads, each on its own slots; the rows are
 * then written in their original order by the calling thread alone.  The
 * threads only read the keyring and write their own slots, so they share
 * nothing that needs a lock; they are joined before this returns.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "export.h"

#define EXPORT_THREADS	4	/* at most; never more than the cores */

struct open_range {
	const struct exporter	*x;
	struct export_slot	*slots;
	size_t			 n;
};

static void
open_slot(const struct exporter *x, struct export_slot *s)
{
	enum open_result	 r;

	s->opened = 0;
	if (s->idem.len != TOKEN_NONCE_BYTES) {
		s->status = "stored envelope is not readable";
		return;
	}
	r = keyring_open(x->keys, (const unsigned char *)s->sealed.data,
	    s->sealed.len, (const unsigned char *)s->idem.data, x->form_name,
	    &s->pairs);
	if (r != OPEN_OK) {
		s->status = seal_open_strerror(r);
		buf_reset(&s->pairs);
		return;
	}
	s->status = "ok";
	s->opened = 1;
}

static void *
open_range(void *arg)
{
	struct open_range	*o = arg;
	size_t			 i;

	for (i = 0; i < o->n; i++)
		open_slot(o->x, &o->slots[i]);
	return NULL;
}

/* Asked once per process: glibc reads /sys for it each time. */
static size_t
cores(void)
{
	static size_t	 n;
	long		 online;

	if (n == 0) {
		online = sysconf(_SC_NPROCESSORS_ONLN);
		n = online < 1 ? 1 : online > EXPORT_THREADS ?
		    EXPORT_THREADS : (size_t)online;
	}
	return n;
}

void
export_open_batch(const struct exporter *x, struct export_slot *slots,
    size_t n)
{
	struct open_range	 part[EXPORT_THREADS];
	pthread_t		 tid[EXPORT_THREADS];
	int			 started[EXPORT_THREADS] = { 0 };
	size_t			 k = cores(), i, at = 0, each;

	/* A thread for a handful of rows costs more than it saves. */
	if (n < 8 * k)
		k = 1;
	each = (n + k - 1) / k;
	for (i = 0; i < k; i++) {
		part[i].x = x;
		part[i].slots = slots + at;
		part[i].n = at + each > n ? n - at : each;
		at += part[i].n;
	}
	assert(k >= 1 && k <= EXPORT_THREADS && at == n);
	/* Part 0 is this thread's; a thread that cannot start is done
	 * here too, so the batch is always opened whole. */
	for (i = 1; i < k; i++)
		started[i] = pthread_create(&tid[i], NULL, open_range,
		    &part[i]) == 0;
	open_range(&part[0]);
	for (i = 1; i < k; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			open_range(&part[i]);
	}
}
