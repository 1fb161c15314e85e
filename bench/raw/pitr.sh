#!/bin/sh
# Point-in-time recovery by hand, with the raw tools only: what an operator following the runbook types.
# The P1 benchmark runs it against the same object store, base backup and target as drdrill's PITR.
#
# Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, ENDPOINT (S3 URL), BUCKET,
# BACKUP_KEY (the base backup's tar), WAL_PREFIX (s3://bucket/wal), PGDATA (empty directory), PGBIN, PORT,
# SOCKET_DIR, TARGET_XID, TABLE (the table to count), AWS (the aws CLI; /usr/bin/aws).
# Prints the row count of TABLE on the recovered, promoted primary.
set -eu
AWS=${AWS:-/usr/bin/aws}
download="$PGDATA/../base.tar"

# 1. Fetch the base backup and extract it.
"$AWS" --endpoint-url "$ENDPOINT" s3 cp --only-show-errors "s3://$BUCKET/$BACKUP_KEY" "$download"
tar -xf "$download" -C "$PGDATA"
rm -f "$download"
mkdir -p "$PGDATA/pg_wal"
chmod 0700 "$PGDATA" "$PGDATA/pg_wal"

# 2. restore_command with aws s3 cp, the target, promote at the target.
cat >>"$PGDATA/postgresql.auto.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKET_DIR'
archive_mode = off
restore_command = '$AWS --endpoint-url $ENDPOINT s3 cp --only-show-errors "$WAL_PREFIX/%f" "%p"'
recovery_target_xid = '$TARGET_XID'
recovery_target_inclusive = off
recovery_target_action = promote
CONF
touch "$PGDATA/recovery.signal"

# 3. Start, wait until promoted, count.
"$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/../postgres.log" -s start -W
psql() { "$PGBIN/psql" -h "$SOCKET_DIR" -p "$PORT" -U postgres -X -q -t -A "$@"; }
until [ "$(psql -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.1; done
psql -d "${DATABASE:-postgres}" -c "SELECT count(*) FROM $TABLE"
