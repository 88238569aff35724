#!/usr/bin/env bash
# A two-node Docker Swarm on one machine, for fleetbot's tests and CI: two private dockerds (a manager on 127.0.0.1,
# a worker on 127.0.0.2) with their own sockets, data and exec roots, no bridge and no iptables rules, and Debian's
# docker-registry on 127.0.0.1:5000 through which the worker gets the images built here. Every address is on
# loopback; no engine ever pulls from outside (services use host networking and never resolve images remotely).
# Needs root, dockerd (docker.io), docker, docker-registry and ip (iproute2).
#
# Usage:
#   deploy/local-swarm.sh up DIR [IMAGE...]   start it all in DIR (a fresh or absent directory); push IMAGEs (local
#                                             tags, from IMAGE_SOURCE — a DOCKER_HOST, default the manager) to the
#                                             registry as 127.0.0.1:5000/IMAGE and pull them on both nodes.
#                                             Writes DIR/env: SWARM_MANAGER_HOST, SWARM_WORKER_HOST, SWARM_REGISTRY.
#   deploy/local-swarm.sh down DIR            stop everything `up` started, unmount, delete the bridges and DIR.
#   deploy/local-swarm.sh worker-stop DIR     stop the worker's engine (the node goes Down), leaving its state.
#   deploy/local-swarm.sh worker-start DIR    start the worker's engine again (the node rejoins by itself).
set -euo pipefail

REGISTRY=127.0.0.1:5000
MANAGER_ADDR=127.0.0.1
WORKER_ADDR=127.0.0.2
WORKER_BRIDGE=docker_gwbr2

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d;s/^# \{0,1\}//'; exit 2; }
shift 2

engine() { docker --host "unix://$dir/$1/docker.sock" "${@:2}"; }

# Waits up to $2 tenths of a second for the command after it to succeed.
retry() {
  local tries=$1; shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  "$@"
}

start_engine() {
  local node=$1 root="$dir/$1"
  mkdir -p "$root"
  # Offline-first: a node that has the image never asks a registry about it.
  DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 setsid dockerd --host "unix://$root/docker.sock" --data-root "$root/data" \
    --exec-root "$root/exec" --pidfile "$root/dockerd.pid" --bridge=none --iptables=false --ip-masq=false \
    >>"$root/dockerd.log" 2>&1 </dev/null &
  retry 150 engine "$node" version || { tail -20 "$root/dockerd.log" >&2; exit 1; }
}

stop_engine() {
  local root="$dir/$1"
  if [ -f "$root/dockerd.pid" ]; then
    local pid
    pid=$(cat "$root/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$root/dockerd.pid"
  fi
  # The engine leaves its network namespace mounted when it goes.
  if mountpoint -q "$root/exec/netns/default" 2>/dev/null; then umount "$root/exec/netns/default" || true; fi
}

up() {
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then echo "local-swarm: $dir is not empty" >&2; exit 1; fi
  if ss -ltn | awk '{print $4}' | grep -qx "$MANAGER_ADDR:2377"; then echo "local-swarm: $MANAGER_ADDR:2377 is taken: another swarm runs here" >&2; exit 1; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)

  # The registry first: its own config, loopback only, storage in DIR.
  mkdir -p "$dir/registry"
  cat >"$dir/registry/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry/storage
http:
  addr: $REGISTRY
CONFIG
  setsid docker-registry serve "$dir/registry/config.yml" >"$dir/registry/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry/registry.pid"

  start_engine manager
  start_engine worker
  engine manager swarm init --advertise-addr "$MANAGER_ADDR" --listen-addr "$MANAGER_ADDR:2377" >/dev/null
  # The routing mesh's overlay network is of no use on host networking, and would want addresses of its own.
  echo y | engine manager network rm ingress >/dev/null
  # Nodes that miss a heartbeat for a few seconds are Down at once, not after the default 13 s.
  engine manager swarm update --dispatcher-heartbeat 1s >/dev/null
  # Both engines share one kernel: the worker's gateway bridge needs another Linux name than the manager's.
  engine worker network create --driver bridge --scope local \
    -o com.docker.network.bridge.name=$WORKER_BRIDGE \
    -o com.docker.network.bridge.enable_icc=false \
    -o com.docker.network.bridge.enable_ip_masquerade=false docker_gwbridge >/dev/null
  local token
  token=$(engine manager swarm join-token -q worker)
  engine worker swarm join --token "$token" --listen-addr "$WORKER_ADDR:2377" --advertise-addr "$WORKER_ADDR" "$MANAGER_ADDR:2377" >/dev/null

  retry 100 curl -fsS "http://$REGISTRY/v2/" || { cat "$dir/registry/registry.log" >&2; exit 1; }
  local source="${IMAGE_SOURCE:-unix://$dir/manager/docker.sock}"
  for image in "$@"; do
    docker --host "$source" tag "$image" "$REGISTRY/$image"
    docker --host "$source" push -q "$REGISTRY/$image" >/dev/null
    engine manager pull -q "$REGISTRY/$image" >/dev/null
    engine worker pull -q "$REGISTRY/$image" >/dev/null
  done

  cat >"$dir/env" <<ENV
SWARM_MANAGER_HOST=unix://$dir/manager/docker.sock
SWARM_WORKER_HOST=unix://$dir/worker/docker.sock
SWARM_REGISTRY=$REGISTRY
ENV
  echo "local swarm up: manager unix://$dir/manager/docker.sock, worker unix://$dir/worker/docker.sock, registry $REGISTRY"
}

down() {
  [ -d "$dir" ] || return 0
  # Services first, so that no task is left behind on an engine that is about to go.
  if [ -S "$dir/manager/docker.sock" ]; then
    engine manager service ls -q 2>/dev/null | xargs -r docker --host "unix://$dir/manager/docker.sock" service rm >/dev/null 2>&1 || true
    engine worker swarm leave --force >/dev/null 2>&1 || true
    engine manager swarm leave --force >/dev/null 2>&1 || true
  fi
  stop_engine worker
  stop_engine manager
  if [ -f "$dir/registry/registry.pid" ]; then
    kill "$(cat "$dir/registry/registry.pid")" 2>/dev/null || true
    rm -f "$dir/registry/registry.pid"
  fi
  ip link del docker_gwbridge 2>/dev/null || true
  ip link del $WORKER_BRIDGE 2>/dev/null || true
  # Containers' mounts of the data roots, if an engine died without unmounting them.
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$dir"
}

case "$command" in
  up) trap 'status=$?; [ $status -eq 0 ] || down' EXIT; up "$@" ;;
  down) down ;;
  worker-stop) stop_engine worker ;;
  worker-start) start_engine worker ;;
  *) echo "local-swarm: unknown command $command (up, down, worker-stop, worker-start)" >&2; exit 2 ;;
esac
