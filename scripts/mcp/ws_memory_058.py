"""The WebSocket side of the MCP acceptance: the official client car-runtime 0.58.0, run in its
venv, adding or querying facts with memory.add_fact / memory.query on an unbound connection.

    ws_memory_058.py add SUBJECT BODY    prints {"added": <fact count>}
    ws_memory_058.py query QUERY         prints {"hits": [...]} (k=5)

The daemon address comes from CAR_DAEMON_URL and the token from CAR_AUTH_TOKEN, the variables
the client itself reads."""
import json
import sys

import car_runtime

assert car_runtime.__version__ == "0.58.0", car_runtime.__version__
mode, rest = sys.argv[1], sys.argv[2:]
rt = car_runtime.CarRuntime()
if mode == "add":
    subject, body = rest
    print(json.dumps({"added": json.loads(rt.daemon_call("memory.add_fact", json.dumps(
        {"subject": subject, "body": body, "kind": "pattern"})))}))
elif mode == "query":
    (query,) = rest
    print(json.dumps({"hits": json.loads(rt.daemon_call("memory.query", json.dumps({"query": query, "k": 5})))}))
else:
    sys.exit(f"unknown mode {mode}")
rt.close()
