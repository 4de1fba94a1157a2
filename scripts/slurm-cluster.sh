#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for lema's Slurm tests and for trying the slurm executor by hand.
#
#   scripts/slurm-cluster.sh start    install (root, Debian) + configure + start munged, slurmctld, slurmd; wait idle
#   scripts/slurm-cluster.sh stop     cancel every job, then stop the daemons this script started (by pid)
#   scripts/slurm-cluster.sh status   exit 0 when the controller answers and the node is usable
#
# Runs as root, without systemd or cgroups (process tracking by /proc, no task plugin). Everything it writes lives
# under $LEMA_SLURM_DIR (default /tmp/lema-slurm): config, state, spool, logs, pid files, fake GPU devices. The
# config is also linked at /etc/slurm/slurm.conf (only when nothing else is there) so that plain `sbatch` finds it
# as it would on a real cluster; otherwise export SLURM_CONF=$LEMA_SLURM_DIR/slurm.conf.
#
# Exit codes: 0 ok; 1 failure; 2 cannot run here (not root, packages missing and not installable).
set -euo pipefail

DIR=${LEMA_SLURM_DIR:-/tmp/lema-slurm}
CONF=$DIR/slurm.conf
ETC_CONF=/etc/slurm/slurm.conf
# Seconds to wait for the node to become idle after starting, and for jobs/daemons to end when stopping.
START_TIMEOUT=${LEMA_SLURM_START_TIMEOUT:-60}
STOP_TIMEOUT=${LEMA_SLURM_STOP_TIMEOUT:-30}
# Fake GPUs: character devices the node advertises as gres, so `--gpus=N` can be scheduled and tested.
GPUS=${LEMA_SLURM_GPUS:-2}

log() { echo "slurm-cluster: $*" >&2; }

export SLURM_CONF=$CONF

need_root() {
  if [[ $(id -u) -ne 0 ]]; then
    log "must run as root (the daemons run as root here); run: sudo $0 $1"
    exit 2
  fi
}

ensure_packages() {
  local missing=()
  for pkg in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${missing[*]} and no apt-get here: install Slurm (slurmctld, slurmd, sbatch) and munge by hand"
    exit 2
  fi
  log "installing ${missing[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    log "could not install ${missing[*]}; run: apt-get update && apt-get install -y ${missing[*]}"
    exit 2
  fi
}

# Pid from a pid file, if that process is alive.
live_pid() {
  local file=$1 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Without a config file Slurm's commands look for a configless controller for about a minute: ask only when ours
# exists, and never wait long for an answer.
controller_up() { [[ -f $CONF ]] && timeout 10 scontrol ping 2>/dev/null | grep -q "is UP"; }

# The node's state as sinfo reports it (idle, mixed, allocated, down*, …), or nothing.
node_state() { [[ -f $CONF ]] && timeout 10 sinfo -h -N -o '%T' 2>/dev/null | head -n1; }

usable() {
  controller_up || return 1
  case $(node_state) in idle|mixed|allocated|completing) return 0 ;; *) return 1 ;; esac
}

write_config() {
  local host topology gres_line=""
  host=$(hostname -s)
  # `slurmd -C` prints the node's real topology: "NodeName=vm CPUs=2 Boards=1 … RealMemory=24105".
  topology=$(slurmd -C | head -n1)
  mkdir -p "$DIR"/{state,spool,log,dev}
  if ((GPUS > 0)); then
    local i
    for ((i = 0; i < GPUS; i++)); do
      [[ -c $DIR/dev/gpu$i ]] || mknod "$DIR/dev/gpu$i" c 195 "$i"
    done
    gres_line=" Gres=gpu:$GPUS"
    echo "Name=gpu File=$DIR/dev/gpu[0-$((GPUS - 1))]" > "$DIR/gres.conf"
  else
    : > "$DIR/gres.conf"
  fi
  cat > "$CONF" <<EOF
# Written by lema's scripts/slurm-cluster.sh; rewritten on every start.
ClusterName=lema
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No systemd, no cgroups: processes tracked through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# Cores and memory are scheduled separately; without DefMemPerCPU a job takes the node's whole memory.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
# Start a submitted batch job at once rather than batching submissions for a few seconds.
SchedulerParameters=batch_sched_delay=0
# No slurmdbd: sacct has nothing; the job-completion log gives each job's final state and exit code.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
MailProg=/bin/true
# A node set down comes back by itself once it answers again.
ReturnToService=2
# Seconds between SIGTERM and SIGKILL for a job over its time limit or cancelled.
KillWait=5
GresTypes=gpu
$topology$gres_line State=UNKNOWN
# Each core may be shared by up to 4 jobs: tests and sweeps of tiny jobs run side by side on a small machine.
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
EOF
  # Slurm reads gres.conf next to slurm.conf.
  if [[ ! -e $ETC_CONF || -L $ETC_CONF && $(readlink "$ETC_CONF") == "$CONF" ]]; then
    mkdir -p /etc/slurm
    ln -sfn "$CONF" "$ETC_CONF"
    ln -sfn "$DIR/gres.conf" /etc/slurm/gres.conf
  elif [[ $(readlink -f "$ETC_CONF") != "$CONF" ]]; then
    log "note: $ETC_CONF belongs to another cluster; use this one with: export SLURM_CONF=$CONF"
  fi
}

