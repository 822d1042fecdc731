#!/usr/bin/env bash
# A controller-mode cluster on 127.0.0.1, in one script: a nameserver
# (:9876), three controllers (:9878 :9868 :9858, raft on :9888 :9898 :9908)
# and three brokers of group broker-a (:10911 :10921 :10931, HA one port
# up) that elect their master through the controllers, with SYNC
# replication to the SyncStateSet.
#
# Usage: scripts/cluster.sh up            build, start everything, wait for a master
#        scripts/cluster.sh status        controller leader, master, epoch, SyncStateSet
#        scripts/cluster.sh kill-master   SIGKILL the master; show the switch and its time
#        scripts/cluster.sh start-broker N  start broker N (0, 1, 2) again (after a kill)
#        scripts/cluster.sh down          stop everything (SIGTERM)
#
# Data, logs and pid files live in $CLUSTER_DIR (default /tmp/rocketstore-cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-/tmp/rocketstore-cluster}
BIN=$DIR/rocketstore
NAMESRV=127.0.0.1:9876
CTRL_PORTS=(9878 9868 9858)
RAFT_PORTS=(9888 9898 9908)
BROKER_PORTS=(10911 10921 10931)
CONTROLLERS="127.0.0.1:${CTRL_PORTS[0]};127.0.0.1:${CTRL_PORTS[1]};127.0.0.1:${CTRL_PORTS[2]}"

# start NAME ARGS... runs $BIN ARGS in the background, logging to NAME.log.
start() {
  local name=$1
  shift
  nohup "$BIN" "$@" >"$DIR/$name.log" 2>&1 &
  echo $! >"$DIR/$name.pid"
}

# wait_for FILE TEXT: until FILE holds TEXT (30 s at most).
wait_for() {
  for _ in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "cluster.sh: no \"$2\" in $1" >&2
  return 1
}

status() { "$BIN" controller status -controllers "$CONTROLLERS" -groups broker-a; }

# master prints the master's address from the controller's view.
master() { status 2>/dev/null | awk '$1 == "broker-a" && $2 ~ /^[0-9]+$/ {print $3}'; }

# all_in_sync succeeds when every broker is in the SyncStateSet (nothing
# in the NOT IN SYNC column): only then can the master fail over.
all_in_sync() { status 2>/dev/null | awk '$1 == "broker-a" && $2 ~ /^[0-9]+$/ && $NF == "-" {ok = 1} END {exit !ok}'; }

start_broker() {
  local i=$1 port=${BROKER_PORTS[$1]}
  start "broker$i" broker -listen "127.0.0.1:$port" -namesrv "$NAMESRV" -data "$DIR/broker$i" \
    -name broker-a -cluster DemoCluster -config "$DIR/broker$i.conf"
  wait_for "$DIR/broker$i.log" "rocketstore: broker"
}

case ${1:-} in
up)
  mkdir -p "$DIR"
  go build -o "$BIN" ./cmd/rocketstore
  start namesrv namesrv -listen "$NAMESRV"
  wait_for "$DIR/namesrv.log" "rocketstore: nameserver"
  peers=""
  for i in 0 1 2; do
    peers+="${peers:+,}n$i=127.0.0.1:${CTRL_PORTS[$i]}/127.0.0.1:${RAFT_PORTS[$i]}"
  done
  for i in 0 1 2; do
    start "controller$i" controller -id "n$i" -peers "$peers" -data "$DIR/controller$i" -scan-interval 1s
  done
  for i in 0 1 2; do
    wait_for "$DIR/controller$i.log" "rocketstore: controller"
    cat >"$DIR/broker$i.conf" <<EOF
enableControllerMode=true
controllerAddr=$CONTROLLERS
haListenPort=$((BROKER_PORTS[i] + 1))
brokerRole=SYNC_MASTER
EOF
  done
  for i in 0 1 2; do start_broker "$i"; done
  # The slaves join the SyncStateSet once caught up (checkSyncStateSetPeriod, 5 s).
  for _ in $(seq 600); do
    all_in_sync && break
    sleep 0.1
  done
  status
  echo "clients: NameServer address $NAMESRV"
  ;;
status)
  status
  ;;
kill-master)
  old=$(master)
  [ -n "$old" ] || { echo "cluster.sh: no master" >&2; exit 1; }
  all_in_sync || echo "cluster.sh: not every broker is in the SyncStateSet yet: only its members can take over" >&2
  port=${old##*:}
  for i in 0 1 2; do
    if [ "${BROKER_PORTS[$i]}" = "$port" ]; then victim=$i; fi
  done
  echo "killing broker$victim, the master at $old (kill -9 $(cat "$DIR/broker$victim.pid"))"
  start=$(date +%s%N)
  kill -9 "$(cat "$DIR/broker$victim.pid")"
  for _ in $(seq 300); do
    new=$(master)
    if [ -n "$new" ] && [ "$new" != "$old" ]; then
      echo "new master $new after $((($(date +%s%N) - start) / 1000000)) ms"
      status
      echo "start it again: scripts/cluster.sh start-broker $victim"
      exit 0
    fi
    sleep 0.05
  done
  echo "cluster.sh: no new master within 15 s" >&2
  exit 1
  ;;
start-broker)
  start_broker "${2:?broker number: 0, 1 or 2}"
  ;;
down)
  for f in "$DIR"/broker*.pid "$DIR"/controller*.pid "$DIR"/namesrv.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  ;;
*)
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
