#!/usr/bin/env bash
# Waits until the dockerized Hadoop of docker-compose.yml can run applications: the NameNode
# is out of safe mode with at least one live DataNode, and the ResourceManager has at least one
# active NodeManager. Polls the web endpoints (published on 127.0.0.1 by docker-compose.yml).
#
#   testdata/docker-hadoop/wait-ready.sh [TIMEOUT_SECONDS]    # default 180
#
# NN_WEB and RM_WEB override the endpoints, e.g. NN_WEB=http://namenode:9870
# RM_WEB=http://resourcemanager:8088 from a container on the compose network.
# Exits 0 when ready, 1 (after printing what it last saw) when TIMEOUT_SECONDS pass first.
set -euo pipefail

timeout=${1:-180}
if [[ ! $timeout =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [TIMEOUT_SECONDS]" >&2
  exit 2
fi
nn_web=${NN_WEB:-http://127.0.0.1:9870}
rm_web=${RM_WEB:-http://127.0.0.1:8088}

# json_int KEY JSON prints the first integer value of "KEY" in JSON (nothing if absent).
json_int() { grep -Eo "\"$1\" *: *[0-9]+" <<<"$2" | head -n 1 | grep -Eo '[0-9]+$' || true; }
# json_str KEY JSON prints the first string value of "KEY" in JSON (nothing if absent).
json_str() { grep -Eo "\"$1\" *: *\"[^\"]*\"" <<<"$2" | head -n 1 | sed -E 's/.*"([^"]*)"$/\1/' || true; }
# fetch URL prints the body of URL, or nothing if it cannot be fetched within 5 seconds.
fetch() { curl -fsS --max-time 5 -H 'Accept: application/json' "$1" 2>/dev/null || true; }

start=$SECONDS
while :; do
  nn=$(fetch "$nn_web/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState")
  rm=$(fetch "$rm_web/ws/v1/cluster/metrics")
  fs_state=$(json_str FSState "$nn")
  live_dns=$(json_int NumLiveDataNodes "$nn")
  active_nms=$(json_int activeNodes "$rm")
  unhealthy_nms=$(json_int unhealthyNodes "$rm")
  status="HDFS: ${fs_state:-no answer from $nn_web}, ${live_dns:-?} live DataNode(s); YARN: ${active_nms:-? (no answer from $rm_web)} active NodeManager(s), ${unhealthy_nms:-?} unhealthy"

  if [[ $fs_state == Operational && ${live_dns:-0} -ge 1 && ${active_nms:-0} -ge 1 ]]; then
    echo "Hadoop is ready after $((SECONDS - start))s: $status"
    exit 0
  fi
  if (( SECONDS - start >= timeout )); then
    echo "Hadoop is not ready after ${timeout}s: $status" >&2
    echo "See the daemons' logs: docker compose logs" >&2
    exit 1
  fi
  sleep 3
done
