"""The CLI reference of the docs (docs/cli.md, moved there from the README) lists every command of the CLI, so the
docs cannot fall behind the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI_PAGE = ROOT / "docs" / "cli.md"


def test_readme_cli_reference_lists_every_command():
    """Every command line that scripts/cli_reference.py derives from the Typer app appears in docs/cli.md."""
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = CLI_PAGE.read_text()
    section = page[page.index("<!-- section:cli -->"):page.index("<!-- /section:cli -->")]
    missing = [command for command, _ in module.rows() if f"`{command}`" not in section]
    assert not missing, f"docs/cli.md lacks {missing}: regenerate its table with scripts/cli_reference.py"
