#!/usr/bin/env python3
"""Local Handoff stack without Docker: a real Kafka broker (jars from Maven Central), a private
PostgreSQL cluster and the four services, all as plain processes under one state directory.

    python deploy/local/stack.py up      [--state-dir D] [--kafka-port 9092] [--pg-port 5433] ...
    python deploy/local/stack.py down    [--state-dir D] [--purge]
    python deploy/local/stack.py status  [--state-dir D] [--json]
    python deploy/local/stack.py env     [--state-dir D]

Every command is idempotent. Several stacks run side by side as long as their state
directories and ports differ. The functions below (``up``, ``down``, ``start_kafka``,
``stop_kafka``, ``start_postgres``, ``stop_postgres``, ``start_services``, ``stop_services``,
``status``) can be imported by test fixtures; they raise ``StackError`` on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import errno
import fcntl
import importlib
import importlib.util
import json
import logging
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
KAFKA_DIR = HERE / "kafka"
DEFAULT_STATE_DIR = REPO_ROOT / ".local" / "stack"
CACHE_DIR = REPO_ROOT / ".cache"

DEFAULT_KAFKA_VERSION = "4.1.2"
FALLBACK_KAFKA_VERSION = "3.9.2"
DEFAULT_KAFKA_PORT = 9092
DEFAULT_KAFKA_CONTROLLER_PORT = 9093
DEFAULT_PG_PORT = 5433
DEFAULT_SERVICE_PORT_BASE = 8001
SERVICES: tuple[str, ...] = ("intake", "scoring", "routing", "feedback")

KAFKA_HEAP = "512m"
KAFKA_JVM_FLAGS: tuple[str, ...] = (
    f"-Xms{KAFKA_HEAP}",
    f"-Xmx{KAFKA_HEAP}",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
KAFKA_READY_LINE = "Kafka Server started"
KAFKA_READY_TIMEOUT = 90.0
KAFKA_STOP_TIMEOUT = 30.0
SERVICE_READY_TIMEOUT = 60.0
SERVICE_STOP_TIMEOUT = 15.0
PG_START_TIMEOUT = 60
LOCK_TIMEOUT = 600.0
MAVEN_TIMEOUT = 900.0
APT_TIMEOUT = 1200.0
LOG_TAIL_LINES = 40
# sockaddr_un.sun_path is 108 bytes including the terminating NUL.
UNIX_SOCKET_PATH_MAX = 107

PG_ROLE = "handoff"
PG_DATABASE = "handoff"
PG_SUPERUSER = "postgres"
PG_SYSTEM_USER = "postgres"


class StackError(RuntimeError):
    """A stack operation failed; the message says what to do about it."""


def say(message: str) -> None:
    """Progress for humans; stdout stays free for `env` output, so this goes to stderr."""
    print(f"[stack] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Configuration and state layout
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StackConfig:
    """Ports and choices of one stack; persisted in <state>/stack.json so later commands agree."""

    state_dir: Path = DEFAULT_STATE_DIR
    kafka_port: int = DEFAULT_KAFKA_PORT
    kafka_controller_port: int = DEFAULT_KAFKA_CONTROLLER_PORT
    pg_port: int = DEFAULT_PG_PORT
    service_port_base: int = DEFAULT_SERVICE_PORT_BASE
    services: tuple[str, ...] = ()
    kafka_version: str = DEFAULT_KAFKA_VERSION

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def local_database_url(self) -> str:
        return f"postgresql+asyncpg://{PG_ROLE}@127.0.0.1:{self.pg_port}/{PG_DATABASE}"

    def service_port(self, name: str) -> int:
        """Ports follow the fixed order intake, scoring, routing, feedback from the base."""
        return self.service_port_base + SERVICES.index(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "kafka_port": self.kafka_port,
            "kafka_controller_port": self.kafka_controller_port,
            "pg_port": self.pg_port,
            "service_port_base": self.service_port_base,
            "services": list(self.services),
            "kafka_version": self.kafka_version,
        }


class Layout:
    """Where everything of one stack lives under its state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir.resolve()
        self.stack_json = self.root / "stack.json"
        self.lock = self.root / ".lock"
        self.logs = self.root / "logs"
        self.pids = self.root / "pids"
        self.kafka = self.root / "kafka"
        self.kafka_data = self.kafka / "data"
        self.kafka_properties = self.kafka / "server.properties"
        self.kafka_cluster_id = self.kafka / "cluster.id"
        self.kafka_log = self.logs / "kafka.log"
        self.pg_data = self.root / "pg"
        self.pg_socket_dir = self.root / "pg-run"
        self.pg_log = self.logs / "postgres.log"

    def pid_file(self, component: str) -> Path:
        return self.pids / f"{component}.json"

    def service_log(self, name: str) -> Path:
        return self.logs / f"{name}.log"


def load_recorded(state_dir: Path) -> dict[str, Any]:
    """The stack.json of a state dir, or {} when the stack was never brought up there."""
    path = Layout(state_dir).stack_json
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StackError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise StackError(f"{path} is not a JSON object")
    return data


