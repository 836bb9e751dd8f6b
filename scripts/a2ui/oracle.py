"""The official A2UI v0.9 validator's verdict on every case of the corpus.

    <a2ui venv>/bin/python oracle.py [CORPUS.json]      (default: corpus.json next to this file)

Runs in the venv that scripts/a2ui/a2ui-env.sh builds (a2ui-agent-sdk==0.9.0, a2ui-core==0.4.0)
and prints one JSON line per case, in corpus order: {"name", "accepted": bool, "error": str|null}
(the validator reports only the first problem it finds). Exits 0 when every case was judged,
2 on a corpus that cannot be judged, 3 when the validator broke on a case (see below).

A case is judged with `validate_payload(catalogs, messages, surface_catalog_ids=...)`:
- mode "create": the messages as one payload (they hold their own createSurface; the surfaces
  they create get the full topology check at the end);
- mode "update": the messages for a surface created earlier, with
  surface_catalog_ids={surfaceId: catalogId (basic unless the case names another)}; the
  validator creates that surface empty first and checks it relaxed (dangling references, a
  missing root and orphans allowed).
The active catalogs are the basic catalog and, so surfaces on the CAR catalog can be judged, the
same 18 basic components under the CAR catalog id. The oracle knows nothing of the six CAR-only
components' schemas, so a case that places one on a CAR surface is refused (exit 2): it has no
oracle. Nobody writes expected verdicts by hand; this is where they come from.

A rejection is what validate_payload documents it raises for a payload a renderer would
refuse: A2uiValidationError (with its subclasses A2uiIntegrityError and A2uiRecursionError;
the validator turns the processor's other A2uiErrors into one). Anything else it raises (an
A2uiCatalogError about the catalogs given, a TypeError, a RecursionError, ...) is not a verdict
but a broken oracle: the run stops with the case's name and the traceback, exit 3.
"""
import json
import os
import sys
import traceback

from a2ui.core import A2uiValidationError
from a2ui.core.basic_catalog import BasicCatalog
from a2ui.core.basic_catalog.v0_9 import BASIC_COMPONENTS, Theme, create_basic_catalog_functions
from a2ui.core.catalog import Catalog
from a2ui.utils.validation import validate_payload

BASIC = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"
CAR = "https://parslee.ai/car/a2ui/v0_9/catalog.json"
CAR_ONLY = {"Select", "Chart", "File", "FilePicker", "Spacer", "Badge"}


def car_as_basic():
    """The basic catalog's components and functions under the CAR catalog id."""
    return Catalog(
        catalog_id=CAR,
        protocol_version="v0.9",
        components=BASIC_COMPONENTS,
        functions=create_basic_catalog_functions(),
        theme_model=Theme,
        schema_dialect="https://json-schema.org/draft/2020-12/schema",
        schema_id=CAR,
        title="CAR catalog (its basic subset)",
        description="The basic catalog's components under the CAR catalog id.",
        declared_protocol_version=None,
        common_types_uri="https://a2ui.org/specification/v0_9/common_types.json",
        theme_location="$defs",
        union_defs={"anyComponent": None, "anyFunction": None},
    )


CATALOGS = [BasicCatalog("v0.9"), car_as_basic()]


def component_names(messages):
    names = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        for body in message.values():
            if isinstance(body, dict) and isinstance(body.get("components"), list):
                names.update(c.get("component") for c in body["components"]
                             if isinstance(c, dict) and isinstance(c.get("component"), str))
    return names


def on_car_catalog(case):
    if case["mode"] == "update":
        return case.get("catalogId") == CAR
    return any(isinstance(m, dict) and isinstance(m.get("createSurface"), dict)
               and m["createSurface"].get("catalogId") == CAR for m in case["messages"])


def judgeable(case):
    """None, or why the oracle cannot judge the case."""
    if on_car_catalog(case) and component_names(case["messages"]) & CAR_ONLY:
        return "places a CAR-only component on a CAR surface, whose schema the oracle lacks"
    return None


def verdict(case):
    """{"name", "accepted", "error"} for one case."""
    surface_catalog_ids = None
    if case["mode"] == "update":
        surface_catalog_ids = {case["surfaceId"]: case.get("catalogId") or BASIC}
    elif case["mode"] != "create":
        raise ValueError(f"case {case['name']!r}: mode must be create or update")
    try:
        validate_payload(CATALOGS, case["messages"], surface_catalog_ids=surface_catalog_ids)
        return {"name": case["name"], "accepted": True, "error": None}
    except A2uiValidationError as error:  # the validator's refusal is the verdict; its text goes along
        return {"name": case["name"], "accepted": False, "error": f"{type(error).__name__}: {error}"}
    except Exception as error:
        raise OracleBroken(case["name"], error) from error


class OracleBroken(Exception):
    """validate_payload raised something other than its validation error: no verdict."""

    def __init__(self, name, error):
        super().__init__(f"case {name!r}: the validator raised {type(error).__name__}: {error}, not a validation error")


def load(path):
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    names = [c["name"] for c in cases]
    if len(names) != len(set(names)):
        raise SystemExit("oracle: duplicate case names in the corpus")
    return cases


def main(argv):
    path = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus.json")
    cases = load(path)
    refused = [(c["name"], why) for c in cases for why in [judgeable(c)] if why]
    for name, why in refused:
        print(f"oracle: case {name!r} {why}", file=sys.stderr)
    if refused:
        return 2
    accepted = 0
    try:
        for case in cases:
            result = verdict(case)
            accepted += result["accepted"]
            print(json.dumps(result, ensure_ascii=False), flush=True)
    except OracleBroken as broken:
        traceback.print_exception(broken.__cause__, file=sys.stderr)
        print(f"oracle: FAILED: {broken}", file=sys.stderr)
        return 3
    print(f"oracle: {len(cases)} cases, {accepted} accepted, {len(cases) - accepted} rejected", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
