#!/bin/sh
# taskqueue.sh: the work queue from a shell script with curl. The same script
# is the driver (SPINDLE_ROLE=driver) and every executor.
#
#   spindle submit --master yarn --deploy-mode cluster --num-executors 3 \
#       --files words.txt ./taskqueue.sh words.txt
#
# The driver enqueues one task per line of the file, seals the queue, waits
# until every task is finished and prints each result. An executor leases a
# task with ?format=raw (the body is the answer, the task id is in the
# Spindle-Task-Id header), upper-cases it and completes the task with the
# result, or fails it; it exits 0 on 410 Gone (no more tasks, or the AM
# releases it).
set -u
api=$SPINDLE_AM_URL/api/v1
auth="Authorization: Bearer $SPINDLE_SECRET"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# call METHOD PATH [curl args...]: prints the HTTP status, the body goes to $tmp/body.
# On YARN the driver reaches the AM over TLS and pins its key (executors go
# through spindle's local proxy over plain HTTP); locally it is plain HTTP.
call() {
	m=$1 p=$2
	shift 2
	curl -sS ${SPINDLE_AM_PUBKEY_SHA256:+-k --pinnedpubkey sha256//$SPINDLE_AM_PUBKEY_SHA256} \
		-o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$m" -H "$auth" "$@" "$api$p"
}

driver() {
	file=${1:?usage: taskqueue.sh FILE (one task per line)}
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		code=$(printf '%s' "$line" | call POST /tasks --data-binary @-)
		[ "$code" = 201 ] || { echo "enqueue: HTTP $code: $(cat "$tmp/body")" >&2; exit 1; }
		n=$((n + 1))
	done <"$file"
	call POST /queue/seal >/dev/null
	echo "enqueued $n tasks"
	until call GET '/queue/wait?timeout=30s' >/dev/null && grep -q '"finished":true' "$tmp/body"; do :; done
	counts=$(cat "$tmp/body")
	echo "queue: $counts"
	id=1
	while [ "$id" -le "$n" ]; do
		if [ "$(call GET "/tasks/$id/result")" = 200 ]; then
			echo "task $id: $(cat "$tmp/body")"
		else
			echo "task $id failed: $(call GET "/tasks/$id" >/dev/null; cat "$tmp/body")"
		fi
		id=$((id + 1))
	done
	case $counts in
	*'"failed":0,'*) ;;
	*) exit 1 ;;
	esac
}

executor() {
	me="Spindle-Executor-Id: $SPINDLE_EXECUTOR_ID"
	while :; do
		code=$(call POST '/leases?wait=30s&lease=60s&format=raw' -H "$me")
		case $code in
		200)
			task=$(sed -n 's/^[Ss]pindle-[Tt]ask-[Ii]d: *\([0-9]*\).*/\1/p' "$tmp/headers")
			if result=$(tr '[:lower:]' '[:upper:]' <"$tmp/body"); then
				code=$(printf '%s' "$result" | call POST "/leases/$task/complete" -H "$me" --data-binary @-)
			else
				code=$(call POST "/leases/$task/fail" -H "$me" --data-binary "tr failed")
			fi
			[ "$code" = 204 ] || echo "task $task: HTTP $code: $(cat "$tmp/body")" >&2
			;;
		204) ;; # nothing yet: ask again
		410) echo "executor $SPINDLE_EXECUTOR_ID: $(cat "$tmp/body")"; exit 0 ;;
		*) echo "lease: HTTP $code: $(cat "$tmp/body")" >&2; exit 1 ;;
		esac
	done
}

case ${SPINDLE_ROLE:-} in
driver) driver "$@" ;;
executor) executor ;;
*) echo "run me with spindle submit" >&2; exit 2 ;;
esac
