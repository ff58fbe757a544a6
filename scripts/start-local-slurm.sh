#!/usr/bin/env bash
# Starts a one-node SLURM cluster on this machine (munged + slurmctld + slurmd on localhost), for
# trying `grl bench run --launcher slurm` and for its integration test. Idempotent: a cluster that
# is already up is left alone. Installs slurm-wlm and munge when missing (apt-get, sudo when not root).
#
#   bash scripts/start-local-slurm.sh           # start (or check) the cluster
#   bash scripts/start-local-slurm.sh --stop    # stop it
set -euo pipefail

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "start-local-slurm: need root or sudo" >&2; exit 1; }
  sudo=(sudo)
fi

if [ "${1:-}" = "--stop" ]; then
  "${sudo[@]}" pkill -x slurmd || true
  "${sudo[@]}" pkill -x slurmctld || true
  echo "start-local-slurm: stopped"
  exit 0
fi

missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "start-local-slurm: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if sinfo -h -o %T 2>/dev/null | grep -q -E '^(idle|mixed|allocated)'; then
  echo "start-local-slurm: the cluster is up: $(sinfo -h -o '%N %T %c CPUs')"
  exit 0
fi

node=$(hostname -s)
cpus=$(nproc)
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
conf=/etc/slurm/slurm.conf
"${sudo[@]}" mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
"${sudo[@]}" tee "$conf" >/dev/null <<CONF
# Written by scripts/start-local-slurm.sh: one node, this machine.
ClusterName=grl-local
SlurmctldHost=${node}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memory_mb} State=UNKNOWN
PartitionName=local Nodes=${node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

# munge: the key Debian generated at install time, the daemon as the munge user.
[ -f /etc/munge/munge.key ] || "${sudo[@]}" /usr/sbin/mungekey --create
"${sudo[@]}" chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
if ! pgrep -x munged >/dev/null; then
  "${sudo[@]}" runuser -u munge -- /usr/sbin/munged
fi
pgrep -x slurmctld >/dev/null || "${sudo[@]}" /usr/sbin/slurmctld
pgrep -x slurmd >/dev/null || "${sudo[@]}" /usr/sbin/slurmd

for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "start-local-slurm: the cluster is up: $(sinfo -h -o '%N %T %c CPUs')"; exit 0 ;;
    down*|drain*) "${sudo[@]}" scontrol update nodename="$node" state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
echo "start-local-slurm: the node did not come up; see /var/log/slurm/slurmctld.log and slurmd.log" >&2
sinfo >&2 || true
exit 1
