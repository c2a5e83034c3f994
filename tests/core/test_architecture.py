"""The package layering in pyproject.toml holds: import-linter's contracts are all kept."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"

    result = subprocess.run(  # noqa: S603
        [str(lint_imports), "--config", str(PROJECT_ROOT / "pyproject.toml")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout.lower() and "0 broken" in result.stdout.lower(), result.stdout
