"""The docs stay whole: the MkDocs site builds in strict mode, and the README stays a short front door whose links
all lead somewhere."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_README_LINES = 300

# [text](target) and ![alt](target), with an optional "title"; the target ends at whitespace or ')'
_MD_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")


def _local_targets(text: str) -> list[str]:
    """The link targets of a Markdown text that point into the repository (no URLs, no bare anchors)."""
    targets = _MD_LINK.findall(text) + _HTML_LINK.findall(text)
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, flags=re.I) and not t.startswith("#")]


def _headline_rows(text: str) -> list[str]:
    """The rows of the headline benchmark table (the one whose header starts with '| benchmark | command |')."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| benchmark | command |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_mkdocs_site_builds_in_strict_mode(tmp_path: Path):
    """`mkdocs build --strict` succeeds: every page is in the nav and every link and anchor between pages is valid."""
    for module in ("mkdocs", "material"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (the dev extra provides mkdocs-material); cannot build the docs")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "setup" / "index.html").exists()


def test_readme_is_short_and_links_only_to_files_that_exist():
    """README.md has at most 300 lines, and every relative link or image in it names a file or folder that exists."""
    text = README.read_text()
    n_lines = len(text.splitlines())
    assert n_lines <= MAX_README_LINES, (f"README.md has {n_lines} lines, should be at most {MAX_README_LINES}: "
                                         "move the detail into a page under docs/")
    targets = _local_targets(text)
    assert targets, "README.md links to no page of docs/"
    missing = [t for t in targets if not (ROOT / t.split("#", 1)[0]).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"


def test_readme_holds_no_dated_measurements():
    """Dated figures live in docs/benchmarks.md and benchmarks/README.md, not in the README."""
    dates = re.findall(r"\b20\d\d-\d\d-\d\d\b", README.read_text())
    assert not dates, f"README.md quotes dates {dates}: put dated figures in docs/benchmarks.md"


def test_benchmarks_readme_headline_table_matches_the_docs_page():
    """benchmarks/README.md and docs/benchmarks.md quote the same headline figures, row for row."""
    in_readme = _headline_rows((ROOT / "benchmarks" / "README.md").read_text())
    in_docs = _headline_rows((ROOT / "docs" / "benchmarks.md").read_text())
    assert in_readme, "benchmarks/README.md has no headline table"
    assert in_readme == in_docs, "the headline tables of benchmarks/README.md and docs/benchmarks.md differ"
