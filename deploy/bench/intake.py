"""Closed-loop capacity with wrk: intake's accepted leads/s beside the bare baseline.

wrk keeps ``connections`` requests in flight and sends the next as soon as one is answered,
so it measures the most a server accepts, not its latency at a given rate (``driver.py``
does that). Both servers get the same concurrency and the same lead bodies.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any

LUA = """
local thread_id = 0
local counter = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"contact":{"email":"bench-%s-%d-%d@example.com","job_title":"CTO"},'
    .. '"company":{"size":250,"country":"GB"},"interest":{"form_type":"demo_request"},'
    .. '"attribution":{"channel":"paid_search","campaign_id":"bench"}}', RUN, tid, counter)
  return wrk.format("POST", nil, HEADERS, body)
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is required (Debian: apt-get install wrk)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk did not install")


def run_wrk(
    wrk: str, url: str, headers: dict[str, str], *, seconds: int, connections: int, run: str
) -> dict[str, Any]:
    lua_headers = "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in headers.items()) + "}"
    script = f'RUN = "{run}"\nHEADERS = {lua_headers}\n' + LUA
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        os.unlink(f.name)
    figures: dict[str, Any] = {
        "requests_per_second": _number(r"Requests/sec:\s+([\d.]+)", out),
        "requests": int(_number(r"(\d+) requests in", out)),
        "non_2xx": int(_number(r"Non-2xx or 3xx responses: (\d+)", out, default=0)),
    }
    for pct in ("50", "90", "99"):
        match = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)", out)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            figures[f"latency_p{pct}_ms"] = value * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return figures


def _number(pattern: str, text: str, default: float | None = None) -> float:
    match = re.search(pattern, text)
    if match is None:
        if default is None:
            raise RuntimeError(f"wrk printed no {pattern!r}:\n{text}")
        return default
    return float(match.group(1))


def closed_loop(
    intake_port: int, baseline_port: int, key: str, *, seconds: int, connections: int
) -> dict[str, Any]:
    """wrk against the baseline, then intake, after a short warm-up of each."""
    wrk = ensure_wrk()
    run = os.urandom(4).hex()
    json_headers = {"Content-Type": "application/json"}
    auth = json_headers | {"Authorization": f"Bearer {key}"}
    targets = {
        "baseline": (f"http://127.0.0.1:{baseline_port}/leads", json_headers),
        "intake": (f"http://127.0.0.1:{intake_port}/v1/leads", auth),
    }
    for url, headers in targets.values():
        run_wrk(wrk, url, headers, seconds=2, connections=4, run="warm" + run)
    results: dict[str, Any] = {"connections": connections, "seconds": seconds}
    for name, (url, headers) in targets.items():
        results[name] = run_wrk(
            wrk, url, headers, seconds=seconds, connections=connections, run=run
        )
    return results
