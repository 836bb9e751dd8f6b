"""Runs an official CAR example program unchanged against the daemon and checks what it did.

    examples.py EXAMPLE.py CHECK [ARGS...]

Run with a venv's python holding the official client, with CAR_DAEMON_URL and CAR_AUTH_TOKEN
set. The example runs as __main__ (its own code, untouched); the only thing added is a
recording wrapper around car_runtime.CarRuntime, so the check can see which tool calls reached
the Python callback, in which order, and what verify / execute_proposal / event_count returned.

CHECK names what must hold:
  hello-ok        hello_car.py, one-argument callback: echo ran with {"msg": "hello"}, every action succeeded,
                  and its fact count is one more than the graph held before it ran (read first through a
                  connection of this script's own: on the daemon's shared graph that is whatever earlier
                  runs left, on a namespace or a connection's own graph 0)
  hello-official  hello_car.py as published: the callback raises, the action fails, the script still ends normally
  agent-ok DIR    agent_with_tools.py DIR, one-argument callback: list_dir, read_file, write_file in that
                  order with the right parameters, all succeeded, report file written, events > 0
  agent-official DIR  agent_with_tools.py as published: first action failed, nothing hangs, events > 0
  multi-agent     multi_agent.py as published (with CAR_MEMORY_NAMESPACE naming a fresh namespace, since its
                  skill counts and outcome tallies start from an empty graph): "ingested: 2", the weak domain ['web'] and its "would evolve"
                  branch, the final inventory of both skills
  memory-skills   memory_and_skills.py as published (run with TMPDIR inside the daemon's memory root, and
                  CAR_MEMORY_NAMESPACE naming a namespace no earlier run used, since it counts from an empty graph):
                  4 facts, the TypeScript fact first for the language question, the Button skill found,
                  stats 1/0, 2/0, 2/1, 3/1 never degraded, and the reload count equal to the fact count
Prints one line starting "ok" on success; exits 1 with the reason otherwise."""
import io
import json
import os
import runpy
import sys
import contextlib

import car_runtime

example, check = sys.argv[1], sys.argv[2]
extra = sys.argv[3:]
Real = car_runtime.CarRuntime
record = {"calls": [], "verify": [], "results": [], "events": []}


class Recording:
    """Delegates everything to a real CarRuntime; wraps the few calls the checks need."""

    def __init__(self, *args, **kwargs):
        self._rt = Real(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._rt, name)

    def verify_proposal(self, proposal_json):
        report = self._rt.verify_proposal(proposal_json)
        record["verify"].append(json.loads(report))
        return report

    def execute_proposal(self, proposal_json, tool_fn, *args, **kwargs):
        def recorded(*call_args):
            # The clients call tool_fn with ONE argument; record it, then let the example's
            # own function decide (the published two-argument one raises TypeError, as it must).
            if len(call_args) == 1:
                try:
                    call = json.loads(call_args[0])
                    record["calls"].append((call.get("tool"), call.get("params"), call.get("attempt")))
                except ValueError:
                    record["calls"].append(("<unparseable>", call_args[0], None))
            return tool_fn(*call_args)

        result = self._rt.execute_proposal(proposal_json, recorded, *args, **kwargs)
        record["results"].append(json.loads(result))
        return result

    def event_count(self):
        count = self._rt.event_count()
        record["events"].append(count)
        return count


# The graph's size before the example adds to it, through the same client and scope (the
# daemon's shared graph unless CAR_MEMORY_NAMESPACE binds one).
facts_before = Real().fact_count() if check == "hello-ok" else None
car_runtime.CarRuntime = Recording
sys.argv = [example] + extra
stdout = io.StringIO()
try:
    with contextlib.redirect_stdout(stdout):
        runpy.run_path(example, run_name="__main__")
except SystemExit as exit_:
    if exit_.code not in (None, 0):
        sys.exit(f"{os.path.basename(example)} exited with {exit_.code}: {stdout.getvalue()[-800:]}")
except Exception as error:  # noqa: BLE001 - the example must not raise
    sys.exit(f"{os.path.basename(example)} raised {error!r}; output: {stdout.getvalue()[-800:]}")
out = stdout.getvalue()


def fail(reason):
    sys.exit(f"{check}: {reason}\n--- example output ---\n{out[-1500:]}\n--- recorded ---\n{json.dumps(record)[:1500]}")


def only_result():
    if len(record["results"]) != 1:
        fail(f"expected one execute_proposal result, got {len(record['results'])}")
    result = record["results"][0]
    if not isinstance(result, dict) or not isinstance(result.get("results"), list):
        fail(f"execute_proposal returned no results list: {result!r:.300}")
    return result


def statuses(result):
    return [(r.get("action_id"), r.get("status")) for r in result["results"]]


