"""IndustrialMind: evals."""
