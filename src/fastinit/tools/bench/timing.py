"""The one timer of every benchmark: best of ``repeat`` runs after a warm-up (page
faults, thread-pool start, kernel compilation), in seconds.  GPU rows pass a clock made
of CUDA events (:func:`event_clock`) instead of the wall clock."""
from __future__ import annotations

import math
import time
from typing import Any, Callable


def wall_clock(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def event_clock(event: Callable[[], Any], elapsed_ms: Callable[[Any, Any], float],
                synchronize: Callable[[], Any]) -> Callable:
    """A clock timing ``fn`` on the current CUDA stream between two events (``event()``
    makes one with ``record()``/``synchronize()``; ``elapsed_ms(start, end)``)."""
    def clock(fn: Callable[[], Any]) -> float:
        start, end = event(), event()
        start.record()
        fn()
        end.record()
        end.synchronize()
        return elapsed_ms(start, end) * 1e-3
    clock.synchronize = synchronize  # type: ignore[attr-defined]
    return clock


def best_of(fn: Callable[[], Any], repeat: int = 5, clock: Callable = wall_clock) -> float:
    fn()
    getattr(clock, "synchronize", lambda: None)()
    return min((clock(fn) for _ in range(max(1, repeat))), default=math.inf)
