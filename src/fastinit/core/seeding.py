"""Seeds and streams: validation, the process-global generator, names -> streams."""
import hashlib
import numbers
import os
import secrets
import threading
from typing import Any, Tuple

_U64 = 1 << 64


def check_u64(value: Any, name: str) -> int:
    """An integer in [0, 2**64), or a clear error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer in [0, 2**64), got {value!r}")
    value = int(value)
    if not 0 <= value < _U64:
        raise ValueError(f"{name} must be in [0, 2**64), got {value}")
    return value


class _GlobalGenerator:
    """seed=None draws (seed, next stream) from here; fastinit.seed(n) resets it."""

    def __init__(self):
        self._lock = threading.Lock()
        self._seed = secrets.randbits(64)
        self._next = 0

    def reseed_after_fork(self):
        """In a forked child: a fresh seed from new entropy and the pid, so seed=None
        never repeats the parent's or a sibling's draws.  The lock is new too: another
        thread of the parent may have held it at fork time."""
        self._lock = threading.Lock()
        mix = secrets.token_bytes(16) + os.getpid().to_bytes(8, "little")
        self._seed = int.from_bytes(hashlib.blake2b(mix, digest_size=8).digest(), "little")
        self._next = 0

    def reset(self, seed):
        with self._lock:
            self._seed, self._next = seed, 0

    def draw(self):
        with self._lock:
            pair = (self._seed, self._next)
            self._next = (self._next + 1) % _U64
            return pair


_GLOBAL = _GlobalGenerator()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_GLOBAL.reseed_after_fork)


def seed(n: int) -> None:
    """Reset the process-global generator: later calls with ``seed=None`` use seed ``n``
    and streams 0, 1, 2, ... in call order (like ``torch.manual_seed``)."""
    _GLOBAL.reset(check_u64(n, "seed"))


def resolve(seed: Any, stream: Any) -> Tuple[int, int]:
    """The (seed, stream) pair a call uses.  An explicit seed with no stream means
    stream 0; ``seed=None`` takes the next stream of the global generator."""
    if seed is None:
        # the same type check as with a seed: stream=0.0 / False are refused either way
        if stream is not None and check_u64(stream, "stream") != 0:
            raise ValueError("stream= needs an explicit seed= (seed=None draws its own stream)")
        return _GLOBAL.draw()
    return check_u64(seed, "seed"), check_u64(0 if stream is None else stream, "stream")


def stream_for_name(name: str) -> int:
    """Stream of a named parameter: first 8 bytes, little-endian, of blake2b(name)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8")).digest()[:8], "little")
