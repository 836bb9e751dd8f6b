"""The anchor for the a2ui.apply figure: the official validator (a2ui-agent-sdk 0.9.0,
validate_payload with the v0.9 basic catalog) checking the same 200-component updateComponents
message car-bench a2ui sends, in-process, for an existing surface. Prints one line."""
import time

from a2ui.core.basic_catalog import BasicCatalog
from a2ui.utils.validation import validate_payload

CATALOGS = [BasicCatalog("v0.9")]
ROUNDS = 200


def message(round_):
    components = [{"id": "root", "component": "Column", "children": [f"t{i}" for i in range(1, 200)]}]
    components += [{"id": f"t{i}", "component": "Text", "text": f"row {i}, update {round_}",
                    "variant": "h3" if i % 10 == 0 else "body"} for i in range(1, 200)]
    return {"version": "v0.9", "updateComponents": {"surfaceId": "s", "components": components}}


samples = []
for r in range(ROUNDS):
    m = message(r)
    started = time.perf_counter()
    validate_payload(CATALOGS, [m], surface_catalog_ids={"s": CATALOGS[0].catalog_id})
    samples.append((time.perf_counter() - started) * 1e6)
samples.sort()
p50, p99 = samples[len(samples) // 2], samples[min(len(samples) - 1, int(len(samples) * 0.99))]
print(f"anchor: a2ui-agent-sdk validate_payload, same message, in-process: p50 {p50:.1f} us, p99 {p99:.1f} us ({ROUNDS} calls)")
