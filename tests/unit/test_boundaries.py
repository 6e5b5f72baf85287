"""A service imports ``shared`` and itself, never another service."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "scoring", "routing", "feedback"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_never_imports_another(service: str) -> None:
    others = [s for s in SERVICES if s != service]
    for path in (ROOT / "services" / service).rglob("*.py"):
        for name in imported_modules(path):
            assert not any(name.startswith(f"services.{o}") for o in others), (path, name)


def test_shared_never_imports_a_service() -> None:
    for path in (ROOT / "shared").rglob("*.py"):
        assert not any(n.startswith("services") for n in imported_modules(path)), path
