"""The domain: the asset model, the demo plant, the simulator and importers for real plant data."""
