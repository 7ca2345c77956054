"""IndustrialMind: ui."""
