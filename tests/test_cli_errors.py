"""Bad invocations through the real entry point: each exits 2 with one 'error:' line and no traceback.

Every case runs `python -m industrialmind ...` in a fresh IM_HOME; files it names are made in the test's temp folder
(`{tmp}`): `junk.bin` (random bytes), `empty.csv`, `emptydir/`. Servers are closed loopback ports (127.0.0.1:9).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # one fresh `python -m industrialmind` process per case, ~30 cases

CLOSED = "127.0.0.1:9"

CASES = [
    # (id, argv, extra environment, a phrase the message must contain)
    ("unknown-command", ["no-such-command"], {}, "No such command"),
    ("option-without-value", ["detect", "--asset"], {}, "requires an argument"),
    ("bad-int-setting", ["config"], {"IM_WEB_PORT": "abc"}, "IM_WEB_PORT='abc'"),
    ("missing-csv", ["import", "csv", "{tmp}/nope.csv", "--asset", "X"], {}, "does not exist"),
    ("binary-csv", ["import", "csv", "{tmp}/junk.bin", "--asset", "X"], {}, "binary, not text"),
    ("empty-fmea", ["import", "fmea", "{tmp}/empty.csv"], {}, "is empty"),
    ("folder-as-csv", ["detect", "--csv", "{tmp}/emptydir"], {}, "is not a file"),
    ("huge-days", ["simulate", "--days", "1e9"], {}, "--days must be more than 0"),
    ("zero-timeout", ["graph", "query", "MATCH (n) RETURN n", "--timeout", "0"], {}, "--timeout 0"),
    ("zero-top", ["docs", "search", "pump", "--top", "0"], {}, "--top"),
    ("folder-without-docs", ["docs", "add", "{tmp}/emptydir"], {}, "no documents in the folder"),
    ("empty-suite", ["eval", "routing", "--suite", "{tmp}/empty.csv"], {}, "has no cases"),
    ("binary-suite", ["eval", "routing", "--suite", "{tmp}/junk.bin"], {}, "not UTF-8"),
    ("save-to-folder", ["bench", "storage", "--save", "{tmp}/emptydir"], {}, "is a folder"),
    ("empty-question", ["ask", " "], {}, "question is empty"),
    ("unknown-llm", ["ask", "hi", "--llm", "foo"], {}, "valid forms"),
    ("zero-epochs", ["train", "--asset", "P-101", "--epochs", "0"], {}, "--epochs"),
    ("port-out-of-range", ["web", "--no-init", "--port", "99999"], {}, "not a TCP port"),
    ("unreachable-mlflow", ["models"], {"IM_MLFLOW_URI": f"http://{CLOSED}"}, "IM_MLFLOW_URI"),
    ("unreachable-postgres", ["assets"], {"IM_RECORDS_URL": f"postgresql://u:secret@{CLOSED}/db"}, "unreachable"),
    ("unreachable-neo4j", ["graph", "related", "P-101"], {"IM_GRAPH_URL": f"neo4j://u:secret@{CLOSED}"},
     "IM_GRAPH_URL"),
    ("unknown-timeseries-url", ["simulate", "--days", "0.01"], {"IM_TIMESERIES_URL": "foo://x"}, "valid choices"),
    ("timeseries-under-a-file", ["simulate", "--days", "0.01"],
     {"IM_TIMESERIES_URL": "duckdb:///{tmp}/empty.csv/ts.duckdb"}, "a file is in the way"),
    ("non-numeric-port", ["simulate", "--days", "0.01"], {"IM_TIMESERIES_URL": "influxdb://u:secret@127.0.0.1:x/db"},
     "the port"),
    ("home-is-a-file", ["assets"], {"IM_HOME": "{tmp}/empty.csv"}, "is a file, not a folder"),
    ("unknown-mlflow-scheme", ["models"], {"IM_MLFLOW_URI": "sqlit:///x.db"}, "did you mean 'sqlite'"),
]


@pytest.mark.parametrize("argv, env, phrase", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_bad_input_is_one_error_line(tmp_path: Path, argv: list[str], env: dict[str, str], phrase: str) -> None:
    """The bad invocation exits 2, prints exactly one 'error:' line naming the problem, no traceback, no secret."""
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "emptydir").mkdir()
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    extra = {k: v.replace("{tmp}", str(tmp_path)) for k, v in env.items()}
    out = subprocess.run([sys.executable, "-m", "industrialmind", *args], capture_output=True, text=True,
                         env={**os.environ, **extra}, timeout=60, check=False)
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2, (args, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    assert lines and lines[-1].startswith("error: ") and sum(line.startswith("error:") for line in lines) == 1, lines
    assert phrase in lines[-1] and "secret" not in out.stderr, lines[-1]
