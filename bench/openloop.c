/*
 * bench/openloop.c: the open-loop load generator of `make bench`'s
 * past-saturation step.  Debian has no wrk2, and wrk is closed-loop (a
 * connection sends its next request only when the last one is answered,
 * so a slow server is offered less): this one sends request i at
 * t0 + i / RATE whatever happened to the ones before, and times each
 * answer from that scheduled instant, so a queue anywhere (nginx, the
 * pool, this program's own connection cap) shows as latency.
 *
 * Each request is a new connection (Connection: close; a visitor from a
 * new address), bound to one of NADDR loopback addresses 127.0.0.2, .3,
 * ... in turn, so nginx's per-address POST limit is not what is measured.
 * Request i posts "_token=" TOKEN_i "&_homepage=&" ANSWERS: every POST its
 * own token.  Optionally, a second stream GETs PROBE_PATH at PROBE_RATE
 * (the referral page during the flood).
 *
 *   openloop PORT PATH RATE SECONDS MAXCONN NADDR TIMEOUT BODYFILE
 *            TOKENFILE OUTFILE [PROBE_PATH PROBE_RATE]
 *
 * Only 127.0.0.1:PORT is ever a target.  Bounded: at most RATE x SECONDS
 * posts (fewer if TOKENFILE has fewer lines), at most MAXCONN connections
 * open, each given TIMEOUT seconds, and the whole run SECONDS + TIMEOUT + 2
 * seconds.  OUTFILE gets one line per request, "p|g INDEX STATUS LAT_US
 * RETRY_AFTER", STATUS the HTTP status or one of
 *   -1 no answer within TIMEOUT    -2 reset or closed without a status
 *   -3 connection refused/failed   -4 never sent: the generator was at
 *                                     MAXCONN for TIMEOUT seconds
 * and stdout one line "OPENLOOP k=v ...".  Exit 1 on a setup error.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define HEAD_KEEP	2048	/* bytes of each answer kept, for its headers */

struct res {
	int32_t		 status;
	int64_t		 lat;
	unsigned char	 retry_after;
};

struct conn {
	int		 fd;		/* -1: free */
	int		 probe;
	long		 idx;
	uint64_t	 sched;
	char		*req;
	size_t		 reqlen, off;
	int		 sending;
	char		 head[HEAD_KEEP];
	size_t		 headlen;
};

static struct conn	*conns;
static int		*freeslots, nfree;
static int		 maxconn, nopen, epfd, port, naddr, addr_next;
static struct res	*res_p, *res_g;
static const char	*path, *probe_path, *answers;
static char		**tokens;
static size_t		 answers_len;

static uint64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
die(const char *what)
{
	fprintf(stderr, "openloop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *
slurp(const char *file, size_t *len)
{
	FILE	*f = fopen(file, "r");
	char	*p;
	long	 n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n)
		die(file);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

/* The token file's lines, in place; returns how many. */
static long
load_tokens(const char *file, long want)
{
	size_t	 len;
	char	*p = slurp(file, &len), *line;
	long	 n = 0;

	if ((tokens = calloc((size_t)want + 1, sizeof(*tokens))) == NULL)
		die("calloc");
	for (line = strtok(p, "\n"); line != NULL && n < want;
	    line = strtok(NULL, "\n"))
		if (*line != '\0')
			tokens[n++] = line;
	return n;
}

static void
finish(struct conn *c, int32_t status, uint64_t t)
{
	struct res	*r = c->probe ? &res_g[c->idx] : &res_p[c->idx];

	r->status = status;
	r->lat = (int64_t)(t - c->sched);
	if (status == 503 && c->headlen > 0 &&
	    strcasestr(c->head, "\r\nRetry-After:") != NULL)
		r->retry_after = 1;
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		nopen--;
	}
	c->fd = -1;
	free(c->req);
	c->req = NULL;
	freeslots[nfree++] = (int)(c - conns);
}

/* Opens a connection for request idx (a probe or a post) into slot c. */
static void
start(struct conn *c, int probe, long idx, uint64_t sched)
{
	struct sockaddr_in	 src = { 0 }, dst = { 0 };
	struct epoll_event	 ev = { 0 };
	int			 one = 1, n;

	c->probe = probe;
	c->idx = idx;
	c->sched = sched;
	c->off = c->headlen = 0;
	c->head[0] = '\0';
	c->sending = 1;
	if (probe)
		n = asprintf(&c->req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		    "Connection: close\r\n\r\n", probe_path, port);
	else
		n = asprintf(&c->req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n"
		    "Content-Length: %zu\r\nConnection: close\r\n\r\n"
		    "_token=%s&_homepage=&%s", path, port, strlen(tokens[idx]) +
		    strlen("_token=&_homepage=&") + answers_len, tokens[idx],
		    answers);
	if (n < 0)
		die("asprintf");
	c->reqlen = (size_t)n;
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		die("socket");
	nopen++;
	/* The port is chosen at connect(), per (source, destination). */
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
	src.sin_family = dst.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)(addr_next++ %
	    naddr));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons((uint16_t)port);
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) == -1 ||
	    (connect(c->fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
	    errno != EINPROGRESS)) {
		finish(c, -3, now_us());
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl");
}

