/*
 * vawgctl.c: the administrator's command-line tool.
 *
 *   vawgctl keygen  --keys DIR --passphrase-file F
 *   vawgctl fingerprint --keys DIR
 *   vawgctl decrypt --keys DIR --passphrase-file F  < rows
 *   vawgctl spool-replay --spool DIR --db CONNINFO
 *
 * decrypt reads lines "idem_key_hex TAB form TAB envelope_hex" (as
 * `psql -At -F $'\t'` prints them) and writes, for each, "ok TAB pairs" with
 * the answers url-encoded, or "error TAB reason".  It opens the secret key
 * on the administrator's own machine, never on the web tier.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"

static void
usage(void)
{
	fputs("usage: vawgctl keygen --keys DIR --passphrase-file FILE\n"
	    "       vawgctl fingerprint --keys DIR\n"
	    "       vawgctl decrypt --keys DIR --passphrase-file FILE < rows\n"
	    "       vawgctl spool-replay --spool DIR --db CONNINFO\n"
	    "       vawgctl add-admin --user NAME [--password-out F] "
	    "[--totp-out F] [--db C]\n"
	    "       vawgctl disable-admin --user NAME [--db C]\n"
	    "       vawgctl rotate --keys DIR --passphrase-file F [--db C]\n"
	    "       vawgctl export --form NAME --from D --to D [--sealed]\n"
	    "               [--keys DIR --passphrase-file F] [--db C] > out.csv\n"
	    "       vawgctl decrypt-export --keys DIR --passphrase-file F\n"
	    "               < sealed.csv > out.csv\n"
	    "       vawgctl purge [--dry-run] [--db C]\n"
	    "\n"
	    "keygen       create the service key pair (service.pub, and\n"
	    "             service.sec under the passphrase) and token.key\n"
	    "fingerprint  print the public key's id and fingerprint\n"
	    "decrypt      open sealed rows: each input line is\n"
	    "             idem_key_hex TAB form TAB envelope_hex\n"
	    "spool-replay store what the public pool spooled while the\n"
	    "             database was away, now, then print what is left\n"
	    "add-admin    enrol an administrator: a random password and a\n"
	    "             TOTP secret (otpauth:// URI and QR code)\n"
	    "disable-admin  stop an administrator signing in; end sessions\n"
	    "rotate       move the current key pair to the keyring, make a\n"
	    "             new one; old rows still decrypt\n"
	    "export       one form's answers as CSV, decrypted here or sealed\n"
	    "decrypt-export  open a sealed export on this machine\n"
	    "purge        delete answers past their form's retention\n"
	    "--db defaults to the development database as its owner.\n",
	    stderr);
}

char *
ctl_passphrase(const char *path, size_t *len)
{
	if (path == NULL) {
		fputs("vawgctl: --passphrase-file is required\n", stderr);
		return NULL;
	}
	return seal_passphrase_load(path, len);
}

static int
cmd_keygen(const char *dir, const char *passfile)
{
	char		 pub[PATH_MAX], sec[PATH_MAX], tok[PATH_MAX];
	unsigned char	 key[TOKEN_KEY_BYTES];
	struct seal_pub	 p;
	char		*pass;
	size_t		 passlen;
	int		 fd, rc = 1;

	if ((pass = ctl_passphrase(passfile, &passlen)) == NULL)
		return 1;
	snprintf(pub, sizeof(pub), "%s/service.pub", dir);
	snprintf(sec, sizeof(sec), "%s/service.sec", dir);
	snprintf(tok, sizeof(tok), "%s/token.key", dir);
	if (seal_keygen(pub, sec, pass, passlen, &p) == -1)
		goto out;
	crypto_auth_keygen(key);
	if ((fd = open(tok, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "vawgctl: %s: %s\n", tok, strerror(errno));
		goto out;
	}
	printf("key id: %s\nfingerprint: %s\n", p.key_id, p.fingerprint);
	rc = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_free(pass);
	return rc;
}

static int
cmd_fingerprint(const char *dir)
{
	char		 pub[PATH_MAX];
	struct seal_pub	 p;

	snprintf(pub, sizeof(pub), "%s/service.pub", dir);
	if (seal_pub_load(pub, &p) == -1)
		return 1;
	printf("key id: %s\nfingerprint: %s\n", p.key_id, p.fingerprint);
	return 0;
}

/* Writes s[0..len) url-encoded, so every byte survives one line. */
static void
put_urlencoded(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~", c) != NULL)
			putchar(c);
		else
			printf("%%%02X", c);
	}
}

