"""The analytics eval: the bundled suite's shape, the answer grader, the `eval analytics` command on a tiny suite
with a scripted brain, and the suite's expected answers recomputed from the source files."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industrialmind.errors import InvalidInputError
from industrialmind.evals import analytics, grading

ROOT = Path(__file__).resolve().parents[2]
TINY_SUITE = """
version: 1
cases:
- {id: a, family: count, phrasing: 0, split: dev, plant: demo, question: "How many pumps are on line 1?",
   expected: {numbers: [3]}, source: test}
- {id: b, family: count, phrasing: 1, split: heldout, plant: demo, question: "Count the line 1 pumps.",
   expected: {numbers: [3]}, source: test}
- {id: c, family: names, phrasing: 0, split: dev, plant: demo, question: "Which pumps are on line 1?",
   expected: {names: [P-101, P-102, P-103]}, source: test}
- {id: d, family: aob, phrasing: 0, split: dev, plant: assetopsbench, question: "How many chillers?",
   expected: {numbers: [11]}, source: test}
"""


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9#]+", text.lower()))


# --- the bundled suite -----------------------------------------------------------------------------------------
def test_bundled_suite_loads_with_enough_cases_and_both_splits_in_every_family():
    """At least 200 cases; every family has dev and held-out cases; roughly a third is held out; each phrasing of a
    family is wholly dev or wholly held-out; the three plants are covered."""
    cases = analytics.load_suite()
    assert len(cases) >= 200
    splits: dict[str, set[str]] = defaultdict(set)
    phrasing_split: dict[tuple[str, int], set[str]] = defaultdict(set)
    for c in cases:
        splits[c.family].add(c.split)
        phrasing_split[(c.family, c.phrasing)].add(c.split)
    assert all(s == {"dev", "heldout"} for s in splits.values()), {f: s for f, s in splits.items() if len(s) < 2}
    assert all(len(s) == 1 for s in phrasing_split.values())
    heldout = sum(c.split == "heldout" for c in cases)
    assert 0.25 <= heldout / len(cases) <= 0.4
    assert {c.plant for c in cases} == {"demo", "assetopsbench", "fmea"}
    assert all(c.source for c in cases)


def test_bundled_suite_has_no_duplicate_questions_and_heldout_wording_is_not_in_dev():
    """No question appears twice (ignoring case and punctuation), and no held-out question is a dev question."""
    cases = analytics.load_suite()
    questions = [_norm(c.question) for c in cases]
    assert len(questions) == len(set(questions))
    dev = {_norm(c.question) for c in cases if c.split == "dev"}
    assert not dev & {_norm(c.question) for c in cases if c.split == "heldout"}


@pytest.mark.parametrize("case, message", [
    ("{id: x, question: q, expected: {numbers: [1]}, colour: red}", "unknown key"),
    ("{id: x, question: q, expected: {number: [1]}}", "expected needs"),
    ("{id: x, question: q, split: test, expected: {numbers: [1]}}", "split 'test'"),
    ("{id: x, question: q, plant: moon, expected: {numbers: [1]}}", "plant 'moon'"),
    ("{id: x, question: q, expected: {numbers: []}}", "non-empty list"),
])
def test_load_suite_names_the_bad_case(tmp_path: Path, case: str, message: str):
    """A malformed case is one clear error naming it."""
    path = tmp_path / "bad.yaml"
    path.write_text(f"cases:\n- {case}\n")
    with pytest.raises(InvalidInputError, match=message):
        analytics.load_suite(path)


# --- the grader ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer, expected, ok", [
    ("4,249 work orders in all", 4249, True),               # thousands separator
    ("4249 work orders", 4249, True),
    ("peak 5,476.8 ton at 17:15", 5476.77, True),           # rounded to the precision shown
    ("peak 5477 ton", 5476.77, True),
    ("about 146.3 °F", 146.251, True),
    ("about 146.4 °F", 146.251, False),                    # shows a tenth, and is off by more than half of one
    ("0.0064 kW/ton", 0.0064028, True),
    ("0.006 kW/ton", 0.0064028, False),                     # one significant digit is not enough
    ("330 work orders", 333, False),                       # a wrong count
    ("2.236 on average", 2.23622, True),
    ("-3.5 °C", -3.5, True),
    ("WO169992 is the latest", 169992, False),              # digits glued to an id are not a number
    ("latest on 2023-09-21", 21, False),                    # nor is a part of a date,
    ("no alarms since 2026-12-01 03:53 UTC", 3, False),     # of a clock time
    ("CHILLER-13 is fine", 13, False),                      # or of an asset id
])
def test_numbers_are_found_with_separators_and_rounding(answer: str, expected: float, ok: bool):
    """Relative 1e-3, separators, rounding to the precision the answer writes with >= 2 significant digits; the
    digits of dates, times and ids are not numbers the answer states."""
    assert grading.has_number(answer, expected) is ok


def test_names_match_case_space_and_small_slips_but_not_other_numbers():
    """Names compare on whole words, forgive a small spelling slip, never a different digit; a list is a set of
    alternatives."""
    assert grading.has_name("CHILLER-14 has the most", ["Chiller 14", "CHILLER-14"])
    assert grading.has_name("chiller   14 has the most", "Chiller 14")
    assert not grading.has_name("Chiller 14 has the most", "Chiller 1")
    assert not grading.has_name("Chiller 13 has the most", "Chiller 12")
    assert grading.has_name("add refridgerant addition to the list", "Refrigerant Addition")
    assert not grading.has_name("refrigerant transfer", "Refrigerant Addition")
    assert grading.has_name("it sits on line L2", ["L2", "Line 2"])
    assert grading.has_name("Inspect hoses every 125-hour service.", "Inspect hoses every 125 hour service")


def test_dates_and_times_in_usual_spellings():
    """A date in ISO or words; an instant with an offset must be the same instant, a naive one the plant's wall
    clock or UTC."""
    for text in ("on 2023-10-06", "on 6 Oct 2023", "on October 6, 2023", "on 10/06/2023", "6th of October 2023"):
        assert grading.has_date(text, "2023-10-06"), text
    assert not grading.has_date("on 2023-10-07", "2023-10-06")
    assert grading.has_date("on 2023-10-07", ["2023-10-06", "2023-10-07"])
    want = "2020-06-10T17:15:00-04:00"
    for text in ("at 2020-06-10T21:15:00+00:00", "at 2020-06-10 21:15 UTC", "2020-06-10 17:15",
                 "June 10, 2020 at 5:15 PM EDT", "2020-06-10T17:15:00-04:00"):
        assert grading.has_time(text, want), text
    assert not grading.has_time("2020-06-10 17:15 UTC", want)
    assert not grading.has_time("2020-06-11 17:15", want)


def test_grade_lists_what_is_missing():
    """Every expected item must be there; the missing ones are listed as the suite writes them."""
    expected = {"numbers": [524], "names": [["Chiller 14", "CHILLER-14"]]}
    assert grading.grade("CHILLER-14: 524 work orders", expected) == {"ok": True, "missing": []}
    result = grading.grade("CHILLER-14: 523 work orders", expected)
    assert result == {"ok": False, "missing": ["number 524"]}


# --- the command -------------------------------------------------------------------------------------------------
@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A four-case suite, a brain that answers from a script of its own, and an empty eval home (no import)."""
    from industrialmind.agent.testing import FunctionChatModel

    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SUITE)
    replies = {"How many pumps are on line 1?": "3 pumps on line 1: P-101, P-102 and P-103.",
               "Count the line 1 pumps.": "There are 4 of them.",
               "Which pumps are on line 1?": "P-101 and P-102."}

    def answer(messages, tools):
        return replies.get(messages[-1].content, "Hello.")

    monkeypatch.setattr(analytics, "make_brain", lambda llm, settings: FunctionChatModel(answer))
    monkeypatch.setattr(analytics, "prepare_home", lambda settings, files, rebuild=False, progress=None:
                        (analytics.home_settings(settings, tmp_path / "eval-home"), False))
    return path


