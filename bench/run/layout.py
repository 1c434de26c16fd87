"""Memory layouts and settings that make a member's arithmetic independent of its stack.

Public:
    ROWS                    a member's row count (samples) is padded to a multiple of this
    ELEMENTS                a member's block of a flat optimizer buffer is padded to a multiple
                            of this
    padded(n, multiple=ROWS) -> int
                            ``n`` rounded up to a multiple
    pad_rows(x) -> Tensor   (K, n, …) → (K, padded(n), …): the first row repeated as filler
    aligned(numel) -> bool  whether blocks of ``numel`` float32 elements, side by side, all
                            start on 64-byte boundaries
    aligned_bmm(a, b) -> Tensor
                            ``torch.bmm`` whose per-member output blocks start aligned
    chunk_rows(per_sample, device) -> int
                            rows per evaluation or probe chunk: a function of one member's
                            sample size and the device, never of K
    deterministic(device)   context manager: one intra-op thread on the CPU; deterministic
                            algorithms on CUDA

A result must not depend on how many members shared its stack (``--max-members``,
``--no-batch``, a resume). Three things in PyTorch's CPU kernels would make it depend:

- *Vector tails.* An elementwise kernel runs SIMD over whole vectors and a scalar loop
  over the last few elements of a contiguous run, and the two can round differently
  (ELU, SELU, GELU, SiLU, Mish, Softplus, sigmoid, tanh; and fused Adam). Stacked
  members are one contiguous run, so the tail would fall on different elements for
  different K. With every member's row count a multiple of :data:`ROWS` (32 floats, two
  AVX-512 vectors), every (K, rows, …) tensor splits into whole vectors at member
  boundaries: no element of any member falls in a tail, whatever K. Parameters, whose
  member blocks have no row dimension, are updated in flat buffers whose member blocks
  are padded to :data:`ELEMENTS` (:mod:`bench.run.optim`).
- *Output alignment.* MKL's batched matmul rounds differently when a member's output
  block does not start on a 64-byte boundary. Row counts that are multiples of ROWS align
  every (K, rows, …) output; the weight gradient (K, in, out) is written into padded
  blocks by :func:`aligned_bmm`.
- *Threads.* Several intra-op threads split elementwise kernels and reductions at
  boundaries that depend on the tensor's total size. :func:`deterministic` runs the loop
  on one thread (the ``local`` and ``dask`` executors' workers did already; the serial
  executor now does too).

Padded rows are copies of a real row: they pass through the network like any sample, and
the loss, the scores, the probes and batch norms' statistics read the real rows only, so
padding changes no quantity a member reports; it only fixes where its numbers sit in memory.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

ROWS = 32
ELEMENTS = 64
_ALIGN = 16  # floats: a 64-byte boundary for float32 output blocks
# elements per member and layer tensor in one evaluation or probe chunk: on a CPU the
# probes' elementwise passes then run in cache for a few stacked members; on a GPU each
# kernel gets a large slice of work
CHUNK_ELEMENTS = {"cpu": 2**15, "cuda": 2**16}


def padded(n: int, multiple: int = ROWS) -> int:
    """``n`` rounded up to a multiple of ``multiple``.

    Args:
        n: a count (rows, elements).
        multiple: the step.

    Returns:
        The smallest multiple of ``multiple`` that is ≥ ``n`` (0 for 0).
    """
    return -(-n // multiple) * multiple


def pad_rows(x: torch.Tensor) -> torch.Tensor:
    """Pad dim 1 (a member's rows) to a multiple of :data:`ROWS` with copies of row 0.

    Args:
        x: (K, n, …).

    Returns:
        ``x`` itself when n is already a multiple, else a new (K, padded(n), …) tensor whose
        first n rows are ``x``.
    """
    n = x.shape[1]
    extra = padded(n) - n
    if not extra:
        return x
    filler = x[:, :1].expand(x.shape[0], extra, *x.shape[2:])
    return torch.cat([x, filler], dim=1)


def aligned(numel: int) -> bool:
    """Whether member blocks of ``numel`` elements, side by side, all start aligned.

    Args:
        numel: elements per member.

    Returns:
        True when ``numel`` is a multiple of 16 (64 bytes of float32).
    """
    return numel % _ALIGN == 0


def aligned_bmm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``torch.bmm(a, b)`` with each member's output block starting 64-byte aligned.

    Args:
        a: (K, r, m).
        b: (K, m, c).

    Returns:
        (K, r, c); a strided view into a padded buffer when r·c is not a multiple of 16.
    """
    k, r, c = a.shape[0], a.shape[1], b.shape[2]
    size = r * c
    if aligned(size) or a.device.type != "cpu":
        return torch.bmm(a, b)
    buf = a.new_empty(k, padded(size, _ALIGN))
    out = buf[:, :size].view(k, r, c)
    return torch.bmm(a, b, out=out)


def chunk_rows(per_sample: int, device: torch.device | str) -> int:
    """Rows of one evaluation or probe chunk, the same for any number of members.

    Args:
        per_sample: elements one sample occupies in the widest layer tensor of one member.
        device: where the chunk is computed.

    Returns:
        A multiple of :data:`ROWS`, at least ROWS.
    """
    budget = CHUNK_ELEMENTS.get(torch.device(device).type, CHUNK_ELEMENTS["cpu"])
    return max(ROWS, budget // max(per_sample, 1) // ROWS * ROWS)


@contextlib.contextmanager
def deterministic(device: torch.device | str) -> Iterator[None]:
    """Run the block with settings that make results independent of the stack.

    On the CPU: one intra-op thread (restored afterwards). On CUDA: deterministic
    algorithms (``torch.use_deterministic_algorithms``, cuBLAS workspace ``:4096:8`` unless
    set already), restored afterwards.

    Args:
        device: the device the block trains on.
    """
    if torch.device(device).type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        before = torch.are_deterministic_algorithms_enabled()
        warn = torch.is_deterministic_algorithms_warn_only_enabled()
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(before, warn_only=warn)
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
