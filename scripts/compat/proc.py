"""What the checks read about a running daemon from /proc: its resident memory and how many
descriptors it holds open (the growth and leak checks compare these)."""
import os


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))
