"""CPU and memory of the stack's processes, read from /proc by the pids the stack recorded.

A service counts with its descendants (uvicorn workers), PostgreSQL as the postmaster and
every backend it forked, so "postgres" is the database's whole cost.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _tree(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, todo = [], [pid]
    for _ in range(10_000):
        if not todo:
            break
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def _pss(pid: int) -> int:
    """Proportional set size: shared pages divided among their sharers, so PostgreSQL's
    shared buffers count once over all its backends, not once per backend."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def _usage(pids: list[int]) -> tuple[float, int]:
    """CPU seconds (user + system) and proportional memory in bytes, summed over ``pids``."""
    cpu, memory = 0.0, 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            memory += _pss(pid)
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / TICKS
    return cpu, memory


def stack_pids(state_dir: Path, names: tuple[str, ...]) -> dict[str, int]:
    """The recorded pid of each component of a stack.py state dir, and the postmaster's."""
    pids: dict[str, int] = {}
    for name in names:
        path = state_dir / "pids" / f"{name}.json"
        if path.exists():
            pids[name] = int(json.loads(path.read_text())["pid"])
    postmaster = state_dir / "pg" / "postmaster.pid"
    if postmaster.exists():
        pids["postgres"] = int(postmaster.read_text().split()[0])
    return pids


@dataclass
class Sample:
    at: float
    usage: dict[str, tuple[float, int]]


class ProcessMeter:
    """CPU % (of one core) and peak PSS of named process trees between ``start`` and ``stop``."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.first: Sample | None = None
        self.peak_pss: dict[str, int] = {}

    def sample(self) -> Sample:
        children = _children()
        usage = {name: _usage(_tree(pid, children)) for name, pid in self.roots.items()}
        for name, (_, rss) in usage.items():
            self.peak_pss[name] = max(self.peak_pss.get(name, 0), rss)
        return Sample(time.monotonic(), usage)

    def start(self) -> None:
        self.peak_pss = {}
        self.first = self.sample()

    def stop(self) -> dict[str, Any]:
        """Per process: average CPU % of one core over the interval, and peak PSS in MiB."""
        assert self.first is not None
        last = self.sample()
        span = max(last.at - self.first.at, 1e-6)
        return {
            name: {
                "cpu_seconds": round(last.usage[name][0] - self.first.usage[name][0], 2),
                "cpu_percent": round(
                    100 * (last.usage[name][0] - self.first.usage[name][0]) / span
                ),
                "pss_mib": round(self.peak_pss[name] / 2**20),
            }
            for name in self.roots
            if name in self.first.usage
        }