def config_from_recorded(state_dir: Path) -> StackConfig:
    """The config last used in a state dir (defaults where nothing was recorded)."""
    rec = load_recorded(state_dir)
    return StackConfig(
        state_dir=state_dir,
        kafka_port=int(rec.get("kafka_port", DEFAULT_KAFKA_PORT)),
        kafka_controller_port=int(rec.get("kafka_controller_port", DEFAULT_KAFKA_CONTROLLER_PORT)),
        pg_port=int(rec.get("pg_port", DEFAULT_PG_PORT)),
        service_port_base=int(rec.get("service_port_base", DEFAULT_SERVICE_PORT_BASE)),
        services=tuple(rec.get("services", ())),
        kafka_version=str(rec.get("kafka_version", DEFAULT_KAFKA_VERSION)),
    )


def write_recorded(cfg: StackConfig, **extra: Any) -> None:
    """Record the config atomically so a concurrent reader never sees half a file."""
    layout = Layout(cfg.state_dir)
    data = {**load_recorded(cfg.state_dir), **cfg.to_json(), **extra}
    tmp = layout.stack_json.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, layout.stack_json)


def ensure_state_dir(state_dir: Path) -> Layout:
    """Create the state layout; 0755 so the postgres user can traverse it when we are root."""
    layout = Layout(state_dir)
    for path in (layout.root, layout.logs, layout.pids, layout.kafka):
        path.mkdir(parents=True, exist_ok=True)
    layout.root.chmod(0o755)
    layout.logs.chmod(0o755)
    return layout


@contextlib.contextmanager
def state_lock(state_dir: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Serialise up/down on one state dir so two invocations never race each other."""
    layout = Layout(state_dir)
    layout.root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(layout.lock, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StackError(
                        f"another stack.py command holds {layout.lock} for over {timeout:.0f}s"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------
# Processes: recorded pids, identity checks, signalling
# --------------------------------------------------------------------------------------------


def _proc_start_time(pid: int) -> int | None:
    """Kernel start time of a pid (clock ticks since boot): with the pid it identifies a process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = raw[raw.rfind(")") + 2 :].split()
    state, start = fields[0], fields[19]
    if state in ("Z", "X"):
        return None
    return int(start)


def _proc_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def record_pid(layout: Layout, component: str, pid: int, markers: Sequence[str]) -> None:
    """Remember a started process with what its cmdline must contain, for safe signalling."""
    data = {"pid": pid, "start_time": _proc_start_time(pid), "markers": list(markers)}
    path = layout.pid_file(component)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data) + "\n")
    os.replace(tmp, path)


def live_pid(layout: Layout, component: str) -> int | None:
    """The recorded pid if that exact process still runs (same start time and cmdline), else
    None; a stale pid file is removed so pid reuse can never make us signal a stranger."""
    path = layout.pid_file(component)
    try:
        data = json.loads(path.read_text())
        pid = int(data["pid"])
        recorded_start = data.get("start_time")
        markers = [str(m) for m in data.get("markers", [])]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        return None
    start = _proc_start_time(pid)
    cmdline = _proc_cmdline(pid)
    alive = (
        start is not None
        and (recorded_start is None or start == recorded_start)
        and bool(cmdline)
        and all(marker in cmdline for marker in markers)
    )
    if not alive:
        path.unlink(missing_ok=True)
        return None
    return pid


# Processes this interpreter started and that outlive the call (Kafka, services). Holding the
# Popen objects keeps them from warning "subprocess is still running" when garbage-collected
# (fatal under pytest's filterwarnings=error) and lets a later stop in the same process reap them.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _spawn_detached(
    cmd: Sequence[str], log: Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running process in its own session with stdout+stderr appended to ``log``,
    so it survives this command and terminal signals do not reach it."""
    with open(log, "ab") as handle:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc


def _reap(pid: int) -> None:
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        del _CHILDREN[pid]


def _wait_gone(pid: int, start_time: int | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        current = _proc_start_time(pid)
        if current is None or (start_time is not None and current != start_time):
            return True
        time.sleep(0.2)
    _reap(pid)
    current = _proc_start_time(pid)
    return current is None or (start_time is not None and current != start_time)


def stop_recorded(layout: Layout, component: str, timeout: float) -> bool:
    """SIGTERM a recorded, verified process, wait, then SIGKILL; returns whether one was running."""
    pid = live_pid(layout, component)
    if pid is None:
        return False
    start_time = _proc_start_time(pid)
    say(f"stopping {component} (pid {pid})")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, start_time, timeout):
        say(f"{component} (pid {pid}) still running after {timeout:.0f}s: sending SIGKILL")
        # Re-verify identity right before the kill: never signal a reused pid.
        if live_pid(layout, component) == pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not _wait_gone(pid, start_time, 10.0):
            raise StackError(f"{component} (pid {pid}) survived SIGKILL")
    layout.pid_file(component).unlink(missing_ok=True)
    return True


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Last lines of a log, for error messages."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            text = handle.read().decode(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on host:port, checked by binding like the server will."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def require_free_ports(what: str, ports: Sequence[int]) -> None:
    busy = [p for p in ports if not port_free(p)]
    if busy:
        raise StackError(
            f"cannot start {what}: port(s) {', '.join(map(str, busy))} on 127.0.0.1 already in "
            "use (another stack? pick other ports or run `stack.py down` for that state dir)"
        )


def run(
    cmd: Sequence[str],
    *,
    timeout: float,
    what: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a short command with a bound, raising StackError with its output on failure."""
    try:
        result = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise StackError(f"{what}: {cmd[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{what}: timed out after {timeout:.0f}s: {' '.join(cmd)}") from exc
    if check and result.returncode != 0:
        output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr).strip()
        raise StackError(
            f"{what} failed (exit {result.returncode}): {' '.join(cmd)}\n{output[-4000:]}"
        )
    return result


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: Sequence[str], why: str) -> None:
    """Install Debian packages, only as root (the machines have apt but maybe not the tools)."""
    if not is_root():
        raise StackError(
            f"{why}; install {' '.join(packages)} (e.g. `sudo apt-get install -y "
            f"{' '.join(packages)}`) or run this as root"
        )
    say(f"{why}: installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update"], timeout=APT_TIMEOUT, what="apt-get update", env=env)
    run(
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
        timeout=APT_TIMEOUT,
        what=f"apt-get install {' '.join(packages)}",
        env=env,
    )


