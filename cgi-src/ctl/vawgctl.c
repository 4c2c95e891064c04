/*
 * vawgctl.c: main() of vawgctl, the administrator's command-line tool:
 * the command table, the one option parser every command shares, --help
 * written from the table, and the preparing of what a command needs
 * (options that must be given, the passphrase, the keyring, a database
 * connection as the role the table names) before it runs and the freeing
 * of it after.  No command is written here, and nothing here is called
 * from the files that hold them (ctl.h).
 *
 * The secret key is opened here only on the administrator's own machine,
 * for the commands that read answers; never on the web tier.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"

/* The commands, in the order --help lists them. */
enum ctl_cmd {
	CMD_KEYGEN,
	CMD_FINGERPRINT,
	CMD_DECRYPT,
	CMD_SPOOL_REPLAY,
	CMD_SPOOL_RETRY,
	CMD_ADD_ADMIN,
	CMD_DISABLE_ADMIN,
	CMD_SET_ROLE,
	CMD_SEAL_TOTP,
	CMD_ROTATE,
	CMD_EXPORT,
	CMD_DECRYPT_EXPORT,
	CMD_PURGE,
	CMD_STATUS,
	CMD__MAX
};

/* The database a command connects to unless --db names another. */
enum ctl_db {
	CTL_DB_NONE,
	CTL_DB_OWNER,
	CTL_DB_PUBLIC,
	CTL_DB__MAX
};

static const struct {
	const char	*who;		/* for --help */
	const char	*conninfo;	/* the default --db */
} ctl_dbs[CTL_DB__MAX] = {
	[CTL_DB_NONE] = { NULL, NULL },
	/* The development database as its owner: postgres created it (the
	 * schema's owner, vawg_owner, cannot log in: sql/001). */
	[CTL_DB_OWNER] = { "the database owner",
	    "host=var/run dbname=vawg user=postgres connect_timeout=3" },
	/* Replaying the spool is what the public pool does, with no more
	 * right than it has: vawg.submit() and nothing else. */
	[CTL_DB_PUBLIC] = { "vawg_public, as the public pool",
	    "host=var/run dbname=vawg user=vawg_public connect_timeout=3" },
};

/* What a command needs; main() checks or prepares each before it runs. */
#define NEED_USER	0x01	/* --user */
#define NEED_RANGE	0x02	/* --form, --from and --to (YYYY-MM-DD) */
#define NEED_PASS	0x04	/* the passphrase, in c->pass */
#define NEED_KEYRING	0x08	/* every key generation, unless --sealed */
#define DB_AWAY_OK	0x10	/* runs even if the database does not answer */
#define NEED_ADMIN_KEY	0x20	/* admin.key from --keys, in c->admin_key */
#define NEED_ROLE	0x40	/* --role */

