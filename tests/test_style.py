"""The house style is checked with the tests: ruff (lint and format) over the code, tests and benchmarks."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUFF = Path(sys.executable).with_name("ruff")


def _ruff(*args):
    command = [str(RUFF), *args, "audit_app", "tests", "bench"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)  # noqa: S603 (our own tool)


def test_ruff_finds_nothing():
    result = _ruff("check", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted():
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
