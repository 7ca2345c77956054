"""IndustrialMind: tools."""
