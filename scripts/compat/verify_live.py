"""The verifier corpus through the running daemon: the `verify` method, with the session's own
tool registry, must give what the reference recorded.

    verify_live.py --port PORT --token TOKEN --corpus DIR

Each case runs on a fresh connection. A case with a registry ("tools") registers exactly those
schemas with tools.register; a case without one registers every tool its proposal names, by
name only, which checks existence and nothing else, as the reference does when it has no
registry. Compared: valid, the set of (action_id, severity, tier) issues, execution_levels.
Skipped, with the reason counted: cases for the reader alone, cases with max_actions (the
method has no such parameter), deliberate differences (the Swift suite asserts those), and
compensation cases without a registry (the reference skips that check without one)."""
import argparse
import collections
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wsclient import WSClient  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--corpus", required=True)
args = parser.parse_args()

skipped = collections.Counter()
compared = 0
failures = []
for path in sorted(glob.glob(os.path.join(args.corpus, "*.json"))):
    name = os.path.basename(path)
    case = json.load(open(path))
    if case.get("expected_reader_error"):
        skipped["reader-only"] += 1
        continue
    if "max_actions" in case:
        skipped["max_actions"] += 1
        continue
    if case.get("deliberate_difference"):
        skipped["deliberate difference"] += 1
        continue
    actions = case["proposal"].get("actions", [])
    if "tools" in case:
        tools = case["tools"]
    else:
        if any("compensation" in a or "reversibility" in a for a in actions if isinstance(a, dict)):
            skipped["compensation without registry"] += 1
            continue
        names = sorted({a["tool"] for a in actions if isinstance(a, dict) and isinstance(a.get("tool"), str) and a["tool"]})
        tools = [{"name": n} for n in names]
    with WSClient(args.port, timeout=10) as c:
        c.call(0, "session.auth", {"token": args.token})
        if tools:
            reply = c.call(1, "tools.register", tools)
            if "result" not in reply:
                failures.append(f"{name}: tools.register answered {reply}")
                continue
        params = {"proposal": case["proposal"]}
        if "initial_state" in case:
            params["initial_state"] = case["initial_state"]
        reply = c.call(2, "verify", params)
    if "result" not in reply:
        failures.append(f"{name}: verify answered {json.dumps(reply)[:300]}")
        continue
    ours, expected = reply["result"], case["expected"]
    issues = lambda r: sorted({(i["action_id"], i["severity"], i["tier"]) for i in r["issues"]})  # noqa: E731
    for field, mine, theirs in [("valid", ours["valid"], expected["valid"]),
                                ("issues", issues(ours), issues(expected)),
                                ("execution_levels", ours["execution_levels"], expected["execution_levels"])]:
        if mine != theirs:
            failures.append(f"{name}: {field}: daemon {mine!r:.200} vs reference {theirs!r:.200}")
    compared += 1

if failures:
    print(f"verify_live: FAIL ({len(failures)} of {compared} cases):")
    for failure in failures[:20]:
        print("  " + failure)
    sys.exit(1)
print(f"ok  verify over the daemon matches the reference on {compared} corpus cases "
      f"(skipped: {', '.join(f'{k} {v}' for k, v in sorted(skipped.items()))})")
