"""Write fastinit's raw Philox stream to stdout as little-endian uint32 words, for
dieharder (-g 200 reads such a stream from stdin).  See tools/dieharder.sh.

modes:
  seq      words 0, 1, 2, ... of (seed, stream)
  streams  adjacent streams interleaved word by word: s[0], s+1[0], s[1], s+1[1], ...
  seeds    adjacent seeds interleaved word by word (same stream)
--words N stops after N words (default: forever, until the reader closes the pipe)."""
import argparse
import sys

import numpy as np

import fastinit

CHUNK = 1 << 20


def chunks(mode, seed, stream):
    start = 0
    while True:
        if mode == "seq":
            yield fastinit.random_raw(CHUNK, seed=seed, stream=stream, start=start)
        else:
            pairs = [(seed, stream), (seed, stream + 1)] if mode == "streams" \
                else [(seed, stream), (seed + 1, stream)]
            a, b = (fastinit.random_raw(CHUNK // 2, seed=s, stream=t, start=start // 2)
                    for s, t in pairs)
            yield np.stack([a, b], axis=1).reshape(-1)
        start += CHUNK


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["seq", "streams", "seeds"])
    ap.add_argument("--seed", type=int, default=20241125)
    ap.add_argument("--stream", type=int, default=0)
    ap.add_argument("--words", type=int, default=None)
    args = ap.parse_args(argv)
    out = sys.stdout.buffer
    left = args.words
    try:
        for w in chunks(args.mode, args.seed, args.stream):
            w = w.astype("<u4", copy=False)
            if left is not None:
                w = w[:left]
                left -= w.size
            out.write(w.tobytes())
            if left is not None and left <= 0:
                break
        out.flush()
    except BrokenPipeError:      # dieharder closes the pipe when it is done
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
