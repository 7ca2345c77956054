"""The routing eval: suite loading and validation, scoring rules, groundedness, the runner and the CLI threshold."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industrialmind.errors import InvalidInputError
from industrialmind.evals import metrics, runner

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
SMALL_SUITE = """
version: 1
now: "2026-11-26T10:00:00Z"
cases:
- {id: a, split: dev, turns: ["what's P-101 doing rn"], expect: {tools: [latest_readings], args: {asset_id: P-101}}}
- {id: b, split: dev, turns: ["p101 vib last 2 days"], expect: {tools: [sensor_history], args: {asset_id: P-101, sensor: vibration, start: "2026-11-24T10:00:00Z"}}}
- {id: c, split: heldout, turns: ["what's the weather tomorrow"], expect: {refuse: true}}
- {id: d, split: heldout, turns: ["what's the feed pump doing"], expect: {clarify: true}}
- {id: e, split: dev, turns: ["compare P-101 and P-102 vibration"], expect: {calls: [{name: latest_readings, args: {asset_id: P-101}}, {name: latest_readings, args: {asset_id: P-102}}]}}
"""


@pytest.fixture
def small_suite(tmp_path: Path) -> Path:
    """A five-case suite file."""
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_SUITE)
    return path


@pytest.fixture
def fast_planner(monkeypatch: pytest.MonkeyPatch, planner_settings) -> None:
    """Runs under the session's data home (cached router) with the tests' smaller example count."""
    from tests.agent._planner_fixtures import EXAMPLES_PER_TOOL

    monkeypatch.setenv("IM_HOME", str(planner_settings.home))
    monkeypatch.setenv("IM_EMBEDDINGS_CACHE", planner_settings.embeddings_cache)
    monkeypatch.setattr(runner, "PLANNER_OPTIONS", {"examples_per_tool": EXAMPLES_PER_TOOL})


def test_bundled_suite_has_enough_cases_and_a_heldout_split():
    """The bundled suite has at least 250 cases, about 30% held out, over both plants, with unique ids."""
    suite = runner.load_suite()
    assert len(suite.cases) >= 250
    heldout = [c for c in suite.cases if c.split == "heldout"]
    assert 0.25 <= len(heldout) / len(suite.cases) <= 0.4
    assert {c.plant for c in suite.cases} == {"demo", "assetopsbench"}
    tags = {t for c in suite.cases for t in c.tags}
    assert {"follow-up", "clarify", "refuse", "multi", "typo", "time", "slang"} <= tags


def test_bundled_suite_dev_and_heldout_share_no_first_question():
    """No conversation opens with the same words in both splits, so tuning on dev cannot tune on held-out
    questions (short follow-up turns such as "why?" may repeat: their context differs)."""
    suite = runner.load_suite()
    first = {split: {c.turns[0].strip().lower() for c in suite.cases if c.split == split}
             for split in ("dev", "heldout")}
    assert not first["dev"] & first["heldout"]


@pytest.mark.parametrize("text, message", [
    ("cases: [\n", "not valid YAML"),
    ("- just a string\n", "case 1 of bad.yaml is a str"),
    ("42\n", "not a int"),
    ("now: yesterday\ncases: []\n", "not an ISO 8601 time"),
])
def test_load_suite_malformed_files_are_clear_errors(tmp_path: Path, text: str, message: str):
    """Broken YAML, a case that is not a mapping, a file that is neither a mapping nor a list, and a bad 'now'
    each give one clear error instead of a traceback."""
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInputError, match=message):
        runner.load_suite(path)


def test_load_suite_accepts_a_bare_list_and_rejects_broken_jsonl(tmp_path: Path):
    """A YAML file that is just a list of cases loads; a JSONL line that is not JSON names its line number."""
    path = tmp_path / "list.yaml"
    path.write_text("- {id: x, turns: [hi], expect: {refuse: true}}\n")
    assert [c.id for c in runner.load_suite(path).cases] == ["x"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "turns": ["hi"], "expect": {"refuse": true}}\n{"turns": [\n')
    with pytest.raises(InvalidInputError, match="line 2 is not JSON"):
        runner.load_suite(bad)


def test_load_suite_rejects_unknown_keys(tmp_path: Path):
    """A case with a misspelt key fails with a message naming the case and the valid keys."""
    path = tmp_path / "bad.yaml"
    path.write_text("cases:\n- {id: x, turns: [hi], expekt: {refuse: true}}\n")
    with pytest.raises(InvalidInputError, match="'x'.*expekt"):
        runner.load_suite(path)


def test_load_suite_reads_jsonl(tmp_path: Path):
    """JSONL suites: an optional header line with now, then one case per line."""
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"now": "2026-01-01T00:00:00Z"}) + "\n"
                    + json.dumps({"id": "a", "turns": ["hi"], "expect": {"refuse": True}}) + "\n")
    suite = runner.load_suite(path)
    assert suite.now.year == 2026 and suite.now.month == 1 and [c.id for c in suite.cases] == ["a"]


def test_args_match_uses_sensor_synonyms_and_time_tolerance():
    """Sensors match by id part or synonym, times within two minutes, ids exactly."""
    calls = [{"name": "sensor_history", "args": {"asset_id": "P-101", "sensor": "vibration_de",
                                                 "start": "2026-11-24T10:01:00+00:00"}}]
    assert metrics.args_match({"args": {"asset_id": "P-101", "sensor": "vib", "start": "2026-11-24T10:00:00Z"}},
                              calls, NOW)
    assert not metrics.args_match({"args": {"start": "2026-11-24T09:00:00Z"}}, calls, NOW)
    assert not metrics.args_match({"args": {"asset_id": "P-102"}}, calls, NOW)


def test_tools_match_counts_fan_out_and_outcomes():
    """Tool names compare as multisets; clarifications and refusals are outcomes of their own."""
    two = [{"name": "alarms", "args": {}}, {"name": "alarms", "args": {}}]
    assert metrics.tools_match({"tools": ["alarms", "alarms"]}, two, "tools")
    assert not metrics.tools_match({"tools": ["alarms"]}, two, "tools")
    assert metrics.tools_match({"clarify": True}, [], "clarify")
    assert not metrics.tools_match({"refuse": True}, [], "clarify")


def test_grounded_flags_numbers_missing_from_results():
    """An answer is grounded only when each of its numbers appears in a tool result; [1] citations aside."""
    results = [{"summary": "P-101 latest: flow 41.2 m3/h", "as_of": "2026-11-26T10:00:00Z"}]
    assert metrics.grounded("P-101 latest: flow 41.2 m3/h. Sources: [1] manual", results)
    assert not metrics.grounded("flow 41.2 m3/h, about 12% above normal", results)
    assert metrics.ungrounded_numbers("flow 41.2, 12%", results) == ["12"]


@pytest.mark.slow  # scores routing cases through the planner (seconds each)
def test_run_suite_reports_metrics_per_split(small_suite: Path, planner_settings, fast_planner):
    """The runner drives the planner over a small suite and reports the metric keys overall and per split."""
    report = runner.run_suite(planner_settings, runner.load_suite(small_suite), tools="fake")
    for key in ("tool_accuracy", "arg_accuracy", "groundedness", "p50_ms", "p95_ms", "n"):
        assert key in report
    assert report["n"] == 5 and set(report["splits"]) == {"dev", "heldout"}
    assert report["tool_accuracy"] >= 0.8
    assert report["groundedness"] == 1.0


@pytest.mark.slow  # scores routing cases through the planner (seconds each)
def test_eval_routing_command_fails_below_the_threshold(small_suite: Path, fast_planner):
    """`eval routing --min-tool-accuracy` exits 1 with 'tool accuracy was X, should be above Y'."""
    from industrialmind.cli import app

    result = CliRunner().invoke(app, ["eval", "routing", "--suite", str(small_suite), "--json",
                                      "--min-tool-accuracy", "1.01"])
    assert result.exit_code == 1, result.output
    assert "tool accuracy was" in result.output and "should be above 1.010" in result.output
    data = json.loads(result.stdout)
    assert data["n"] == 5 and "p95_ms" in data


@pytest.mark.slow  # scores routing cases through the planner (seconds each)
def test_routing_benchmark_quick_reports_ratio_to_baseline(planner_settings, fast_planner):
    """`bench routing --quick` reports the planner's metrics and a ratio to the zero-shot baseline."""
    from industrialmind.bench import routing

    result = routing.run(planner_settings, quick=True)
    assert result["n"] == 40 and 0.0 <= result["baseline"]["tool_accuracy"] <= 1.0
    assert result["tool_accuracy"] > result["baseline"]["tool_accuracy"]
    assert routing.render(result).row_count == 2


