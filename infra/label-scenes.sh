#!/usr/bin/env bash
# Labels the training footage with the pretrained teachers (`unihcp label`), resumably: every clip of
# ../shared/data/scenes (about 120 frames each, spread over the clip) and the sample video (every third frame).
# Run it again after an interruption: finished clips are skipped, an interrupted one resumes.
#   infra/label-scenes.sh [OUT_DIR] [SCENES_DIR]    (default .local/labels, ../shared/data/scenes)
# UNIHCP_KEYPOINT_TEACHER=thunder labels keypoints with MoveNet Thunder instead of MultiPose (README, `unihcp label`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/.local/labels}"
scenes="${2:-${UNIHCP_SHARED_DATA:-$root/../shared/data}/scenes}"
per_clip="${UNIHCP_LABEL_FRAMES:-120}"
keypoints="${UNIHCP_KEYPOINT_TEACHER:-multipose}"
[ -d "$scenes" ] || { echo "label-scenes: no scenes folder at $scenes" >&2; exit 2; }
# shellcheck source=/dev/null
source "$root/.local/env"
mkdir -p "$out"

label() { # name source every
  if [ -f "$out/$1.json" ]; then echo "$1: done"; return; fi
  echo "$1: every $3 frames"
  "$root/infra/unihcp" label "$2" --out "$out/$1.json" --every "$3" --keypoint-teacher "$keypoints"
}

for clip in "$scenes"/*.mp4 "$scenes"/*.gif; do
  [ -f "$clip" ] || continue
  frames="$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$clip")"
  every=$(( (frames + per_clip / 2) / per_clip )); [ "$every" -ge 1 ] || every=1
  label "$(basename "${clip%.*}")" "$clip" "$every"
done
label vtest "$UNIHCP_SAMPLE_VIDEO" 3
