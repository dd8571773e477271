#!/usr/bin/env bash
# The scale-out deployment on one host: a mock Kafka broker and the stages as separate processes - store,
# identities, TWO per-camera trackers, inference, ingest - analyse a video as two cameras, then the same two cameras
# go through the in-process pipeline; prints both results side by side (they should be equal). Run
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
# Camera ids of this trial: distinct from earlier runs so that the counts below are this trial's. With two partitions
# the two cameras may hash to the same one; then one tracker tracks both and the other idles (its log says 0 frames).
remote="kafka-$run" local="local-$run"

"$unihcp" stage broker --partitions 2 > "$work/broker.log" 2>&1 &
for _ in $(seq 100); do grep -q '^broker: 127' "$work/broker.log" && break; sleep 0.2; done
bootstrap="$(sed -n 's/^broker: \([^ ]*\).*/\1/p' "$work/broker.log")"
[ -n "$bootstrap" ] || { cat "$work/broker.log" >&2; exit 1; }
echo "broker at $bootstrap; run $run"
config=()
[ -z "${TRIAL_CONFIG:-}" ] || config=(--config "$TRIAL_CONFIG")
common=(--bootstrap "$bootstrap" --run-id "$run" "${config[@]}")
# Every stage serves /metrics and /healthz on a free port; each log's first lines say where.
start=$(date +%s)
"$unihcp" stage store "${common[@]}" --http-port 0 > "$work/store.log" 2>&1 & store=$!
"$unihcp" stage identities "${common[@]}" --http-port 0 > "$work/identities.log" 2>&1 & identities=$!
"$unihcp" stage track "${common[@]}" --http-port 0 > "$work/track-1.log" 2>&1 & track1=$!
"$unihcp" stage track "${common[@]}" --http-port 0 > "$work/track-2.log" 2>&1 & track2=$!
"$unihcp" stage infer "${common[@]}" --http-port 0 "$@" > "$work/infer.log" 2>&1 & infer=$!
# Raw frames, at most two waiting per partition: the mock broker keeps only 5 MB per partition.
"$unihcp" stage ingest "${common[@]}" -s "$remote-1=$video" -s "$remote-2=$video" --jpeg-quality 0 --max-lag 2 > "$work/ingest.log" 2>&1 & ingest=$!
status=0
for pid in $ingest $infer $track1 $track2 $identities $store; do wait "$pid" || status=$?; done
echo "stages finished in $(( $(date +%s) - start )) s (exit status $status)"
tail -n 2 "$work"/{ingest,infer,track-1,track-2,identities,store}.log
[ "$status" -eq 0 ] || exit "$status"

start=$(date +%s)
"$unihcp" run -s "$local-1=$video" -s "$local-2=$video" "${config[@]}" "$@" | tail -n 12
echo "in-process run finished in $(( $(date +%s) - start )) s"
# Both results as stored, from the database.
cs="$UNIHCP_ConnectionStrings__Store"
field() { tr ';' '\n' <<< "$cs" | sed -n "s/^$1=//Ip" | head -n 1; }
PGPASSWORD="$(field Password)" "$(ls /usr/lib/postgresql/*/bin/psql | tail -n 1)" -h "$(field Host)" -p "$(field Port)" -U "$(field Username)" -d "$(field Database)" \
  -c "select o.camera_id, count(*) as observations, count(distinct o.track_id) as tracks, count(distinct t.identity_id) as identities
      from observations o left join tracks t on t.camera_id = o.camera_id and t.track_id = o.track_id
      where o.camera_id like '$remote-%' or o.camera_id like '$local-%' group by o.camera_id order by o.camera_id"