@pytest.mark.slow  # scores routing cases through the planner (seconds each)
def test_run_suite_through_the_agent_graph(small_suite: Path, planner_settings, fast_planner):
    """via='graph' runs each turn through the LangGraph agent (actions approved) and scores it the same way."""
    pytest.importorskip("langgraph", reason="langgraph (industrialmind[agent]) runs the graph")
    report = runner.run_suite(planner_settings, runner.load_suite(small_suite), tools="fake", via="graph")
    assert report["via"] == "graph" and report["n"] == 5
    assert report["tool_accuracy"] >= 0.8 and report["groundedness"] == 1.0


@pytest.mark.parametrize("content, message", [
    (b"", "has no cases"),
    (b"cases:\n", "has no cases"),
    (bytes(range(128, 256)) * 4, "not UTF-8 text"),
    (b"foo: [\n", r"not valid YAML: [^\n]*$"),
])
def test_load_suite_empty_binary_or_broken_is_one_clear_line(tmp_path: Path, content: bytes, message: str):
    """An empty suite (which ran 0 of 0 cases and passed), binary junk and broken YAML each give one error line."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=message):
        runner.load_suite(path)


def test_load_suite_and_data_folder_name_what_is_wrong(tmp_path: Path):
    """A folder given as the suite, and a --data folder that is missing or holds no sample data, are refused
    (a wrong --data silently fell back to ../shared/data)."""
    from industrialmind.errors import NotFoundError

    with pytest.raises(InvalidInputError, match="is a folder"):
        runner.load_suite(tmp_path)
    with pytest.raises(NotFoundError, match="does not exist"):
        runner.plant_registry(tmp_path / "nope")
    with pytest.raises(InvalidInputError, match="no AssetOpsBench sample data"):
        runner.plant_registry(tmp_path)
