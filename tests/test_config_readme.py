"""The README's configuration table stays true: it lists every IM_* setting of config.py."""

from __future__ import annotations

import re
from pathlib import Path

from industrialmind.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_config_table_lists_every_setting():
    """Each Settings field appears as `IM_<NAME>` in a row of the README's config section, and no stale row remains."""
    text = README.read_text()
    section = text.split("<!-- section:config -->", 1)[1].split("<!-- /section:config -->", 1)[0]
    rows = set(re.findall(r"^\| `(IM_[A-Z0-9_]+)` \|", section, flags=re.M))
    expected = {f"IM_{name.upper()}" for name in Settings.model_fields}
    assert not expected - rows, f"missing from the README config table: {sorted(expected - rows)}"
    assert not rows - expected, f"README config rows without a setting: {sorted(rows - expected)}"
