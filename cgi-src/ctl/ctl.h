/*
 * ctl.h: vawgctl, the administrator's command-line tool, and its one
 * header.  vawgctl.c holds main(), the command table and the one option
 * parser; it prepares what the table says a command needs (a passphrase,
 * the keyring, a database connection) and then calls the command, which
 * lives in a file by concern: ctl_keys.c, ctl_account.c, ctl_export.c,
 * ctl_purge.c.  The commands call the library, never vawgctl.c nor each
 * other.  Only the library's headers are included here, never another
 * program's.
 */
#ifndef VAWG_CTL_H
#define VAWG_CTL_H

#include "base.h"
#include "export.h"
#include "secret.h"
#include "staffdb.h"
#include "spool.h"
#include "text.h"

/*
 * One run of one command: the options as given (or defaulted by the
 * table), and what vawgctl.c prepared because the table asked for it.
 * Commands borrow all of it; main() frees it after the command returns.
 */
struct ctl {
	const char	*db;		/* --db, or the role's default */
	const char	*keys;		/* --keys, var/keys */
	const char	*passfile;	/* --passphrase-file */
	const char	*spool;		/* --spool, var/spool */
	const char	*user;		/* --user */
	const char	*role;		/* --role: a word staff_role_parse
					 * knows, checked before the command */
	const char	*form, *from, *to;	/* --form --from --to */
	const char	*password_out;	/* --password-out */
	const char	*totp_out;	/* --totp-out */
	int		 sealed;	/* --sealed */
	int		 dry_run;	/* --dry-run */

	char		*pass;		/* CTL_PASS: sodium_malloc()ed */
	size_t		 passlen;
	const struct keyring *kr;	/* CTL_KEYRING, unless --sealed */
	unsigned char	*admin_key;	/* NEED_ADMIN_KEY: sodium_malloc()ed */
	struct store	*st;		/* a database role in the table */
};

/*
 * The commands, one function each.  Each returns the process's exit
 * status: 0 done, 1 failed (a message on stderr), 2 (export,
 * decrypt-export) done but some rows did not open.
 */

/*
 * vawgctl.c: the exit status of a command that did its work, given
 * store_audit()'s result for it: 0, or 1 with a message on stderr when
 * the audit row was not written (the work is not undone, but the operator
 * must know the log is missing it).
 */
int	 ctl_audited(int audit_rc);

/* ctl_keys.c: the service's keys. */
int	 ctl_keygen(struct ctl *);
int	 ctl_fingerprint(struct ctl *);
int	 ctl_rotate(struct ctl *);

/* ctl_account.c: staff accounts. */
int	 ctl_add_account(struct ctl *);
int	 ctl_disable_account(struct ctl *);
int	 ctl_set_role(struct ctl *);
int	 ctl_seal_totp(struct ctl *);

/* ctl_export.c: answers out of the database, and opened offline. */
int	 ctl_export(struct ctl *);
int	 ctl_decrypt_export(struct ctl *);
int	 ctl_decrypt(struct ctl *);

/* ctl_purge.c: rows past retention, the spool, and status. */
int	 ctl_purge(struct ctl *);
int	 ctl_spool_replay(struct ctl *);
int	 ctl_spool_retry(struct ctl *);
int	 ctl_status(struct ctl *);

#endif /* VAWG_CTL_H */
