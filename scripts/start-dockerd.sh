#!/usr/bin/env bash
# Starts a Docker engine when none answers, and waits until it does. Used by .ci/run and by
# developers on machines without systemd (containers, CI VMs). Tries the default storage driver,
# then vfs (for kernels or filesystems where overlay2 cannot mount); if the default bridge cannot be
# set up, runs with --bridge=none --iptables=false: functions use host networking anyway.
# Exits 0 once `docker info` answers; otherwise prints the engine's log and exits 1.
set -uo pipefail

LOG=${DOCKERD_LOG:-/var/log/asimov-dockerd.log}
WAIT_S=${DOCKERD_WAIT_S:-30}

answers() { docker info >/dev/null 2>&1; }

if answers; then
  echo "start-dockerd: an engine already answers ($(docker info --format '{{.ServerVersion}} {{.Driver}}' 2>/dev/null))"
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  echo "start-dockerd: no dockerd on this machine (Debian/Ubuntu: apt-get install docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "start-dockerd: dockerd must be started as root (sudo $0)" >&2
  exit 1
fi

try_start() {
  echo "start-dockerd: dockerd $*" | tee -a "$LOG"
  nohup dockerd "$@" >>"$LOG" 2>&1 &
  local pid=$!
  for _ in $(seq 1 $((WAIT_S * 5))); do
    if answers; then
      echo "start-dockerd: engine up (pid $pid, log $LOG, $(docker info --format '{{.Driver}}' 2>/dev/null) storage)"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  # A daemon that died leaves its pid file; the next attempt would refuse to start.
  rm -f /var/run/docker.pid
  return 1
}

try_start && exit 0
try_start --storage-driver vfs && exit 0
try_start --storage-driver vfs --bridge=none --iptables=false && exit 0
echo "start-dockerd: the engine did not start; the end of $LOG:" >&2
tail -30 "$LOG" >&2
exit 1
