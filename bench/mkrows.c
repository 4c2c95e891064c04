/*
 * bench/mkrows.c: real submission rows for the export benchmark, as
 * PostgreSQL COPY text on stdout, made with the service's own code
 * (seal_envelope, token_reference from build/libvawg.a), so the admin pool opens
 * every one of them exactly as it opens a row the public pool stored.
 *
 *   mkrows PUBKEY FORM VERSION_ID PLAIN_JSON PAIRS_FILE DAY:COUNT...
 *
 * PAIRS_FILE holds the sensitive answers, one "name TAB value" a line, in
 * the form's field order (what form_sensitive_pairs() would build from the
 * same post).  DAY is YYYY-MM-DD: COUNT rows are spread from 02:00 to
 * 22:00 UTC that day, inside the same London day whatever the season.
 * The columns are those of
 *
 *   COPY vawg.submission (version_id, idem_key, reference, created_at,
 *       plain, sealed, key_id) FROM STDIN
 *
 * Each row gets a random idempotency key; the reference is derived from it
 * as the service derives it.  Exits 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "form.h"

#define PAIRS_MAX	(64 * 1024)

/* Reads "name\tvalue" lines into "name\0value\0..." pairs. */
static int
read_pairs(const char *path, struct buf *out)
{
	char	 line[8192], *tab;
	size_t	 n;
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (n == 0)
			continue;
		if ((tab = strchr(line, '\t')) == NULL) {
			fprintf(stderr, "%s: a line without a tab\n", path);
			fclose(f);
			return -1;
		}
		*tab = '\0';
		if (pairs_append(out, line, tab + 1) == -1 ||
		    out->len > PAIRS_MAX) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* Writes len bytes as COPY text's bytea hex: \\x followed by hex digits. */
static void
put_bytea(const unsigned char *p, size_t len, char *hex, size_t hexsz)
{
	sodium_bin2hex(hex, hexsz, p, len);
	fputs("\\\\x", stdout);
	fputs(hex, stdout);
}

int
main(int argc, char *argv[])
{
	struct seal_pub	 pub;
	struct buf	 pairs = { 0 }, env = { 0 };
	unsigned char	 idem[TOKEN_NONCE_BYTES];
	char		 ref[REFERENCE_TEXT], day[16], *hex = NULL;
	size_t		 hexsz = 0;
	long		 count, i, secs;
	int		 a, version;

	log_init("mkrows");
	if (argc < 7) {
		fputs("usage: mkrows PUBKEY FORM VERSION_ID PLAIN_JSON "
		    "PAIRS_FILE DAY:COUNT...\n", stderr);
		return 1;
	}
	version = atoi(argv[3]);
	if (seal_init() == -1 || seal_pub_load(argv[1], &pub) == -1 ||
	    read_pairs(argv[5], &pairs) == -1 || version <= 0 ||
	    strpbrk(argv[4], "\t\n\\") != NULL)
		return 1;
	for (a = 6; a < argc; a++) {
		if (sscanf(argv[a], "%10[0-9-]:%ld", day, &count) != 2 ||
		    count <= 0) {
			fprintf(stderr, "%s: not DAY:COUNT\n", argv[a]);
			return 1;
		}
		for (i = 0; i < count; i++) {
			randombytes_buf(idem, sizeof(idem));
			token_reference(idem, ref);
			buf_reset(&env);
			if (seal_envelope(&pub, idem, argv[2], pairs.data,
			    pairs.len, &env) == -1)
				return 1;
			if (hexsz < env.len * 2 + 1) {
				hexsz = env.len * 2 + 1;
				free(hex);
				if ((hex = malloc(hexsz)) == NULL)
					return 1;
			}
			/* Spread over 20 hours from 02:00 UTC. */
			secs = 2 * 3600 + (long)((double)i * 72000 / count);
			printf("%d\t", version);
			put_bytea(idem, sizeof(idem), hex, hexsz);
			printf("\t%s\t%s %02ld:%02ld:%02ld+00\t%s\t", ref, day,
			    secs / 3600, secs / 60 % 60, secs % 60, argv[4]);
			put_bytea((const unsigned char *)env.data, env.len,
			    hex, hexsz);
			printf("\t%s\n", pub.key_id);
		}
	}
	buf_free(&pairs);
	buf_free(&env);
	free(hex);
	return fflush(stdout) == 0 ? 0 : 1;
}
