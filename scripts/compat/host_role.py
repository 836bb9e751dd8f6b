"""The host-management role through the official client, unchanged: car_runtime.HostClient
finds the daemon's host-token file under CAR_HOME and authenticates a second connection with
it; the plain CarRuntime connection is refused the same methods. Exercises every messaging.*
method (host-only in the spec and in the client's own wrapper table) for its effect, and the
file the host's changes land in.

Run with a venv's python holding car-runtime 0.58.0 (CAR_DAEMON_URL, CAR_AUTH_TOKEN and the
daemon's CAR_HOME set). Clients without HostClient (0.48.0) print a skip line."""
import json
import os
import stat
import sys

import car_runtime

if not hasattr(car_runtime, "HostClient"):
    print("skip host role: this client has no HostClient (checked through car-runtime 0.58.0)")
    sys.exit(0)

rt = car_runtime.CarRuntime()
host = car_runtime.HostClient(rt)
problems = []


def expect(label, got, want):
    if got != want:
        problems.append(f"{label}: got {got!r:.300}, want {want!r:.300}")


# The plain token: refused with the reference's code, a message naming the host token, and
# the connection keeps serving.
for method in ["messaging.config.get", "messaging.config.set", "messaging.status"]:
    try:
        rt.daemon_call(method, json.dumps({"channel": "slack", "add_handles": ["intruder"]}))
        problems.append(f"{method} with the plain token was not refused")
    except car_runtime.DaemonRpcError as error:
        expect(f"{method} refusal code", error.code, -32603)
        if "host_token" not in str(error):
            problems.append(f"{method} refusal does not name host_token: {error}")
expect("server.ping after refusals", json.loads(rt.daemon_call("server.ping", "{}")), {})
# Checked before any host write could replace the list: the refused calls changed nothing.
path = os.path.join(os.environ["CAR_HOME"], "messaging.json")
if os.path.exists(path) and "intruder" in open(path).read():
    problems.append("a refused call changed messaging.json")
expect("slack allowlist after refusals", json.loads(host.messaging_config_get(json.dumps({"channel": "slack"})))["allowlisted_handles"], [])

# The host: every messaging method, each for its effect.
view = json.loads(host.messaging_config_set(json.dumps(
    {"channel": "slack", "allowlisted_handles": ["U1", "U2"], "add_handles": ["U3"], "remove_handles": ["U1"], "slack_channel": "C42"})))
expect("config.set view", view, {"channel": "slack", "enabled": False, "allowlisted_handles": ["U2", "U3"], "pairing_active": False})
expect("config.get slack", json.loads(host.messaging_config_get(json.dumps({"channel": "slack"})))["allowlisted_handles"], ["U2", "U3"])
expect("config.get default channel", json.loads(host.messaging_config_get("{}"))["channel"], "imessage")
started = json.loads(host.messaging_pairing_start(json.dumps({"channel": "slack"})))
code = started.get("pairing_code", "")
expect("pairing code length", len(code), 43)
expect("pairing config active", started.get("config", {}).get("pairing_active"), True)
expect("pairing.status", json.loads(host.messaging_pairing_status(json.dumps({"channel": "slack"}))),
       {"pairing_active": True, "pairing_code": code})
expect("pairing.status imessage", json.loads(host.messaging_pairing_status("{}")), {"pairing_active": False})
sent = json.loads(host.messaging_test_send("{}"))
expect("test_send ok", sent.get("ok"), False)
if "off" not in sent.get("error", ""):
    problems.append(f"test_send on a disabled channel should say it is off: {sent}")
status = json.loads(host.messaging_status("{}"))
expect("status readiness", {k: status.get(k) for k in ["channel", "enabled", "paired", "watcher_running", "fda_readable"]},
       {"channel": "imessage", "enabled": False, "paired": False, "watcher_running": False, "fda_readable": False})
expect("status last send", (status.get("last_send_ok"), status.get("last_error")), (False, sent.get("error")))
try:
    host.messaging_config_set(json.dumps({"channel": "sms"}))
    problems.append("an unknown channel was accepted")
except car_runtime.DaemonRpcError as error:
    expect("unknown channel code", error.code, -32602)

# What the host saved is on disk, private to the user, bearer-free.
saved = json.load(open(path))
expect("messaging.json slack section", (saved["slack"]["allowlisted_handles"], saved["slack"]["slack_channel"]), (["U2", "U3"], "C42"))
expect("messaging.json mode", oct(stat.S_IMODE(os.stat(path).st_mode)), oct(0o600))

if problems:
    print("host role: " + "; ".join(problems))
    sys.exit(1)
print("ok  host role: plain token refused (-32603 naming host_token) on messaging.*; HostClient set/get/pairing/status/test_send; messaging.json 0600")
