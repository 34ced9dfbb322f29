#!/usr/bin/env bash
# A private single-node Slurm cluster for tests, brought up as root without systemd.
#
#   slurm_cluster.sh run [--] COMMAND [ARG...]   bring a cluster up, run COMMAND with SLURM_CONF
#                                                 pointing at it, tear it down (also on failure, a
#                                                 signal, or a SIGKILL of the whole process tree:
#                                                 see start_watchdog); exits with COMMAND's status
#   slurm_cluster.sh up DIR                       bring a cluster up in DIR (empty or new) and
#                                                 leave it running; prints `export SLURM_CONF=...`
#   slurm_cluster.sh down DIR                     tear down the cluster of `up DIR`
#
# Exit code 77 (CTest's SKIP_RETURN_CODE) with a "SKIP:" message when Slurm cannot run here: not
# root, or the Debian packages are missing (apt-get install --no-install-recommends slurmctld
# slurmd slurm-client munge; scripts/quickstart test installs them). Any other failure to come up
# is an error (exit 1) and prints the daemons' logs.
#
# Everything lives under one folder: a private munge key and socket, slurm.conf, the controller's
# state, slurmd's spool, pid and log files. Nothing under /etc or /run is used, so two clusters
# (two test runs) can run side by side: each picks free TCP ports for slurmctld and slurmd and
# retries with others if it lost a race for them. The daemons run in the foreground (-D/-F) as
# children of this script, so their PIDs are known and a timeout that kills this script's
# process tree also kills them. The node is described by `slurmd -C` (real host name, CPUs and
# memory), so Slurm never drains it for a mismatch.
#
# Choices the tests rely on (see docs/slurm.md):
#   ProctrackType=proctrack/linuxproc, TaskPlugin=task/none   no cgroups needed (containers)
#   MpiDefault=pmix                                           srun starts Open MPI ranks directly
#   EnforcePartLimits=ALL                                     an impossible request is refused at
#                                                             submission instead of pending forever
#   SlurmUser=root                                            no slurm user needed
set -euo pipefail

readonly SKIP=77
readonly BRINGUP_TIMEOUT_S=${SLURM_CLUSTER_TIMEOUT:-30}

die() { echo "slurm_cluster: error: $*" >&2; exit 1; }
skip() { echo "SKIP: $* (the private Slurm cluster is not started)" >&2; exit $SKIP; }

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

check_can_run() {
  [ "$(id -u)" -eq 0 ] || skip "not root: slurmd must run as root to start jobs"
  local missing=()
  local tool
  for tool in slurmctld slurmd sbatch srun squeue scancel sinfo scontrol munged mungekey; do
    command -v "$tool" > /dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] || skip "missing ${missing[*]}: apt-get install --no-install-recommends slurmctld slurmd slurm-client munge"
}

# A TCP port nobody listens on, from a range that avoids the ephemeral ports (32768-60999).
listening_ports() {
  # Column 2 is local_address as HEX_IP:HEX_PORT, column 4 the state (0A = LISTEN).
  local local_address state port
  cat /proc/net/tcp /proc/net/tcp6 2> /dev/null | while read -r _ local_address _ state _; do
    [ "$state" = 0A ] || continue
    port=${local_address##*:}
    echo $((16#$port))
  done
}

pick_ports() {
  local used
  used=" $(listening_ports | tr '\n' ' ') "
  local attempt base
  for attempt in $(seq 1 50); do
    base=$((10000 + (RANDOM * 32768 + RANDOM + $$ * 7919 + attempt) % 22000))
    case "$used" in *" $base "* | *" $((base + 1)) "*) continue ;; esac
    echo "$base $((base + 1))"
    return 0
  done
  die "found no two free TCP ports"
}

write_config() {
  local dir=$1 ctld_port=$2 slurmd_port=$3
  local host node_line first_job_id
  host=$(hostname -s)
  first_job_id=$((1000 + ctld_port * 100 + RANDOM % 100))
  # `slurmd -C` prints this machine as Slurm sees it: "NodeName=host CPUs=.. RealMemory=..".
  node_line=$(slurmd -C | head -n 1)
  case "$node_line" in NodeName=*) ;; *) die "slurmd -C printed '$node_line'" ;; esac
  cat > "$dir/etc/slurm.conf" << EOF
# Written by tests/slurm/slurm_cluster.sh: a private single-node cluster under $dir
ClusterName=rankflowtest
# Job ids that differ between clusters side by side: Open MPI and PMIx name files after them.
FirstJobId=$first_job_id
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/slurmd-%n
# The pmix plugin names its per-step folders after uid, job and step ids under TmpFS: with a
# shared /tmp, job 1 of two clusters side by side would share one.
TmpFS=$dir/tmp
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
EnforcePartLimits=ALL
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Start a batch job at once instead of up to 3 s later (the default batch_sched_delay).
SchedulerParameters=batch_sched_delay=0
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MailProg=/bin/true
KillWait=2
InactiveLimit=0
MinJobAge=600
PlugStackConfig=$dir/etc/plugstack.conf
$node_line State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  : > "$dir/etc/plugstack.conf"
}

