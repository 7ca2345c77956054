"""The README's CLI reference lists every command of the CLI, so the docs cannot fall behind the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_cli_reference_lists_every_command():
    """Every command line that scripts/cli_reference.py derives from the Typer app appears in the README."""
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("<!-- section:cli -->"):readme.index("<!-- /section:cli -->")]
    missing = [command for command, _ in module.rows() if f"`{command}`" not in section]
    assert not missing, f"README CLI reference lacks {missing}: regenerate it with scripts/cli_reference.py"
