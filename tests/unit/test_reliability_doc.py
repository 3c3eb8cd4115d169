"""RELIABILITY.md names the test that proves each case: every one it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)(?:\[([^\]]+)\])?")


def test_every_test_named_in_reliability_md_exists() -> None:
    text = (ROOT / "RELIABILITY.md").read_text()
    references = REFERENCE.findall(text)
    assert len(references) >= 60
    all_tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    missing = []
    for path, name, parameter in references:
        source = ROOT / path
        if not source.is_file() or not re.search(rf"def {name}\(", source.read_text()):
            missing.append(f"{path}::{name}")
        elif parameter and parameter.split(":")[-1] not in all_tests:
            missing.append(f"{path}::{name}[{parameter}]")
    assert not missing, missing