# --------------------------------------------------------------------------------------------
# Kafka
# --------------------------------------------------------------------------------------------


def _java_major(java: str) -> int | None:
    try:
        result = run([java, "-version"], timeout=30, what="java -version", check=False)
    except StackError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java(min_major: int = 17) -> str:
    """A java binary of at least ``min_major`` (Kafka 4.x needs 17), installing it if allowed."""

    def candidates() -> list[str]:
        found = []
        if os.environ.get("JAVA_HOME"):
            found.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
        which = shutil.which("java")
        if which:
            found.append(which)
        found.extend(sorted(map(str, Path("/usr/lib/jvm").glob("*/bin/java")), reverse=True))
        return found

    for attempt in range(2):
        for java in candidates():
            major = _java_major(java)
            if major is not None and major >= min_major:
                return java
        if attempt == 0:
            apt_install(["openjdk-17-jre-headless"], f"no Java {min_major}+ found")
    raise StackError(f"no Java {min_major}+ found even after installing openjdk-17-jre-headless")


def find_mvn() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        apt_install(["maven"], "mvn not found")
        mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError("mvn not found even after installing maven")
    return mvn


def kafka_libs_dir(version: str) -> Path:
    return CACHE_DIR / f"kafka-{version}" / "libs"


def resolve_kafka_jars(version: str = DEFAULT_KAFKA_VERSION) -> Path:
    """The broker classpath dir, shared by all state dirs; resolved with Maven only when missing,
    into a temp dir renamed into place, so a half-finished download is never used."""
    libs = kafka_libs_dir(version)
    marker = libs / f"kafka_2.13-{version}.jar"
    if marker.is_file():
        return libs
    mvn = find_mvn()
    find_java()  # Maven itself needs a JVM.
    libs.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="libs.tmp-", dir=libs.parent))
    try:
        say(f"resolving Kafka {version} jars with Maven into {libs} (first run only)")
        started = time.monotonic()
        run(
            [
                mvn,
                "-B",
                "-q",
                "-Dstyle.color=never",
                "-f",
                str(KAFKA_DIR / "pom.xml"),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={tmp}",
                "-DincludeScope=runtime",
                f"-Dkafka.version={version}",
            ],
            timeout=MAVEN_TIMEOUT,
            what=f"Maven resolution of the Kafka {version} jars (needs Maven Central or ~/.m2)",
            cwd=KAFKA_DIR,
        )
        if not (tmp / marker.name).is_file():
            raise StackError(f"Maven finished but {marker.name} is missing from the classpath")
        tmp.chmod(0o755)
        try:
            os.rename(tmp, libs)
        except OSError:
            # Another stack resolved the same version concurrently: use theirs.
            if not marker.is_file():
                raise
        say(f"Kafka jars ready in {time.monotonic() - started:.1f}s")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        with contextlib.suppress(OSError):
            libs.parent.rmdir()  # Only succeeds when empty, i.e. resolution failed.
    return libs


def new_cluster_id() -> str:
    """Kafka's format: URL-safe base64 of a UUID4's 16 bytes, unpadded, not starting with '-'."""
    for _ in range(100):
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid
    raise StackError("could not generate a Kafka cluster id")  # pragma: no cover


def render_kafka_properties(cfg: StackConfig) -> Path:
    """Write <state>/kafka/server.properties from the template (rewritten on every start)."""
    layout = Layout(cfg.state_dir)
    template = string.Template((KAFKA_DIR / "server.properties.template").read_text())
    text = template.substitute(
        kafka_port=cfg.kafka_port,
        controller_port=cfg.kafka_controller_port,
        log_dirs=str(layout.kafka_data),
    )
    layout.kafka_properties.write_text(text)
    return layout.kafka_properties


def _kafka_java_cmd(java: str, libs: Path, layout: Layout, *args: str) -> list[str]:
    return [
        java,
        *KAFKA_JVM_FLAGS,
        f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={layout.logs}",
        "-cp",
        f"{libs}/*",
        *args,
    ]


