#!/usr/bin/env bash
# conf/stack.sh: install, start and stop the whole local stack: a private
# PostgreSQL cluster, the migrations, development keys, the public FastCGI
# pool and nginx.  `make run`, `make stop` and the tests call it.
#
#   bash conf/stack.sh deps|start|stop|status|migrate|psql|reload|pg-start|pg-stop
#
# Settings (environment, with defaults):
#   VAWG_VAR      data folder (var/): pgdata/ run/ fcgi/ log/ keys/ nginx/
#                 spool/ (posts waiting for the database; failed/ inside)
#   VAWG_PORT     8080            VAWG_BIN       build/
#   VAWG_WORKERS  4               VAWG_BODY_MAX  524288 (bytes)
#   VAWG_POST_RATE 30r/m          VAWG_POST_BURST 60
#   VAWG_MIN_FILL_SECONDS 3       VAWG_TOKEN_MAX_AGE 86400
#   VAWG_EXIT_URL  where "Leave this site" goes
#   VAWG_TRUSTED_PROXY  addresses or CIDRs of a TLS-terminating proxy,
#                 separated by spaces or commas [none]
#   VAWG_ADMIN_ALLOW_PLAIN_HTTP  1: admin sign-in over plain HTTP [1 with
#                 no trusted proxy, since nginx then listens on 127.0.0.1
#                 in plain HTTP only; else 0]
#   VAWG_SPOOL_MAX_BYTES 268435456  VAWG_SPOOL_MAX_FILES 10000 (the spool's cap)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR=${VAWG_VAR:-$ROOT/var}
PORT=${VAWG_PORT:-8080}
BIN=${VAWG_BIN:-$ROOT/build}
WORKERS=${VAWG_WORKERS:-4}
BODY_MAX=${VAWG_BODY_MAX:-524288}
POST_RATE=${VAWG_POST_RATE:-30r/m}
POST_BURST=${VAWG_POST_BURST:-60}
TRUSTED_PROXY=${VAWG_TRUSTED_PROXY:-}
if [ -z "$TRUSTED_PROXY" ]; then
	ALLOW_PLAIN_HTTP=${VAWG_ADMIN_ALLOW_PLAIN_HTTP:-1}
else
	ALLOW_PLAIN_HTTP=${VAWG_ADMIN_ALLOW_PLAIN_HTTP:-0}
fi
WEB_USER=vawgweb
ADMIN_USER=vawgadmin
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PGSOCK=$VAR/run

# Debian packages: build, run and test.  Why each is there: README.md.
PACKAGES="gcc g++ make pkg-config libfcgi-dev libpq-dev libsodium-dev
libctemplate-dev liboath-dev libqrencode-dev postgresql nginx-light curl
python3 clang libclang-rt-14-dev"

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: %s\n' "$*" >&2; exit 1; }

deps() {
	local missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root)"
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# policy-rc.d keeps the package scripts from starting the system's
	# own nginx and PostgreSQL: we run private ones.
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	rm -f /usr/sbin/policy-rc.d
}

as_pg() { runuser -u postgres -- "$@"; }

# initdb and the server run as postgres, nginx's workers as www-data: both
# must be able to walk down to their folders.
make_traversable() {
	local d=$1
	while [ "$d" != / ]; do
		if ! runuser -u www-data -- test -x "$d" 2>/dev/null; then
			say "allowing others to traverse $d"
			chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
}

# Logs are the operator's to read, nobody else's (issue 13, item 5): the
# folder root:adm 0750 (adm: Debian's log-reading group), each file 0640,
# owned by root (a pool or nginx writes to the descriptor it inherits) or
# by the account given.  Only root can give a file to adm; others get the
# modes alone.
log_file() {
	local f=$VAR/log/$1
	mkdir -p "$VAR/log"
	touch "$f"
	if [ "$(id -u)" = 0 ]; then
		chown root:adm "$VAR/log"
		chown "${2:-root}:adm" "$f"
	fi
	chmod 750 "$VAR/log"
	chmod 640 "$f"
}

pg_running() {
	[ -f "$VAR/pgdata/postmaster.pid" ] &&
	    as_pg "$PGBIN/pg_ctl" -D "$VAR/pgdata" status >/dev/null 2>&1
}

