#!/usr/bin/env bash
# Builds the base images fleetbot's compose deploy starts from, out of this machine's own binaries, for hosts that
# reach no image registry: `fleetbot-node:local` (node and npm, standing in for node:24-slim),
# `fleetbot-redis:local` (redis-server and redis-cli, standing in for redis:7) and, when Prometheus and Alertmanager
# are installed, `fleetbot-prometheus:local` and `fleetbot-alertmanager:local` (standing in for prom/prometheus and
# prom/alertmanager, for the monitoring file). Each is FROM scratch
# with the binaries and exactly the libraries `ldd` lists. Needs docker (DOCKER_HOST is honoured), node, npm and
# redis-server.
# Usage: deploy/local-base-images.sh [node-tag] [redis-tag] [prometheus-tag] [alertmanager-tag]
set -euo pipefail

node_tag=${1:-fleetbot-node:local}
redis_tag=${2:-fleetbot-redis:local}
prometheus_tag=${3:-fleetbot-prometheus:local}
alertmanager_tag=${4:-fleetbot-alertmanager:local}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies each program and the shared libraries it loads to the same paths under $1.
with_libraries() {
  local root=$1; shift
  for program in "$@"; do
    mkdir -p "$root$(dirname "$program")"
    cp -L "$program" "$root$program"
    ldd "$program" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r lib; do
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
}

# What every image needs besides its programs: users, /tmp, name resolution from /etc/hosts first. The user's home
# is made beside the root file system, to be copied in with its owner.
skeleton() {
  local root=$1 user=$2 uid=$3 home=$4
  mkdir -p "$root/etc" "$root/tmp" "$root/root" "$root/../home"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:%s:%s::%s:/bin/sh\n' "$user" "$uid" "$uid" "$home" >"$root/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$user" "$uid" >"$root/etc/group"
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
}

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
root="$work/node/rootfs"
skeleton "$root" node 1000 /home/node
with_libraries "$root" "$node_bin" /usr/bin/env /usr/bin/dash
# Native addons (resvg for charts, for one) link parts of glibc that node itself does not: bring the rest of it.
libc_dir=$(dirname "$(ldd "$node_bin" | awk '$1 == "libc.so.6" { print $3 }')")
for lib in libdl.so.2 libpthread.so.0 librt.so.1 libresolv.so.2 libutil.so.1 libanl.so.1 libnss_files.so.2 libnss_dns.so.2; do
  [ -e "$libc_dir/$lib" ] && cp -L "$libc_dir/$lib" "$root$libc_dir/$lib"
done
mv "$root/usr/bin/dash" "$root/usr/bin/sh"
mkdir -p "$root/bin" "$root/usr/local/lib/node_modules" "$root/usr/local/bin"
ln -s /usr/bin/sh "$root/bin/sh"
[ "$node_bin" = /usr/local/bin/node ] || ln -s "$node_bin" "$root/usr/local/bin/node"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# A machine whose TLS goes through its own certificate authority trusts it in the image too (npm needs it).
ca_env=
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  mkdir -p "$root$(dirname "$NODE_EXTRA_CA_CERTS")"
  cp -L "$NODE_EXTRA_CA_CERTS" "$root$NODE_EXTRA_CA_CERTS"
  ca_env="ENV NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"
fi
cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
COPY --chown=1000:1000 home /home/node
ENV PATH=/usr/local/bin:/usr/bin:/bin
$ca_env
CMD ["node"]
DOCKERFILE
docker build -q -t "$node_tag" "$work/node" >/dev/null

root="$work/redis/rootfs"
skeleton "$root" redis 999 /data
# Not resolved: Debian's redis-server is a link to a binary that acts by the name it is started as.
with_libraries "$root" "$(command -v redis-server)" "$(command -v redis-cli)"
cat >"$work/redis/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
COPY --chown=999:999 home /data
ENV PATH=/usr/bin:/bin
WORKDIR /data
USER 999:999
EXPOSE 6379
CMD ["redis-server"]
DOCKERFILE
docker build -q -t "$redis_tag" "$work/redis" >/dev/null
echo "built $node_tag and $redis_tag from $node_bin ($(node --version)) and $(redis-server --version | cut -d' ' -f3)"

# A Prometheus-project server as its official image has it: the binary at /bin/NAME, run as nobody from its data
# folder, the same entry point and default flags; $5… are more programs (and their libraries) to copy in.
# Usage: prom_image TAG NAME BINARY PORT DEFAULT-FLAGS-JSON [PROGRAM…]
prom_image() {
  local tag=$1 name=$2 binary=$3 port=$4 flags=$5; shift 5
  local root="$work/$name/rootfs"
  skeleton "$root" nobody 65534 "/$name"
  with_libraries "$root" "$binary" "$@"
  mv "$root$binary" "$work/$name/$name"
  cat >"$work/$name/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
COPY $name /bin/$name
COPY --chown=65534:65534 home /$name
ENV PATH=/usr/bin:/bin
WORKDIR /$name
USER 65534:65534
EXPOSE $port
ENTRYPOINT ["/bin/$name"]
CMD $flags
DOCKERFILE
  docker build -q -t "$tag" "$work/$name" >/dev/null
  echo "built $tag from $("$binary" --version 2>&1 | head -1)"
}

command -v prometheus >/dev/null || exit 0
prom_image "$prometheus_tag" prometheus "$(readlink -f "$(command -v prometheus)")" 9090 \
  '["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'

alertmanager=$(readlink -f /usr/bin/prometheus-alertmanager 2>/dev/null) || exit 0
[ -x "$alertmanager" ] || exit 0
# deploy/monitoring/alertmanager-start.sh runs first: a shell (as /bin/sh) and the few tools it uses, as
# prom/alertmanager has them; Debian's build reads its notification templates from /usr/share, not from the binary.
root="$work/alertmanager/rootfs"
mkdir -p "$root/bin" "$root/usr/share/prometheus"
cp -a /usr/share/prometheus/alertmanager "$root/usr/share/prometheus/"
ln -s /usr/bin/dash "$root/bin/sh"
prom_image "$alertmanager_tag" alertmanager "$alertmanager" 9093 \
  '["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]' \
  /usr/bin/dash /usr/bin/sed /usr/bin/grep /usr/bin/head /usr/bin/tr /usr/bin/mkdir /usr/bin/dirname