def format_kafka_storage(cfg: StackConfig, java: str, libs: Path) -> None:
    """Format the KRaft log dir once, with a cluster id kept in the state dir."""
    layout = Layout(cfg.state_dir)
    if (layout.kafka_data / "meta.properties").is_file():
        return
    if layout.kafka_cluster_id.is_file():
        cluster_id = layout.kafka_cluster_id.read_text().strip()
    else:
        cluster_id = new_cluster_id()
        layout.kafka_cluster_id.write_text(cluster_id + "\n")
    say(f"formatting Kafka storage (cluster id {cluster_id})")
    run(
        _kafka_java_cmd(
            java,
            libs,
            layout,
            "kafka.tools.StorageTool",
            "format",
            f"--cluster-id={cluster_id}",
            "-c",
            str(layout.kafka_properties),
            "--ignore-formatted",
        ),
        timeout=120,
        what="Kafka storage format",
    )


def _wait_for_log_line(
    proc: subprocess.Popen[bytes], log: Path, offset: int, needle: str, deadline: float
) -> None:
    """Wait for ``needle`` in the part of the log written after ``offset``, or for the process
    to die (then fail fast with the log tail)."""
    seen = ""
    while time.monotonic() < deadline:
        with open(log, "rb") as handle:
            handle.seek(offset)
            raw = handle.read()
        if raw:
            offset += len(raw)
            seen = (seen + raw.decode(errors="replace"))[-8192:]
            if needle in seen:
                return
        if proc.poll() is not None:
            raise StackError(
                f"Kafka exited with code {proc.returncode} during start-up; last lines of "
                f"{log}:\n{tail(log)}"
            )
        time.sleep(0.25)
    raise StackError(f"no '{needle}' in {log} in time; last lines:\n{tail(log)}")


def load_repo_module(dotted: str) -> Any:
    """Import a repo module; when its package's __init__ needs libraries this interpreter lacks
    (stack.py itself needs only stdlib + aiokafka), load the module straight from its file."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        return importlib.import_module(dotted)
    except ImportError as first:
        path = REPO_ROOT.joinpath(*dotted.split(".")).with_suffix(".py")
        name = "_handoff_stack_" + dotted.replace(".", "_")
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise StackError(f"cannot import {dotted}: {first}") from first
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is built
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise StackError(f"cannot import {dotted}: {first}; loading {path}: {exc}") from exc
        return module


def project_topics() -> tuple[Any, ...]:
    """The project's topic specs, from the one place they are named (shared/events/topics.py)."""
    return tuple(load_repo_module("shared.events.topics").TOPICS)


def start_kafka(cfg: StackConfig) -> None:
    """Start (or adopt an already running) broker for this state dir, wait until it answers
    metadata requests, and create the project's topics."""
    layout = ensure_state_dir(cfg.state_dir)
    pid = live_pid(layout, "kafka")
    if pid is not None:
        say(f"Kafka already running (pid {pid}) on {cfg.bootstrap}")
        deadline = time.monotonic() + KAFKA_READY_TIMEOUT
    else:
        require_free_ports("Kafka", [cfg.kafka_port, cfg.kafka_controller_port])
        libs = resolve_kafka_jars(cfg.kafka_version)
        java = find_java()
        layout.kafka_data.mkdir(parents=True, exist_ok=True)
        props = render_kafka_properties(cfg)
        format_kafka_storage(cfg, java, libs)
        cmd = _kafka_java_cmd(java, libs, layout, "kafka.Kafka", str(props))
        with open(layout.kafka_log, "ab") as log:
            log.write(f"\n===== stack.py starting Kafka {time.ctime()} =====\n".encode())
            offset = log.tell()
        say(f"starting Kafka {cfg.kafka_version} on {cfg.bootstrap} (log {layout.kafka_log})")
        proc = _spawn_detached(cmd, layout.kafka_log)
        record_pid(layout, "kafka", proc.pid, ["kafka.Kafka", str(props)])
        deadline = time.monotonic() + KAFKA_READY_TIMEOUT
        started = time.monotonic()
        try:
            _wait_for_log_line(proc, layout.kafka_log, offset, KAFKA_READY_LINE, deadline)
        except StackError:
            stop_recorded(layout, "kafka", KAFKA_STOP_TIMEOUT)
            raise
        say(f"Kafka logged '{KAFKA_READY_LINE}' after {time.monotonic() - started:.1f}s")

    topics = project_topics()
    admin = load_repo_module("shared.kafka.admin")

    remaining = max(5.0, deadline - time.monotonic())
    try:
        asyncio.run(admin.wait_until_ready(cfg.bootstrap, timeout=remaining))
        created: list[str] = asyncio.run(admin.ensure_topics(cfg.bootstrap, topics))
    except Exception as exc:
        raise StackError(
            f"Kafka on {cfg.bootstrap} is not usable: {exc}\nlast lines of {layout.kafka_log}:\n"
            f"{tail(layout.kafka_log)}"
        ) from exc
    say(
        f"Kafka ready; topics: {len(created)} created, {len(topics) - len(created)} already present"
    )


def stop_kafka(state_dir: Path) -> bool:
    """Controlled shutdown (SIGTERM) of this state dir's broker; SIGKILL after 30 s."""
    return stop_recorded(Layout(state_dir), "kafka", KAFKA_STOP_TIMEOUT)


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _pg_version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def find_pg_bin() -> Path:
    """Debian's server binaries (/usr/lib/postgresql/<ver>/bin, newest wins), installing them
    when allowed."""

    def lookup() -> Path | None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_pg_version_key)
        if found:
            return found[-1].parent
        initdb = shutil.which("initdb")
        return Path(initdb).parent if initdb else None

    bindir = lookup()
    if bindir is None:
        apt_install(["postgresql"], "no PostgreSQL server binaries (initdb) found")
        bindir = lookup()
    if bindir is None:
        raise StackError("initdb not found even after installing postgresql")
    return bindir


