"""IndustrialMind: agent."""
