"""The settings table of the docs (docs/setup.md, moved there from the README) lists every IM_* setting of config.py."""

from __future__ import annotations

import re
from pathlib import Path

from industrialmind.config import Settings

SETUP_PAGE = Path(__file__).resolve().parents[1] / "docs" / "setup.md"


def test_readme_config_table_lists_every_setting():
    """Each Settings field appears as `IM_<NAME>` in a row of docs/setup.md's config section, and no stale row remains."""
    text = SETUP_PAGE.read_text()
    section = text.split("<!-- section:config -->", 1)[1].split("<!-- /section:config -->", 1)[0]
    rows = set(re.findall(r"^\| `(IM_[A-Z0-9_]+)` \|", section, flags=re.M))
    expected = {f"IM_{name.upper()}" for name in Settings.model_fields}
    assert not expected - rows, f"missing from the config table of docs/setup.md: {sorted(expected - rows)}"
    assert not rows - expected, f"config rows of docs/setup.md without a setting: {sorted(rows - expected)}"
