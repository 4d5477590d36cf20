#!/bin/sh
# Driver and executor of the Kerberos integration tests. It reads a staged
# file from HDFS with the Hadoop CLI ($SPINDLE_TEST_HDFS), which inside YARN
# has nothing but the tokens of HADOOP_TOKEN_FILE_LOCATION. With
# SPINDLE_TEST_WAIT_REFRESH=1 it first waits until that file changes (the AM
# obtained new tokens from the keytab and they were written in place).
# Executors then tell the driver through the AM API; the driver waits for
# executor 1 so that the application does not end before it has read.
set -u
f="$SPINDLE_TEST_STAGING/$SPINDLE_APP_ID/data.txt"
if [ "${SPINDLE_TEST_WAIT_REFRESH:-}" = 1 ] && [ -n "${HADOOP_TOKEN_FILE_LOCATION:-}" ]; then
  cp "$HADOOP_TOKEN_FILE_LOCATION" first.tokens
  i=0
  while cmp -s first.tokens "$HADOOP_TOKEN_FILE_LOCATION"; do
    i=$((i+1)); [ $i -le 60 ] || { echo "role=$SPINDLE_ROLE: the credentials file never changed"; exit 3; }
    sleep 2
  done
  echo "role=$SPINDLE_ROLE credentials-changed"
fi
data=$("$SPINDLE_TEST_HDFS" dfs -cat "$f") || { echo "role=$SPINDLE_ROLE: hdfs dfs -cat $f failed"; exit 4; }
echo "role=$SPINDLE_ROLE read=$data tokenfile=${HADOOP_TOKEN_FILE_LOCATION:-none}"
api="$SPINDLE_AM_URL/api/v1/kv/read"
auth="Authorization: Bearer $SPINDLE_SECRET"
if [ "$SPINDLE_ROLE" = executor ]; then
  curl -sf -X PUT -H "$auth" --data "$data" "$api/$SPINDLE_EXECUTOR_ID" >/dev/null || exit 5
else
  curl -sf -H "$auth" "$api/1?wait=60s" >/dev/null || { echo "driver: executor 1 never read"; exit 6; }
fi
