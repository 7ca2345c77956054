"""The offline planner's word lists are data (agent/_planner/lexicon/*.yaml): they load and hold together (no
duplicate, no word YAML reads as something else, no named difference that contradicts the set it narrows), the
planner has one stop-word set and one stemmer, editing a lexicon file changes the router's cache key, and no
planner module holds a literal word table any more."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from industrialmind.agent._planner import lexicon
from industrialmind.agent._planner.entities import ASSET_SLOT, LINE_SLOT, TIME_SLOT, TYPE_SLOT
from industrialmind.agent._planner.framing import ANOMALY, CAUSE, DESCRIBE, DOCS, FLOW, NOW
from industrialmind.agent._planner.intents import _lex_key, cache_key, training_examples
from industrialmind.agent._planner.specs import ToolSpec
from industrialmind.agent._planner.text import stem

PLANNER = Path(lexicon.__file__).parent
SHIPPED = lexicon.DIRECTORY
MODULES = sorted(PLANNER.glob("*.py")) + [PLANNER.parent / "planner.py"]
# literal tuples that are code, not English: the names of the router's cue features
CODE_TABLES = {"CUE_NAMES"}
MOST_WORDS = 8  # a literal list longer than this in a planner module is a word table: it belongs in lexicon/


@pytest.fixture
def lexicon_copy(tmp_path, monkeypatch):
    """A copy of the lexicon files the planner reads instead, for as long as the test runs."""
    folder = tmp_path / "lexicon"
    shutil.copytree(SHIPPED, folder)
    monkeypatch.setattr(lexicon, "DIRECTORY", folder)
    lexicon.reload()
    yield folder
    monkeypatch.undo()
    lexicon.reload()


# --- the files -------------------------------------------------------------------------------------------------
def test_the_lexicon_files_load_and_hold_together():
    """Every file parses to a mapping, no list holds a word twice or a non-word (an unquoted 'on' is True), and no
    named difference contradicts its set (a kept stop word that is no stop word, a subset outside its set)."""
    names = [p.stem for p in sorted(SHIPPED.glob("*.yaml"))]
    assert {"stopwords", "stemming", "shorthand", "frames", "shapes", "synonyms", "examples", "pools"} <= set(names)
    assert lexicon.problems() == []
    for name in names:
        assert isinstance(lexicon.table(name), dict)


def test_every_lexicon_file_says_what_it_is_for_and_the_rule():
    """Each file opens with a comment saying what it is for, and the rule: a new way of asking becomes a suite
    case, and a fix goes into the mechanism, not a phrase table."""
    for path in sorted(SHIPPED.glob("*.yaml")):
        head = " ".join(line.lstrip("# ") for line in path.read_text().splitlines()[:14] if line.startswith("#"))
        assert len(head.split(".")[0].split()) >= 4, path.name
        assert "a new way of asking becomes a case of the routing suite" in head, path.name
        assert "a fix goes into the mechanism, not into a phrase table" in head, path.name


def test_problems_names_a_duplicate_a_non_word_and_a_contradiction(lexicon_copy):
    """The check finds what an edit can break: a word twice, a word YAML reads as a boolean (an unquoted on), and
    then, once the lists are sound, a kept stop word that is no stop word and a shape with an unknown slot."""
    stop = lexicon_copy / "stopwords.yaml"
    sound = stop.read_text()
    assert "  phrases: [the, a," in sound
    stop.write_text(sound.replace("  phrases: [the, a,", "  phrases: [the, the, on, a,"))
    lexicon.reload()
    found = "\n".join(lexicon.problems())
    assert "'the' twice" in found and "True is no word" in found
    stop.write_text(sound.replace("  routing: [again,", "  routing: [zebra, again,"))
    shapes = lexicon_copy / "shapes.yaml"
    assert "  - why would {a} {v}\n" in shapes.read_text()  # (a shape is a plain YAML string)
    shapes.write_text(shapes.read_text().replace("  - why would {a} {v}\n", "  - why would {a} {z}\n"))
    lexicon.reload()
    found = "\n".join(lexicon.problems())
    assert "keep.routing" in found and "zebra" in found
    assert "unknown slot ['z']" in found


def test_the_themes_are_frames_the_planner_knows():
    """A docstring theme in frames.yaml names one of the frames the mechanism acts on."""
    assert set(lexicon.table("frames")["themes"]) <= {CAUSE, DOCS, NOW, FLOW, DESCRIBE, ANOMALY}


# --- one stop-word set, one stemmer ------------------------------------------------------------------------------
def test_one_stop_word_set_read_by_each_caller_with_its_named_difference():
    """Every caller's stop words come from the one set: less what it keeps, or only the few it drops."""
    data = lexicon.table("stopwords")
    words = set(data["words"])
    for caller in ("routing", "arguments"):
        assert lexicon.stopwords(caller) == words - set(data["keep"][caller])
    for caller in data["only"]:
        assert lexicon.stopwords(caller) <= words
    assert lexicon.stopwords() == words


