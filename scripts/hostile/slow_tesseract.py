"""A slow OCR run does not stall other clients (issue 9, item 1: subprocesses and their pipes
go to the blocking pool). Before the fix vision.ocr blocked the single event-loop thread while
tesseract ran: every other client waited.

A daemon of its own runs with --no-approvals (so vision.ocr runs without a person) and a fake
`tesseract` first on its PATH: a shell script that sleeps 5 s, then prints a minimal TSV with
one word. One connection calls vision.ocr; another pings every 10 ms for the whole run. The
ping p99 must stay under 50 ms, and the OCR call must return the fake's word."""
import os
import stat
import threading
import time

from _common import Daemon, authed, fail, note, ok, scratch_dir

SLEEP = 5
P99_LIMIT_MS = 50

fake = scratch_dir("car-hostile-ocr.")
script = os.path.join(fake, "tesseract")
with open(script, "w", encoding="ascii") as f:
    f.write(f"""#!/bin/sh
# A slow stand-in for tesseract IMAGE stdout [-l LANG] tsv
sleep {SLEEP}
printf 'level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext\\n'
printf '1\\t1\\t0\\t0\\t0\\t0\\t0\\t0\\t200\\t100\\t-1\\t\\n'
printf '5\\t1\\t1\\t1\\t1\\t1\\t20\\t30\\t60\\t20\\t96.5\\thostile\\n'
""")
os.chmod(script, os.stat(script).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
image = os.path.join(fake, "image.png")
with open(image, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n not really an image; the fake does not read it")

daemon = Daemon(args=["--no-approvals"], env={"PATH": f"{fake}:{os.environ.get('PATH', '/usr/bin:/bin')}"},
                label="slow-tesseract")
ocr = authed(daemon.port, daemon.token, timeout=30)
pinger = authed(daemon.port, daemon.token)
outcome = {}


def run_ocr():
    t0 = time.monotonic()
    try:
        outcome["reply"] = ocr.call(9, "vision.ocr", {"image_path": image}, timeout=SLEEP + 20)
    except Exception as error:  # noqa: BLE001
        outcome["error"] = repr(error)
    outcome["seconds"] = time.monotonic() - t0


thread = threading.Thread(target=run_ocr)
started = time.monotonic()
thread.start()
latencies = []
n = 0
while thread.is_alive() and time.monotonic() - started < SLEEP + 20:
    t0 = time.monotonic()
    try:
        reply = pinger.call(n, "server.ping", timeout=SLEEP + 10)
    except Exception as error:  # noqa: BLE001
        fail(f"a ping during the OCR run failed: {error!r}")
    latencies.append((time.monotonic() - t0) * 1000)
    if reply.get("result") != {}:
        fail(f"server.ping answered {reply}")
    n += 1
    time.sleep(max(0.0, 0.010 - (time.monotonic() - t0)))
thread.join(5)
if thread.is_alive():
    fail("vision.ocr did not answer within the bound")
if "error" in outcome:
    fail(f"vision.ocr failed: {outcome['error']}")
reply = outcome["reply"]
words = [o.get("text") for o in reply.get("result", {}).get("observations", [])]
if reply.get("result", {}).get("available") is not True or words != ["hostile"]:
    fail(f"vision.ocr with the fake tesseract answered {str(reply)[:300]}")
if outcome["seconds"] < SLEEP - 0.5:
    fail(f"vision.ocr answered after {outcome['seconds']:.1f} s: the fake tesseract (sleep {SLEEP}) did not run")
latencies.sort()
p50 = latencies[len(latencies) // 2]
p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
summary = (f"{len(latencies)} pings during a {outcome['seconds']:.1f} s vision.ocr: p50 {p50:.2f} ms, "
           f"p99 {p99:.2f} ms, max {latencies[-1]:.1f} ms")
if len(latencies) < 50:
    fail(f"only {len(latencies)} pings completed during the OCR run (the loop was blocked): {summary}")
if p99 >= P99_LIMIT_MS:
    fail(f"ping p99 {p99:.1f} ms >= {P99_LIMIT_MS} ms while tesseract ran: {summary}")
ok(summary)
ok(f"vision.ocr returned the fake's word {words}")
note(f"fake tesseract: {script}")
status = daemon.stop()
if status != 0:
    fail(f"SIGTERM: exit status {status}")
