"""IndustrialMind: models."""
