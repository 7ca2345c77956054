"""Unit tests of the web adapters: chart spec -> Plotly figure, tool result -> table, passages -> citations."""

from __future__ import annotations

from industrialmind.ui import _web_render as render

SPEC = {
    "type": "line", "title": "P-101 Vibration DE", "x_title": "time (UTC)", "y_title": "Vibration DE (mm/s)",
    "series": [{"name": "vibration_de", "x": ["2026-11-25T00:00:00+00:00", "2026-11-25T01:00:00+00:00",
                                               "2026-11-25T02:00:00+00:00"], "y": [2.0, 2.5, 7.5]}],
    "normal_range": [0.5, 4.5],
    "shapes": [{"start": "2026-11-25T01:30:00+00:00", "end": "2026-11-25T02:00:00+00:00", "label": "bearing wear",
                "kind": "anomaly", "severity": "warning"},
               {"start": "2026-11-25T01:10:00+00:00", "end": None, "label": "high vibration", "kind": "alarm",
                "severity": "critical"}],
}


def test_chart_figure_draws_series_shading_and_alarm_markers():
    """A chart spec becomes a line trace per series, a shaded rectangle per anomaly and a marker per alarm."""
    fig = render.chart_figure(SPEC)
    names = [t.name for t in fig.data]
    assert names == ["vibration_de", "alarms"]
    assert list(fig.data[0].y) == [2.0, 2.5, 7.5]
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 1 and rects[0].x0 == "2026-11-25T01:30:00+00:00"
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert {s.y0 for s in lines} == {0.5, 4.5}
    assert list(fig.data[1].y) == [2.5]  # the alarm sits on the line at the value just before it
    assert fig.layout.title.text == "P-101 Vibration DE"


def test_merge_charts_combines_sensors_and_drops_a_mixed_normal_range():
    """Several sensor_history charts become one chart with every series; differing normal ranges are dropped."""
    other = {**SPEC, "title": "P-101 Bearing temperature", "y_title": "Bearing temperature (degC)",
             "normal_range": [20, 80], "shapes": [],
             "series": [{"name": "bearing_temp", "x": SPEC["series"][0]["x"], "y": [50, 51, 52]}]}
    merged = render.merge_charts([SPEC, other])
    assert [s["name"] for s in merged["series"]] == ["P-101 vibration_de", "P-101 bearing_temp"]
    assert merged["normal_range"] == [None, None]
    assert len(merged["shapes"]) == 2
    fig = render.chart_figure(merged)
    assert len([t for t in fig.data if t.mode == "lines"]) == 2


def test_step_output_renders_records_as_a_markdown_table_with_sources():
    """A result holding readings shows its summary, a Markdown table of scalar columns and the sources."""
    result = {"summary": "P-101 latest: vibration_de 7.5 mm/s", "readings": [
        {"sensor": "vibration_de", "value": 7.51234, "unit": "mm/s", "ts": "2026-11-25T02:00:00+00:00",
         "status": "high", "limits": {"x": 1}},
        {"sensor": "flow", "value": 120.0, "unit": "m3/h", "ts": "2026-11-25T02:00:00+00:00", "status": "normal",
         "limits": {"x": 1}}], "sources": ["timeseries:P-101"]}
    text = render.step_output(result)
    assert text.startswith("P-101 latest")
    assert "| sensor | value | unit | ts | status |" in text
    assert "| vibration_de | 7.512 | mm/s | 2026-11-25 02:00 | high |" in text
    assert "limits" not in text
    assert "Sources: `timeseries:P-101`" in text


def test_markdown_table_says_how_many_rows_were_cut():
    """A long list is cut to the limit with a line counting the rest; pipes in cells are escaped."""
    rows = [{"id": f"A-{i}", "name": "a|b"} for i in range(20)]
    text = render.markdown_table(rows, max_rows=5)
    assert text.count("\n| A-") == 5
    assert "15 more row(s)" in text
    assert "a\\|b" in text


def test_step_output_shows_an_error_with_valid_choices():
    """An error result shows the message and the valid choices rather than a summary."""
    text = render.step_output({"error": "unknown asset 'P-1O1'; did you mean 'P-101'?", "valid": ["P-101"],
                               "summary": "bad"})
    assert "**Error:** unknown asset 'P-1O1'" in text and "`P-101`" in text


def test_passages_markdown_quotes_each_passage_with_its_citation():
    """Document passages are numbered quotes, each headed by its citation (given, or title and section)."""
    result = {"passages": [
        {"text": "Check suction pressure.\nCavitation sounds like gravel.", "citation": "KSB Etanorm manual, §4.2"},
        {"text": "Replace the bearing every 20k h.", "title": "P-101 maintenance log", "section": "2025-03"}]}
    text = render.passages_markdown(result)
    assert "**[1] KSB Etanorm manual, §4.2**\n> Check suction pressure.\n> Cavitation sounds like gravel." in text
    assert "**[2] P-101 maintenance log, 2025-03**" in text


def test_cell_text_formats_numbers_times_and_lists():
    """Cells: floats to 4 significant digits, ISO times to the minute, lists joined, None empty."""
    assert render.cell_text(3.14159) == "3.142"
    assert render.cell_text("2026-11-25T02:00:00+00:00") == "2026-11-25 02:00"
    assert render.cell_text(["a", "b"]) == "a, b"
    assert render.cell_text(None) == ""


def test_citation_text_formats_a_structured_citation():
    """A citation given as a dict (retrieval's shape) reads as 'title, section' or 'title, p. N', never as a dict."""
    section = {"citation": {"doc": "failure-modes-DEMO", "title": "Riverside Process Plant failure modes",
                            "section": "bearing_de", "page": None, "chunk_id": "x", "source": "demo"}}
    page = {"citation": {"doc": "manual-ksb", "title": "KSB Etanorm manual", "section": None, "page": 12}}
    assert render.citation_text(section) == "Riverside Process Plant failure modes, bearing_de"
    assert render.citation_text(page) == "KSB Etanorm manual, p. 12"