def _as_pg_user(cmd: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as the postgres system user."""
    if not is_root():
        return list(cmd)
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", PG_SYSTEM_USER, "--", *cmd]


def _chown_to_pg_user(*paths: Path) -> None:
    if not is_root():
        return
    for path in paths:
        shutil.chown(path, user=PG_SYSTEM_USER, group=None)
        if path.is_dir():
            for child in path.rglob("*"):
                shutil.chown(child, user=PG_SYSTEM_USER, group=None)


def _check_pg_user_access(layout: Layout) -> None:
    """Fail clearly if the postgres user cannot reach the state dir (a parent not traversable)."""
    if not is_root():
        return
    try:
        import pwd

        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        raise StackError(
            f"running as root but there is no '{PG_SYSTEM_USER}' system user to run PostgreSQL "
            "(install the postgresql package, or run as a normal user)"
        ) from None
    result = run(
        _as_pg_user(["test", "-w", str(layout.pg_socket_dir)]),
        timeout=30,
        what="access check",
        check=False,
    )
    if result.returncode != 0:
        raise StackError(
            f"the '{PG_SYSTEM_USER}' user cannot reach {layout.pg_socket_dir}: every parent "
            f"directory of {layout.root} must be traversable by it (chmod o+x), or pick "
            "another --state-dir"
        )


def pg_running(state_dir: Path) -> bool:
    """Whether this state dir's PostgreSQL runs (pg_ctl status on its data dir)."""
    layout = Layout(state_dir)
    if not (layout.pg_data / "PG_VERSION").is_file():
        return False
    bindir = find_pg_bin()
    result = run(
        _as_pg_user([str(bindir / "pg_ctl"), "status", "-D", str(layout.pg_data)]),
        timeout=30,
        what="pg_ctl status",
        check=False,
    )
    return result.returncode == 0


def _write_pg_settings(cfg: StackConfig, layout: Layout) -> None:
    """Our settings live in handoff.conf, included from postgresql.conf and rewritten each start
    so the port always follows stack.json."""
    conf = layout.pg_data / "postgresql.conf"
    include = "include_if_exists = 'handoff.conf'"
    text = conf.read_text()
    if include not in text:
        conf.write_text(
            text.rstrip("\n") + "\n\n# Added by deploy/local/stack.py\n" + include + "\n"
        )
    settings = layout.pg_data / "handoff.conf"
    settings.write_text(
        "# Written by deploy/local/stack.py on every `up`; edits are overwritten.\n"
        "listen_addresses = '127.0.0.1'\n"
        f"port = {cfg.pg_port}\n"
        f"unix_socket_directories = '{layout.pg_socket_dir}'\n"
        "fsync = on\n"
        "max_connections = 200\n"
        "log_min_messages = warning\n"
        "log_line_prefix = '%m [%p] '\n"
    )
    _chown_to_pg_user(conf, settings)


def _init_pg_cluster(bindir: Path, layout: Layout) -> None:
    """initdb into a temp dir renamed into place, so an interrupted initdb is never reused."""
    tmp = layout.root / "pg.init-tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(mode=0o700)
    _chown_to_pg_user(tmp)
    say(f"initialising PostgreSQL cluster in {layout.pg_data}")
    run(
        _as_pg_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(tmp),
                "--auth=trust",
                f"--username={PG_SUPERUSER}",
                "--encoding=UTF8",
                "--no-locale",
            ]
        ),
        timeout=180,
        what="initdb",
    )
    os.rename(tmp, layout.pg_data)


