"""IndustrialMind: knowledge."""
