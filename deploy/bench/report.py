"""The benchmark's printed table and the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def machine() -> dict[str, Any]:
    """nproc, RAM and CPU model, as the README states them."""
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kib / 2**20, 1),
        "cpu_model": model,
        "python": platform.python_version(),
    }


def _f(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}"
    return f"{value}{unit}"


def phase_line(name: str, f: dict[str, Any]) -> str:
    c = f["capture_to_routed"]
    verdict = "kept up" if f["kept_up"] else "FELL BEHIND"
    return (
        f"  {name:14} offered {f['offered_rate']:6.0f}/s  accepted {f['accepted']:6}"
        f" ({f['accepted_per_second']:6.0f}/s)  routed {f['routed']:6}"
        f" ({_f(f.get('routed_per_second'))}/s)  capture→routed p50 {_f(c['p50_ms'])}"
        f" p95 {_f(c['p95_ms'])} p99 {_f(c['p99_ms'])} ms  growth {f['latency_growth_ms']} ms"
        f"  unplaced {f['unplaced_all_connections_busy']}  {verdict}"
    )


def _processes(title: str, processes: dict[str, Any]) -> list[str]:
    cells = "  ".join(
        f"{name} {p['cpu_percent']}%"
        + (f" ({p['cpu_ms_per_lead']} ms/lead)" if "cpu_ms_per_lead" in p else "")
        + f" {p['pss_mib']}M"
        for name, p in processes.items()
    )
    return [f"  {title:22} {cells}"]


def table(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "",
        f"Handoff benchmark — {m['nproc']} CPUs ({m['cpu_model']}), {m['ram_gib']} GiB RAM",
        "",
        "intake, closed loop (wrk, "
        f"{r['closed_loop']['connections']} connections, {r['closed_loop']['seconds']} s):",
    ]
    for name in ("baseline", "intake"):
        w = r["closed_loop"][name]
        label = "bare FastAPI + 1 INSERT" if name == "baseline" else "intake POST /v1/leads"
        lines.append(
            f"  {label:26} {w['requests_per_second']:7.0f} req/s  p50 {_f(w.get('latency_p50_ms'))}"
            f" ms  p99 {_f(w.get('latency_p99_ms'))} ms  non-2xx {w['non_2xx']}"
        )
    fixed = r["fixed_rate"]
    lines += ["", "pipeline (open loop; latency from an independent leads.routed consumer):"]
    lines.append(phase_line(f"fixed {fixed['offered_rate']:g}/s", fixed))
    for step in r["steps"]:
        lines.append(phase_line(f"step {step['offered_rate']:g}/s", step))
    lines.append(f"  sustained end to end: {_f(r['sustained_leads_per_second'])} leads/s")
    p = fixed["post_to_routed"]
    lines.append(
        f"  at {fixed['offered_rate']:g}/s, POST sent → routed seen: p50 {_f(p['p50_ms'])}"
        f" p95 {_f(p['p95_ms'])} p99 {_f(p['p99_ms'])} ms; intake HTTP p50"
        f" {_f(fixed['http_p50_ms'])} p99 {_f(fixed['http_p99_ms'])} ms"
    )
    k = r["kafka_roundtrip"]
    lines += [
        "",
        "kafka baseline (aiokafka produce → consume, acks=all, 1.5 kB):",
        f"  at {k['steady']['rate']:g}/s: p50 {_f(k['steady']['p50_ms'])} p95"
        f" {_f(k['steady']['p95_ms'])} p99 {_f(k['steady']['p99_ms'])} ms",
        f"  burst of {k['burst']['messages']}: produce {k['burst']['produce_per_second']}/s,"
        f" end to end {k['burst']['end_to_end_per_second']}/s",
        "",
        "CPU (% of one core, average) and peak memory (PSS) per process:",
    ]
    lines += _processes("closed loop (wrk)", r["closed_loop"]["processes"])
    lines += _processes(f"fixed {fixed['offered_rate']:g}/s", fixed["processes"])
    if r["steps"]:
        last_kept = [s for s in r["steps"] if s["kept_up"]] or r["steps"][:1]
        top = last_kept[-1]
        lines += _processes(f"step {top['offered_rate']:g}/s", top["processes"])
    return "\n".join(lines)
