/*
 * pool.h: the prefork FastCGI pool shared by the public and admin
 * programs (pool.c).
 */
#ifndef POOL_H
#define POOL_H

/* Seconds a stopping worker may take to finish its request. */
#define POOL_STOP_GRACE	5

struct pool {
	const char	*name;
	int		 sock;		/* from pool_listen() */
	int		 nworkers;
	/* In each worker after fork; -1 makes it exit. */
	int		(*worker_init)(void *arg);
	/* One request: fill the response, or stream it and set streamed. */
	void		(*handle)(void *arg, struct req *, struct resp *);
	/* On SIGHUP: in the master (patient: may wait for the database),
	 * then in each worker before its next request (not patient).
	 * 0 / -1; may be NULL. */
	int		(*reload)(void *arg, int patient);
	/* One extra long-lived child (a replayer, say), or NULL.  It must
	 * not return; the master restarts it like a worker. */
	void		(*extra)(struct pool *);
	void		*arg;
};

int	 pool_harden(void);		/* no core dumps; signal handlers */
int	 pool_listen(const char *path);	/* the socket, or -1 */
int	 pool_drop(const char *user);	/* drop root for user; "" stays */
int	 pool_stopping(void);		/* 1 once SIGTERM has arrived */
/* Runs the pool until SIGTERM.  0 / -1. */
int	 pool_run(struct pool *);

#endif /* POOL_H */