# Local access to the database (docs/THREAT-MODEL.md threat 20): no TCP
# port, and on the socket peer authentication through the ident map
# `vawg`: each program's Unix user reaches its own role only, the
# operator (root) and postgres the owner, anyone else nothing.  The socket
# folder and the socket admit only postgres and the group vawgdb (the two
# pools' users).  Both files are written on every start, before the server
# starts, so that a cluster made by an older stack.sh (initdb -A trust)
# is converted; the socket's group and mode are given on pg_ctl's -o
# command line, so that they too hold for an old cluster at its next start.
DB_GROUP=vawgdb

db_auth() {
	local d=$VAR/pgdata
	printf '%s\n' '# Written by conf/stack.sh at every start: edits are lost.' \
	    'local all all peer map=vawg' >"$d/pg_hba.conf"
	printf '%s\n' '# Written by conf/stack.sh at every start: edits are lost.' \
	    '# map Unix user database role' \
	    'vawg postgres postgres' 'vawg root postgres' \
	    "vawg $WEB_USER vawg_public" "vawg $ADMIN_USER vawg_admin" \
	    >"$d/pg_ident.conf"
	chown postgres: "$d/pg_hba.conf" "$d/pg_ident.conf"
	chmod 600 "$d/pg_hba.conf" "$d/pg_ident.conf"
}

# The server must be a member of the socket's group to give it that group.
db_accounts() {
	local u
	make_group "$DB_GROUP"
	make_user "$WEB_USER"
	make_user "$ADMIN_USER"
	for u in postgres "$WEB_USER" "$ADMIN_USER"; do
		case " $(id -nG "$u") " in
		*" $DB_GROUP "*) ;;
		*) usermod -a -G "$DB_GROUP" "$u" ;;
		esac
	done
}

pg_start() {
	local sockopt
	[ -n "$PGBIN" ] || die "PostgreSQL is not installed (make deps)"
	[ "$(id -u)" = 0 ] || die "pg_start needs root"
	db_accounts
	mkdir -p "$VAR/run" "$VAR/log"
	chmod 755 "$VAR"
	chown postgres:"$DB_GROUP" "$VAR/run"
	chmod 750 "$VAR/run"
	make_traversable "$VAR"
	if [ ! -s "$VAR/pgdata/PG_VERSION" ]; then
		say "creating the database cluster in $VAR/pgdata"
		mkdir -p "$VAR/pgdata"
		chown postgres: "$VAR/pgdata"
		chmod 700 "$VAR/pgdata"
		as_pg "$PGBIN/initdb" -D "$VAR/pgdata" -U postgres \
		    --auth-local=peer --auth-host=reject \
		    -E UTF8 --locale=C.UTF-8 >/dev/null
	fi
	db_auth
	if pg_running; then
		# A server started before this script set the socket's
		# mode restarts once to take it; otherwise a reload reads
		# the files just written.
		if [ "$(stat -c %a:%G "$VAR/run/.s.PGSQL.5432" 2>/dev/null)" \
		    = "770:$DB_GROUP" ]; then
			as_pg "$PGBIN/pg_ctl" -D "$VAR/pgdata" reload >/dev/null
			return 0
		fi
		say "restarting PostgreSQL to restrict its socket"
		pg_stop fast
	fi
	# postgres cannot enter var/log: the log is opened here, as root, and
	# the server keeps the descriptor (pg_ctl -s says only its errors).
	log_file postgres.log postgres
	sockopt="-c unix_socket_group=$DB_GROUP -c unix_socket_permissions=0770"
	as_pg "$PGBIN/pg_ctl" -D "$VAR/pgdata" -w -t 60 -s \
	    -o "-c listen_addresses='' -k $VAR/run $sockopt -c log_min_error_statement=panic" \
	    start >>"$VAR/log/postgres.log" 2>&1 || {
		tail -n 5 "$VAR/log/postgres.log" >&2
		die "PostgreSQL did not start (log: $VAR/log/postgres.log)"
	}
}

pg_stop() {
	pg_running || return 0
	as_pg "$PGBIN/pg_ctl" -D "$VAR/pgdata" -m "${1:-fast}" -w stop >/dev/null
}

