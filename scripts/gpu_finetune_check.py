"""GPU check of the LoRA fine-tuning path, offline: run it on a CUDA machine with only the repository and its .venv.

    .venv/bin/python scripts/gpu_finetune_check.py                 # ~50 steps in bf16 on the GPU
    .venv/bin/python scripts/gpu_finetune_check.py --allow-cpu --steps 5 --small   # the same path on a CPU
    # a GPU machine without the planner's dependencies: build here, train there
    .venv/bin/python scripts/gpu_finetune_check.py --prepare-only --workdir gpu-check/
    python3 scripts/gpu_finetune_check.py --prepared --workdir gpu-check/        # on the GPU machine

It builds everything locally (no download: HF_HUB_OFFLINE=1): the SFT data from the routing suite's dev split and
the offline planner's traces, a tiny Qwen2 from a config with a tokenizer trained on that data, then runs
`industrialmind finetune train --device cuda --max-steps N --json` and prints the device, steps/s, peak GPU memory
and the loss curve. Without CUDA it stops at once (exit 3) unless --allow-cpu is given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_parser() -> argparse.ArgumentParser:
    """The script's options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=50, help="optimizer steps to train (default 50)")
    p.add_argument("--allow-cpu", action="store_true", help="run on the CPU when CUDA is unavailable (a dry check)")
    p.add_argument("--small", action="store_true", help="a 2-layer 64-wide model and 24 examples (CPU-sized)")
    p.add_argument("--workdir", type=Path, default=None, help="keep the data, model and adapter here "
                   "(default: a temporary folder, removed at the end)")
    p.add_argument("--prepare-only", action="store_true", help="build the data and the tiny model in --workdir and "
                   "stop (no CUDA needed): for a GPU machine that lacks the planner's dependencies")
    p.add_argument("--prepared", action="store_true", help="train on the sft.jsonl and tiny-qwen2/ already in "
                   "--workdir (made by --prepare-only) instead of building them here")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the check; returns the exit code (0 ok, 3 no CUDA, else the training command's code)."""
    args = make_parser().parse_args(argv)
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[key] = "1"  # nothing may be downloaded: fail instead
    if (args.prepare_only or args.prepared) and args.workdir is None:
        print("error: --prepare-only and --prepared need --workdir DIR", file=sys.stderr)
        return 2
    if args.prepare_only:
        args.workdir.mkdir(parents=True, exist_ok=True)
        prepare(args.workdir, args)
        return 0
    import torch

    cuda = torch.cuda.is_available()
    if not cuda and not args.allow_cpu:
        print(f"error: CUDA is not available (torch {torch.__version__}, built for CUDA {torch.version.cuda}, "
              f"CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r}); this check needs a GPU. "
              "Pass --allow-cpu to run the same path on the CPU.", file=sys.stderr)
        return 3
    device = "cuda" if cuda else "cpu"
    print(f"torch {torch.__version__}, device {device}"
          + (f" ({torch.cuda.get_device_name(0)}, bf16 {torch.cuda.is_bf16_supported()})" if cuda else ""))
    if args.workdir is None:
        with tempfile.TemporaryDirectory(prefix="im-gpu-check-") as tmp:
            return run(Path(tmp), args, device)
    args.workdir.mkdir(parents=True, exist_ok=True)
    return run(args.workdir, args, device)


def prepare(work: Path, args: argparse.Namespace) -> tuple[Path, Path]:
    """Build the SFT data (work/sft.jsonl) and the tiny Qwen2 (work/tiny-qwen2/); returns their paths."""
    from industrialmind.config import get_settings
    from industrialmind.finetune.dataset import build_examples, write_jsonl
    from industrialmind.finetune.tiny import build_tiny_model

    home = work / "im_home"
    os.environ["IM_HOME"] = str(home)
    settings = get_settings(home=home)
    t0 = time.perf_counter()
    cases, teacher = (16, 8) if args.small else (None, None)
    report = build_examples(settings, max_cases=cases, max_teacher=teacher)
    data = write_jsonl(report.examples, work / "sft.jsonl")
    print(f"data: {len(report.examples)} examples in {time.perf_counter() - t0:.1f} s -> {data}")
    t0 = time.perf_counter()
    size = ({"hidden_size": 64, "layers": 2, "vocab_size": 1024} if args.small
            else {"hidden_size": 256, "layers": 4, "vocab_size": 4096})
    base = build_tiny_model(work / "tiny-qwen2", report.examples, **size)
    print(f"tiny Qwen2 {size} built in {time.perf_counter() - t0:.1f} s -> {base}")
    return data, base


def run(work: Path, args: argparse.Namespace, device: str) -> int:
    """Build data and model under work (or reuse prepared ones), train through the CLI, print the figures."""
    if args.prepared:
        data, base = work / "sft.jsonl", work / "tiny-qwen2"
        if not data.is_file() or not (base / "config.json").is_file():
            print(f"error: --prepared needs {data} and {base}/config.json (run --prepare-only first)", file=sys.stderr)
            return 2
        os.environ["IM_HOME"] = str(work / "im_home")
    else:
        data, base = prepare(work, args)
    out = work / "adapter"
    cmd = [sys.executable, "-c", "from industrialmind.cli import main; main()", "finetune", "train",
           "--base", str(base), "--data", str(data), "--out", str(out), "--max-steps", str(args.steps),
           "--device", device, "--grad-accum", "1", "--batch-size", "4" if device == "cuda" else "1",
           "--learning-rate", "5e-3", "--save-steps", str(max(args.steps // 2, 1)), "--overwrite", "--json"]
    print("running:", " ".join(cmd[3:]))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"error: `finetune train` exited with {proc.returncode}", file=sys.stderr)
        return proc.returncode
    result = json.loads(proc.stdout)
    print(f"\ndevice {result['device']} ({result['gpu'] or 'no GPU'}), bf16 {result['bf16']}, "
          f"assistant-only loss {result['assistant_only_loss']}")
    print(f"steps {result['global_step']} in {result['seconds']} s: {result['steps_per_second']} steps/s "
          f"(command wall time {wall:.1f} s, with imports and tokenization)")
    print(f"peak GPU memory: {result['peak_gpu_memory_mb']} MiB" if result["peak_gpu_memory_mb"] is not None
          else "peak GPU memory: n/a (CPU)")
    print(f"examples {result['examples']}, max length {result['max_length']} tokens, trainable params "
          f"{result['trainable_params']:,} of {result['total_params']:,}")
    val = result.get("validation") or {}
    print(f"validation loss {val.get('loss')} on {val.get('examples')} held-back rows")
    print("loss curve (step: loss):")
    for entry in result["loss_curve"]:
        print(f"  {entry['step']:>4}: {entry['loss']:.4f}")
    # single steps are noisy (each sees other rows): compare the first and last fifth of the curve
    losses = [e["loss"] for e in result["loss_curve"]]
    k = max(len(losses) // 5, 1)
    head, tail = sum(losses[:k]) / k, sum(losses[-k:]) / k
    ok = tail < head
    print(f"loss {'decreased' if ok else 'did NOT decrease'}: mean of the first {k} step(s) {head:.4f} -> "
          f"last {k} {tail:.4f}")
    print("files:", ", ".join(sorted(p.name for p in out.iterdir())))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
