"""IndustrialMind: finetune."""
