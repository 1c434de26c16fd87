"""Command line: ``python -m bench`` (or ``bench``) run · report · list · export · show · speed ·
perf · quick · challenge · compare.

Public:
    main(argv=None) -> int      exit status: 0 ok, 2 bad input (message on stderr),
                                130 interrupted

    bench run SUITE [--store PATH] [--backend serial|local|dask] [--workers N]
              [--address tcp://HOST:PORT] [--device auto|cpu|cuda] [--no-batch]
              [--max-members N] [--max-cells N] [--retry failed] [--dry-run [--list]]
              [--no-progress]
    bench report STORE --out FILE.md [--suite NAME]
    bench list activations|initializers|datasets|suites   (each entry with one line on it)
    bench export --store PATH --format csv|json|parquet [--out FILE] [--suite NAME]
    bench show CELL_KEY [--store PATH]
    bench speed --store PATH [--suite NAME] [--activations a,b,c] [--widths 32,64,128]
                [--repeats N] [--device auto|cpu|cuda] [--threads N] [--no-progress]
    bench perf [--dataset NAME] [--depth N] [--width N] [--epochs N] [--ks 1,8,32]
               [--repeats N] [--threads N] [--probe-epochs 15] [--probe-members 20]
               [--json FILE]
    bench quick --activations a,b,c [--dataset digits[,wine…]] [--seeds 5] [--init matched]
                [--kind mlp] [--depth 4] [--width 64] [--epochs 10] [--lr 1e-3[,3e-3…]]
                [--optimizer adam] [--batch-size 64] [--name quick]
                [--store results/quick.sqlite] [--out reports/<name>.md]
                [--backend serial|local|dask] [--workers N] [--device auto|cpu|cuda]
                [--no-progress]
    bench challenge IMPORT_PATH [--suite suites/default.toml] [--store results/bench.sqlite]
                    [--out reports/challenge-<name>.md] [--backend serial|local|dask]
                    [--workers N] [--device auto|cpu|cuda] [--repeats N] [--dry-run]
                    [--no-progress]
    bench compare STORE_A STORE_B [--suite NAME]

A flag that takes names also answers to its singular or plural (--dataset/--datasets), a
flag may be shortened while one flag begins so, and an unknown flag is refused under its
command's usage with the flags it may have meant (:mod:`bench.cli.flags`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from bench.errors import BenchError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from bench.cli import parser

    args = parser.build().parse_args(argv)
    try:
        return args.fn(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `bench show … | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a path the checks let through (a disk full, a race): one line
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 2
