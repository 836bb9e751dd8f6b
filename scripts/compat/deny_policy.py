"""A proposal whose parameters match a deny_tool_param policy is rejected before its tool runs.

Run with a venv's python holding the official client (CAR_DAEMON_URL, CAR_AUTH_TOKEN set).
The shape is hello_car.py's, with the message the policy forbids."""
import json
import sys

import car_runtime

rt = car_runtime.CarRuntime()
rt.register_tool("echo")
rt.register_policy("no_dangerous_shell", "deny_tool_param", target="echo", key="msg", pattern="rm -rf")
calls = []


def tool_fn(call_json):
    calls.append(json.loads(call_json))
    return json.dumps({"ok": True})


proposal = {"actions": [
    {"id": "safe", "type": "tool_call", "tool": "echo", "parameters": {"msg": "hello"}, "failure_behavior": "skip"},
    {"id": "danger", "type": "tool_call", "tool": "echo", "parameters": {"msg": "please rm -rf /"}, "failure_behavior": "skip"},
]}
result = json.loads(rt.execute_proposal(json.dumps(proposal), tool_fn))
by_id = {r["action_id"]: r for r in result.get("results", [])}
danger = by_id.get("danger") or {}
problems = []
if danger.get("status") != "rejected":
    problems.append(f"danger action status {danger.get('status')!r}, expected 'rejected'")
if "no_dangerous_shell" not in (danger.get("error") or ""):
    problems.append(f"the rejection should name the policy: {danger.get('error')!r}")
if [c["params"]["msg"] for c in calls] != ["hello"]:
    problems.append(f"the callback ran for {[c['params'] for c in calls]}; only the safe action may reach it")
if (by_id.get("safe") or {}).get("status") != "succeeded":
    problems.append(f"safe action: {by_id.get('safe')!r:.200}")
if result.get("cost", {}).get("actions_rejected") != 1:
    problems.append(f"cost {result.get('cost')!r}")
if problems:
    sys.exit("deny policy: " + "; ".join(problems))
print(f"ok  deny_tool_param: 'danger' rejected before its callback ({danger['error']}); 'safe' ran")
