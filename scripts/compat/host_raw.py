"""Host events fan out to every subscriber, and a subscriber that stops reading is dropped
rather than slowing the others or growing the daemon:

    host_raw.py --port PORT --token TOKEN --pid PID [--subscribers 100] [--events 500]

1. N connections subscribe (server.handshake, host.subscribe); one more connection sends
   host.notify pipelined; every subscriber must receive every event, in seq order. Prints the
   delivery rate (events/s and deliveries/s).
2. One subscriber stops reading while another keeps up and 16 KB events (just under host
   state's 16 KiB payload cap) stream out: the
   reader receives them all promptly, the stalled one is disconnected once its bounded outbound
   queue is full, and the daemon's RSS stays bounded.
Prints "ok ..." lines; exits 1 with the reason on the first failure."""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proc import open_fds, rss_kib  # noqa: E402
from wsclient import WSClient, Closed  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--pid", type=int, required=True)
parser.add_argument("--subscribers", type=int, default=100)
parser.add_argument("--events", type=int, default=500)
args = parser.parse_args()


def fail(reason):
    print(f"host_raw: FAIL: {reason}")
    sys.exit(1)


def subscriber(receive_buffer=None):
    c = WSClient(args.port, timeout=30)
    if receive_buffer:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    for id_, method, params in [(0, "session.auth", {"token": args.token}), (1, "server.handshake", {"protocol_version": 3}),
                                (2, "host.subscribe", {})]:
        reply = c.call(id_, method, params)
        if "result" not in reply:
            fail(f"{method}: {reply}")
    return c


def plain():
    """An authenticated connection that is not subscribed: it sends events as notifications,
    so it has no replies to read either."""
    c = WSClient(args.port, timeout=30)
    if "result" not in c.call(0, "session.auth", {"token": args.token}):
        fail("auth of the sender")
    return c


def collect(client, count, marker, sink):
    seqs = []
    try:
        while len(seqs) < count:
            message = client.recv_json(30)
            if message.get("method") == "host.event" and message["params"].get("message") == marker:
                seqs.append(message["params"]["seq"])
    except Exception as error:  # noqa: BLE001
        sink.append(("error", repr(error)))
        return
    sink.append(("ok", seqs))


# -- 1. fan-out to N subscribers -------------------------------------------------------------
subs = [subscriber() for _ in range(args.subscribers)]
results = []
threads = [threading.Thread(target=collect, args=(s, args.events, "fanout", results)) for s in subs]
for t in threads:
    t.start()
sender = plain()
started = time.monotonic()
for n in range(args.events):
    sender.send_json({"jsonrpc": "2.0", "method": "host.notify", "params": {"message": "fanout", "payload": {"n": n}}})
for t in threads:
    t.join(60)
elapsed = time.monotonic() - started
bad = [r for r in results if r[0] != "ok" or len(r[1]) != args.events or r[1] != sorted(r[1])]
if len(results) != args.subscribers or bad:
    fail(f"{len(bad)} of {args.subscribers} subscribers missed events or got them out of order: {str(bad[:2])[:300]}")
for s in subs + [sender]:
    s.close()
rate = args.events / elapsed
print(f"ok  {args.events} host events to {args.subscribers} subscribers, all received in seq order: "
      f"{rate:,.0f} events/s ({rate * args.subscribers:,.0f} deliveries/s)")

# -- 2. a stalled subscriber -----------------------------------------------------------------
time.sleep(0.5)
rss_before = rss_kib(args.pid)
fds_before = open_fds(args.pid)
stalled = subscriber(receive_buffer=4096)  # reads nothing from here on
reader = subscriber()
big = "x" * 16000  # under host state's 16 KiB payload cap (HostLimits.jsonBytes)
count = 6400  # 100 MiB: past the 64 MiB outbound bound of the stalled connection
received = []
reader_thread = threading.Thread(target=collect, args=(reader, count, "big", received))
reader_thread.start()
sender = plain()
started = time.monotonic()
for n in range(count):
    sender.send_json({"jsonrpc": "2.0", "method": "host.notify", "params": {"message": "big", "payload": {"blob": big}}})
reader_thread.join(120)
elapsed = time.monotonic() - started
if not received or received[0][0] != "ok" or len(received[0][1]) != count:
    fail(f"the reading subscriber did not get all {count} large events while another stalled: {str(received)[:200]}")
peak = rss_kib(args.pid)
for s in (reader, sender):
    s.close()
# The stalled connection must have been cut by the daemon: its descriptor is closed there even
# though this end never read nor closed (what the kernel still holds for it is not the
# daemon's memory).
deadline = time.monotonic() + 10
while time.monotonic() < deadline and open_fds(args.pid) > fds_before:
    time.sleep(0.1)
fds_after = open_fds(args.pid)
if fds_after > fds_before:
    fail(f"the stalled subscriber was never disconnected (daemon descriptors {fds_before} -> {fds_after})")
if peak - rss_before > 400 * 1024:
    fail(f"daemon RSS grew {(peak - rss_before) // 1024} MiB while a subscriber stalled")
stalled.close()
print(f"ok  a stalled subscriber: the reader got {count} 16 KB events in {elapsed:.1f}s, the stalled one was "
      f"disconnected, daemon RSS {rss_before // 1024} -> {peak // 1024} MiB at peak")
print("host_raw: ok")
