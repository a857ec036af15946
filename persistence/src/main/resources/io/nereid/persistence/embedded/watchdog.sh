# Launches Cassandra for Nereid's EmbeddedCassandra and keeps it from
# outliving the JVM that launched it, even when that JVM is killed with
# SIGKILL and runs no shutdown hook.
#
# Usage: sh -c "<this script>" NAME LAUNCHER_PID STOP_SECONDS JAVA [ARG...]
#
# The shell starts a watchdog in the background and then replaces itself with
# the Cassandra JVM (exec), so the launcher's child process is Cassandra
# itself: its pid, its signals and its exit code are Cassandra's.
#
# Once a second the watchdog reads Cassandra's parent pid from /proc. While
# the launcher lives, that is the launcher. When the launcher dies, the kernel
# gives Cassandra a new parent (init or a subreaper), so the parent pid
# changes. The watchdog then sends SIGTERM, and SIGKILL after STOP_SECONDS.
# The watchdog exits as soon as Cassandra is gone. It needs Linux's /proc.

launcher_pid=$1
stop_seconds=$2
shift 2
cassandra_pid=$$

# Sets $state and $parent from /proc/PID/stat; fails once the process is gone.
read_process() {
  line=
  { read -r line < "/proc/$1/stat"; } 2>/dev/null || return 1
  # Field 2 is the command name in parentheses and may contain spaces, so
  # split what follows its closing parenthesis.
  set -- ${line##*) }
  state=$1
  parent=$2
}

cassandra_running() {
  read_process "$cassandra_pid" && [ "$state" != Z ]
}

(
  while cassandra_running; do
    if [ "$parent" != "$launcher_pid" ]; then
      echo "nereid watchdog: launcher process $launcher_pid is gone, sending SIGTERM to Cassandra process $cassandra_pid" >&2
      kill -TERM "$cassandra_pid" 2>/dev/null
      waited=0
      while cassandra_running && [ "$waited" -lt "$stop_seconds" ]; do
        sleep 1
        waited=$((waited + 1))
      done
      if cassandra_running; then
        echo "nereid watchdog: Cassandra process $cassandra_pid still runs after ${stop_seconds}s, sending SIGKILL" >&2
        kill -KILL "$cassandra_pid" 2>/dev/null
      fi
      exit 0
    fi
    sleep 1
  done
) < /dev/null &

exec "$@"