def _psql(bindir: Path, port: int, sql: str, database: str = "postgres") -> str:
    psql = bindir / "psql"
    cmd = [
        str(psql if psql.exists() else "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-U",
        PG_SUPERUSER,
        "-d",
        database,
        "-v",
        "ON_ERROR_STOP=1",
        "-tAc",
        sql,
    ]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    env.pop("PGPASSWORD", None)
    return run(cmd, timeout=60, what="psql", env=env).stdout.strip()


def start_postgres(cfg: StackConfig) -> str:
    """Start (or adopt) this state dir's PostgreSQL on 127.0.0.1:<pg-port>, make sure role and
    database 'handoff' exist, and return the services' DATABASE_URL."""
    layout = ensure_state_dir(cfg.state_dir)
    socket_path_len = len(str(layout.pg_socket_dir)) + len(f"/.s.PGSQL.{cfg.pg_port}")
    if socket_path_len > UNIX_SOCKET_PATH_MAX:
        raise StackError(
            f"state dir path too long for PostgreSQL's unix socket ({socket_path_len} > "
            f"{UNIX_SOCKET_PATH_MAX} bytes): use a shorter --state-dir"
        )
    bindir = find_pg_bin()
    layout.pg_socket_dir.mkdir(exist_ok=True)
    layout.pg_socket_dir.chmod(0o755)
    _chown_to_pg_user(layout.pg_socket_dir)
    _check_pg_user_access(layout)
    if not (layout.pg_data / "PG_VERSION").is_file():
        _init_pg_cluster(bindir, layout)
    if pg_running(cfg.state_dir):
        say(f"PostgreSQL already running (data {layout.pg_data})")
    else:
        require_free_ports("PostgreSQL", [cfg.pg_port])
        _write_pg_settings(cfg, layout)
        layout.pg_log.touch()
        _chown_to_pg_user(layout.pg_log)
        say(f"starting PostgreSQL on 127.0.0.1:{cfg.pg_port} (log {layout.pg_log})")
        try:
            run(
                _as_pg_user(
                    [
                        str(bindir / "pg_ctl"),
                        "start",
                        "-D",
                        str(layout.pg_data),
                        "-l",
                        str(layout.pg_log),
                        "-w",
                        "-t",
                        str(PG_START_TIMEOUT),
                    ]
                ),
                timeout=PG_START_TIMEOUT + 30,
                what="pg_ctl start",
            )
        except StackError as exc:
            raise StackError(
                f"{exc}\nlast lines of {layout.pg_log}:\n{tail(layout.pg_log)}"
            ) from exc
    if _psql(bindir, cfg.pg_port, f"SELECT 1 FROM pg_roles WHERE rolname = '{PG_ROLE}'") != "1":
        _psql(bindir, cfg.pg_port, f'CREATE ROLE "{PG_ROLE}" LOGIN')
        say(f"created role {PG_ROLE}")
    if (
        _psql(bindir, cfg.pg_port, f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'")
        != "1"
    ):
        _psql(bindir, cfg.pg_port, f'CREATE DATABASE "{PG_DATABASE}" OWNER "{PG_ROLE}"')
        say(f"created database {PG_DATABASE}")
    say(f"PostgreSQL ready: {cfg.local_database_url}")
    return cfg.local_database_url


def stop_postgres(state_dir: Path) -> bool:
    """Fast shutdown (pg_ctl stop -m fast) of this state dir's PostgreSQL; keeps the data."""
    layout = Layout(state_dir)
    if not pg_running(state_dir):
        return False
    say("stopping PostgreSQL")
    run(
        _as_pg_user(
            [
                str(find_pg_bin() / "pg_ctl"),
                "stop",
                "-D",
                str(layout.pg_data),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
            ]
        ),
        timeout=90,
        what="pg_ctl stop",
    )
    return True


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def database_url(cfg: StackConfig) -> str:
    """An explicit DATABASE_URL wins over the local PostgreSQL."""
    return os.environ.get("DATABASE_URL") or cfg.local_database_url


def bootstrap_api_key(cfg: StackConfig) -> str:
    """The admin key every service accepts: HANDOFF_BOOTSTRAP_API_KEY, else one made once.

    A made key is kept in ``<state>/bootstrap-api-key`` (readable by its owner only), so it
    stays the same across ``down`` and ``up``.
    """
    given = os.environ.get("HANDOFF_BOOTSTRAP_API_KEY")
    if given:
        return given
    path = cfg.state_dir / "bootstrap-api-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("hk_local_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))
    return path.read_text().strip()


def service_env(cfg: StackConfig) -> dict[str, str]:
    """What a service needs to reach this stack (printed by `env`, added to each service)."""
    env = {
        "DATABASE_URL": database_url(cfg),
        "KAFKA_BOOTSTRAP_SERVERS": cfg.bootstrap,
        "HANDOFF_BOOTSTRAP_API_KEY": bootstrap_api_key(cfg),
    }
    for name in SERVICES:
        env[f"{name.upper()}_PORT"] = str(cfg.service_port(name))
    return env