/* In usage lines and descriptions, '\n' starts an indented line. */
static const struct {
	const char	*name;
	const char	*args;
	const char	*what;
	int		(*run)(struct ctl *);
	unsigned	 needs;
	enum ctl_db	 db;
} ctl_cmds[CMD__MAX] = {
	[CMD_KEYGEN] = { "keygen", "--keys DIR --passphrase-file FILE",
	    "make every key the service needs that is missing: the key\n"
	    "pair (service.pub, and service.sec under the passphrase),\n"
	    "token.key and admin.key; never overwrites a key",
	    ctl_keygen, NEED_PASS, CTL_DB_NONE },
	[CMD_FINGERPRINT] = { "fingerprint", "--keys DIR",
	    "print the public key's id and fingerprint",
	    ctl_fingerprint, 0, CTL_DB_NONE },
	[CMD_DECRYPT] = { "decrypt",
	    "--keys DIR --passphrase-file FILE < rows",
	    "open sealed rows: each input line is\n"
	    "idem_key_hex TAB form TAB envelope_hex",
	    ctl_decrypt, NEED_KEYRING, CTL_DB_NONE },
	[CMD_SPOOL_REPLAY] = { "spool-replay", "--spool DIR [--db C]",
	    "store what the public pool spooled while the\n"
	    "database was away, now, then print what is left",
	    ctl_spool_replay, DB_AWAY_OK, CTL_DB_PUBLIC },
	[CMD_SPOOL_RETRY] = { "spool-retry", "[--spool DIR]",
	    "move the records the database refused (spool/failed/,\n"
	    "numbered copies too) back into the spool, for the\n"
	    "replayer to try again once their cause is fixed",
	    ctl_spool_retry, 0, CTL_DB_NONE },
	[CMD_ADD_ADMIN] = { "add-admin",
	    "--user NAME [--role ROLE] [--keys DIR] [--password-out F]\n"
	    "[--totp-out F] [--db C]",
	    "enrol a staff account: a random password and a\n"
	    "TOTP secret (otpauth:// URI and QR code), stored\n"
	    "sealed with admin.key; ROLE caseworker, analyst\n"
	    "or admin (a new account: admin unless given; one\n"
	    "enrolled again keeps its role unless given)",
	    ctl_add_account, NEED_USER | NEED_ADMIN_KEY, CTL_DB_OWNER },
	[CMD_DISABLE_ADMIN] = { "disable-admin", "--user NAME [--db C]",
	    "stop an administrator signing in; end sessions",
	    ctl_disable_account, NEED_USER, CTL_DB_OWNER },
	[CMD_SET_ROLE] = { "set-role", "--user NAME --role ROLE [--db C]",
	    "give an account another role (caseworker, analyst,\n"
	    "admin); its open sessions have it from their next\n"
	    "request",
	    ctl_set_role, NEED_USER | NEED_ROLE, CTL_DB_OWNER },
	/* After migration 009: conf/stack.sh runs it after migrating. */
	[CMD_SEAL_TOTP] = { "seal-totp", "[--keys DIR] [--db C]",
	    "seal, with admin.key, every TOTP secret still\n"
	    "stored in clear; until then that account cannot\n"
	    "sign in",
	    ctl_seal_totp, NEED_ADMIN_KEY, CTL_DB_OWNER },
	/* The rotation does not wait for the database: only its audit
	 * row does. */
	[CMD_ROTATE] = { "rotate", "--keys DIR --passphrase-file F [--db C]",
	    "move the current key pair to the keyring, make a\n"
	    "new one; old rows still decrypt",
	    ctl_rotate, NEED_PASS | DB_AWAY_OK, CTL_DB_OWNER },
	[CMD_EXPORT] = { "export",
	    "--form NAME --from YYYY-MM-DD --to YYYY-MM-DD\n"
	    "[--sealed | --keys DIR --passphrase-file F] [--db C] > out.csv",
	    "one form's answers as CSV, decrypted here or sealed",
	    ctl_export, NEED_RANGE | NEED_KEYRING, CTL_DB_OWNER },
	[CMD_DECRYPT_EXPORT] = { "decrypt-export",
	    "--keys DIR --passphrase-file F\n< sealed.csv > out.csv",
	    "open a sealed export on this machine",
	    ctl_decrypt_export, NEED_KEYRING, CTL_DB_NONE },
	[CMD_PURGE] = { "purge", "[--dry-run] [--spool DIR] [--db C]",
	    "delete answers past their form's retention, expired\n"
	    "sessions and throttle rows, and failed/ records past\n"
	    "the shortest retention; run it every hour",
	    ctl_purge, 0, CTL_DB_OWNER },
	/* What GET /healthz tells nobody any longer (issue 13, item 4). */
	[CMD_STATUS] = { "status", "[--spool DIR] [--keys DIR] [--db C]",
	    "the database reachable or not, records waiting in the\n"
	    "spool and in failed/, the key's fingerprint; exit 1\n"
	    "unless all is well",
	    ctl_status, DB_AWAY_OK, CTL_DB_OWNER },
};

int
ctl_audited(int audit_rc)
{
	if (audit_rc == 0)
		return 0;
	fputs("vawgctl: done, but the audit log has no row for it: record "
	    "it by hand and check the database\n", stderr);
	return 1;
}

/* Writes s, starting each line after the first with indent spaces. */
static void
put_indented(FILE *f, const char *s, int indent)
{
	for (; *s != '\0'; s++) {
		fputc(*s, f);
		if (*s == '\n')
			fprintf(f, "%*s", indent, "");
	}
}

static void
usage_of(int cmd)
{
	fprintf(stderr, "usage: vawgctl %s ", ctl_cmds[cmd].name);
	put_indented(stderr, ctl_cmds[cmd].args, 15);
	fputc('\n', stderr);
}

/* Every command's usage, what it does, and the databases --db means. */
static void
usage(void)
{
	int	 i, db;

	for (i = 0; i < CMD__MAX; i++) {
		fprintf(stderr, "%s vawgctl %s ", i == 0 ? "usage:" : "      ",
		    ctl_cmds[i].name);
		put_indented(stderr, ctl_cmds[i].args, 15);
		fputc('\n', stderr);
	}
	fputc('\n', stderr);
	for (i = 0; i < CMD__MAX; i++) {
		fprintf(stderr, "%-16s", ctl_cmds[i].name);
		put_indented(stderr, ctl_cmds[i].what, 16);
		fputc('\n', stderr);
	}
	fputs("\n--keys defaults to var/keys, --spool to var/spool, and --db to\n",
	    stderr);
	for (db = CTL_DB_NONE + 1; db < CTL_DB__MAX; db++) {
		fprintf(stderr, "  %s, for", ctl_dbs[db].who);
		for (i = 0; i < CMD__MAX; i++)
			if (ctl_cmds[i].db == (enum ctl_db)db)
				fprintf(stderr, " %s", ctl_cmds[i].name);
		fprintf(stderr, ":\n    %s\n", ctl_dbs[db].conninfo);
	}
}