start_munge() {
  local dir=$1
  mungekey --create --keyfile="$dir/munge/munge.key" > /dev/null
  chmod 0400 "$dir/munge/munge.key"
  munged --foreground --force --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" --pid-file="$dir/run/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
    > "$dir/log/munged.stdout" 2>&1 < /dev/null &
  echo $! > "$dir/run/munged.owned-pid"
  disown $!  # no "Killed" notice from bash when it is stopped
  local waited=0
  until [ -S "$dir/munge/munge.socket" ]; do
    sleep 0.05
    waited=$((waited + 1))
    [ $waited -lt 200 ] || { cat "$dir/log/munged.log" >&2 2> /dev/null; die "munged did not start"; }
  done
}

# Starts slurmctld and slurmd; returns 1 if one of them exits (a lost port race shows in the log).
start_slurm() {
  local dir=$1
  SLURM_CONF="$dir/etc/slurm.conf" slurmctld -D -i > "$dir/log/slurmctld.stdout" 2>&1 < /dev/null &
  echo $! > "$dir/run/slurmctld.owned-pid"
  disown $!  # no "Killed" notice from bash when it is stopped
  SLURM_CONF="$dir/etc/slurm.conf" slurmd -D > "$dir/log/slurmd.stdout" 2>&1 < /dev/null &
  echo $! > "$dir/run/slurmd.owned-pid"
  disown $!  # no "Killed" notice from bash when it is stopped
}

# A process is running when it exists and is not a zombie (a zombie still answers kill -0).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

alive() { [ -f "$1" ] && running "$(cat "$1")"; }

wait_idle() {
  local dir=$1 host state deadline
  host=$(hostname -s)
  deadline=$((SECONDS + BRINGUP_TIMEOUT_S))
  while [ $SECONDS -lt $deadline ]; do
    alive "$dir/run/slurmctld.owned-pid" || return 1
    alive "$dir/run/slurmd.owned-pid" || return 1
    state=$(SLURM_CONF="$dir/etc/slurm.conf" sinfo -h -n "$host" -o %T 2> /dev/null || true)
    [ "$state" = idle ] && return 0
    sleep 0.05
  done
  return 2
}

print_logs() {
  local dir=$1 log
  for log in "$dir"/log/*; do
    [ -f "$log" ] || continue
    echo "----- $log (last 30 lines)" >&2
    tail -n 30 "$log" >&2
  done
}

stop_pid_file() {
  local pid_file=$1 pid waited
  [ -f "$pid_file" ] || return 0
  pid=$(cat "$pid_file")
  if running "$pid"; then
    kill -TERM "$pid" 2> /dev/null || true
    for waited in $(seq 1 100); do
      running "$pid" || break
      sleep 0.02
    done
    if running "$pid"; then
      echo "slurm_cluster: pid $pid did not stop on SIGTERM within 2s: SIGKILL" >&2
      kill -KILL "$pid" 2> /dev/null || true
    fi
  fi
  rm -f "$pid_file"
}

# Processes other than the daemons that still hold a file under DIR: slurmstepd (it logs to
# slurmd's log file and listens in slurmd's spool) and anything a job left behind there.
stray_pids() {
  local dir=$1 munged_pid
  munged_pid=$(cat "$dir/run/munged.owned-pid" 2> /dev/null || true)
  find /proc/[0-9]*/fd -maxdepth 1 -lname "$dir/*" 2> /dev/null | cut -d/ -f3 | sort -u |
    while read -r pid; do
      [ "$pid" = $$ ] || [ "$pid" = "$munged_pid" ] || echo "$pid"
    done
}

teardown() {
  local dir=$1 waited pid
  [ -d "$dir" ] || return 0
  export SLURM_CONF="$dir/etc/slurm.conf"
  if alive "$dir/run/slurmctld.owned-pid"; then
    # Cancel every job, then give their steps a moment to end.
    local jobs
    jobs=$(squeue -h -o %A 2> /dev/null || true)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2> /dev/null || true
      for waited in $(seq 1 100); do
        [ -z "$(squeue -h -o %A 2> /dev/null || true)" ] && break
        sleep 0.05
      done
    fi
  fi
  stop_pid_file "$dir/run/slurmctld.owned-pid"
  stop_pid_file "$dir/run/slurmd.owned-pid"
  for pid in $(stray_pids "$dir"); do kill -KILL "$pid" 2> /dev/null || true; done
  stop_pid_file "$dir/run/munged.owned-pid"
  unset SLURM_CONF
}

