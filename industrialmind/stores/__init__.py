"""Stores: one module per kind (timeseries, streams, graph, vectors, records); each a Protocol and its backends chosen by URL."""
