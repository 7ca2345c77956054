"""The analytics eval: ask each question of an analytics suite through the agent, as `industrialmind ask` does, and
grade the answer's text on the numbers, names, dates and times it must state (industrialmind/evals/grading.py).

The suite (suites/analytics.yaml, made by scripts/build_analytics_suite.py; its schema is at the top of the file)
is over the demo plant, the imported AssetOpsBench plant and the imported mining-truck FMEA. The questions run on
a data home of their own, prepared once per data folder under <IM_HOME>/evals/analytics/<key>: the demo plant's
registry, `import assetopsbench`, the knowledge graph and document index, and `import fmea` of the folder's files,
through the project's own functions; later runs reuse it while the files are unchanged. The home always uses the
embedded stores and the bundled broker, whatever IM_*_URL the caller has set; a broker that a stream tool starts
during the run is stopped at its end (its memory storage goes with it, so every run starts from the same state).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from industrialmind.errors import InvalidInputError, NotFoundError
from industrialmind.evals import grading
from industrialmind.evals.metrics import percentile

SUITE = Path(__file__).parent / "suites" / "analytics.yaml"
PLANTS = ("demo", "assetopsbench", "fmea")
PREPARE_VERSION = 2  # bump when the prepared home's recipe changes: older homes are rebuilt
AOB_FOLDER = "assetopsbench"
FMEA_FILE = "fmea/fmea_dataset_filled.csv"
WARM_UP_QUESTION = "hello"
_KEYS = {"id", "family", "phrasing", "split", "plant", "question", "expected", "source"}
_EXPECT_KEYS = {"numbers", "names", "dates", "times"}
_BACKEND_URLS = ("timeseries_url", "records_url", "graph_url", "chroma_url", "mlflow_uri", "checkpoint_url",
                 "kafka_bootstrap")


@dataclass
class AnalyticsCase:
    """One question and what its answer must state."""

    id: str
    family: str
    split: str
    plant: str
    question: str
    expected: dict[str, list[Any]]
    source: str = ""
    phrasing: int = 0


@dataclass
class DataFiles:
    """The source data the suite's plants need, where present."""

    root: Path | None
    assetopsbench: Path | None = None  # the folder holding sample_data/ (and pumps/)
    fmea: Path | None = None
    plants: set[str] = field(default_factory=lambda: {"demo"})


def load_suite(path: Path | str | None = None) -> list[AnalyticsCase]:
    """Read and validate an analytics suite; errors name the case and what is wrong."""
    import yaml

    path = Path(path) if path else SUITE
    if not path.is_file():
        raise NotFoundError(f"suite file {str(path)!r} does not exist (the bundled one is {SUITE})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path.name} is not a valid YAML suite: {' '.join(str(exc).split())}") from None
    raw_cases = data.get("cases") if isinstance(data, dict) else data
    if not isinstance(raw_cases, list) or not raw_cases:
        raise InvalidInputError(f"{path.name} has no cases: expected 'cases:' with a list of cases, each with id, "
                                "family, split, plant, question and expected")
    cases: list[AnalyticsCase] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_cases):
        if not isinstance(raw, dict):
            raise InvalidInputError(f"case {i + 1} of {path.name} is a {type(raw).__name__}, not a mapping")
        cid = str(raw.get("id") or f"case-{i + 1}")
        unknown = set(raw) - _KEYS
        if unknown:
            raise InvalidInputError(f"case {cid!r} has unknown key(s) {sorted(unknown)}; valid: {sorted(_KEYS)}")
        expected = raw.get("expected")
        if not isinstance(expected, dict) or not expected or set(expected) - _EXPECT_KEYS:
            raise InvalidInputError(f"case {cid!r}: expected needs some of {sorted(_EXPECT_KEYS)}, got "
                                    f"{sorted(expected) if isinstance(expected, dict) else expected!r}")
        for key, values in expected.items():
            if not isinstance(values, list) or not values:
                raise InvalidInputError(f"case {cid!r}: expected.{key} must be a non-empty list")
        split, plant = str(raw.get("split", "dev")), str(raw.get("plant", "demo"))
        if split not in ("dev", "heldout"):
            raise InvalidInputError(f"case {cid!r}: split {split!r} is not 'dev' or 'heldout'")
        if plant not in PLANTS:
            raise InvalidInputError(f"case {cid!r}: plant {plant!r} is not one of {list(PLANTS)}")
        if not str(raw.get("question") or "").strip():
            raise InvalidInputError(f"case {cid!r} has no question")
        if cid in seen:
            raise InvalidInputError(f"case id {cid!r} appears twice in {path.name}")
        seen.add(cid)
        cases.append(AnalyticsCase(cid, str(raw.get("family") or "unknown"), split, plant, str(raw["question"]),
                                   expected, str(raw.get("source") or ""), int(raw.get("phrasing") or 0)))
    return cases


