"""IndustrialMind: plant/importers."""
