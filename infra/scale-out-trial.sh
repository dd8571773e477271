#!/usr/bin/env bash
# The scale-out deployment on one host: a mock Kafka broker and the four stages as separate processes analyse a
# video, then the same video goes through the in-process pipeline; prints both results side by side. Run
# infra/setup.sh first. Usage: [TRIAL_CONFIG=appsettings.json] infra/scale-out-trial.sh [video] [options of both
# `stage infer` and `run`, e.g. --threshold 0.3]; TRIAL_CONFIG goes to every process (e.g. tracker settings).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
unihcp="$root/infra/unihcp"
# shellcheck source=/dev/null
source "$root/.local/env"
video="${1:-$UNIHCP_SAMPLE_VIDEO}"
shift || true
[ -f "$video" ] || { echo "error: video '$video' does not exist" >&2; exit 2; }
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
run="trial-$(date +%s)"
# Camera ids of this trial: distinct from earlier runs so that the counts below are this trial's.
remote="kafka-$run" local="local-$run"

"$unihcp" stage broker --partitions 2 > "$work/broker.log" 2>&1 &
for _ in $(seq 100); do grep -q '^broker: 127' "$work/broker.log" && break; sleep 0.2; done
bootstrap="$(sed -n 's/^broker: \([^ ]*\).*/\1/p' "$work/broker.log")"
[ -n "$bootstrap" ] || { cat "$work/broker.log" >&2; exit 1; }
echo "broker at $bootstrap; run $run"
config=()
[ -z "${TRIAL_CONFIG:-}" ] || config=(--config "$TRIAL_CONFIG")
common=(--bootstrap "$bootstrap" --run-id "$run" "${config[@]}")
start=$(date +%s)
"$unihcp" stage store "${common[@]}" > "$work/store.log" 2>&1 & store=$!
"$unihcp" stage track "${common[@]}" > "$work/track.log" 2>&1 & track=$!
"$unihcp" stage infer "${common[@]}" "$@" > "$work/infer.log" 2>&1 & infer=$!
# Raw frames, at most two waiting per partition: the mock broker keeps only 5 MB per partition.
"$unihcp" stage ingest "${common[@]}" -s "$remote=$video" --jpeg-quality 0 --max-lag 2 > "$work/ingest.log" 2>&1 & ingest=$!
status=0
for pid in $ingest $infer $track $store; do wait "$pid" || status=$?; done
echo "stages finished in $(( $(date +%s) - start )) s (exit status $status)"
tail -n 1 "$work"/{ingest,infer,track,store}.log
[ "$status" -eq 0 ] || exit "$status"

start=$(date +%s)
"$unihcp" run -s "$local=$video" "${config[@]}" "$@" | tail -n 12
echo "in-process run finished in $(( $(date +%s) - start )) s"
# Both results as stored, from the database.
cs="$UNIHCP_ConnectionStrings__Store"
field() { tr ';' '\n' <<< "$cs" | sed -n "s/^$1=//Ip" | head -n 1; }
PGPASSWORD="$(field Password)" "$(ls /usr/lib/postgresql/*/bin/psql | tail -n 1)" -h "$(field Host)" -p "$(field Port)" -U "$(field Username)" -d "$(field Database)" \
  -c "select camera_id, count(*) as observations, count(distinct track_id) as tracks from observations where camera_id in ('$remote', '$local') group by camera_id order by camera_id"
