"""The SFT data builder: dev split only, no held-out question, deterministic bytes, the chat schema the hf brain
renders, deduplication, and the `finetune data` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.finetune import dataset
from tests.finetune.conftest import SMALL_CASES, SMALL_TEACHER


def test_build_examples_uses_only_dev_cases(small_build):
    """Every suite example comes from a dev case, and no user turn of any example is a held-out question."""
    from industrialmind.evals.runner import load_suite

    suite = load_suite()
    split_of = {c.id: c.split for c in suite.cases}
    heldout = {dataset.norm_text(t) for c in suite.cases if c.split == "heldout" for t in c.turns}
    suite_rows = [e for e in small_build.examples if e["source"] == "suite-dev"]
    assert suite_rows, "the small build kept no suite example"
    assert all(split_of[e["id"].removeprefix("dev:")] == "dev" for e in suite_rows)
    users = [dataset.norm_text(m["content"]) for e in small_build.examples for m in e["messages"] if m["role"] == "user"]
    assert not set(users) & heldout


def test_build_examples_refuses_the_heldout_split(planner_settings, planner):
    """Asking for the held-out split fails with a message naming the only valid split."""
    with pytest.raises(InvalidInputError, match="'heldout'.*'dev'"):
        dataset.build_examples(planner_settings, split="heldout", planner=planner)


def test_build_examples_is_deterministic(planner_settings, planner, small_build, tmp_path: Path):
    """A second build of the same inputs writes byte-identical JSONL (stable call ids, order and phrasing)."""
    again = dataset.build_examples(planner_settings, planner=planner, max_cases=SMALL_CASES,
                                   max_teacher=SMALL_TEACHER)
    first = dataset.write_jsonl(small_build.examples, tmp_path / "a.jsonl").read_bytes()
    second = dataset.write_jsonl(again.examples, tmp_path / "b.jsonl").read_bytes()
    assert first == second
    assert again.counts() == small_build.counts()


def test_build_examples_rows_follow_the_agent_chat_schema(small_build, planner_settings):
    """Rows open with the agent's system prompt, carry every tool schema as bind_tools renders it, and put tool
    calls in the template's function form followed by their results and a final answer."""
    from industrialmind.agent.prompts import system_prompt
    from industrialmind.evals.runner import load_suite
    from industrialmind.tools import build_tools

    schemas = dataset.tool_schemas(build_tools(planner_settings))
    prompt = system_prompt(load_suite().now)
    with_calls = 0
    for row in small_build.examples:
        assert set(row) == {"id", "source", "messages", "tools"}
        assert row["tools"] == schemas
        msgs = row["messages"]
        assert msgs[0] == {"role": "system", "content": prompt}
        assert msgs[1]["role"] == "user" and msgs[-1]["role"] == "assistant" and msgs[-1]["content"]
        for i, m in enumerate(msgs):
            for call in m.get("tool_calls") or []:
                with_calls += 1
                assert call["type"] == "function" and isinstance(call["function"]["arguments"], dict)
                assert call["function"]["name"] in {s["name"] for s in schemas}
                result = next(r for r in msgs[i + 1:] if r.get("tool_call_id") == call["id"])
                assert result["role"] == "tool" and "summary" in json.loads(result["content"])
    assert with_calls >= len(small_build.examples) // 2


def test_build_examples_keeps_teacher_traces_that_hit_their_target(small_build):
    """Teacher rows call the tool their template meant, on the asset it named."""
    teacher = [e for e in small_build.examples if e["source"] == "teacher"]
    assert teacher
    for row in teacher:
        _, tool, asset, _ = row["id"].split(":")
        calls = [c["function"] for m in row["messages"] for c in m.get("tool_calls") or []]
        assert calls and all(c["name"] == tool and asset in c["arguments"].values() for c in calls)


