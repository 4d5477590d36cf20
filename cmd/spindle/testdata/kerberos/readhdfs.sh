#!/bin/sh
# Driver and executor of the Kerberos integration tests. It reads a staged
# file from HDFS with the Hadoop CLI ($SPINDLE_TEST_HDFS), which inside YARN
# has nothing but the tokens of HADOOP_TOKEN_FILE_LOCATION. With
# SPINDLE_TEST_WAIT_REFRESH=1 it first waits until that file changes (the AM
# obtained new tokens from the keytab and they were written in place); then
# the driver cancels the first HDFS token (authenticating with the new one),
# checks that the first token no longer reads HDFS and tells the executors,
# which wait for that before they read: the application outlives its first
# HDFS delegation token.
# Executors then tell the driver through the AM API; the driver waits for
# executor 1 so that the application does not end before it has read.
set -u
# curl to the AM API: over TLS with its pinned key when SPINDLE_AM_PUBKEY_SHA256
# is set (the README's am()), plain HTTP to spindle's local proxy otherwise.
am() { curl -sf ${SPINDLE_AM_PUBKEY_SHA256:+-k --pinnedpubkey sha256//$SPINDLE_AM_PUBKEY_SHA256} "$@"; }
f="$SPINDLE_TEST_STAGING/$SPINDLE_APP_ID/data.txt"
if [ "${SPINDLE_TEST_WAIT_REFRESH:-}" = 1 ] && [ -n "${HADOOP_TOKEN_FILE_LOCATION:-}" ]; then
  cp "$HADOOP_TOKEN_FILE_LOCATION" first.tokens
  i=0
  while cmp -s first.tokens "$HADOOP_TOKEN_FILE_LOCATION"; do
    i=$((i+1)); [ $i -le 60 ] || { echo "role=$SPINDLE_ROLE: the credentials file never changed"; exit 3; }
    sleep 2
  done
  echo "role=$SPINDLE_ROLE credentials-changed"
  if [ "$SPINDLE_ROLE" = driver ]; then
    hadoop="$(dirname "$SPINDLE_TEST_HDFS")/hadoop"
    # first-hdfs.tokens: the first file with only its HDFS token (fetchdt
    # --cancel cancels every token of a file; Hadoop 3.2's dtutil has no import)
    cp first.tokens first-hdfs.tokens
    "$hadoop" dtutil print first-hdfs.tokens >first.list || exit 7
    grep -q "^HDFS_DELEGATION_TOKEN " first.list || { echo "driver: no HDFS token in the first credentials file"; exit 7; }
    for alias in $(awk '$1 ~ /^[A-Z_]+_TOKEN$/ && $1 != "HDFS_DELEGATION_TOKEN" { print $2 }' first.list); do
      "$hadoop" dtutil remove -alias "$alias" first-hdfs.tokens || exit 7
    done
    "$SPINDLE_TEST_HDFS" fetchdt --cancel first-hdfs.tokens || { echo "driver: could not cancel the first HDFS token"; exit 7; }
    if HADOOP_TOKEN_FILE_LOCATION=first-hdfs.tokens "$SPINDLE_TEST_HDFS" dfs -cat "$f" >old.out 2>&1; then
      echo "driver: the cancelled first token still reads HDFS"; exit 8
    fi
    grep -q "can't be found in cache" old.out || { echo "driver: reading with the first token failed otherwise:"; cat old.out; exit 8; }
    echo "role=driver first-token-cancelled"
    am -X PUT -H "Authorization: Bearer $SPINDLE_SECRET" --data 1 "$SPINDLE_AM_URL/api/v1/kv/read/cancelled" >/dev/null || exit 5
  else
    am -H "Authorization: Bearer $SPINDLE_SECRET" "$SPINDLE_AM_URL/api/v1/kv/read/cancelled?wait=60s" >/dev/null ||
      { echo "executor: the driver never cancelled the first token"; exit 9; }
  fi
fi
data=$("$SPINDLE_TEST_HDFS" dfs -cat "$f") || { echo "role=$SPINDLE_ROLE: hdfs dfs -cat $f failed"; exit 4; }
echo "role=$SPINDLE_ROLE read=$data tokenfile=${HADOOP_TOKEN_FILE_LOCATION:-none}"
api="$SPINDLE_AM_URL/api/v1/kv/read"
auth="Authorization: Bearer $SPINDLE_SECRET"
if [ "$SPINDLE_ROLE" = executor ]; then
  am -X PUT -H "$auth" --data "$data" "$api/$SPINDLE_EXECUTOR_ID" >/dev/null || exit 5
else
  am -H "$auth" "$api/1?wait=60s" >/dev/null || { echo "driver: executor 1 never read"; exit 6; }
fi
