"""A supervised chat agent on the official client car-runtime 0.58.0, for scripts/chat/acceptance.py.

The supervisor starts it with CAR_DAEMON_URL, CAR_AGENT_ID and CAR_AGENT_TOKEN; the client
attaches it (session.auth {token, agent_id}) on its first call. Chat turns arrive through
register_chat_handler (the client acks agent.chat itself) and are answered with chat_event.
What a turn does depends on its prompt:

    stream N TAG   N token events "TAG:i " (i = 0..N-1), then done
    slow N TAG     the same, 50 ms apart; once cancelled it sends one more token and stops
    approval       approval_pending {approval_id}, then waits (20 s at most) for the host's
                   agents.chat.approve, which arrives as agent.chat.approve through
                   register_daemon_handler; then one token "decision=<decision>" and done.
                   Before waiting it tries to approve its own prompt through agents.chat.approve
                   and prints what the daemon said ("self-approve: ...")
    goal           goal_evaluated {iteration 1, met, grounded, reason}, then done
    goalhang       goal_evaluated {iteration 2, met false, ...}, then nothing
    hang           one token, then nothing (the host cancels, or the daemon's silence limit ends it)
    die            one token, then the process exits (status 3) mid-turn
    anything else  one token echoing the prompt, then done

Every agent.chat.cancel it is sent is printed ("cancelled <session_id>"), so the test can see it
in agents.tail_log; every turn's params are printed too ("turn <json>")."""
import json
import os
import sys
import threading
import time

import car_runtime

agent = os.environ.get("CAR_AGENT_ID", "")
assert agent and os.environ.get("CAR_AGENT_TOKEN"), "the supervisor must give CAR_AGENT_ID and CAR_AGENT_TOKEN"

decisions = {}
cancelled = set()
decided = threading.Condition()
rt = None


def on_approve(params_json):
    params = json.loads(params_json)
    with decided:
        decisions[params["session_id"]] = params.get("decision")
        decided.notify_all()
    return json.dumps({"resolved": True})


def on_cancel(params_json):
    sid = json.loads(params_json).get("session_id")
    cancelled.add(sid)
    print(f"cancelled {sid}", flush=True)
    return json.dumps({"cancelled": True})


def on_turn(params_json):
    params = json.loads(params_json)
    print(f"turn {json.dumps(params, sort_keys=True)}", flush=True)
    sid, words = params["session_id"], params.get("prompt", "").split()
    command = words[0] if words else ""
    if command in ("stream", "slow"):
        count, tag = int(words[1]), words[2]
        for i in range(count):
            rt.chat_event(sid, "token", f"{tag}:{i} ")
            if command == "slow":
                time.sleep(0.05)
                if sid in cancelled:  # a slow turn stops when cancelled (its later events still go out once)
                    rt.chat_event(sid, "token", "after cancel")
                    return
        rt.chat_event(sid, "done", None)
    elif command == "approval":
        rt.chat_event(sid, "approval_pending", json.dumps({"approval_id": "ap-1", "action": "write the file"}))
        try:
            answer = rt.daemon_call("agents.chat.approve", json.dumps({"session_id": sid, "approval_id": "ap-1", "decision": True}))
            print(f"self-approve: allowed {answer}", flush=True)
        except Exception as error:  # the daemon refuses: an agent never approves its own prompt
            print(f"self-approve: refused {error}", flush=True)
        with decided:
            decided.wait_for(lambda: sid in decisions, timeout=20)
            decision = decisions.pop(sid, "none")
        rt.chat_event(sid, "token", f"decision={json.dumps(decision)}")
        rt.chat_event(sid, "done", None)
    elif command == "goal":
        rt.chat_event(sid, "goal_evaluated", json.dumps({"iteration": 1, "met": True, "grounded": True, "reason": "check passed"}))
        rt.chat_event(sid, "done", "all green")
    elif command == "goalhang":
        rt.chat_event(sid, "goal_evaluated", json.dumps({"iteration": 2, "met": False, "grounded": False, "reason": "tests still failing"}))
    elif command == "hang":
        rt.chat_event(sid, "token", "thinking")
    elif command == "die":
        rt.chat_event(sid, "token", "about to die")
        time.sleep(0.2)
        os._exit(3)
    else:
        rt.chat_event(sid, "token", f"echo {params.get('prompt', '')}")
        rt.chat_event(sid, "done", None)


car_runtime.register_chat_handler(on_turn)
rt = car_runtime.CarRuntime()
rt.register_daemon_handler("agent.chat.approve", on_approve)
rt.register_daemon_handler("agent.chat.cancel", on_cancel)
rt.daemon_call("server.ping", "null")  # attaches now, not at the first turn
print(f"chat agent {agent} attached as pid {os.getpid()}", flush=True)
while True:
    time.sleep(0.5)
    try:
        rt.daemon_call("server.ping", "null")
    except Exception:
        pass