def test_build_examples_drops_duplicates_and_heldout_lookalikes(planner_settings, planner, tmp_path: Path):
    """A dev case asked twice is kept once, and a dev case that repeats a held-out question is dropped."""
    suite = tmp_path / "dups.yaml"
    suite.write_text(
        'version: 1\nnow: "2026-11-26T10:00:00Z"\ncases:\n'
        '- {id: a, split: dev, turns: ["what\'s P-101 doing rn"], expect: {tools: [latest_readings]}}\n'
        '- {id: b, split: dev, turns: ["What\'s P-101 doing rn?"], expect: {tools: [latest_readings]}}\n'
        '- {id: c, split: dev, turns: ["p101 readings"], expect: {tools: [latest_readings]}}\n'
        '- {id: d, split: heldout, turns: ["P101 readings"], expect: {tools: [latest_readings]}}\n')
    report = dataset.build_examples(planner_settings, suite_path=suite, teacher=False, planner=planner)
    assert [e["id"] for e in report.examples] == ["dev:a"]
    assert report.duplicates == 1 and report.heldout_overlap == 1


def test_read_jsonl_rejects_missing_and_empty_files(tmp_path: Path):
    """A missing dataset and an empty one fail with messages saying how to build it."""
    with pytest.raises(NotFoundError, match="finetune data"):
        dataset.read_jsonl(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InvalidInputError, match="empty"):
        dataset.read_jsonl(tmp_path / "empty.jsonl")


def test_data_command_writes_jsonl_and_prints_counts(planner_settings, monkeypatch, tmp_path: Path):
    """`finetune data --json` writes the JSONL and prints counts whose total matches the file."""
    from industrialmind.cli import app
    from industrialmind.evals import runner
    from tests.agent._planner_fixtures import EXAMPLES_PER_TOOL

    # the session's cached router, so the command does not retrain one
    monkeypatch.setenv("IM_HOME", str(planner_settings.home))
    monkeypatch.setenv("IM_EMBEDDINGS_CACHE", planner_settings.embeddings_cache)
    monkeypatch.setattr(runner, "PLANNER_OPTIONS", {"examples_per_tool": EXAMPLES_PER_TOOL})
    suite = tmp_path / "two.yaml"
    suite.write_text('version: 1\nnow: "2026-11-26T10:00:00Z"\ncases:\n'
                     '- {id: a, split: dev, turns: ["what\'s P-101 doing rn"], expect: {tools: [latest_readings]}}\n'
                     '- {id: b, split: dev, turns: ["is anything abnormal on line 2?"], '
                     'expect: {tools: [detect_anomalies]}}\n')
    out = tmp_path / "sft.jsonl"
    result = CliRunner().invoke(app, ["finetune", "data", "--out", str(out), "--suite", str(suite), "--no-teacher",
                                      "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["examples"] == 2 == len(out.read_text().splitlines())
    assert counts["by_source"] == {"suite-dev": 2, "teacher": 0}


def test_write_jsonl_keeps_the_key_order_the_template_renders(small_build, planner_settings, tmp_path: Path):
    """Read back, the tool schemas are equal in key order too: the chat template renders dicts in order, so a
    sorted file would train on a prompt the agent never sends."""
    from industrialmind.tools import build_tools

    path = dataset.write_jsonl(small_build.examples, tmp_path / "sft.jsonl")
    row = dataset.read_jsonl(path)[0]
    rendered = json.dumps(dataset.tool_schemas(build_tools(planner_settings)))
    assert json.dumps(row["tools"]) == rendered


def test_finetune_data_out_folder_is_refused_before_building(tmp_path, monkeypatch):
    """`finetune data --out FOLDER` fails before the examples are built (minutes of teacher traces), not after."""
    from typer.testing import CliRunner

    from industrialmind.cli import app
    from industrialmind.errors import InvalidInputError
    from industrialmind.finetune import dataset

    def must_not_build(*args, **kwargs):
        raise AssertionError("examples were built before --out was checked")

    monkeypatch.setattr(dataset, "build_examples", must_not_build)
    result = CliRunner().invoke(app, ["finetune", "data", "--out", str(tmp_path)])
    assert isinstance(result.exception, InvalidInputError) and "is a folder" in str(result.exception)
