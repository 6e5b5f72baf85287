"""Failpoints: named places where a process can be made to die on purpose, for fault tests.

``failpoint("outbox.after_publish")`` does nothing unless ``HANDOFF_FAILPOINTS`` (a comma
separated list) names it; then the process exits at once, without cleanup, the first time it
gets there — the same as a ``kill -9`` at that exact line. The fault suite (``make chaos``)
uses it to crash between two steps no signal can reliably hit, such as between Kafka's
acknowledgement and the database commit that records it.
"""

from __future__ import annotations

import logging
import os
import sys

ENV_VAR = "HANDOFF_FAILPOINTS"
EXIT_CODE = 86
"""The exit status of a process stopped by a failpoint, so a supervisor can tell it apart."""

log = logging.getLogger(__name__)

_ARMED: frozenset[str] = frozenset(
    name.strip() for name in os.environ.get(ENV_VAR, "").split(",") if name.strip()
)


def failpoint(name: str) -> None:
    """Exit the process here if ``HANDOFF_FAILPOINTS`` names ``name``; otherwise a no-op."""
    if name not in _ARMED:
        return
    log.critical("failpoint %s reached: exiting with %d", name, EXIT_CODE)
    sys.stderr.flush()
    os._exit(EXIT_CODE)


def armed() -> frozenset[str]:
    """The failpoints named in the environment at import."""
    return _ARMED


__all__ = ["ENV_VAR", "EXIT_CODE", "armed", "failpoint"]
