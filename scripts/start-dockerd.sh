#!/bin/sh
# Start the Docker Engine for optml's container tests, idempotently.
# Returns at once when the socket already answers; otherwise starts dockerd (as root) in the
# background and waits up to 60 s for /_ping. Prints why when it could not. Exit 0 = engine up.
# Socket: DOCKER_HOST=unix:///path (default /var/run/docker.sock). Log: $DOCKERD_LOG (default /var/log/dockerd.log).
sock="${DOCKER_HOST:-unix:///var/run/docker.sock}"
case "$sock" in
  unix://*) sock="${sock#unix://}" ;;
  *) echo "start-dockerd: DOCKER_HOST=$DOCKER_HOST is not a unix socket; not starting dockerd" >&2; exit 1 ;;
esac
log="${DOCKERD_LOG:-/var/log/dockerd.log}"

ping() {
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -s --max-time 2 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = "OK" ]
  else
    node -e '
      const r = require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (res) => {
        let b = ""; res.on("data", (d) => (b += d)); res.on("end", () => process.exit(b === "OK" ? 0 : 1));
      });
      r.on("error", () => process.exit(1)); r.on("timeout", () => { r.destroy(); process.exit(1); });
    ' "$sock" 2>/dev/null
  fi
}

# --check: only say (by the exit status) whether the engine answers.
if [ "${1:-}" = "--check" ]; then ping; exit $?; fi
if ping; then echo "start-dockerd: Docker answers at $sock"; exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "start-dockerd: dockerd is not installed (apt-get install -y docker.io)" >&2; exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "start-dockerd: Docker does not answer at $sock and starting dockerd needs root" >&2; exit 1
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  mkdir -p "$(dirname "$log")"
  nohup dockerd -H "unix://$sock" >>"$log" 2>&1 </dev/null &
fi
i=0
while [ $i -lt 120 ]; do
  if ping; then echo "start-dockerd: Docker answers at $sock (after ~$((i / 2)) s)"; exit 0; fi
  i=$((i + 1)); sleep 0.5
done
echo "start-dockerd: dockerd did not answer at $sock within 60 s; last lines of $log:" >&2
tail -n 20 "$log" >&2 2>/dev/null
exit 1
