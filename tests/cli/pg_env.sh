# A real PostgreSQL for one test script (docs/deployment.md, tests). Source it
# after lib.sh, then call pg_start; it is stopped with pg_ctl -m fast stop
# when the script ends, however it ends (the EXIT trap below replaces
# lib.sh's and removes $T too).
#
# PostgreSQL refuses to run as root, and CI runs as root: the cluster then
# belongs to the unprivileged user $PG_OS_USER (default nobody), made with
# runuser. It lives in a temporary directory of its own and listens only on
# a Unix socket in that directory (listen_addresses=''), so clusters of
# several test scripts never meet. One cluster per script keeps the cost to
# one initdb (about a second).
#
# After pg_start:
#   PG_SOCK    the socket directory (host= in a connection string)
#   PG_ADMIN   the administrator's connection string (database hall)
#   pg_kiosk ID  the connection string of kiosk ID's role
#   pg_psql [ROLE] -c SQL   psql on the hall database, as ROLE (hall_admin)
#   pg_stop / pg_restart    the server, stopped with -m fast
#   pg_replica_start        a streaming replica of it (pg_basebackup -R), on
#                           a socket of its own: PG_RSOCK; stopped at the end
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_OS_USER=${PG_OS_USER:-nobody}
# The tests never crash the machine under the server, so they skip fsync;
# the benchmark keeps it (PG_FSYNC=on), as a hall's server would.
PG_FSYNC=${PG_FSYNC:-off}
PG_DIR=""

# as_pg CMD...: run as the cluster's owner (root: runuser to $PG_OS_USER).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_OS_USER" -- "$@"
	else
		"$@"
	fi
}

pg_stop() {
	[ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] &&
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
	return 0
}

pg_replica_stop() {
	[ -n "$PG_DIR" ] && [ -f "$PG_DIR/replica/postmaster.pid" ] &&
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -m fast -w stop >/dev/null 2>&1
	return 0
}

# pg_replica_start: a standby streaming from the running cluster (its own
# base backup, standby.signal and primary_conninfo written by -R), on the
# socket directory $PG_DIR/rsock; 0, or 2 with its log.
pg_replica_start() {
	PG_RSOCK=$PG_DIR/rsock
	as_pg mkdir -m 0700 "$PG_RSOCK"
	if ! as_pg "$PG_BIN/pg_basebackup" -h "$PG_SOCK" -U hall_admin -D "$PG_DIR/replica" -R \
		-X stream -c fast >"$PG_DIR/basebackup.log" 2>&1; then
		echo "FAIL pg_env: pg_basebackup"
		sed 's/^/    | /' "$PG_DIR/basebackup.log"
		return 2
	fi
	if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/replica" -w -t 30 -l "$PG_DIR/replica.log" \
		-o "-c listen_addresses='' -k $PG_RSOCK -c fsync=$PG_FSYNC" start >/dev/null 2>&1; then
		echo "FAIL pg_env: the replica did not start"
		sed 's/^/    | /' "$PG_DIR/replica.log"
		return 2
	fi
	export PG_RSOCK
}

pg_cleanup() {
	pg_replica_stop
	pg_stop
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	[ -n "$T" ] && rm -rf "$T"
}
trap 'pg_cleanup' EXIT
trap 'exit 2' INT TERM HUP

# pg_start: a fresh cluster with the database hall; 0, or 2 with the log.
pg_start() {
	if [ ! -x "$PG_BIN/initdb" ]; then
		echo "FAIL pg_env: no PostgreSQL server (apt-get install postgresql; make test installs it)"
		exit 2
	fi
	PG_DIR=$(mktemp -d /tmp/kiosk-pg.XXXXXX) || exit 2
	chmod 0700 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DIR"
	PG_SOCK=$PG_DIR
	if ! as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U hall_admin -E UTF8 --locale=C \
		-A trust --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		echo "FAIL pg_env: initdb"
		sed 's/^/    | /' "$PG_DIR/initdb.log"
		exit 2
	fi
	# The hall's supervisors log in with their PIN (docs/deployment.md):
	# PostgreSQL checks it, so their logins are never trusted.
	as_pg sh -c "{ echo 'local all +hall_supervisor scram-sha-256'; cat '$PG_DIR/data/pg_hba.conf'; } \
		>'$PG_DIR/data/hba.new' && mv '$PG_DIR/data/hba.new' '$PG_DIR/data/pg_hba.conf'"
	pg_restart || exit 2
	if ! as_pg "$PG_BIN/createdb" -h "$PG_SOCK" -U hall_admin -E UTF8 -T template0 hall; then
		echo "FAIL pg_env: createdb hall"
		exit 2
	fi
	PG_ADMIN="host=$PG_SOCK dbname=hall user=hall_admin"
	export PG_SOCK PG_ADMIN
}

# pg_restart: start the cluster (again); 0, or 2 with the server's log.
pg_restart() {
	if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 30 -l "$PG_DIR/server.log" \
		-o "-c listen_addresses='' -k $PG_SOCK -c fsync=$PG_FSYNC" start >/dev/null 2>&1; then
		echo "FAIL pg_env: the server did not start"
		sed 's/^/    | /' "$PG_DIR/server.log"
		return 2
	fi
}

pg_kiosk() { echo "host=$PG_SOCK dbname=hall user=kiosk_$1"; }

# pg_psql [-U ROLE] ARGS...: psql on the hall database, quiet, unaligned.
pg_psql() {
	role=hall_admin
	if [ "$1" = -U ]; then role=$2; shift 2; fi
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U "$role" -d hall "$@"
}

# pg_windows KIOSK:HALL...: each kiosk registered at the centre, a window of its hall.
pg_windows() {
	for w in "$@"; do
		"$KIOSKCTL" hall kiosk-add "${w%%:*}" --hall "${w#*:}" --central "$PG_ADMIN" >/dev/null ||
			echo "FAIL pg_env: kiosk-add $w"
	done
}
