"""Time of ``dashboard.masking.mask`` on adversarial texts (the hostile tester's inputs and their relatives).

    python benchmarks/bench_masking.py [--chars 40000 1000000] [--limit 30]

Each text is built to make a backtracking or a rescanning matcher slow: no spaces at all, one long run of digits,
long runs of capitalised words, many '@'. A run that takes longer than ``--limit`` seconds is reported as such
(the worker is stopped, so a quadratic implementation cannot hold the benchmark for hours). Each cell: wall-clock
seconds, and in brackets the CPU seconds of the masking thread.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time

SHAPES = {
    "no spaces": lambda n: "а" * n,
    "digits": lambda n: "7" * n,
    "digit groups": lambda n: ("12-" * (n // 3 + 1))[:n],
    "capitalised words": lambda n: ("Иванов " * (n // 7 + 1))[:n],
    "many @": lambda n: ("a@" * (n // 2 + 1))[:n],
    "e-mail-like": lambda n: ("ab.cd" * (n // 5 + 1))[:n] + "@",
    "mixed": lambda n: ("Иванов И.И. 8(8352)62-34-56 ivan(at)mail.ru " * (n // 45 + 1))[:n],
}


def _time_one(shape: str, chars: int, out: multiprocessing.Queue) -> None:
    from dashboard.masking import mask

    text = SHAPES[shape](chars)
    wall, cpu = time.perf_counter(), time.thread_time()
    mask(text)
    out.put((time.perf_counter() - wall, time.thread_time() - cpu))


def timed(shape: str, chars: int, limit: float) -> tuple[float, float] | None:
    """Seconds ``mask`` took on the text (wall clock, and the CPU time of its thread — the same on an idle
    machine, the honest figure on a busy one), or None past ``limit``."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_time_one, args=(shape, chars, out))
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        worker.kill()
        worker.join()
        return None
    return out.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, nargs="+", default=[40_000, 1_000_000])
    parser.add_argument("--limit", type=float, default=30.0, help="seconds before a run is given up")
    args = parser.parse_args()
    print(f"{'text':<20}" + "".join(f"{n:>13,} ch (CPU)" for n in args.chars))
    for shape in SHAPES:
        cells = []
        for chars in args.chars:
            seconds = timed(shape, chars, args.limit)
            cells.append(f"> {args.limit:.0f} s" if seconds is None else "{:.3f} s ({:.3f} s)".format(*seconds))
        print(f"{shape:<20}" + "".join(f"{cell:>22}" for cell in cells))


if __name__ == "__main__":
    main()