psql_su() { PGOPTIONS="-c client_min_messages=warning" psql -h "$PGSOCK" -U postgres -v ON_ERROR_STOP=1 -q -X "$@"; }

migrate() {
	local f name tmp
	if ! psql_su -d postgres -tAc \
	    "SELECT 1 FROM pg_database WHERE datname = 'vawg'" | grep -q 1; then
		psql_su -d postgres -c 'CREATE DATABASE vawg'
	fi
	psql_su -d vawg -c 'CREATE TABLE IF NOT EXISTS public.schema_migrations
	    (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())'
	tmp=$(mktemp)
	for f in "$ROOT"/sql/[0-9]*.sql; do
		name=$(basename "$f")
		if psql_su -d vawg -tAc "SELECT 1 FROM public.schema_migrations
		    WHERE name = '$name'" | grep -q 1; then
			continue
		fi
		say "migrating: $name"
		# The file and its record commit together, or neither does.
		printf "INSERT INTO public.schema_migrations (name) VALUES ('%s');\n" \
		    "$name" >"$tmp"
		psql_su -d vawg --single-transaction -f "$f" -f "$tmp" >/dev/null
	done
	rm -f "$tmp"
}

# Every key the service needs, made by vawgctl keygen, which makes only
# what is missing and never overwrites a key: a folder from before one of
# them existed gains it, and a restart with every key in place skips it.
keys() {
	local k=$VAR/keys
	[ -f "$k/service.pub" ] && [ -f "$k/token.key" ] &&
	    [ -f "$k/admin.key" ] && return 0
	say "creating development keys in $k"
	mkdir -p "$k"
	chmod 700 "$k"
	umask 077
	[ -f "$k/passphrase" ] ||
	    head -c 32 /dev/urandom | base64 >"$k/passphrase"
	"$BIN/vawgctl" keygen --keys "$k" --passphrase-file "$k/passphrase"
	umask 022
}

# The keys folder stays root's; the public pool's group may only pass
# through it (0710), so that after dropping root the pool can read
# service.pub (0644) again on SIGHUP, after a rotation.  It can list
# nothing, and every other key file is root's, 0600 (keyring/ 0700).
key_folder() {
	[ "$(id -u)" = 0 ] || return 0
	chown root:"$(id -gn "$WEB_USER")" "$VAR/keys"
	chmod 710 "$VAR/keys"
}

make_group() {
	getent group "$1" >/dev/null && return 0
	[ "$(id -u)" = 0 ] || return 0
	groupadd --system "$1"
}

make_user() {
	id "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || return 0
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$1"
}

web_user() { make_user "$WEB_USER"; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }

# The spool holds posts confirmed while the database was away, until the
# pool's replayer stores them: private to the user the pool runs as.
spool_dir() {
	mkdir -p "$VAR/spool/failed"
	if [ "$(id -u)" = 0 ]; then
		chown "$WEB_USER": "$VAR/spool" "$VAR/spool/failed"
	fi
	chmod 700 "$VAR/spool" "$VAR/spool/failed"
}

# The FastCGI sockets' folder: root's, and only nginx's workers (group
# www-data) may enter it.  A pool binds its socket there as root, then gives
# it to its own user and www-data, mode 0660 (lib/pool.c); the pid files,
# written here, stay root's.
fcgi_dir() {
	mkdir -p "$VAR/fcgi"
	[ "$(id -u)" = 0 ] && chown root:www-data "$VAR/fcgi"
	chmod 750 "$VAR/fcgi"
}

# as_root WORD: WORD when run as root, else nothing (a pool run by another
# user keeps it, and can give its socket to no other user or group).
as_root() { [ "$(id -u)" = 0 ] && echo "$1" || true; }