def test_the_router_skips_its_slot_words_and_reads_what_names_a_tool():
    """The router's text carries slots ('X', 'the line', 'machines', 'over a period'): none of their words counts
    as a word of a tool. 'current' and 'why' do (current values, causes)."""
    routing = lexicon.stopwords("routing")
    for slot in (ASSET_SLOT, LINE_SLOT, TYPE_SLOT, TIME_SLOT):
        assert set(slot.lower().split()) <= routing, slot
    assert not {"current", "why"} & routing
    assert {"line", "not", "no"}.isdisjoint(lexicon.stopwords("arguments"))  # 'not starting', 'line 4'


def test_one_stemmer():
    """One stemming function: the lexical channel keys words by its stem's first letters, and no planner module
    defines another."""
    assert stem("causes") == stem("cause") == "caus"
    assert stem("feeds") == "feed" and stem("retraining") == "retrain" and stem("flow") == "flow"
    assert _lex_key("procedures") != _lex_key("process")
    assert _lex_key("causes") == _lex_key("cause")
    stemmers = [f"{path.name}:{node.name}" for path in MODULES for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.FunctionDef) and "stem" in node.name.lower()]
    assert stemmers == ["text.py:stem"]


# --- the router's cache ------------------------------------------------------------------------------------------
def _key() -> str:
    specs = [ToolSpec(name="get_thing", description="Describe one asset. Use it for 'what is X'.",
                      params={"asset_id": {"type": "string"}}, required=[])]

    class Embedder:
        name = "fake"

    texts, labels, cues, classes = training_examples(specs, per_tool=20)
    return cache_key([texts, labels, cues, classes], Embedder())


def test_the_router_cache_key_changes_when_a_lexicon_file_changes(lexicon_copy):
    """Editing a word list retrains the router: the lexicon files' contents are part of its cache key, even where
    the edit does not change the generated examples (a stop word of the lexical channel)."""
    before = _key()
    assert _key() == before
    stop = lexicon_copy / "stopwords.yaml"
    stop.write_text(stop.read_text().replace("words: [a, about,", "words: [a, aboard, about,"))
    lexicon.reload()
    assert _key() != before
    shutil.copy(SHIPPED / "stopwords.yaml", stop)  # edited back: the same key again
    lexicon.reload()
    assert _key() == before


# --- no word tables in the code ----------------------------------------------------------------------------------
def _branches(pattern: str) -> int:
    """The most alternatives of one group in a regular expression (0 when it is no regular expression)."""
    try:
        import re._parser as parser  # Python 3.11+
        from re._constants import BRANCH
    except ImportError:  # pragma: no cover
        import sre_parse as parser  # type: ignore[no-redef]
        from sre_constants import BRANCH  # type: ignore[no-redef]
    try:
        tree = parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return 0
    most = 0

    def walk(items) -> None:
        nonlocal most
        for op, av in items:
            if op is BRANCH:
                most = max(most, len(av[1]))
            for x in av if isinstance(av, (tuple, list)) else [av]:
                if isinstance(x, parser.SubPattern):
                    walk(x)
                elif isinstance(x, (tuple, list)):
                    for y in x:
                        if isinstance(y, parser.SubPattern):
                            walk(y)

    walk(tree)
    return most


def _word_tables(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    allowed = {id(node.value) for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
               for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
               if isinstance(t, ast.Name) and t.id in CODE_TABLES}
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        size, what = 0, ""
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            size, what = sum(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts), "list"
        elif isinstance(node, ast.Dict):
            size, what = max(sum(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys),
                             sum(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in node.values)), \
                "dict"
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split"
              and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)):
            size, what = len(node.func.value.value.split()), "split string"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and "|" in node.value:
            size, what = _branches(node.value), "regex alternation"
        if size > MOST_WORDS:
            found.append((node.lineno, f"{path.name}:{node.lineno}: a {what} of {size} words"))
    return [f for _, f in sorted(found)]


def test_no_planner_module_holds_a_word_table():
    """The mechanism is in the modules, the words in lexicon/: no literal list, set, dict, split string or regular
    expression alternation of more than a few words in the planner's code (tuples of field names are code)."""
    found = [f for path in MODULES for f in _word_tables(path)]
    assert found == [], "move these to agent/_planner/lexicon/*.yaml:\n" + "\n".join(found)


def test_the_table_check_sees_a_word_table(tmp_path):
    """The check above is not blind: a word list, a split string and a word alternation are each found, and a
    tuple of code names is let through."""
    sample = tmp_path / "sample.py"
    sample.write_text('A = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]\n'
                      'B = set("""a b c d e f g h i""".split())\n'
                      'C = r"\\b(a|b|cc|d|e|f|g|h|ii)\\b"\n'
                      'CUE_NAMES = ("a", "b", "c", "d", "e", "f", "g", "h", "i")\n')
    found = _word_tables(sample)
    assert [f.split(": ", 1)[1] for f in found] == ["a list of 9 words", "a split string of 9 words",
                                                    "a regex alternation of 9 words"]
