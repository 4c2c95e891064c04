#!/usr/bin/env bash
# tests/structure.sh BUILD: the promises the tree itself keeps, checked
# (docs/CONTRIBUTING.md, "The rooms").  Run by `make test` and `make
# structure`; ends with "N passed, N failed".
#
#   1. The web tier cannot read: vawg-public defines no function that opens
#      an envelope or loads a secret sealing key, and calls none of
#      libsodium's openers (docs/THREAT-MODEL.md threat 1).  vawg-admin is
#      checked the other way round, so the check is seen to bite.
#   2. Rooms: a program includes only the library's headers and its own;
#      the library includes only its own; the public program includes no
#      header of the secret side.
#   3. Every source file is listed in docs/ARCHITECTURE.md and in the
#      README's "How it fits together".
#   4. Sizes: no header over 250 lines, no C file over 450, no function
#      over 70 unless the comment above it says why it stays whole.
#   5. Each pool reads only its own settings: an out-of-range admin setting
#      does not stop the public forms, nor a public one the admin pages.
#   6. A caller that ignores the result of a key, token or envelope wrapper
#      does not compile (CHECKED in base.h).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
SRC=cgi-src
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# ---- 1. what the public binary links --------------------------------------

# Functions of libvawg that open envelopes or load secret keys, and
# libsodium's functions that open boxes or derive a key from a passphrase.
OWN_OPENERS='seal_open seal_secret_load seal_keygen seal_passphrase_load keyring_load keyring_open keyring_find keyring_rotate totpseal_open'
SODIUM_OPENERS='crypto_box_seal_open crypto_box_open_easy crypto_box_open_detached crypto_box_open crypto_secretbox_open_easy crypto_secretbox_open_detached crypto_pwhash crypto_aead_xchacha20poly1305_ietf_decrypt'

# Prints the forbidden names the binary defines or calls.
forbidden_in() {
	local bin=$1 defined undefined s
	defined=$(nm --defined-only "$bin" | awk '{print $3}')
	undefined=$(nm -u "$bin" | awk '{print $2}' | sed 's/@.*//')
	for s in $OWN_OPENERS; do
		grep -qx "$s" <<<"$defined" && echo "$s"
	done
	for s in $SODIUM_OPENERS; do
		grep -qx "$s" <<<"$undefined" && echo "$s"
	done
}

nforbidden=$(( $(wc -w <<<"$OWN_OPENERS") + $(wc -w <<<"$SODIUM_OPENERS") ))
if [ ! -x "$BUILD/vawg-public" ] || [ ! -x "$BUILD/vawg-admin" ]; then
	bad "binaries not built in $BUILD"
else
	found=$(forbidden_in "$BUILD/vawg-public")
	echo "public_binary_openers: $(wc -w <<<"$found") of $nforbidden"
	if [ -z "$found" ]; then
		ok "vawg-public links no envelope opener or secret-key loader"
	else
		bad "vawg-public links: $(tr '\n' ' ' <<<"$found")"
	fi
	# The same check on the admin pool, which must open envelopes: if it
	# found nothing there, the check itself would be broken.
	found=$(forbidden_in "$BUILD/vawg-admin")
	if grep -qx seal_open <<<"$found" &&
	    grep -qx crypto_box_seal_open <<<"$found"; then
		ok "the same check finds the openers in vawg-admin"
	else
		bad "the check finds no opener in vawg-admin: it cannot be trusted"
	fi
fi

# ---- 2. include lines -----------------------------------------------------

