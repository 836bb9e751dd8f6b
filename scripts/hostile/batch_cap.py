"""Batches have a length cap (issue 9, item 2: "a length cap (say 1,000)").

On an authenticated connection to the shared daemon:
  - a batch of 1,001 state.set calls is refused as a whole with one clear error object
    (not an array of 1,001 answers), and none of its elements ran;
  - a batch of exactly 1,000 server.ping is answered in full (the cap is not lower);
  - the connection (or a new one) is still served afterwards."""
import time

from _common import PORT, authed, fail, ok, outcome, rpc, token

tok = token()
c = authed(PORT, tok)
batch = [rpc(f"b{n}", "state.set", {"key": "batch-cap", "value": n}) for n in range(1001)]
t0 = time.monotonic()
c.send_json(batch)
kind, reply = outcome(c, 10.0)
closed = reply if kind == "close" else None
if kind == "silent":
    fail("a batch of 1,001 elements got no answer within 10 s")
if kind == "close":
    fail(f"a batch of 1,001 elements: the connection was closed without an error reply ({closed})")
if isinstance(reply, list):
    fail(f"a batch of 1,001 elements was executed: an array of {len(reply)} answers came back")
error = reply.get("error") if isinstance(reply, dict) else None
if not isinstance(error, dict) or not isinstance(error.get("message"), str):
    fail(f"a batch of 1,001 elements answered {str(reply)[:300]}, expected one error object")
text = error["message"].lower()
if "batch" not in text and "1000" not in text.replace(",", ""):
    fail(f"the refusal of a 1,001-element batch does not say why: {error}")
ok(f"a batch of 1,001 state.set -> one error {error.get('code')} {error['message']!r} "
   f"({(time.monotonic() - t0) * 1000:.0f} ms)")

# The refusal may come with a close; state is per connection, so "none ran" is only
# observable on the same one.
kind, _ = outcome(c, 0.3)
if kind == "close":
    ok("the daemon closed the connection after the refusal; a new one is used below")
    c = authed(PORT, tok)
else:
    reply = c.call("after", "state.get", {"key": "batch-cap"})
    if "result" not in reply or reply["result"] is not None:
        fail(f"an element of the refused batch ran: state.get batch-cap -> {reply}")
    ok("none of the refused batch's elements ran (state.get batch-cap -> null)")

c.send_json([rpc(n, "server.ping") for n in range(1000)])
deadline = time.monotonic() + 20
answers = None
while answers is None and time.monotonic() < deadline:
    message = c.recv_json(timeout=max(0.1, deadline - time.monotonic()))
    if isinstance(message, list):
        answers = message
if answers is None:
    fail("a batch of 1,000 server.ping got no array answer within 20 s")
if len(answers) != 1000 or sorted(a.get("id") for a in answers) != list(range(1000)) \
        or any(a.get("result") != {} for a in answers):
    fail(f"a batch of 1,000 server.ping answered {len(answers)} elements: {str(answers[:3])[:200]}")
ok("a batch of exactly 1,000 server.ping is answered in full")
if c.call("last", "server.ping").get("result") != {}:
    fail("the connection is not served after the batches")
c.close()