start_munge() {
  if munge -n </dev/null >/dev/null 2>&1; then
    return 0  # some munged already answers (ours or the system's); leave it be
  fi
  [[ -s /etc/munge/munge.key ]] || mungekey --create >/dev/null 2>&1 || /usr/sbin/mungekey --create
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  (cd / && runuser -u munge -- /usr/sbin/munged --force)
  local i
  for ((i = 0; i < 50; i++)); do
    if munge -n </dev/null >/dev/null 2>&1; then
      cp /run/munge/munged.pid "$DIR/munged.pid"  # started by us: stop will end it
      return 0
    fi
    sleep 0.1
  done
  log "munged did not answer; see /var/log/munge/munged.log"
  exit 1
}

# Runs a daemon in the foreground of its own session and records its pid. (Daemonized, slurmd's parent waits about
# a minute for its first registration on a fresh state directory; in the foreground the node is idle in under 1 s.)
start_daemon() {
  local name=$1
  live_pid "$DIR/$name.pid" >/dev/null && return 0
  # From the state directory, not the caller's: the daemons (and every job step they fork) keep their working
  # directory, and a caller's checkout or scratch directory may be deleted while the cluster runs on (each job's
  # stderr then starts with slurmstepd's "Unable to get current working directory").
  (cd "$DIR" && exec setsid "$name" -D -f "$CONF" </dev/null >>"$DIR/log/$name.out" 2>&1) &
  echo $! > "$DIR/$name.pid"
}

start() {
  need_root start
  local began=$SECONDS began_ns
  began_ns=$(date +%s%N)
  if usable; then
    log "already running (node $(node_state)); config $CONF"
    return 0
  fi
  ensure_packages
  mkdir -p "$DIR"
  write_config
  start_munge
  start_daemon slurmctld
  start_daemon slurmd
  local state=""
  while ((SECONDS - began < START_TIMEOUT)); do
    if controller_up; then
      state=$(node_state)
      case $state in
        idle|mixed|allocated) break ;;
        # A node left down by an earlier stop or by a test that simulated a failure: bring it back.
        down*|drain*) scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true ;;
      esac
    fi
    sleep 0.2
  done
  if ! usable; then
    log "the node did not become idle within ${START_TIMEOUT}s (state '${state:-no answer}'); logs: $DIR/log/"
    tail -n 5 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 2>/dev/null || true
    exit 1
  fi
  local ms=$(( ($(date +%s%N) - began_ns) / 1000000 ))
  log "started in ${ms} ms: node $(node_state); config $CONF"
}

stop_pid_file() {
  local name=$1 file=$2 pid i
  pid=$(live_pid "$file") || { rm -f "$file"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$file"; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
}

stop() {
  need_root stop
  if controller_up; then
    # slurmstepd outlives slurmd: end the jobs first, or their processes stay behind.
    local jobs i
    jobs=$(squeue -h -o '%i' 2>/dev/null || true)
    if [[ -n $jobs ]]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
        [[ -z $(squeue -h -t running,completing,pending -o '%i' 2>/dev/null) ]] && break
        sleep 0.2
      done
    fi
  fi
  stop_pid_file slurmd "$DIR/slurmd.pid"
  stop_pid_file slurmctld "$DIR/slurmctld.pid"
  stop_pid_file munged "$DIR/munged.pid"
  log "stopped"
}

status() {
  if usable; then
    echo "running: node $(node_state); config $CONF"
    return 0
  fi
  if controller_up; then
    echo "controller up, node not usable (state '$(node_state)')"
  else
    echo "not running"
  fi
  return 1
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 1 ;;
esac
