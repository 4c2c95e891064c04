/*
 * ctl.h: the commands of vawgctl beyond vawgctl.c, one function each,
 * called with the whole argv (argv[1] is the command).  Each returns the
 * process exit status.
 */
#ifndef VAWG_CTL_H
#define VAWG_CTL_H

#include "base.h"
#include "export.h"
#include "secret.h"
#include "staffdb.h"
#include "store.h"
#include "text.h"

int	 ctl_add_admin(int, char *[]);
int	 ctl_disable_admin(int, char *[]);
int	 ctl_rotate(int, char *[]);
int	 ctl_export(int, char *[]);
int	 ctl_decrypt_export(int, char *[]);
int	 ctl_purge(int, char *[]);

/* The passphrase (first line of path) in sodium_malloc()ed memory; NULL
 * with a message if it is missing, unreadable or shorter than 12. */
char	*ctl_passphrase(const char *path, size_t *len);

#endif /* VAWG_CTL_H */