public_start() {
	local pidf=$VAR/fcgi/public.pid sock=$VAR/fcgi/public.sock i
	fcgi_dir
	alive "$pidf" && return 0
	web_user
	key_folder
	spool_dir
	rm -f "$sock"
	log_file public.log
	VAWG_SOCKET=$sock \
	VAWG_DB="host=$VAR/run dbname=vawg user=vawg_public connect_timeout=3 options='-c statement_timeout=5000'" \
	VAWG_TEMPLATES=$ROOT/templates \
	VAWG_KEYS=$VAR/keys \
	VAWG_SPOOL=$VAR/spool \
	VAWG_USER=$(as_root "$WEB_USER") VAWG_SOCKET_GROUP=$(as_root www-data) \
	VAWG_WORKERS=$WORKERS VAWG_BODY_MAX=$BODY_MAX \
	VAWG_SPOOL_MAX_BYTES=${VAWG_SPOOL_MAX_BYTES:-268435456} \
	VAWG_SPOOL_MAX_FILES=${VAWG_SPOOL_MAX_FILES:-10000} \
	    setsid "$BIN/vawg-public" >>"$VAR/log/public.log" 2>&1 </dev/null &
	echo $! >"$pidf"
	wait_socket public "$sock" "$pidf"
}

# Waits until a pool listens on its socket, or says why it did not.
wait_socket() {
	local name=$1 sock=$2 pidf=$3 i
	for i in $(seq 1 100); do
		[ -S "$sock" ] && return 0
		alive "$pidf" || break
		sleep 0.1
	done
	tail -n 5 "$VAR/log/$name.log" >&2
	die "the $name pool did not start (log: $VAR/log/$name.log)"
}

# The admin pool runs as its own user, with its own database role.  In the
# default mode it unlocks the keyring with the passphrase file and decrypts
# exports; VAWG_ADMIN_MODE=sealed starts it with no secret key at all.
admin_start() {
	local pidf=$VAR/fcgi/admin.pid sock=$VAR/fcgi/admin.sock pass=
	fcgi_dir
	alive "$pidf" && return 0
	make_user "$ADMIN_USER"
	[ "${VAWG_ADMIN_MODE:-decrypt}" = sealed ] || pass=$VAR/keys/passphrase
	rm -f "$sock"
	log_file admin.log
	VAWG_ADMIN_SOCKET=$sock \
	VAWG_ADMIN_DB="host=$VAR/run dbname=vawg user=vawg_admin connect_timeout=3 options='-c statement_timeout=60000'" \
	VAWG_TEMPLATES=$ROOT/templates \
	VAWG_KEYS=$VAR/keys \
	VAWG_PASSPHRASE_FILE=$pass \
	VAWG_ADMIN_USER=$(as_root "$ADMIN_USER") \
	VAWG_ADMIN_SOCKET_GROUP=$(as_root www-data) \
	VAWG_ADMIN_ALLOW_PLAIN_HTTP=$ALLOW_PLAIN_HTTP \
	    setsid "$BIN/vawg-admin" >>"$VAR/log/admin.log" 2>&1 </dev/null &
	echo $! >"$pidf"
	wait_socket admin "$sock" "$pidf"
}

# TOTP secrets left in clear from before migration 009, sealed with
# admin.key (the migration cannot: it has no key); run after the keys.
seal_totp() {
	"$BIN/vawgctl" seal-totp --keys "$VAR/keys" \
	    --db "host=$VAR/run dbname=vawg user=postgres connect_timeout=3" \
	    >/dev/null
}

# A development administrator, made once: password and TOTP secret in
# var/, readable by root only.  Nothing like it exists in production.
dev_admin() {
	[ -f "$VAR/admin-password" ] && return 0
	say "creating the development admin 'admin'"
	"$BIN/vawgctl" add-admin --user admin --keys "$VAR/keys" \
	    --db "host=$VAR/run dbname=vawg user=postgres connect_timeout=3" \
	    --password-out "$VAR/admin-password" --totp-out "$VAR/admin-totp"
}

# A pool finishes the requests in hand (up to 5 s) before it exits.
stop_pid() {
	local pidf=$1 i
	alive "$pidf" || { rm -f "$pidf"; return 0; }
	kill -TERM "$(cat "$pidf")"
	for i in $(seq 1 150); do
		alive "$pidf" || break
		sleep 0.1
	done
	alive "$pidf" && kill -KILL "$(cat "$pidf")"
	rm -f "$pidf"
}

