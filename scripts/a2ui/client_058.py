"""The official client car-runtime 0.58.0 on A2UI surfaces, run in its venv against a live daemon
by scripts/a2ui/wire_acceptance.py.

The client reads the daemon address from CAR_DAEMON_URL and the token from CAR_AUTH_TOKEN. It
uses the module-level helpers the 0.58 client has for A2UI (a2ui_capabilities(rt),
a2ui_apply(rt, env), a2ui_get(rt, id), a2ui_surfaces(rt), a2ui_ingest(rt, payload),
a2ui_reap(rt)), the generated wrapper rt.a2ui_subscribe for `a2ui/subscribe`, and
register_daemon_notification_handler for the `a2ui.event` notifications.

Prints "ok  ..." per check and one final line `RESULT <json>` (every reply it got, for the
caller's secret scan); on a failure "FAIL: ..." and exit 1."""
import json
import os
import sys
import threading
import time

import car_runtime

BASIC = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"
CAR = "https://parslee.ai/car/a2ui/v0_9/catalog.json"
replies = []


def fail(reason):
    print(f"FAIL: {reason}", flush=True)
    print("RESULT " + json.dumps({"replies": replies}), flush=True)
    sys.exit(1)


def ok(what):
    print(f"ok  {what}", flush=True)


def parsed(text):
    replies.append(text)
    return json.loads(text)


assert car_runtime.__version__ == "0.58.0", car_runtime.__version__
if not os.environ.get("CAR_DAEMON_URL", "").startswith("ws://"):
    fail("CAR_DAEMON_URL must be set")
prefix = sys.argv[1] if len(sys.argv) > 1 else "c58"
rt = car_runtime.CarRuntime()
if prefix == "dump":
    # What the official client reads back later (the caller scans it for planted secrets):
    # every surface, each named one, and the recent host events.
    out = {"surfaces": parsed(car_runtime.a2ui_surfaces(rt)),
           "get": [parsed(car_runtime.a2ui_get(rt, sid)) for sid in sys.argv[2:]],
           "replay": [parsed(rt.a2ui_replay(json.dumps({"surfaceId": sid}))) for sid in sys.argv[2:]],
           "hostEvents": parsed(rt.daemon_call("host.events", json.dumps({"limit": 1000})))}
    if any(g is None for g in out["get"]):
        fail(f"a2ui_get of {sys.argv[2:]} answered {out['get']}")
    ok(f"0.58 client read back {len(out['surfaces'])} surfaces, {len(sys.argv) - 2} by id, and the host events")
    print("RESULT " + json.dumps({"replies": replies}), flush=True)
    rt.close()
    sys.exit(0)

events = []
arrived = threading.Condition()


def on_a2ui_event(params_json):
    with arrived:
        events.append(json.loads(params_json))
        arrived.notify_all()


rt.register_daemon_notification_handler("a2ui.event", on_a2ui_event)