def test_eval_analytics_command_reports_accuracy_per_split_and_family(tiny: Path, tmp_path: Path):
    """`eval analytics --json --failures` asks each case, grades it and reports per split and per family; a
    plant whose data is absent is skipped."""
    from industrialmind.cli import app

    empty = tmp_path / "no-data"
    empty.mkdir()
    result = CliRunner().invoke(app, ["eval", "analytics", "--suite", str(tiny), "--json", "--failures",
                                      "--data", str(empty)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 3 and report["correct"] == 1 and report["skipped"] == ["d"]
    assert report["splits"]["dev"]["accuracy"] == 0.5 and report["splits"]["heldout"]["accuracy"] == 0.0
    assert report["families"]["count"]["n"] == 2
    by_id = {c["id"]: c for c in report["cases"]}
    assert by_id["a"]["ok"] and by_id["b"]["missing"] == ["number 3"] and by_id["c"]["missing"] == ["name P-103"]
    for key in ("p50_ms", "p95_ms", "warm_up_ms", "home", "llm"):
        assert key in report


def test_eval_analytics_command_filters_the_split_and_fails_below_the_threshold(tiny: Path, tmp_path: Path):
    """--split heldout runs only held-out cases; --min-accuracy exits 1 with 'accuracy was X, should be above Y'."""
    from industrialmind.cli import app

    empty = tmp_path / "no-data"
    empty.mkdir()
    result = CliRunner().invoke(app, ["eval", "analytics", "--suite", str(tiny), "--split", "dev", "--data",
                                      str(empty), "--min-accuracy", "0.9"])
    assert result.exit_code == 1
    assert "accuracy was 0.500, should be above 0.900" in result.output
    result = CliRunner().invoke(app, ["eval", "analytics", "--suite", str(tiny), "--split", "heldout", "--json",
                                      "--data", str(empty)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == 1 and set(report["splits"]) == {"heldout"} and "cases" not in report
    bad = CliRunner().invoke(app, ["eval", "analytics", "--suite", str(tiny), "--split", "test"])
    assert isinstance(bad.exception, InvalidInputError) and "unknown split" in str(bad.exception)


# --- the expected answers come from the files ----------------------------------------------------------------
def _builder():
    spec = importlib.util.spec_from_file_location("build_analytics_suite", ROOT / "scripts" /
                                                  "build_analytics_suite.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_suite_is_reproducible_from_the_source_files(shared_data: Path):
    """scripts/build_analytics_suite.py rebuilds the bundled file exactly from ../shared/data, and a few of its
    answers recomputed here by hand with pandas agree."""
    import pandas as pd

    builder = _builder()
    bundled = (ROOT / "industrialmind" / "evals" / "suites" / "analytics.yaml").read_text(encoding="utf-8")
    assert builder.render(builder.build_cases(shared_data)) == bundled, \
        "analytics.yaml differs from a rebuild: run scripts/build_analytics_suite.py"
    cases = {c.id: c for c in analytics.load_suite()}

    wo = pd.read_csv(shared_data / "assetopsbench/sample_data/all_wo_with_code_component_events.csv", dtype=str)
    case = next(c for c in cases.values() if c.family == "wo_count_asset" and "Chiller 6" in c.question)
    assert case.expected["numbers"] == [int((wo["equipment_name"] == "Chiller 6").sum())]

    fmea = pd.read_csv(shared_data / "fmea/fmea_dataset_filled.csv")
    case = next(c for c in cases.values() if c.family == "fmea_count_subsystem" and "Power Unit" in c.question)
    assert case.expected["numbers"] == [int((fmea["Subsystem"] == "Power Unit").sum())]

    sensors = pd.read_json(shared_data / "assetopsbench/sample_data/chiller6_june2020_sensordata_couchdb.json")
    case = next(c for c in cases.values() if c.family == "sensor_month_extreme"
                and "max of 'Chiller 6 Tonnage'" in c.source)
    peak = sensors.loc[sensors["Chiller 6 Tonnage"].idxmax()]
    assert case.expected["numbers"][0] == pytest.approx(float(peak["Chiller 6 Tonnage"]), rel=1e-5)
    assert case.expected["times"][0].startswith(pd.Timestamp(peak["timestamp"]).strftime("%Y-%m-%dT%H:%M"))