static void
on_event(struct conn *c, uint32_t events)
{
	struct epoll_event	 ev = { 0 };
	char			 buf[16384];
	ssize_t			 n;
	int			 err = 0, status;
	socklen_t		 el = sizeof(err);

	if (c->fd < 0)
		return;
	if (c->sending) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0) {
			finish(c, c->off == 0 ? -3 : -2, now_us());
			return;
		}
		while (c->off < c->reqlen) {
			n = write(c->fd, c->req + c->off, c->reqlen - c->off);
			if (n == -1 && errno == EAGAIN)
				return;
			if (n == -1) {
				finish(c, c->off == 0 ? -3 : -2, now_us());
				return;
			}
			c->off += (size_t)n;
		}
		c->sending = 0;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	(void)events;
	for (;;) {
		n = read(c->fd, buf, sizeof(buf));
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			finish(c, -2, now_us());
			return;
		}
		if (n == 0)
			break;
		if (c->headlen < HEAD_KEEP - 1) {
			size_t k = HEAD_KEEP - 1 - c->headlen;

			k = (size_t)n < k ? (size_t)n : k;
			memcpy(c->head + c->headlen, buf, k);
			c->headlen += k;
			c->head[c->headlen] = '\0';
		}
	}
	/* The server closed: the whole answer is in. */
	if (sscanf(c->head, "HTTP/1.%*d %d", &status) != 1)
		status = -2;
	finish(c, status, now_us());
}

static struct conn *
free_slot(void)
{
	return nfree > 0 ? &conns[freeslots[--nfree]] : NULL;
}