def wait_events(what, predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    with arrived:
        while True:
            found = predicate(list(events))
            if found:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                fail(f"timed out after {seconds:.0f} s waiting for {what}; a2ui.event received: {json.dumps(events)[:600]}")
            arrived.wait(remaining)


def updates(surface_id):
    return [(e["result"]["surface"]["revision"]) for e in events
            if e.get("kind") == "a2ui.surface_updated" and e.get("result", {}).get("surfaceId") == surface_id]


# -- subscribe (the generated wrapper for a2ui/subscribe) -------------------------------------
sub = parsed(rt.a2ui_subscribe("{}"))
if sub != {"subscribed": True}:
    fail(f"rt.a2ui_subscribe answered {sub}")
ok("0.58 rt.a2ui_subscribe -> {subscribed: true}")

# -- capabilities ----------------------------------------------------------------------------
caps = parsed(car_runtime.a2ui_capabilities(rt))
names = caps.get("components") or []
catalogs = {c.get("catalogId"): c.get("components") for c in caps.get("catalogs") or []}
if caps.get("version") != "v0.9" or caps.get("mimeType") != "application/a2ui+json":
    fail(f"a2ui_capabilities version/mimeType: {caps.get('version')!r} {caps.get('mimeType')!r}")
if len(names) != 24 or len(set(names)) != 24:
    fail(f"a2ui_capabilities lists {len(names)} components: {names}")
if set(catalogs) != {BASIC, CAR}:
    fail(f"a2ui_capabilities catalogs are {list(catalogs)}")
if len(catalogs[BASIC]) != 18 or set(catalogs[CAR]) != set(names) or not set(catalogs[BASIC]) < set(names):
    fail(f"catalog contents: basic {catalogs[BASIC]}, car {catalogs[CAR]}")
if not isinstance(caps.get("limits"), dict):
    fail(f"a2ui_capabilities has no limits: {caps}")
ok("0.58 a2ui_capabilities: v0.9, 24 components, basic (18) and CAR (24) catalogs, limits")

# -- apply createSurface + updateComponents + updateDataModel (the envelope as params) --------
sid = f"{prefix}-form"
create = parsed(car_runtime.a2ui_apply(rt, json.dumps(
    {"version": "v0.9", "createSurface": {"surfaceId": sid, "catalogId": BASIC, "sendDataModel": True}})))
if create.get("surfaceId") != sid or create.get("deleted") is not False or create.get("surface", {}).get("revision") != 1:
    fail(f"a2ui_apply createSurface answered {create}")
components = [
    {"id": "root", "component": "Column", "children": ["title", "name", "ok"]},
    {"id": "title", "component": "Text", "text": "Sign up"},
    {"id": "name", "component": "TextField", "label": "Name", "value": {"path": "/user/name"}},
    {"id": "ok", "component": "Button", "child": "ok-label", "action": {"event": {"name": "submit"}}},
    {"id": "ok-label", "component": "Text", "text": "OK"},
]
upd = parsed(car_runtime.a2ui_apply(rt, json.dumps(
    {"version": "v0.9", "updateComponents": {"surfaceId": sid, "components": components}})))
if upd.get("surface", {}).get("revision") != 2 or len(upd["surface"].get("components", [])) != 5:
    fail(f"a2ui_apply updateComponents answered {json.dumps(upd)[:500]}")
diag = upd["surface"].get("diagnostics", {})
if diag.get("missingRoot") or diag.get("danglingReferences") or diag.get("unreachable"):
    fail(f"a complete tree still has diagnostics {diag}")
dm = parsed(car_runtime.a2ui_apply(rt, json.dumps(
    {"version": "v0.9", "updateDataModel": {"surfaceId": sid, "path": "/user/name", "value": "Ada"}})))
if dm.get("surface", {}).get("revision") != 3 or dm["surface"].get("dataModel") != {"user": {"name": "Ada"}}:
    fail(f"a2ui_apply updateDataModel answered {json.dumps(dm)[:500]}")
ok("0.58 a2ui_apply: createSurface (rev 1), updateComponents (rev 2, complete tree), updateDataModel (rev 3)")

got = parsed(car_runtime.a2ui_get(rt, sid))
if not got or got.get("revision") != 3 or got.get("dataModel") != {"user": {"name": "Ada"}} \
        or [c["id"] for c in got.get("components", [])] != [c["id"] for c in components] or got.get("catalogId") != BASIC:
    fail(f"a2ui_get answered {json.dumps(got)[:600]}")
if got.get("owner", {}).get("kind") != "session":
    fail(f"a surface made with a2ui_apply should be owned by the session, owner is {got.get('owner')}")
listed = parsed(car_runtime.a2ui_surfaces(rt))
mine = [s for s in listed if s.get("surfaceId") == sid]
if len(mine) != 1 or mine[0].get("dataModel") != {"user": {"name": "Ada"}} or mine[0].get("revision") != 3:
    fail(f"a2ui_surfaces does not show {sid} with its data model: {json.dumps(listed)[:600]}")
missing = parsed(car_runtime.a2ui_get(rt, f"{prefix}-none"))
if missing is not None:
    fail(f"a2ui_get of an unknown surface answered {missing}, wants null")
ok("0.58 a2ui_get / a2ui_surfaces: the surface with components, data model, revision 3, session owner; unknown id -> null")

# -- a rejected message: an unknown component ------------------------------------------------
try:
    bad = car_runtime.a2ui_apply(rt, json.dumps(
        {"version": "v0.9", "updateComponents": {"surfaceId": sid, "components": [{"id": "title", "component": "Marquee", "text": "x"}]}}))
    fail(f"a2ui_apply with an unknown component succeeded: {bad[:300]}")
except car_runtime.DaemonRpcError as error:
    # The generic daemon_call path: code, message and data attributes.
    replies.append(json.dumps({"code": error.code, "message": str(error), "data": getattr(error, "data", None)}))
    data = getattr(error, "data", None)
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            pass
    if error.code != -32602 or "UnsupportedComponent" not in str(error) \
            or not (isinstance(data, dict) and data.get("kind") == "UnsupportedComponent"):
        fail(f"a2ui_apply with an unknown component raised code {error.code}: {error} data {data!r}")
except RuntimeError as error:
    # The module-level helper raises RuntimeError("<code> <message>").
    replies.append(str(error))
    if not str(error).startswith("-32602 UnsupportedComponent: "):
        fail(f"a2ui_apply with an unknown component raised {error!r}, wants '-32602 UnsupportedComponent: ...'")
after = parsed(car_runtime.a2ui_get(rt, sid))
if after.get("revision") != 3 or after != got:
    fail(f"the rejected message changed the surface: {json.dumps(after)[:400]}")
# The next accepted message's event comes after anything the rejected one could have sent.
nxt = parsed(car_runtime.a2ui_apply(rt, json.dumps(
    {"version": "v0.9", "updateDataModel": {"surfaceId": sid, "path": "/user/email", "value": "ada@example.com"}})))
if nxt.get("surface", {}).get("revision") != 4:
    fail(f"the apply after the rejected one answered {json.dumps(nxt)[:300]}")
wait_events(f"{sid} rev 4 as a2ui.event", lambda _: 4 in updates(sid))
if updates(sid) != [1, 2, 3, 4]:
    fail(f"a2ui.event surface_updated revisions for {sid} are {updates(sid)}, want [1, 2, 3, 4] (nothing for the rejected one)")
ok("0.58 rejected message (unknown component): raises -32602 UnsupportedComponent, surface unchanged, no event")
ok("0.58 register_daemon_notification_handler(a2ui.event): surface_updated revisions 1, 2, 3, 4 in order")

# -- a2ui_ingest of an A2A task with a data part ---------------------------------------------
isid = f"{prefix}-ingested"
task = {"kind": "task", "id": f"{prefix}-task", "contextId": f"{prefix}-ctx", "status": {"state": "input-required"},
        "artifacts": [{"artifactId": "a1", "parts": [{"kind": "data", "data": [
            {"version": "v0.9", "createSurface": {"surfaceId": isid, "catalogId": CAR}},
            {"version": "v0.9", "updateComponents": {"surfaceId": isid, "components": [
                {"id": "root", "component": "Card", "child": "badge"},
                {"id": "badge", "component": "Badge", "text": "new"}]}}]}]}]}
ing = parsed(car_runtime.a2ui_ingest(rt, json.dumps(task)))
applied = ing.get("applied") or []
if len(applied) != 2 or ing.get("rejected") not in (None, []):
    fail(f"a2ui_ingest answered {json.dumps(ing)[:600]}")
surface = applied[-1].get("surface") or {}
owner = surface.get("owner") or {}
if surface.get("revision") != 2 or owner.get("kind") != "a2a" or owner.get("taskId") != f"{prefix}-task" \
        or owner.get("contextId") != f"{prefix}-ctx" or [c["id"] for c in surface.get("components", [])] != ["root", "badge"]:
    fail(f"a2ui_ingest's surface: {json.dumps(surface)[:600]}")
wait_events(f"{isid} as a2ui.event", lambda _: 2 in updates(isid))
if updates(isid) != [1, 2]:
    fail(f"a2ui.event revisions for the ingested surface are {updates(isid)}")
ok("0.58 a2ui_ingest (A2A task, data part): 2 envelopes applied, owner a2a taskId/contextId, events revisions 1, 2")

# -- the client's generated a2ui_action wrapper (params as the protocol document has them) ---
act = parsed(rt.a2ui_action(json.dumps({"name": "submit", "surfaceId": sid, "sourceComponentId": "ok",
                                         "timestamp": "2026-01-01T00:00:00Z", "context": {"name": "Ada"}})))
if act.get("event", {}).get("kind") != "a2ui.action" or not isinstance(act.get("route"), dict):
    fail(f"rt.a2ui_action answered {json.dumps(act)[:400]}")
seen = wait_events("the a2ui.action event", lambda es: [e for e in es if e.get("kind") == "a2ui.action"])
if set(seen[0].get("result", {})) != {"surfaceId", "action", "owner"} or seen[0]["result"]["action"].get("name") != "submit":
    fail(f"a2ui.action event: {json.dumps(seen[0])[:400]}")
# The module-level helper sends action_json as the params, as they are.
act2 = parsed(car_runtime.a2ui_action(rt, json.dumps({"name": "cancel", "surfaceId": sid, "sourceComponentId": "ok"})))
if act2.get("event", {}).get("kind") != "a2ui.action" or act2["event"].get("message") != "cancel":
    fail(f"a2ui_action(rt, ...) answered {json.dumps(act2)[:400]}")
wait_events("the second a2ui.action event", lambda es: [e for e in es if e.get("kind") == "a2ui.action"
                                                        and e["result"]["action"].get("name") == "cancel"])
# The shape the 0.58 client's a2ui_action docstring gives: snake_case ids.
act3 = parsed(car_runtime.a2ui_action(rt, json.dumps({"name": "snake", "surface_id": sid, "source_component_id": "ok"})))
if act3.get("event", {}).get("kind") != "a2ui.action" or act3["event"].get("payload", {}).get("action", {}).get("sourceComponentId") != "ok":
    fail(f"a2ui_action(rt, {{surface_id, source_component_id}}) answered {json.dumps(act3)[:400]}")
ok("0.58 rt.a2ui_action and a2ui_action(rt, ...): {event, route}, also in the docstring's snake_case shape; "
   "the handler got a2ui.event kind a2ui.action {surfaceId, action, owner}")

# -- a2ui_reap: nothing has expired ------------------------------------------------------------
reaped = parsed(car_runtime.a2ui_reap(rt))
if reaped != {"removed": []}:
    fail(f"a2ui_reap answered {reaped}, wants {{removed: []}} (nothing is past its TTL)")
still = parsed(car_runtime.a2ui_get(rt, sid))
if not still or still.get("revision") != 4:
    fail(f"a2ui_reap removed a live surface: {still}")
ok("0.58 a2ui_reap: {removed: []}, live surfaces kept")

unsub = parsed(rt.a2ui_unsubscribe("{}"))
if unsub != {"subscribed": False}:
    fail(f"rt.a2ui_unsubscribe answered {unsub}")
print("RESULT " + json.dumps({"replies": replies, "events": events}), flush=True)
rt.close()
