"""Benchmarks: each module `industrialmind/bench/<name>.py` offers run(settings, **options) -> dict and render(result)."""