int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[256];
	struct rlimit		 rl;
	double			 rate, prate = 0;
	uint64_t		 t0, t, end, hard, tmo, last_scan = 0;
	long			 total, nprobe = 0, next = 0, pnext = 0, i;
	long			 qhead = 0, qtail = 0, *queue;
	int			 secs, n, k;
	FILE			*out;

	if (argc != 11 && argc != 13) {
		fprintf(stderr, "usage: openloop PORT PATH RATE SECONDS MAXCONN "
		    "NADDR TIMEOUT BODYFILE TOKENFILE OUTFILE [PROBE_PATH "
		    "PROBE_RATE]\n");
		return 1;
	}
	port = atoi(argv[1]);
	path = argv[2];
	rate = atof(argv[3]);
	secs = atoi(argv[4]);
	maxconn = atoi(argv[5]);
	naddr = atoi(argv[6]);
	tmo = (uint64_t)atoi(argv[7]) * 1000000;
	if (port <= 0 || rate <= 0 || secs <= 0 || maxconn <= 0 ||
	    naddr <= 0 || naddr > 250 || tmo == 0) {
		fprintf(stderr, "openloop: bad arguments\n");
		return 1;
	}
	answers = slurp(argv[8], &answers_len);
	while (answers_len > 0 && (answers[answers_len - 1] == '\n' ||
	    answers[answers_len - 1] == '\r'))
		((char *)answers)[--answers_len] = '\0';
	total = load_tokens(argv[9], (long)(rate * secs));
	if (argc == 13) {
		probe_path = argv[11];
		prate = atof(argv[12]);
		nprobe = prate > 0 ? (long)(prate * secs) : 0;
	}
	rl.rlim_cur = rl.rlim_max = (rlim_t)maxconn + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("setrlimit");
	if ((conns = calloc((size_t)maxconn, sizeof(*conns))) == NULL ||
	    (freeslots = calloc((size_t)maxconn, sizeof(*freeslots))) == NULL ||
	    (res_p = calloc((size_t)total + 1, sizeof(*res_p))) == NULL ||
	    (res_g = calloc((size_t)nprobe + 1, sizeof(*res_g))) == NULL ||
	    (queue = calloc((size_t)total + 1, sizeof(*queue))) == NULL)
		die("calloc");
	for (i = 0; i < maxconn; i++) {
		conns[i].fd = -1;
		freeslots[nfree++] = maxconn - 1 - (int)i;
	}
	if ((epfd = epoll_create1(0)) == -1)
		die("epoll_create1");
	t0 = now_us() + 10000;
	end = t0 + (uint64_t)secs * 1000000;
	hard = end + tmo + 2000000;
	for (;;) {
		struct conn	*c;

		t = now_us();
		/* Probes first: they are few, and go ahead of the queue. */
		while (pnext < nprobe && t0 + (uint64_t)(pnext * 1e6 / prate) <=
		    t && (c = free_slot()) != NULL) {
			start(c, 1, pnext, t0 + (uint64_t)(pnext * 1e6 / prate));
			pnext++;
		}
		while (next < total && t0 + (uint64_t)(next * 1e6 / rate) <= t)
			queue[qtail++] = next++;
		/* Requests waiting for a free connection past their time out
		 * are given up, unsent. */
		while (qhead < qtail && t - (t0 + (uint64_t)(queue[qhead] *
		    1e6 / rate)) > tmo) {
			res_p[queue[qhead]].status = -4;
			res_p[queue[qhead]].lat = (int64_t)tmo;
			qhead++;
		}
		while (qhead < qtail && (c = free_slot()) != NULL) {
			start(c, 0, queue[qhead], t0 +
			    (uint64_t)(queue[qhead] * 1e6 / rate));
			qhead++;
		}
		if (t - last_scan > 100000) {
			last_scan = t;
			for (k = 0; k < maxconn; k++)
				if (conns[k].fd >= 0 &&
				    t - conns[k].sched > tmo)
					finish(&conns[k], -1, t);
		}
		if ((next >= total && pnext >= nprobe && qhead == qtail &&
		    nopen == 0) || t > hard)
			break;
		n = epoll_wait(epfd, evs, 256, 1);
		if (n == -1 && errno != EINTR)
			die("epoll_wait");
		for (k = 0; k < n; k++)
			on_event(evs[k].data.ptr, evs[k].events);
	}
	/* Past the hard stop: whatever is still open had no answer. */
	for (k = 0; k < maxconn; k++)
		if (conns[k].fd >= 0)
			finish(&conns[k], -1, now_us());
	for (; qhead < qtail; qhead++)
		res_p[queue[qhead]].status = -4;
	if ((out = fopen(argv[10], "w")) == NULL)
		die(argv[10]);
	for (i = 0; i < next; i++)
		fprintf(out, "p %ld %d %lld %d\n", i, res_p[i].status,
		    (long long)res_p[i].lat, res_p[i].retry_after);
	for (i = 0; i < pnext; i++)
		fprintf(out, "g %ld %d %lld %d\n", i, res_g[i].status,
		    (long long)res_g[i].lat, res_g[i].retry_after);
	if (fclose(out) != 0)
		die(argv[10]);
	printf("OPENLOOP posts=%ld tokens=%ld probes=%ld seconds=%.3f\n", next,
	    total, pnext, (double)(now_us() - t0) / 1e6);
	return 0;
}