bring_up() {
  local dir=$1 attempt ports status
  mkdir -p "$dir"/{etc,munge,state,spool,run,log,tmp}
  chmod 0711 "$dir" "$dir/munge"  # munged wants its socket folder reachable by all
  start_munge "$dir"
  for attempt in 1 2 3; do
    read -r ctld_port slurmd_port < <(pick_ports)
    write_config "$dir" "$ctld_port" "$slurmd_port"
    start_slurm "$dir"
    status=0
    wait_idle "$dir" || status=$?
    [ $status -eq 0 ] && return 0
    if [ $status -eq 1 ] && grep -qs "Address already in use" "$dir"/log/slurm*; then
      stop_pid_file "$dir/run/slurmctld.owned-pid"
      stop_pid_file "$dir/run/slurmd.owned-pid"
      rm -rf "$dir/state"/* "$dir/spool"/* "$dir"/log/slurm*
      continue
    fi
    print_logs "$dir"
    teardown "$dir"
    [ $status -eq 2 ] && die "the node did not become idle within ${BRINGUP_TIMEOUT_S}s"
    die "a Slurm daemon exited during bring-up (logs above)"
  done
  print_logs "$dir"
  teardown "$dir"
  die "no free ports after 3 attempts"
}

# A timeout that kills this script's whole process tree with SIGKILL (CTest's does) runs no
# trap, and slurmstepd and the job under it are not in that tree (slurmd daemonizes them). So a
# watchdog, double-forked out of the tree, waits for this script to end and then cleans up
# whatever is left: the daemons by their PIDs, every process still holding a file in the
# cluster's folder or carrying its SLURM_CONF (the jobs), and the folder. After a normal end the
# trap has removed the folder already and the watchdog has nothing to do.
start_watchdog() {
  local dir=$1
  (setsid "$0" watch "$dir" $$ < /dev/null > /dev/null 2>&1 &)
}

watch() {
  local dir=$1 owner=$2 pid
  while running "$owner"; do sleep 0.5; done
  [ -f "$dir/etc/slurm.conf" ] || exit 0
  teardown "$dir"
  for pid in $(grep -lzx "SLURM_CONF=$dir/etc/slurm.conf" /proc/[0-9]*/environ 2> /dev/null |
    cut -d/ -f3); do
    [ "$pid" = $$ ] || kill -KILL "$pid" 2> /dev/null || true
  done
  rm -rf "$dir"
}

# Seconds since $1 (an $EPOCHREALTIME), to the millisecond.
elapsed() {
  local now=${EPOCHREALTIME/./} then=${1/./}
  local ms=$(((now - then) / 1000))
  printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# Outer Slurm variables (a test suite run inside a real Slurm job) would send srun and sbatch to
# the outer cluster's job: drop them.
clear_outer_slurm_env() {
  local name
  for name in $(compgen -e | grep '^SLURM_' || true); do unset "$name"; done
}

main() {
  [ $# -ge 1 ] || usage
  local mode=$1
  shift
  case "$mode" in
    run)
      [ "${1:-}" != -- ] || shift
      [ $# -ge 1 ] || usage
      check_can_run
      clear_outer_slurm_env
      CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rankflow-slurm.XXXXXX")
      trap 'teardown "$CLUSTER_DIR"; rm -rf "$CLUSTER_DIR"' EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      start_watchdog "$CLUSTER_DIR"
      local started=$EPOCHREALTIME
      bring_up "$CLUSTER_DIR"
      echo "slurm_cluster: node $(hostname -s) idle after $(elapsed "$started") s (SLURM_CONF=$CLUSTER_DIR/etc/slurm.conf)" >&2
      local status=0
      # TMPDIR goes with the jobs (sbatch and srun pass the environment on): Open MPI's session
      # files of two clusters side by side must not meet in /tmp.
      SLURM_CONF="$CLUSTER_DIR/etc/slurm.conf" TMPDIR="$CLUSTER_DIR/tmp" "$@" || status=$?
      exit $status
      ;;
    up)
      [ $# -eq 1 ] || usage
      check_can_run
      clear_outer_slurm_env
      mkdir -p "$1"
      local dir
      dir=$(cd "$1" && pwd)
      [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
      bring_up "$dir"
      echo "export SLURM_CONF=$dir/etc/slurm.conf"
      ;;
    watch)  # internal: see start_watchdog
      [ $# -eq 2 ] || usage
      watch "$1" "$2"
      ;;
    down)
      [ $# -eq 1 ] || usage
      [ -f "$1/etc/slurm.conf" ] || die "$1 holds no cluster"
      teardown "$(cd "$1" && pwd)"
      ;;
    *) usage ;;
  esac
}

main "$@"
