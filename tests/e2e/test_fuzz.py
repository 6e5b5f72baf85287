"""API fuzzing: schemathesis against the OpenAPI document of each running service.

It sends every documented operation its examples, boundary and negative values (coverage)
and a bounded number of generated ones, with the admin key, and fails on any server error
and on any answer the document does not describe (status, content type, headers, body).
It creates and changes data freely, so it runs after every other end-to-end test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import ADMIN_KEY, SERVICES, Services

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = 5
SEED = 20261123
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)


def test_no_server_errors_and_no_answers_outside_the_spec(services: Services) -> None:
    st = Path(sys.executable).with_name("st")
    work = services.stack.state_dir / "schemathesis"
    work.mkdir(exist_ok=True)
    runs: dict[str, subprocess.Popen[bytes]] = {}
    for name in SERVICES:
        with (work / f"{name}.txt").open("wb") as out:
            runs[name] = subprocess.Popen(
                [
                    str(st),
                    "run",
                    f"{services.urls[name]}/openapi.json",
                    "--header",
                    f"Authorization: Bearer {ADMIN_KEY}",
                    "--max-examples",
                    str(EXAMPLES_PER_OPERATION),
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--checks",
                    CHECKS,
                    "--seed",
                    str(SEED),
                    "--workers",
                    "1",
                    "--request-timeout",
                    "30",
                ],
                cwd=work,  # hypothesis keeps its example database here, not in the repo
                stdout=out,
                stderr=subprocess.STDOUT,
            )
    failed = {}
    for name, run in runs.items():
        code = run.wait(timeout=900)
        report = (work / f"{name}.txt").read_text(errors="replace")
        summary = report[report.rfind("SUMMARY") :]
        print(f"--- {name}\n{summary}")
        if code != 0:
            failed[name] = report[-6000:]
    assert not failed, "\n\n".join(f"=== {n}\n{r}" for n, r in failed.items())
