"""Counter-based randomness for the simulator: every random number is a pure function of (seed, series, time).

No generator state is carried from one sample to the next, so the value of a series at a timestamp never depends
on the window or the chunking that asked for it (the live stream and the backfill agree point for point).
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV_2_53 = 1.0 / float(1 << 53)


def key(*parts: object) -> int:
    """A stable 64-bit key for a tuple of names and numbers (not Python's salted hash())."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser over a uint64 array: a bijection whose outputs look independent for adjacent inputs."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _counters(series_keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Combine per-series keys (S,) with integer counters (T,) into a (T, S) uint64 array of hashes."""
    c = np.asarray(counters).astype(np.int64).view(np.uint64)
    with np.errstate(over="ignore"):
        return mix(mix(c * _M2)[:, None] ^ np.asarray(series_keys, dtype=np.uint64)[None, :])


def uniform(series_keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) numbers of shape (T, S), one per (counter, series)."""
    return (_counters(series_keys, counters) >> np.uint64(11)).astype(np.float64) * _INV_2_53


def normal(series_keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Standard normal numbers of shape (T, S) (Box-Muller over two counter-based uniforms)."""
    h = _counters(series_keys, counters)
    u1 = ((h >> np.uint64(11)).astype(np.float64) + 0.5) * _INV_2_53
    # the second uniform comes from a re-mix of the same hash: still a pure function of (series, counter)
    u2 = (mix(h) >> np.uint64(11)).astype(np.float64) * _INV_2_53
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def smooth_noise(series_keys: np.ndarray, t_s: np.ndarray, period_s: int) -> np.ndarray:
    """Smooth random wander in about [-1, 1], shape (T, S): normal knots every period_s seconds, eased between.

    Knots sit at absolute multiples of period_s, so any window sees the same curve.
    """
    t = np.asarray(t_s, dtype=np.int64)
    k0 = np.floor_divide(t, period_s)
    frac = (t - k0 * period_s) / period_s
    frac = frac * frac * (3.0 - 2.0 * frac)  # smoothstep: no kinks at knots
    knots = np.arange(k0.min(), k0.max() + 2, dtype=np.int64) if t.size else np.zeros(0, dtype=np.int64)
    values = normal(series_keys, knots) * 0.5
    i = (k0 - (knots[0] if knots.size else 0)).astype(np.intp)
    v0 = values[i]
    v1 = values[i + 1]
    return v0 + (v1 - v0) * frac[:, None]