def _readyz(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
            return int(resp.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _service_markers(name: str) -> list[str]:
    return ["-m", f"services.{name}"]


def start_services(cfg: StackConfig, names: Sequence[str]) -> None:
    """Launch `python -m services.<name>` from the repo root for each name not yet running and
    wait (60 s each, in parallel) until each answers 200 on /readyz."""
    layout = ensure_state_dir(cfg.state_dir)
    env = {**os.environ, **service_env(cfg), "PYTHONUNBUFFERED": "1"}
    launched: dict[str, subprocess.Popen[bytes]] = {}
    for name in names:
        pid = live_pid(layout, name)
        if pid is not None:
            say(f"{name} already running (pid {pid})")
            continue
        port = cfg.service_port(name)
        require_free_ports(name, [port])
        log_path = layout.service_log(name)
        with open(log_path, "ab") as log:
            log.write(f"\n===== stack.py starting {name} {time.ctime()} =====\n".encode())
        proc = _spawn_detached(
            [sys.executable, *_service_markers(name)], log_path, cwd=REPO_ROOT, env=env
        )
        record_pid(layout, name, proc.pid, _service_markers(name))
        launched[name] = proc
        say(f"started {name} (pid {proc.pid}) on port {port}")

    deadline = time.monotonic() + SERVICE_READY_TIMEOUT
    pending = list(names)
    while pending:
        for name in list(pending):
            proc_or_none = launched.get(name)
            if _readyz(cfg.service_port(name)):
                pending.remove(name)
                continue
            died = proc_or_none is not None and proc_or_none.poll() is not None
            if died or time.monotonic() > deadline:
                reason = (
                    f"exited with code {proc_or_none.returncode}"
                    if died and proc_or_none is not None
                    else f"not ready on /readyz after {SERVICE_READY_TIMEOUT:.0f}s"
                )
                log_path = layout.service_log(name)
                stop_recorded(layout, name, SERVICE_STOP_TIMEOUT)
                raise StackError(
                    f"service {name} {reason}; last {LOG_TAIL_LINES} lines of {log_path}:\n"
                    f"{tail(log_path)}"
                )
        if pending:
            time.sleep(0.3)
    for name in names:
        say(f"{name} ready on http://127.0.0.1:{cfg.service_port(name)}")


def stop_services(state_dir: Path, names: Sequence[str] = SERVICES) -> list[str]:
    """SIGTERM each recorded, verified service (SIGKILL after 15 s); returns those stopped."""
    layout = Layout(state_dir)
    return [name for name in names if stop_recorded(layout, name, SERVICE_STOP_TIMEOUT)]


# --------------------------------------------------------------------------------------------
# Whole-stack commands
# --------------------------------------------------------------------------------------------


def _any_running(state_dir: Path) -> bool:
    layout = Layout(state_dir)
    if live_pid(layout, "kafka") is not None:
        return True
    if any(live_pid(layout, name) is not None for name in SERVICES):
        return True
    return pg_running(state_dir)


def up(cfg: StackConfig, with_services: bool = True) -> StackConfig:
    """Bring the whole stack up (idempotent); returns the config actually in force."""
    with state_lock(cfg.state_dir):
        ensure_state_dir(cfg.state_dir)
        external_db = bool(os.environ.get("DATABASE_URL"))
        write_recorded(cfg, external_database=external_db)
        started = time.monotonic()
        if external_db:
            say("DATABASE_URL is set: using that server, not starting the local PostgreSQL")
        else:
            start_postgres(cfg)
        start_kafka(cfg)
        if with_services and cfg.services:
            start_services(cfg, cfg.services)
        elapsed = time.monotonic() - started
        say(f"stack up in {elapsed:.1f}s (state dir {Layout(cfg.state_dir).root})")
    return cfg


def down(state_dir: Path, purge: bool = False) -> None:
    """Stop services, Kafka and PostgreSQL of one state dir, keeping data unless ``purge``."""
    layout = Layout(state_dir)
    if not layout.root.exists():
        say(f"nothing to stop: {layout.root} does not exist")
        return
    if purge and not layout.stack_json.exists() and any(layout.root.iterdir()):
        names = {p.name for p in layout.root.iterdir()}
        if not names <= {".lock", "logs", "pids", "kafka", "pg", "pg-run"}:
            raise StackError(f"refusing to purge {layout.root}: it does not look like a state dir")
    with state_lock(state_dir):
        stopped = stop_services(state_dir)
        kafka = stop_kafka(state_dir)
        pg = stop_postgres(state_dir)
        if not (stopped or kafka or pg):
            say("nothing was running")
    if purge:
        shutil.rmtree(layout.root)
        say(f"purged {layout.root}")
    else:
        say(f"stack down; data kept in {layout.root}")


def status(state_dir: Path) -> dict[str, Any]:
    """Which components of one state dir run, and where."""
    layout = Layout(state_dir)
    cfg = config_from_recorded(state_dir)
    rec = load_recorded(state_dir)
    external = bool(rec.get("external_database")) or bool(os.environ.get("DATABASE_URL"))
    kafka_pid = live_pid(layout, "kafka") if layout.root.exists() else None
    info: dict[str, Any] = {
        "state_dir": str(layout.root),
        "initialised": layout.stack_json.exists(),
        "kafka": {"running": kafka_pid is not None, "pid": kafka_pid, "bootstrap": cfg.bootstrap},
        "postgres": {
            "running": (not external) and pg_running(state_dir),
            "external": external,
            # An external URL is not recorded (it may hold credentials): show it only when the
            # caller's environment has it.
            "url": os.environ.get("DATABASE_URL") if external else cfg.local_database_url,
        },
        "services": {},
    }
    for name in SERVICES:
        pid = live_pid(layout, name) if layout.root.exists() else None
        port = cfg.service_port(name)
        info["services"][name] = {
            "running": pid is not None,
            "expected": name in cfg.services,
            "pid": pid,
            "url": f"http://127.0.0.1:{port}",
            "ready": pid is not None and _readyz(port),
        }
    return info


def all_expected_running(info: dict[str, Any]) -> bool:
    postgres_ok = info["postgres"]["external"] or info["postgres"]["running"]
    services_ok = all(s["running"] for s in info["services"].values() if s["expected"])
    return bool(info["kafka"]["running"] and postgres_ok and services_ok)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _parse_services(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in SERVICES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICES)}"
        )
    return names