if check == "hello-ok":
    result = only_result()
    if record["verify"] != [] and record["verify"][0].get("valid") is not True:
        fail(f"verify said {record['verify'][0]!r:.300}")
    if record["calls"] != [("echo", {"msg": "hello"}, 1)]:
        fail(f"callback calls were {record['calls']}")
    if statuses(result) != [("a1", "succeeded")]:
        fail(f"statuses {statuses(result)}")
    if result["results"][0].get("output") != {"ok": True, "echoed": "hello"}:
        fail(f"output {result['results'][0].get('output')!r}")
    facts = f"facts: {facts_before + 1}"
    if facts not in out.splitlines() or "verify: True" not in out or "echoed: hello" not in out:
        fail(f"the example's own printout lacks '{facts}' (the graph held {facts_before} before), 'verify: True' or 'echoed: hello'")
    print(f"ok  hello_car.py (one-argument callback): {facts} (one more than before it ran), verify valid, echo called "
          f"once, a1 succeeded")
elif check == "hello-official":
    result = only_result()
    if [c[0] for c in record["calls"]] != ["echo"]:
        fail(f"callback calls were {record['calls']}")
    if statuses(result) != [("a1", "failed")]:
        fail(f"statuses {statuses(result)}")
    error = result["results"][0].get("error") or ""
    if "TypeError" not in error:
        fail(f"the failed action's error should carry the client's TypeError, got {error!r}")
    print(f"ok  hello_car.py (as published): the callback's TypeError became a failed action; exit 0")
elif check in ("agent-ok", "agent-official"):
    target = extra[0]
    result = only_result()
    if not record["verify"] or record["verify"][0].get("valid") is not True:
        fail(f"verify said {record['verify'][:1]!r:.300}")
    if not record["events"] or record["events"][-1] <= 0:
        fail(f"event_count was {record['events']}")
    report = "/tmp/car_report.md"
    if check == "agent-ok":
        expected = [
            ("list_dir", {"path": target}, 1),
            ("read_file", {"path": f"{target}/README.md"}, 1),
            ("write_file", {"path": report, "content": f"# Report for {target}\n\n(contents filled by agent)\n"}, 1),
        ]
        if record["calls"] != expected:
            fail(f"callback calls were {record['calls']}, expected {expected}")
        if statuses(result) != [("ls", "succeeded"), ("read_readme", "succeeded"), ("write_report", "succeeded")]:
            fail(f"statuses {statuses(result)}")
        listing = result["results"][0].get("output") or {}
        if sorted(listing.get("entries", [])) != sorted(os.listdir(target)):
            fail(f"list_dir output {listing!r:.300}")
        with open(report) as handle:
            if not handle.read().startswith(f"# Report for {target}"):
                fail("the report file does not hold the report")
        print(f"ok  agent_with_tools.py (one-argument callback): list_dir -> read_file -> write_file in order, "
              f"all succeeded, report written, {record['events'][-1]} events")
    else:
        if [c[0] for c in record["calls"]][:1] != ["list_dir"]:
            fail(f"callback calls were {record['calls']}")
        first = statuses(result)[0]
        if first != ("ls", "failed"):
            fail(f"statuses {statuses(result)}")
        print(f"ok  agent_with_tools.py (as published): ls failed with the client's TypeError, the rest "
              f"{[s for _, s in statuses(result)[1:]]}; exit 0; {record['events'][-1]} events")
elif check == "memory-skills":
    lines = out.splitlines()

    def line_after(marker, offset=1):
        for index, line in enumerate(lines):
            if marker in line and index + offset < len(lines):
                return lines[index + offset].strip()
        fail(f"no line after {marker!r}")

    if "4 facts in graph" not in out:
        fail("the fact count after four add_fact calls is not 4")
    top = line_after("querying facts")
    if not top.startswith("project_language: TypeScript"):
        fail(f"the top hit for the language question is {top!r}, not the TypeScript fact")
    if "skills in graph: 1" not in out:
        fail("skills.list does not hold the one ingested skill")
    if "matched: add_component" not in out:
        fail("find_skill did not match add_component for the Button context")
    stats = [line.strip().split("→ ")[1] for line in lines if line.strip().startswith("outcome=")]
    expected = ["success=1 fail=0 degraded=False", "success=2 fail=0 degraded=False",
                "success=2 fail=1 degraded=False", "success=3 fail=1 degraded=False"]
    if stats != expected:
        fail(f"skill stats after the four outcomes were {stats}")
    if "reloaded into a fresh runtime: 4 facts" not in out or "roundtrip fact_count matches: True" not in out:
        fail("persist + reload did not round-trip the 4 facts")
    score = [line for line in lines if "matched: add_component" in line][0]
    print(f"ok  memory_and_skills.py (as published): 4 facts, TypeScript first, {score.strip()}, "
          f"stats 3/1 not degraded, persisted and reloaded 4 facts")
elif check == "multi-agent":
    # The pipelines run inside the client; only the skill calls reach the daemon.
    for wanted in ("ingested: 2", "skills in graph: 2", "weak domains: ['web']",
                   "would evolve skills for 'web' here",
                   "  - scrape_and_summarize: Fetch a page, clean the text, pass to a summarizer agent.",
                   "  - write_concise_summary: Produce a 2-sentence summary of a text input."):
        if wanted not in out:
            fail(f"multi_agent.py did not print {wanted!r}")
    if "final skill inventory:" not in out:
        fail("multi_agent.py did not reach its final inventory")
    print("ok  multi_agent.py (as published): ingested 2, the weak domain 'web' found (4/7 below 0.6; text 2/2 not judged), "
          "final inventory of 2 skills")
else:
    sys.exit(f"unknown check {check}")
