#!/usr/bin/env python3
"""Record (or check) the verifier corpus against the reference implementation.

Each file in Tests/CarVerifierTests/Corpus/*.json holds one case: a proposal, optional
initial_state, tools (ToolSchema objects; omitted means "no registry") and max_actions, and the
reference's answer under "expected". This script asks the reference (car_runtime.verify and
car_runtime.simulate, in-process) and writes that answer back.

    record.py            refresh every file's "expected" from the reference
    record.py --check    change nothing; exit 1 naming every file whose "expected" has drifted
    record.py FILE...    limit either mode to the named files

Run it with the interpreter that has car_runtime installed, e.g.
    .venv/car-0.58.0/bin/python scripts/verify-corpus/record.py --check

The reference reports issues, conflicts and schema findings in hash-map order, which changes
from run to run; they are stored sorted so a recording is stable. The Swift test compares them
as multisets. Where the answer itself changes from call to call (a case marked
"reference_nondeterministic"), every distinct answer seen in SAMPLES calls is stored under
"expected_variants" instead. A case marked "deliberate_difference" also carries "expected_ours",
our own answer, which is written by hand and never touched here.
"""

import json
import pathlib
import sys

import car_runtime

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "Tests" / "CarVerifierTests" / "Corpus"
KEY_ORDER = ["name", "description", "proposal", "initial_state", "tools", "max_actions",
             "deliberate_difference", "reference_nondeterministic", "expected_reader_error",
             "expected", "expected_variants", "expected_ours"]
# A case marked reference_nondeterministic is asked this many times; every distinct answer is
# kept under expected_variants, and --check flags an answer outside them.
SAMPLES = 64


def reference_answer(case):
    proposal = json.dumps(case["proposal"])
    state = json.dumps(case["initial_state"]) if "initial_state" in case else None
    tools = json.dumps(case["tools"]) if "tools" in case else None
    report = json.loads(car_runtime.verify(proposal, state, None, case.get("max_actions"), tools))
    simulated = json.loads(car_runtime.simulate(proposal, state))
    issues = sorted(
        ({"action_id": i["action_id"], "severity": i["severity"], "tier": i["tier"], "message": i["message"]}
         for i in report["issues"]),
        key=lambda i: (i["action_id"], i["severity"], i["tier"], i["message"]),
    )
    return {
        "valid": report["valid"],
        "issues": issues,
        "execution_levels": report["execution_levels"],
        "conflicts": sorted(report["conflicts"]),
        "simulated_state": report["simulated_state"],
        "simulate": simulated,
        "checks": [{"name": c["name"], "ran": c["ran"], "findings": c["findings"]} for c in report["evidence"]["checks"]],
        "evidence": {k: report["evidence"][k] for k in ("assumptions", "untested_regions", "residual_risks", "confidence")},
    }


def reader_rejects(case):
    try:
        reference_answer(case)
    except Exception:  # the binding raises ValueError("invalid proposal JSON: ...")
        return True
    return False


def ordered(case):
    known = {k: case[k] for k in KEY_ORDER if k in case}
    extra = {k: v for k, v in case.items() if k not in known}
    return {**known, **extra}


def main(argv):
    check = "--check" in argv
    names = [a for a in argv if a != "--check"]
    files = [pathlib.Path(n).resolve() for n in names] if names else sorted(CORPUS.glob("*.json"))
    drifted, count = [], 0
    for path in files:
        case = json.loads(path.read_text(encoding="utf-8"))
        count += 1
        if case.get("expected_reader_error"):
            if not reader_rejects(case):
                drifted.append(f"{path.name}: the reference now accepts this proposal")
            continue
        if case.get("reference_nondeterministic"):
            seen = []
            for _ in range(SAMPLES):
                answer = reference_answer(case)
                if answer not in seen:
                    seen.append(answer)
            if check:
                recorded = case.get("expected_variants", [])
                if any(answer not in recorded for answer in seen):
                    drifted.append(f"{path.name}: the reference gave an answer outside the recorded variants")
            else:
                case.pop("expected", None)
                case["expected_variants"] = sorted(seen, key=lambda a: json.dumps(a, sort_keys=True))
                path.write_text(json.dumps(ordered(case), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            continue
        answer = reference_answer(case)
        if check:
            if case.get("expected") != answer:
                drifted.append(f"{path.name}: recorded expected differs from the reference")
        else:
            case["expected"] = answer
            path.write_text(json.dumps(ordered(case), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if drifted:
        print("\n".join(drifted), file=sys.stderr)
        print(f"{len(drifted)} of {count} corpus file(s) drifted", file=sys.stderr)
        return 1
    print(f"{count} corpus file(s) {'match the reference' if check else 'recorded'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