# The trusted proxy's lines for nginx.conf.in (see the comment there):
# REAL_IP the realip directives, PROXY_GEO the geo entries, each on one
# line, both empty with no proxy.  An entry is checked for the characters
# of an address or CIDR, so nothing else reaches the configuration; nginx
# -t then checks it is one.
REAL_IP= PROXY_GEO=
proxy_lines() {
	local p list
	read -r -a list <<<"${TRUSTED_PROXY//,/ }"
	for p in "${list[@]}"; do
		case $p in
		*[!0-9A-Fa-f:./]*) die "VAWG_TRUSTED_PROXY: '$p' is not an address or a CIDR" ;;
		esac
		REAL_IP="$REAL_IP set_real_ip_from $p;"
		PROXY_GEO="$PROXY_GEO $p 1;"
	done
	[ -z "$REAL_IP" ] ||
	    REAL_IP="$REAL_IP real_ip_header X-Forwarded-For; real_ip_recursive on;"
}

nginx_start() {
	local n=$VAR/nginx
	mkdir -p "$n/tmp"
	make_traversable "$ROOT/static"
	proxy_lines
	sed -e "s|@VAR@|$VAR|g" -e "s|@ROOT@|$ROOT|g" -e "s|@PORT@|$PORT|g" \
	    -e "s|@POST_RATE@|$POST_RATE|g" -e "s|@POST_BURST@|$POST_BURST|g" \
	    -e "s|@BODY_MAX@|$BODY_MAX|g" -e "s|@REAL_IP@|$REAL_IP|" \
	    -e "s|@PROXY_GEO@|$PROXY_GEO|" \
	    "$ROOT/conf/nginx.conf.in" >"$n/nginx.conf"
	alive "$n/nginx.pid" && return 0
	log_file nginx-error.log
	log_file nginx-access.log
	nginx -q -t -p "$n" -c "$n/nginx.conf" -e "$VAR/log/nginx-error.log"
	nginx -p "$n" -c "$n/nginx.conf" -e "$VAR/log/nginx-error.log"
}

start() {
	[ -x "$BIN/vawg-public" ] || die "not built: run make build"
	mkdir -p "$VAR/log"
	export VAWG_MIN_FILL_SECONDS VAWG_TOKEN_MAX_AGE VAWG_EXIT_URL
	pg_start
	migrate
	keys
	seal_totp
	dev_admin
	public_start
	admin_start
	nginx_start
	say "PostgreSQL: socket in $VAR/run (make psql)"
	say "logs:       $VAR/log/"
	say "serving:    http://127.0.0.1:$PORT/"
	say "admin:      http://127.0.0.1:$PORT/admin/ (user admin, password"
	say "            in $VAR/admin-password, TOTP secret in $VAR/admin-totp)"
}

stop() {
	stop_pid "$VAR/nginx/nginx.pid"
	stop_pid "$VAR/fcgi/public.pid"
	stop_pid "$VAR/fcgi/admin.pid"
	pg_stop fast
	say "stopped"
}

status() {
	alive "$VAR/nginx/nginx.pid" && say "nginx: running" || say "nginx: stopped"
	alive "$VAR/fcgi/public.pid" && say "public pool: running" ||
	    say "public pool: stopped"
	alive "$VAR/fcgi/admin.pid" && say "admin pool: running" ||
	    say "admin pool: stopped"
	pg_running && say "PostgreSQL: running" || say "PostgreSQL: stopped"
}

: "${VAWG_MIN_FILL_SECONDS:=3}" "${VAWG_TOKEN_MAX_AGE:=86400}"
: "${VAWG_EXIT_URL:=https://www.bbc.co.uk/weather}"

case "${1:-}" in
deps)		deps ;;
start)		start ;;
stop)		stop ;;
status)		status ;;
migrate)	pg_start; migrate ;;
psql)		exec psql -h "$PGSOCK" -U postgres -d vawg ;;
reload)		for p in public admin; do
			alive "$VAR/fcgi/$p.pid" && kill -HUP "$(cat "$VAR/fcgi/$p.pid")"
		done; true ;;
restart-public)	stop_pid "$VAR/fcgi/public.pid"; public_start ;;
restart-admin)	stop_pid "$VAR/fcgi/admin.pid"; admin_start ;;
pg-start)	pg_start ;;
pg-stop)	pg_stop "${2:-fast}" ;;
*)		die "usage: $0 deps|start|stop|status|migrate|psql|reload|restart-public|restart-admin|pg-start|pg-stop" ;;
esac
