# Sourced by the bench scripts: one way to run the daemon under test.
#   start_daemon BINARY [LAUNCHER...]
# starts BINARY --no-auth on a free loopback port in a fresh CAR_HOME, behind LAUNCHER when
# given (taskset, valgrind: each execs the daemon, so $pid is the daemon itself), waits until
# it accepts, and stops it and removes its files (and any in cleanup_paths) on exit. Sets:
# port, home, pid. Also sets server_cpu and client_cpu (taskset prefixes for CPU 0 and CPU 1,
# empty without taskset).
server_cpu=() client_cpu=() cleanup_paths=()
if command -v taskset >/dev/null; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi

start_daemon() {
  local binary=$1
  shift
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  home=$(mktemp -d)
  CAR_HOME=$home "$@" "$binary" --no-auth --uds disabled --port "$port" --log-level error >/dev/null 2>&1 &
  pid=$!
  # set -e stays on inside the trap: a daemon already stopped must not fail the script.
  trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$home" "${cleanup_paths[@]}"' EXIT
  # Bounded: 30 s covers a daemon starting under valgrind.
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0; sleep 0.1; done
  echo "the daemon did not accept connections on port $port within 30 s" >&2
  return 1
}