static void
decrypt_line(const struct keyring *kr, char *line)
{
	char		*idem_hex, *form, *env_hex, *p, *end;
	unsigned char	 idem[TOKEN_NONCE_BYTES], *env = NULL;
	size_t		 idemlen, envlen, cap;
	struct buf	 plain = { 0 };
	enum open_result r;

	idem_hex = line;
	if ((form = strchr(idem_hex, '\t')) == NULL ||
	    (env_hex = strchr(form + 1, '\t')) == NULL) {
		puts("error\tline is not idem TAB form TAB envelope");
		return;
	}
	*form++ = '\0';
	*env_hex++ = '\0';
	env_hex[strcspn(env_hex, "\r\n")] = '\0';
	if (strncmp(env_hex, "\\x", 2) == 0)	/* bytea's hex output */
		env_hex += 2;
	cap = strlen(env_hex) / 2 + 1;
	if (sodium_hex2bin(idem, sizeof(idem), idem_hex, strlen(idem_hex),
	    NULL, &idemlen, NULL) != 0 || idemlen != sizeof(idem) ||
	    (env = malloc(cap)) == NULL ||
	    sodium_hex2bin(env, cap, env_hex, strlen(env_hex), NULL, &envlen,
	    NULL) != 0) {
		puts("error\tnot hexadecimal");
		free(env);
		return;
	}
	r = keyring_open(kr, env, envlen, idem, form, &plain);
	free(env);
	if (r != OPEN_OK) {
		printf("error\t%s\n", seal_open_strerror(r));
		buf_free(&plain);
		return;
	}
	fputs("ok\t", stdout);
	/* The plaintext is name NUL value NUL, repeated. */
	for (p = plain.data, end = plain.data + plain.len; p < end; ) {
		size_t nlen = strnlen(p, (size_t)(end - p)), vlen;

		if (p + nlen + 1 >= end + 1)
			break;
		vlen = strnlen(p + nlen + 1, (size_t)(end - p - nlen - 1));
		if (p != plain.data)
			putchar('&');
		put_urlencoded(p, nlen);
		putchar('=');
		put_urlencoded(p + nlen + 1, vlen);
		p += nlen + 1 + vlen + 1;
	}
	putchar('\n');
	buf_free(&plain);
}

static int
cmd_decrypt(const char *dir, const char *passfile)
{
	static struct keyring	 kr;	/* large: not on the stack */
	char			*pass, *line = NULL;
	size_t			 passlen, cap = 0;
	int			 rc;

	if ((pass = ctl_passphrase(passfile, &passlen)) == NULL)
		return 1;
	/* Every generation of the key: rows sealed before a rotation open
	 * too. */
	rc = keyring_load(dir, pass, passlen, &kr);
	sodium_free(pass);
	if (rc == -1) {
		fputs("vawgctl: cannot open the keyring (wrong passphrase?)\n",
		    stderr);
		return 1;
	}
	while (getline(&line, &cap, stdin) > 0)
		decrypt_line(&kr, line);
	if (line != NULL) {
		sodium_memzero(line, cap);
		free(line);
	}
	keyring_free(&kr);
	return 0;
}

/*
 * Replays the spool until it is empty, the database is away, or a pass
 * stores nothing (the pool's replayer may be working on it too: the
 * idempotency key makes that harmless).  Exit 0 when nothing is left
 * waiting, 1 otherwise.
 */
static int
cmd_spool_replay(const char *dir, const char *conninfo)
{
	struct spool_tally	 t;
	struct store		*st;
	size_t			 replayed = 0, failed = 0;
	int			 pass, rc = 1;

	if ((st = store_open(conninfo)) == NULL)
		return 1;
	memset(&t, 0, sizeof(t));
	for (pass = 0; pass < 100000; pass++) {
		if (spool_replay(dir, st, 1000, &t) == -1) {
			fprintf(stderr, "vawgctl: %s: cannot read the spool\n",
			    dir);
			goto out;
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
	rc = t.left == 0 ? 0 : 1;
out:
	store_close(st);
	return rc;
}

static const struct {
	const char	*name;
	int		(*run)(int, char *[]);
} ctl_cmds[] = {
	{ "add-admin", ctl_add_admin },
	{ "disable-admin", ctl_disable_admin },
	{ "rotate", ctl_rotate },
	{ "export", ctl_export },
	{ "decrypt-export", ctl_decrypt_export },
	{ "purge", ctl_purge },
};

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "keys", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "spool", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*cmd, *dir = "var/keys", *passfile = NULL;
	const char	*spool = "var/spool", *db = "host=var/run dbname=vawg "
			    "user=vawg_public connect_timeout=3";
	int		 c;

	log_init("vawgctl");
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage();
		return argc < 2;
	}
	cmd = argv[1];
	if (seal_init() == -1)
		return 1;
	/* The administration commands parse their own options. */
	for (c = 0; c < (int)(sizeof(ctl_cmds) / sizeof(ctl_cmds[0])); c++)
		if (strcmp(cmd, ctl_cmds[c].name) == 0)
			return ctl_cmds[c].run(argc, argv);
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:p:s:d:h", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'k':
			dir = optarg;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 's':
			spool = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 1;
		}
	}
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(dir, passfile);
	if (strcmp(cmd, "fingerprint") == 0)
		return cmd_fingerprint(dir);
	if (strcmp(cmd, "decrypt") == 0)
		return cmd_decrypt(dir, passfile);
	if (strcmp(cmd, "spool-replay") == 0)
		return cmd_spool_replay(spool, db);
	fprintf(stderr, "vawgctl: unknown command %s\n", cmd);
	usage();
	return 1;
}
