"""The DuckDB backend's own behaviour: URLs, lazy files, held connections and the one-writer lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from industrialmind.errors import BackendUnavailableError, ConfigError
from industrialmind.stores.timeseries import TimeSeriesStore, open_timeseries
from tests.stores.test_timeseries import make_points


def test_open_timeseries_picks_duckdb_by_scheme(tmp_path: Path):
    """A duckdb:/// URL opens the DuckDB backend, which satisfies the TimeSeriesStore protocol."""
    store = open_timeseries(f"duckdb:///{tmp_path / 'a.duckdb'}")
    assert isinstance(store, TimeSeriesStore)
    assert store.path == str(tmp_path / "a.duckdb")


def test_open_timeseries_rejects_unknown_scheme():
    """An unknown scheme raises ConfigError naming the valid URL forms."""
    with pytest.raises(ConfigError, match="duckdb:///.*influxdb://"):
        open_timeseries("mongodb://localhost/x")


def test_duckdb_read_does_not_create_the_file(tmp_path: Path):
    """Reading a store whose file does not exist returns nothing and leaves no file behind."""
    path = tmp_path / "none.duckdb"
    store = open_timeseries(f"duckdb:///{path}")
    assert store.count() == 0 and store.latest("P-101").empty
    assert not path.exists()


def test_duckdb_memory_store_works():
    """duckdb:///:memory: holds points for the life of the store."""
    store = open_timeseries("duckdb:///:memory:")
    store.write(make_points(minutes=3))
    assert store.count() == 6
    store.close()


def test_duckdb_releases_the_file_between_calls(tmp_path: Path):
    """Without keep_open, another process can read the file right after a write returns."""
    path = tmp_path / "ts.duckdb"
    store = open_timeseries(f"duckdb:///{path}")
    store.write(make_points(minutes=5))
    code = f"import duckdb; print(duckdb.connect({str(path)!r}, read_only=True).execute('select count(*) from points').fetchone()[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "10", out.stderr


def test_duckdb_lock_held_elsewhere_is_one_clear_error(tmp_path: Path):
    """When another process holds the file, a call fails after lock_timeout naming the file and DuckDB's rule."""
    path = tmp_path / "ts.duckdb"
    open_timeseries(f"duckdb:///{path}").write(make_points(minutes=2))
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print('held', flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        store = open_timeseries(f"duckdb:///{path}", lock_timeout=0.3)
        with pytest.raises(BackendUnavailableError) as info:
            store.count()
        message = str(info.value)
        assert str(path) in message and "one writing process" in message and "\n" not in message
        assert f"PID {holder.pid}" in message
    finally:
        holder.kill()
        holder.wait()


def test_duckdb_keep_open_reuses_one_connection(tmp_path: Path):
    """keep_open holds one connection across calls until close."""
    store = open_timeseries(f"duckdb:///{tmp_path / 'k.duckdb'}", keep_open=True)
    store.write(make_points(minutes=2))
    held = store._con
    assert held is not None
    store.write(make_points(minutes=2, seed=2))
    assert store._con is held and store.count() == 4
    store.close()
    assert store._con is None


@pytest.mark.slow  # a writer in another process
def test_duckdb_reader_elsewhere_works_while_a_writer_runs(tmp_path: Path):
    """While another process writes batch after batch, this process's reads all succeed (waiting out each batch)."""
    path = tmp_path / "ts.duckdb"
    open_timeseries(f"duckdb:///{path}").write(make_points(minutes=1))
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from industrialmind.stores.timeseries import open_timeseries
        from tests.stores.test_timeseries import make_points
        store = open_timeseries({f"duckdb:///{path}"!r})
        print('writing', flush=True)
        for i in range(15):
            store.write(make_points(minutes=60, seed=i, start=__import__('pandas').Timestamp('2026-11-02T00:00Z')
                                    + __import__('pandas').Timedelta(hours=i)))
        print('done', flush=True)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
        reader = open_timeseries(f"duckdb:///{path}", lock_timeout=30)
        counts = []
        while True:  # read at least once, then until the writer is done
            counts.append(reader.count())
            if writer.poll() is not None:
                break
        assert writer.wait(timeout=60) == 0
        assert counts == sorted(counts) and counts[0] >= 2
        assert reader.count() == 2 + 15 * 120
    finally:
        writer.kill()
        writer.wait()


@settings(max_examples=25, deadline=None)
@given(interval_s=st.integers(min_value=1, max_value=3 * 86400), offset_s=st.integers(min_value=0, max_value=86400),
       span_s=st.integers(min_value=60, max_value=6 * 3600))
def test_duckdb_downsample_matches_pandas_for_any_interval(interval_s, offset_s, span_s):
    """For any interval and window, buckets equal pandas' epoch-aligned floor grouping of the same points."""
    import pandas as pd

    points = make_points(sensors=("flow",), minutes=8 * 60, period="37s")
    store = open_timeseries("duckdb:///:memory:")
    store.write(points)
    start = points["ts"].min() + pd.Timedelta(seconds=offset_s % (4 * 3600))
    end = start + pd.Timedelta(seconds=span_s)
    interval = pd.Timedelta(seconds=interval_s)
    got = store.downsample("P-101", ["flow"], start.to_pydatetime(), end.to_pydatetime(), interval.to_pytimedelta())
    sel = points[(points.ts >= start) & (points.ts < end)].copy()
    epoch = pd.Timestamp(0, tz="UTC")
    sel["bucket"] = epoch + ((sel["ts"] - epoch) // interval) * interval
    want = sel.sort_values("ts").groupby("bucket")["value"].agg(["mean", "min", "max", "last", "count"])
    assert got["ts"].tolist() == want.index.tolist()
    assert got["count"].tolist() == want["count"].tolist()
    assert got["last"].to_numpy() == pytest.approx(want["last"].to_numpy())
    assert got["mean"].to_numpy() == pytest.approx(want["mean"].to_numpy())
    store.close()