def find_data(data_dir: Path | None = None) -> DataFiles:
    """The data folder (given, else ../shared/data beside the repository) and which plants' files it holds."""
    if data_dir is not None:
        root = Path(data_dir).expanduser()
        if not root.is_dir():
            raise NotFoundError(f"data folder {str(data_dir)!r} does not exist: give the folder holding "
                                "assetopsbench/ and fmea/ (or leave --data out)")
    else:
        root = Path(__file__).resolve().parents[3] / "shared" / "data"
        if not root.is_dir():
            return DataFiles(None)
    found = DataFiles(root.resolve())
    if (root / AOB_FOLDER / "sample_data" / "all_wo_with_code_component_events.csv").is_file():
        found.assetopsbench = (root / AOB_FOLDER).resolve()
        found.plants.add("assetopsbench")
    if (root / FMEA_FILE).is_file():
        found.fmea = (root / FMEA_FILE).resolve()
        found.plants.add("fmea")
    return found


def _fingerprint(files: DataFiles) -> dict[str, Any]:
    """What the prepared home was built from: the recipe's version and each source file's size and mtime."""
    paths = sorted(p for base in (files.assetopsbench,) if base for p in base.rglob("*") if p.is_file())
    paths += [files.fmea] if files.fmea else []
    return {"version": PREPARE_VERSION, "root": str(files.root), "plants": sorted(files.plants),
            "files": {str(p): [p.stat().st_size, p.stat().st_mtime_ns] for p in paths}}


def home_settings(settings: Any, home: Path) -> Any:
    """Settings for the eval's own home: the caller's brain settings, the embedded stores under home, and the
    caller's embedding export (so it is not exported again)."""
    from industrialmind.config import Settings
    from industrialmind.knowledge.embeddings import default_cache_dir

    values = settings.model_dump()
    values.update({key: "" for key in _BACKEND_URLS})
    values.update(home=home, embeddings_cache=str(default_cache_dir(settings)))
    return Settings(**values)


def prepare_home(settings: Any, files: DataFiles, rebuild: bool = False,
                 progress: Callable[[str], None] | None = None) -> tuple[Any, bool]:
    """The eval's data home for these files (settings, built_now): reused while its fingerprint matches."""
    key = hashlib.sha1(str(files.root).encode()).hexdigest()[:12]
    home = settings.home / "evals" / "analytics" / key
    marker = home / "prepared.json"
    fingerprint = _fingerprint(files)
    if not rebuild and marker.is_file():
        try:
            if json.loads(marker.read_text()) == fingerprint:
                return home_settings(settings, home), False
        except ValueError:
            pass
    if home.exists():
        shutil.rmtree(home)
    sub = home_settings(settings, home)
    sub.ensure_home()
    say = progress or (lambda _: None)
    from industrialmind.plant.demo import demo_plant
    from industrialmind.stores.records import open_records

    say("demo plant registry")
    records = open_records(sub.resolved.records)
    try:
        records.save_plant(demo_plant())
    finally:
        records.close()
    if files.assetopsbench is not None:
        from industrialmind.plant.importers import import_assetopsbench

        say("import assetopsbench")
        import_assetopsbench(sub, files.assetopsbench)
    from industrialmind.knowledge.build import build_knowledge, import_fmea

    say("knowledge graph and document index")
    build_knowledge(sub)
    if files.fmea is not None:
        say("import fmea")
        import_fmea(sub, files.fmea)
    marker.write_text(json.dumps(fingerprint, indent=1))
    return sub, True


