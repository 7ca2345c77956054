"""scripts/gpu_finetune_check.py: without CUDA it stops at once with a message saying why and how to run on a CPU."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_finetune_check.py"


def test_gpu_check_fails_fast_without_cuda():
    """With no GPU the script exits 3 before building anything, naming CUDA and the --allow-cpu flag."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here, so the script would run its GPU check")
    proc = subprocess.run([sys.executable, str(SCRIPT)], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3
    assert "CUDA is not available" in proc.stderr and "--allow-cpu" in proc.stderr
    assert "data:" not in proc.stdout