def _port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stack.py",
        description="Run Handoff's Kafka, PostgreSQL and services locally, without Docker.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def state_dir_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--state-dir",
            type=Path,
            default=DEFAULT_STATE_DIR,
            help="where data, logs, pids and ports live (default: <repo>/.local/stack)",
        )

    p_up = sub.add_parser(
        "up",
        help="start everything (idempotent)",
        description="Start PostgreSQL, Kafka and the services. Ports not given are taken from "
        "the state dir's stack.json, else the defaults.",
    )
    state_dir_arg(p_up)
    p_up.add_argument("--kafka-port", type=_port, help=f"default {DEFAULT_KAFKA_PORT}")
    p_up.add_argument(
        "--kafka-controller-port", type=_port, help=f"default {DEFAULT_KAFKA_CONTROLLER_PORT}"
    )
    p_up.add_argument("--pg-port", type=_port, help=f"default {DEFAULT_PG_PORT}")
    p_up.add_argument(
        "--service-port-base",
        type=_port,
        help="port of intake; scoring, routing and feedback follow "
        f"(default {DEFAULT_SERVICE_PORT_BASE})",
    )
    p_up.add_argument(
        "--services",
        type=_parse_services,
        default=SERVICES,
        help=f"comma-separated services to start (default: {','.join(SERVICES)})",
    )
    p_up.add_argument("--no-services", action="store_true", help="only Kafka and PostgreSQL")
    p_up.add_argument(
        "--kafka-version",
        help=f"broker version from Maven Central (default {DEFAULT_KAFKA_VERSION}; fallback "
        f"{FALLBACK_KAFKA_VERSION} needs a fresh state dir)",
    )

    p_down = sub.add_parser("down", help="stop everything, keeping data")
    state_dir_arg(p_down)
    p_down.add_argument("--purge", action="store_true", help="delete the state dir afterwards")

    p_status = sub.add_parser(
        "status", help="show what runs (exit 0 if everything expected runs, else 3)"
    )
    state_dir_arg(p_status)
    p_status.add_argument("--json", action="store_true", help="machine-readable output")

    p_env = sub.add_parser("env", help="print KEY=VALUE lines a service needs to reach the stack")
    state_dir_arg(p_env)
    return parser


def _config_for_up(args: argparse.Namespace) -> StackConfig:
    """Explicit options win, then what stack.json recorded, then defaults; a running stack
    keeps its recorded ports."""
    recorded = config_from_recorded(args.state_dir)
    requested = StackConfig(
        state_dir=args.state_dir,
        kafka_port=args.kafka_port or recorded.kafka_port,
        kafka_controller_port=args.kafka_controller_port or recorded.kafka_controller_port,
        pg_port=args.pg_port or recorded.pg_port,
        service_port_base=args.service_port_base or recorded.service_port_base,
        services=() if args.no_services else tuple(args.services),
        kafka_version=args.kafka_version or recorded.kafka_version,
    )
    if load_recorded(args.state_dir) and _any_running(args.state_dir):
        keep = dataclasses.replace(
            requested,
            kafka_port=recorded.kafka_port,
            kafka_controller_port=recorded.kafka_controller_port,
            pg_port=recorded.pg_port,
            service_port_base=recorded.service_port_base,
            kafka_version=recorded.kafka_version,
        )
        if keep != requested:
            say("stack already running in this state dir: keeping its recorded ports/version")
        return keep
    return requested


def _print_status(info: dict[str, Any]) -> None:
    def word(running: bool) -> str:
        return "running" if running else "stopped"

    print(f"state dir  {info['state_dir']}" + ("" if info["initialised"] else " (never up)"))
    kafka = info["kafka"]
    pid = f" pid {kafka['pid']}" if kafka["pid"] else ""
    print(f"kafka      {word(kafka['running']):8} {kafka['bootstrap']}{pid}")
    pg = info["postgres"]
    if pg["external"]:
        print(f"postgres   external {pg['url'] or '(DATABASE_URL given at up time)'}")
    else:
        print(f"postgres   {word(pg['running']):8} {pg['url']}")
    for name, svc in info["services"].items():
        state = word(svc["running"])
        if svc["running"] and not svc["ready"]:
            state = "starting"
        extra = f" pid {svc['pid']}" if svc["pid"] else ""
        if not svc["expected"] and not svc["running"]:
            extra += " (not requested)"
        print(f"{name:10} {state:8} {svc['url']}{extra}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # aiokafka logs every refused connection at ERROR; stack.py reports failures itself.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        if args.command == "up":
            cfg = up(_config_for_up(args), with_services=not args.no_services)
            layout = Layout(cfg.state_dir)
            print(f"Kafka       {cfg.bootstrap}")
            print(f"PostgreSQL  {database_url(cfg)}")
            for name in SERVICES:
                note = "" if name in cfg.services else "  (not started)"
                print(f"{name:11} http://127.0.0.1:{cfg.service_port(name)}{note}")
            print(f"logs        {layout.logs}")
            print(f"env         python {sys.argv[0]} env --state-dir {layout.root}")
            where = (
                "HANDOFF_BOOTSTRAP_API_KEY"
                if os.environ.get("HANDOFF_BOOTSTRAP_API_KEY")
                else layout.root / "bootstrap-api-key"
            )
            print(f"API key     {bootstrap_api_key(cfg)}  (admin scope; from {where})")
        elif args.command == "down":
            down(args.state_dir, purge=args.purge)
        elif args.command == "status":
            info = status(args.state_dir)
            if args.json:
                print(json.dumps(info, indent=2))
            else:
                _print_status(info)
            return 0 if all_expected_running(info) else 3
        elif args.command == "env":
            for key, value in service_env(config_from_recorded(args.state_dir)).items():
                print(f"{key}={value}")
    except StackError as exc:
        print(f"stack.py {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"stack.py {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
