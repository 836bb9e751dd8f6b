"""SIGTERM right after start leaves nothing behind (issue 9, item 9: signal handlers are
installed before any token file is written; every startup path withdraws the tokens).

20 times: start a daemon (auth on, its own CAR_HOME, Unix socket on), send SIGTERM 0-50 ms
later (half of them within the first 5 ms, where startup writes its files), and require:
it exits within 5 s, with status 0 or killed by that SIGTERM before it installed its handler
(nothing written yet), and neither token file nor the Unix socket is left behind."""
import os
import random
import shutil
import signal
import subprocess
import time
import collections

from _common import BIN, LOGS, fail, free_port, ok, scratch_dir

ROUNDS = 20
rng = random.Random(9)
outcomes = collections.Counter()
for n in range(ROUNDS):
    home = scratch_dir("car-hostile-term.")
    port = free_port()
    delay = rng.uniform(0, 0.005) if n % 2 == 0 else rng.uniform(0.005, 0.05)
    with open(os.path.join(LOGS, f"sigterm_at_start-{os.getpid()}-{n}.log"), "ab") as log:
        process = subprocess.Popen([BIN, "--port", str(port), "--log-level", "info"],
                                   env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "CAR_HOME": home},
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(delay)
        process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
            fail(f"round {n}: still running 5 s after SIGTERM sent {delay * 1000:.1f} ms after start")
    left = [os.path.relpath(os.path.join(d, f), home) for d, _, files in os.walk(home) for f in files
            if f in ("auth-token", "host-token") or f.endswith(".sock") or ".tmp-" in f]
    if left:
        fail(f"round {n}: SIGTERM {delay * 1000:.1f} ms after start (exit {status}) left {left} behind")
    if status == -signal.SIGTERM:
        outcomes["killed by SIGTERM before its handler (nothing written)"] += 1
    elif status == 0:
        outcomes["exit 0"] += 1
    else:
        fail(f"round {n}: SIGTERM {delay * 1000:.1f} ms after start gave exit status {status}")
    shutil.rmtree(home, ignore_errors=True)
ok(f"{ROUNDS} starts with SIGTERM 0-50 ms later: "
   + ", ".join(f"{what} x{count}" for what, count in sorted(outcomes.items()))
   + "; no token file, host token or socket left behind")