def make_brain(llm: str, settings: Any) -> Any:
    """The chat model under test, as `industrialmind ask --llm` makes it (tests replace this)."""
    from industrialmind.agent.brains import make_chat_model

    return make_chat_model(llm, settings)


def run_analytics(settings: Any, cases: list[AnalyticsCase], llm: str = "offline", split: str = "all",
                  data_dir: Path | None = None, rebuild: bool = False,
                  progress: Callable[[str, int, int], None] | None = None, suite: str = "") -> dict[str, Any]:
    """Ask every case of the split through the agent (actions not approved), grade each answer, and report
    exact-answer accuracy overall, per split and per family, latency p50/p95 and each case's outcome."""
    from langgraph.checkpoint.memory import InMemorySaver

    from industrialmind.agent.runner import Assistant
    from industrialmind.stores.broker import running_broker, stop_broker

    files = find_data(data_dir)
    selected = [c for c in cases if split in (None, "all", c.split)]
    skipped = [c.id for c in selected if c.plant not in files.plants]
    selected = [c for c in selected if c.plant in files.plants]
    say = progress or (lambda *_: None)
    started = time.perf_counter()
    home, built = prepare_home(settings, files, rebuild=rebuild, progress=lambda what: say(what, 0, len(selected)))
    prepare_s = time.perf_counter() - started
    rows: list[dict[str, Any]] = []
    broker_before = running_broker(home.home) is not None
    try:
        warm_up_ms = _ask_all(Assistant(home, llm=make_brain(llm, home), checkpointer=InMemorySaver()), selected,
                              rows, say)
    finally:
        if not broker_before:
            stop_broker(home.home)
    report = {**summarise(rows), "llm": llm, "suite": suite or str(SUITE), "split": split,
              "data": str(files.root) if files.root else None, "plants": sorted(files.plants),
              "home": str(home.home), "home_built": built, "prepare_s": round(prepare_s, 1),
              "warm_up_ms": round(warm_up_ms, 1), "skipped": skipped}
    report["splits"] = {s: summarise([r for r in rows if r["split"] == s]) for s in sorted({r["split"] for r in rows})}
    report["families"] = {f: summarise([r for r in rows if r["family"] == f], latency=False)
                          for f in sorted({r["family"] for r in rows})}
    report["cases"] = rows
    return report


def _ask_all(assistant: Any, selected: list[AnalyticsCase], rows: list[dict[str, Any]],
             say: Callable[[str, int, int], None]) -> float:
    """Ask each case on a thread of its own, grade it and append its row; returns the warm-up turn's ms."""
    with assistant:
        t0 = time.perf_counter()
        assistant.ask(WARM_UP_QUESTION)  # the offline planner trains or loads its router on the first turn
        warm_up_ms = (time.perf_counter() - t0) * 1000
        for i, case in enumerate(selected):
            say("questions", i, len(selected))
            try:
                result = assistant.ask(case.question, approve=False)
                answer, calls, latency = result.answer, result.tool_calls, result.latency_ms
                error = None
            except Exception as exc:  # noqa: BLE001 - a crash is a wrong answer, reported, not the end of the run
                answer, calls, latency, error = "", [], 0.0, f"{type(exc).__name__}: {exc}"
            verdict = grading.grade(answer, case.expected)
            rows.append({"id": case.id, "family": case.family, "split": case.split, "plant": case.plant,
                         "question": case.question, "expected": case.expected, "ok": verdict["ok"],
                         "missing": verdict["missing"], "answer": answer, "error": error,
                         "tool_calls": [{"name": c["name"], "args": c.get("args", {})} for c in calls],
                         "latency_ms": round(latency, 1)})
        say("questions", len(selected), len(selected))
    return warm_up_ms


def summarise(rows: list[dict[str, Any]], latency: bool = True) -> dict[str, Any]:
    """Exact-answer accuracy (every expected item stated) and, with latency, the turn's p50/p95 in ms."""
    n = len(rows)
    correct = sum(r["ok"] for r in rows)
    out: dict[str, Any] = {"n": n, "correct": correct, "accuracy": round(correct / n, 4) if n else 0.0}
    if latency:
        ms = [r["latency_ms"] for r in rows if r.get("error") is None]
        out.update(p50_ms=round(percentile(ms, 50), 1), p95_ms=round(percentile(ms, 95), 1))
    return out