# Every quoted include of every file in a folder must name a header in
# one of the allowed folders.
includes_within() {
	local dir=$1 f h bad_lines=""
	shift
	for f in "$SRC/$dir"/*.c "$SRC/$dir"/*.cc "$SRC/$dir"/*.h; do
		[ -e "$f" ] || continue
		while read -r h; do
			local found=0 d
			for d in "$@"; do
				[ -e "$SRC/$d/$h" ] && found=1
			done
			[ "$found" = 1 ] || bad_lines+="$f includes \"$h\"; "
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
	if [ -z "$bad_lines" ]; then
		ok "$dir/ includes only headers of: $*"
	else
		bad "$bad_lines"
	fi
}

includes_within lib lib
includes_within public lib public
includes_within admin lib admin
includes_within ctl lib ctl

# The public program and the headers it includes name nothing secret.
secret_refs=$(cpp -I"$SRC/lib" -I"$SRC/public" -H -E "$SRC/public/public.h" \
    2>&1 >/dev/null | grep -E '(secret|staffdb|casedb|export)\.h' || true)
if [ -z "$secret_refs" ]; then
	ok "public.h pulls in no secret-side header"
else
	bad "public.h pulls in: $secret_refs"
fi
if grep -ln '#include "\(secret\|staffdb\|casedb\|export\)\.h"' "$SRC"/public/* \
    >/dev/null; then
	bad "a file in public/ includes a secret-side header"
else
	ok "no file in public/ includes a secret-side header"
fi

# ---- 3. every source file documented --------------------------------------

missing_arch="" missing_readme=""
touch_missing() { [ -f "$1" ] || { echo "FAIL $1 is missing"; fail=$((fail + 1)); }; }
touch_missing docs/ARCHITECTURE.md
while read -r f; do
	rel=${f#"$SRC"/}
	grep -qs "\`$rel\`" docs/ARCHITECTURE.md || missing_arch+="$rel "
	grep -qs "\`$rel\`" README.md || missing_readme+="$rel "
done < <(find "$SRC" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.h' \) |
    sort)
nsrc=$(find "$SRC" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.h' \) |
    wc -l)
echo "source_files: $nsrc"
[ -z "$missing_arch" ] && ok "docs/ARCHITECTURE.md lists every source file" ||
    bad "docs/ARCHITECTURE.md does not list: $missing_arch"
[ -z "$missing_readme" ] && ok "README.md lists every source file" ||
    bad "README.md does not list: $missing_readme"

# ---- 4. sizes -------------------------------------------------------------

big=""
for f in "$SRC"/*/*.h; do
	n=$(wc -l <"$f")
	[ "$n" -le 250 ] || big+="$f ($n) "
done
[ -z "$big" ] && ok "no header over 250 lines" || bad "headers over 250: $big"

big=""
for f in "$SRC"/*/*.c "$SRC"/*/*.cc; do
	n=$(wc -l <"$f")
	[ "$n" -le 450 ] || big+="$f ($n) "
done
[ -z "$big" ] && ok "no C file over 450 lines" || bad "C files over 450: $big"

# A function runs from a line "name(" at the start (KNF puts the return
# type on the line before) to the first "}" at the start of a line.  One
# over 70 lines passes only if the comment right above it says "whole".
long=$(awk '
	FNR == 1 { comment = "" }
	/^\/\*/ { comment = ""; incomment = 1 }
	incomment { comment = comment $0 }
	/\*\// { incomment = 0 }
	/^[a-z_][a-z0-9_]*\(/ && !infn { infn = 1; start = FNR;
		name = $0; sub(/\(.*/, "", name); why = comment }
	infn && /^}/ { n = FNR - start + 1; infn = 0;
		if (n > 70 && why !~ /whole/) printf "%s:%s (%d) ", FILENAME, name, n;
		comment = "" }
	/^$/ && !incomment && !infn { }
' "$SRC"/*/*.c)
[ -z "$long" ] && ok "no function over 70 lines without a reason" ||
    bad "functions over 70 lines: $long"

# ---- 5. each program its own settings ------------------------------------

# Runs a pool with the given settings and keys that do not exist, so it
# stops at the keys, right after reading its settings; prints what it said.
start_until_keys() {
	local bin=$1
	shift
	env -i PATH="$PATH" VAWG_TEMPLATES="$ROOT/templates" \
	    VAWG_KEYS=/nonexistent/vawg-keys "$@" timeout 10 "$bin" 2>&1 || true
}

if [ -x "$BUILD/vawg-public" ] && [ -x "$BUILD/vawg-admin" ]; then
	out=$(start_until_keys "$BUILD/vawg-public" VAWG_SESSION_IDLE=1 \
	    VAWG_LOGIN_MAX_WAIT=0 VAWG_ADMIN_WORKERS=999)
	own=$(start_until_keys "$BUILD/vawg-public" VAWG_WORKERS=0)
	if ! grep -q 'VAWG_' <<<"$out" && grep -q 'VAWG_WORKERS' <<<"$own"; then
		ok "vawg-public ignores the admin pool's settings, checks its own"
	else
		bad "vawg-public settings: [$out] [$own]"
	fi
	out=$(start_until_keys "$BUILD/vawg-admin" VAWG_WORKERS=0 \
	    VAWG_BODY_MAX=1 VAWG_TOKEN_MAX_AGE=1)
	own=$(start_until_keys "$BUILD/vawg-admin" VAWG_SESSION_IDLE=1)
	if ! grep -q 'VAWG_' <<<"$out" &&
	    grep -q 'VAWG_SESSION_IDLE' <<<"$own"; then
		ok "vawg-admin ignores the public pool's settings, checks its own"
	else
		bad "vawg-admin settings: [$out] [$own]"
	fi
fi

# ---- 6. results that must be looked at ------------------------------------

# Each line calls one CHECKED wrapper and drops its result: every one must
# be refused by the compiler, and the same calls with the result used
# must compile (so the check is seen to bite on the right thing).
ignored=0 nchecked=0
for call in 'seal_envelope(p, n, "f", n, 0, b)' 'token_verify(n, "t", 1, 1, 0, 0, 0, t)' \
    'seal_open(k, n, 0, n, "f", b)' 'keyring_open(r, n, 0, n, "f", b)' \
    'seal_secret_load("p", "x", 1, k)' 'file_read_secret("p", 1, &m)' \
    'cookie_value("h", "n", m, 1)' 'totpseal_seal(m, "a", n, 1, m, 1, z)' \
    'totpseal_open(m, "a", n, 1, m, 1, z)'; do
	nchecked=$((nchecked + 1))
	src="#include \"secret.h\"
#include \"text.h\"
long f(struct seal_pub *p, struct buf *b, struct token *t,
    struct seal_secret *k, struct keyring *r, unsigned char *m,
    const unsigned char *n, size_t *z) {"
	printf '%s %s; return 0; }\n' "$src" "$call" |
	    gcc -std=c11 -D_GNU_SOURCE -Wall -Werror -c -o /dev/null \
	    -I"$SRC/lib" -x c - 2>/dev/null && continue
	printf '%s return (long)%s; }\n' "$src" "$call" |
	    gcc -std=c11 -D_GNU_SOURCE -Wall -Werror -c -o /dev/null \
	    -I"$SRC/lib" -x c - 2>/dev/null || continue
	ignored=$((ignored + 1))
done
echo "ignored_results_refused: $ignored of $nchecked"
[ "$ignored" = "$nchecked" ] &&
    ok "an ignored result of a key, token or envelope wrapper does not compile" ||
    bad "only $ignored of $nchecked ignored results were refused"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
