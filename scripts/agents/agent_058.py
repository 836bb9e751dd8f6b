"""A supervised agent for the lifecycle test, on the official client car-runtime 0.58.0.

The supervisor starts it with CAR_DAEMON_URL, CAR_AGENT_ID and CAR_AGENT_TOKEN set; the client
reads them itself, so its first call opens the connection with session.auth {token, agent_id}
and the connection is bound to this agent. It records one fact in its (per-agent, persistent)
memory, prints a line naming how many facts that memory now holds, and stays attached,
pinging now and then, until it is stopped (a daemon that dies does not end it)."""
import json
import os
import sys
import time

import car_runtime

agent = os.environ.get("CAR_AGENT_ID", "")
assert agent and os.environ.get("CAR_AGENT_TOKEN") and os.environ.get("CAR_DAEMON_URL", "").startswith("ws://"), \
    "the supervisor must give CAR_AGENT_ID, CAR_AGENT_TOKEN and CAR_DAEMON_URL"
assert "CAR_AUTH_TOKEN" not in os.environ, "the daemon's own token must not reach a supervised child"

rt = car_runtime.CarRuntime()
count = json.loads(rt.daemon_call("memory.add_fact", json.dumps(
    {"subject": f"boot-{os.getpid()}", "body": f"{agent} started as pid {os.getpid()}", "kind": "pattern"})))
print(f"agent {agent} attached as pid {os.getpid()}; its memory holds {count} facts", flush=True)
print(f"agent {agent} stderr check", file=sys.stderr, flush=True)
while True:
    time.sleep(0.5)
    try:
        rt.daemon_call("server.ping", "null")
    except Exception:
        pass  # its daemon went away (killed): keep running, as a real agent would, until stopped
