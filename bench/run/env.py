"""Where a result is measured: the device, its synchronization, the environment record.

Public:
    DEVICES                         the names ``--device`` accepts: auto, cpu, cuda
    resolve_device(name) -> str     ``auto`` → ``cuda`` when a GPU is usable, else ``cpu``;
                                    ``cuda`` without a GPU raises :class:`BenchError`
    synchronize(device)             wait for queued kernels (a no-op on the CPU)
    utcnow() -> str                 the current UTC time, ISO 8601
    environment(device="cpu") -> dict
                                    torch version, threads, CPU, harness version, commit,
                                    device (with the GPU's name)
    tune_allocator()                keep freed CPU tensors' memory for reuse (glibc only)
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

from bench.errors import BenchError
from bench.records import utcnow
from bench.version import __version__

__all__ = ["DEVICES", "environment", "resolve_device", "synchronize", "tune_allocator", "utcnow"]

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> str:
    """Turn a ``--device`` value into the device cells run on.

    Args:
        name: ``auto``, ``cpu`` or ``cuda``.

    Returns:
        ``cpu`` or ``cuda``.

    Raises:
        BenchError: an unknown name, or ``cuda`` on a machine where no GPU is usable.
    """
    if name not in DEVICES:
        raise BenchError(f"unknown device {name!r}; valid: {', '.join(DEVICES)}")
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        build = torch.version.cuda
        why = (
            f"torch {torch.__version__} is a CPU-only build"
            if build is None
            else f"torch {torch.__version__} (CUDA {build}) finds no usable GPU"
        )
        raise BenchError(
            f"--device cuda: {why}; run with --device cpu (or auto), or install a CUDA build "
            "of torch on a machine with an NVIDIA GPU"
        )
    return name


@functools.cache
def tune_allocator() -> bool:
    """Let glibc's malloc reuse freed memory instead of returning it to the system.

    The probes and batched forward passes allocate tensors of several MB, above glibc's
    mmap threshold: each one used to come fresh from the kernel, page by page, which cost
    more than the arithmetic on it (an elementwise op on 12 MB took 12× longer). Raising
    the mmap and trim thresholds keeps such blocks in the heap. Process-wide, once; a
    no-op where the C library is not glibc.

    Returns:
        Whether the thresholds were set.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
        return bool(
            libc.mallopt(m_mmap_threshold, 32 * 2**20) and libc.mallopt(m_trim_threshold, 2**30)
        )
    except (OSError, AttributeError):
        return False


def synchronize(device: str | torch.device) -> None:
    """Block until the device has finished its queued work (timings must include it)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


@functools.cache
def _static_env() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short=12", "HEAD"],
                cwd=Path(__file__).resolve().parent,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "harness": __version__,
        "commit": commit,
    }


@functools.cache
def _device_name(device: str) -> str:
    if torch.device(device).type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"


def environment(device: str = "cpu") -> dict[str, Any]:
    """Describe where a result was measured (threads are read now: workers set them).

    Args:
        device: the device the result was computed on.

    Returns:
        A JSON-ready dict: torch, python, platform, cpu, cpu_count, harness, commit,
        threads, device.
    """
    return {**_static_env(), "threads": torch.get_num_threads(), "device": _device_name(device)}