/* The options of every command.  0, 1 for --help, -1 on a bad argument. */
static int
parse(int argc, char *argv[], struct ctl *c)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "keys", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "spool", required_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' },
		{ "role", required_argument, NULL, 'R' },
		{ "form", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "password-out", required_argument, NULL, 'P' },
		{ "totp-out", required_argument, NULL, 'O' },
		{ "sealed", no_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	optind = 2;	/* argv[1] is the command */
	while ((ch = getopt_long(argc, argv, "d:k:p:s:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'd': c->db = optarg; break;
		case 'k': c->keys = optarg; break;
		case 'p': c->passfile = optarg; break;
		case 's': c->spool = optarg; break;
		case 'u': c->user = optarg; break;
		case 'R': c->role = optarg; break;
		case 'f': c->form = optarg; break;
		case 'F': c->from = optarg; break;
		case 'T': c->to = optarg; break;
		case 'P': c->password_out = optarg; break;
		case 'O': c->totp_out = optarg; break;
		case 'S': c->sealed = 1; break;
		case 'n': c->dry_run = 1; break;
		case 'h': return 1;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* Were the options the command cannot run without given?  1 / 0. */
static int
has_required(unsigned needs, const struct ctl *c)
{
	if ((needs & NEED_USER) && c->user == NULL)
		return 0;
	if ((needs & NEED_ROLE) && c->role == NULL)
		return 0;
	if (c->role != NULL && staff_role_parse(c->role) == 0) {
		fprintf(stderr, "vawgctl: --role is caseworker, analyst or "
		    "admin, not %s\n", c->role);
		return 0;
	}
	if ((needs & NEED_RANGE) && (c->form == NULL || c->from == NULL ||
	    c->to == NULL || !form_valid_date(c->from) ||
	    !form_valid_date(c->to)))
		return 0;
	if (((needs & NEED_PASS) || ((needs & NEED_KEYRING) && !c->sealed)) &&
	    c->passfile == NULL) {
		fputs("vawgctl: --passphrase-file is required\n", stderr);
		return 0;
	}
	return 1;
}

/*
 * Reads the passphrase, opens the keyring (into kr, which the caller
 * frees with keyring_free()) and connects to the database, as far as the
 * command needs them.  0, or -1 with a message.
 */
static int
prepare(int cmd, struct ctl *c, struct keyring *kr)
{
	unsigned	 needs = ctl_cmds[cmd].needs;
	int		 keyring = (needs & NEED_KEYRING) && !c->sealed;
	char		 path[PATH_MAX];

	if (((needs & NEED_PASS) || keyring) &&
	    (c->pass = seal_passphrase_load(c->passfile, &c->passlen)) == NULL)
		return -1;
	if (keyring) {
		if (keyring_load(c->keys, c->pass, c->passlen, kr) == -1) {
			fputs("vawgctl: the keyring does not open (wrong "
			    "passphrase?)\n", stderr);
			return -1;
		}
		c->kr = kr;
		/* Opened: the passphrase is not needed any longer. */
		if (!(needs & NEED_PASS)) {
			sodium_free(c->pass);
			c->pass = NULL;
		}
	}
	if (needs & NEED_ADMIN_KEY) {
		if (snprintf(path, sizeof(path), "%s/admin.key", c->keys) >=
		    (int)sizeof(path) || file_read_secret(path,
		    ADMIN_MAC_KEY_BYTES, &c->admin_key) == -1) {
			fprintf(stderr, "vawgctl: cannot read %s/admin.key "
			    "(--keys)\n", c->keys);
			return -1;
		}
	}
	if (ctl_cmds[cmd].db == CTL_DB_NONE)
		return 0;
	if ((c->st = store_open(c->db)) == NULL)
		return -1;
	if (!(needs & DB_AWAY_OK) && store_conn(c->st) == NULL) {
		fprintf(stderr, "vawgctl: cannot reach the database (%s)\n",
		    c->db);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct keyring	 kr;	/* large: not on the stack */
	struct ctl		 c;
	int			 cmd, rc;

	log_init("vawgctl");
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage();
		return argc < 2;
	}
	for (cmd = 0; cmd < CMD__MAX; cmd++)
		if (strcmp(argv[1], ctl_cmds[cmd].name) == 0)
			break;
	if (cmd == CMD__MAX) {
		fprintf(stderr, "vawgctl: unknown command %s\n", argv[1]);
		usage();
		return 1;
	}
	memset(&c, 0, sizeof(c));
	c.keys = "var/keys";
	c.spool = "var/spool";
	c.db = ctl_dbs[ctl_cmds[cmd].db].conninfo;
	if ((rc = parse(argc, argv, &c)) == 1) {
		usage();
		return 0;
	}
	if (rc == -1 || !has_required(ctl_cmds[cmd].needs, &c)) {
		usage_of(cmd);
		return 1;
	}
	if (seal_init() == -1)
		return 1;
	rc = prepare(cmd, &c, &kr) == 0 ? ctl_cmds[cmd].run(&c) : 1;
	store_close(c.st);
	keyring_free(&kr);
	sodium_free(c.pass);
	sodium_free(c.admin_key);
	return rc;
}
