"""The live pipeline: the simulator's producer onto Kafka, the ingest consumer group into the time-series store,
the streaming anomaly scorer, and `up`, the supervisor that runs them together; `commands.py` is their CLI.

The stores it moves data between live in `industrialmind.stores` (streams, the embedded broker, time series,
records); the models it scores with live in `industrialmind.models`.
"""
