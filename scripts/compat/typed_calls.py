"""The official client's typed runtime calls beyond the examples, each checked for its effect:
register_tool_schema / list_tools / unregister_tool, list_policies / unregister_policy,
state_set / state_get / state_exists / state_keys / state_snapshot (with a tenant), and
verify_proposal catching a schema violation against the registered schema.

Run with a venv's python holding the official client (CAR_DAEMON_URL, CAR_AUTH_TOKEN set)."""
import json
import sys

import car_runtime

rt = car_runtime.CarRuntime()
problems = []


def expect(label, got, want):
    if got != want:
        problems.append(f"{label}: got {got!r:.300}, want {want!r:.300}")


schema = {"name": "deploy", "description": "Deploys an artifact.",
          "parameters": {"type": "object", "properties": {"env": {"type": "string"}}, "required": ["env"]},
          "idempotent": True}
rt.register_tool_schema(json.dumps(schema))
rt.register_tool("echo")
listed = json.loads(rt.list_tools())
tools = listed["tools"] if isinstance(listed, dict) else listed
expect("list_tools names (sorted)", [t["name"] for t in tools], ["deploy", "echo"])
expect("list_tools keeps the schema", tools[0].get("parameters"), schema["parameters"])

report = json.loads(rt.verify_proposal(json.dumps({"actions": [
    {"id": "bad", "type": "tool_call", "tool": "deploy", "parameters": {"env": 7}},
    {"id": "ghost", "type": "tool_call", "tool": "nope", "parameters": {}}]})))
expect("verify valid", report.get("valid"), False)
flagged = sorted({i["action_id"] for i in report.get("issues", []) if i.get("severity") == "error"})
expect("verify flags the wrong type and the unknown tool", flagged, ["bad", "ghost"])

rt.unregister_tool("echo")
listed = json.loads(rt.list_tools())
tools = listed["tools"] if isinstance(listed, dict) else listed
expect("after unregister_tool", [t["name"] for t in tools], ["deploy"])

rt.register_policy("no_prod", "deny_tool_param", target="deploy", key="env", pattern="prod")
rt.register_policy("no_prod", "deny_tool", target="shell")
policies = json.loads(rt.list_policies())
names = [p["name"] for p in (policies["policies"] if isinstance(policies, dict) else policies)]
expect("list_policies", names, ["no_prod", "no_prod"])
rt.unregister_policy("no_prod")
policies = json.loads(rt.list_policies())
expect("after unregister_policy", policies["policies"] if isinstance(policies, dict) else policies, [])

# state_* exist in 0.58.0's typed API: state_set(key, value_json, tenant=None) and friends.
if hasattr(rt, "state_set"):
    rt.state_set("region", json.dumps("eu"))
    rt.state_set("region", json.dumps("us"), tenant="acme")
    expect("state_get unscoped", json.loads(rt.state_get("region")), "eu")
    expect("state_get tenant", json.loads(rt.state_get("region", tenant="acme")), "us")
    expect("state_get absent", json.loads(rt.state_get("missing")), None)
    expect("state_exists", rt.state_exists("missing"), False)
    expect("state_keys unscoped", rt.state_keys(), ["region"])
    expect("state_keys tenant", rt.state_keys(tenant="acme"), ["region"])
    expect("state_snapshot tenant", json.loads(rt.state_snapshot(tenant="acme")), {"region": "us"})

if problems:
    sys.exit("typed calls: " + "; ".join(problems))
print("ok  typed calls: register_tool_schema/list_tools/unregister_tool, verify against the schema, "
      "list/unregister_policy" + (", state_* with a tenant" if hasattr(rt, "state_set") else ""))
