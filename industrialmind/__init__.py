"""IndustrialMind: an assistant for plant operations and maintenance."""
__version__ = "0.1.0"
