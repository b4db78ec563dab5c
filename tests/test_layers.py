"""The layer rule of DESIGN.md: flows know no transport; storage knows nothing above it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "flows": {"bot", "telegram", "twilio", "starlette", "uvicorn", "httpx", "apscheduler"},
    "storage": {"bot", "flows", "telegram", "twilio", "starlette"},
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_respect_the_layers(layer):
    crossings = []
    for path in (ROOT / layer).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            crossings += [
                f"{path.relative_to(ROOT)} imports {name}"
                for name in names
                if name.split(".")[0] in FORBIDDEN[layer]
            ]
    assert not crossings, crossings
