"""Model-zoo rows of ``python -m fastinit bench --models`` (issue 18), each against the
stack's own init in the same run:

* torchtitan 0.3.0 Llama-3 (~200 M parameters, built on meta, ``to_empty``):
  ``init_module`` vs the model's own ``init_weights()``;
* ``build`` vs the constructor with its own init: torchvision ``resnet50`` and a
  Hugging Face Llama-style 1.1 B model from its config; peak memory of each, measured in
  a fresh process (the rise of its peak resident set over its resident set just before
  building, the peak reset there on Linux), against the parameters' size.
Rows whose package is not installed are left out.
"""
import multiprocessing
import resource

from .timing import best_of


def _row(name, params, ours, theirs, **extra):
    row = {"name": name, "params_m": params / 1e6, "fastinit_s": ours, "torch_s": theirs,
           "ratio": theirs / ours if ours > 0 else None}
    row.update(extra)
    return row


def _titan_model(dim, n_layers, vocab, n_heads=16):
    from torchtitan.models import llama3
    from torchtitan.models.common import ComplexRoPE, Embedding, Linear, RMSNorm, compute_ffn_hidden_dim
    cfg = llama3.Llama3Model.Config(
        dim=dim, vocab_size=vocab,
        tok_embeddings=Embedding.Config(num_embeddings=vocab, embedding_dim=dim,
                                        param_init=llama3._EMBEDDING_INIT),
        norm=RMSNorm.Config(normalized_shape=dim, param_init=llama3._NORM_INIT),
        lm_head=Linear.Config(in_features=dim, out_features=vocab,
                              param_init=llama3._output_linear_init(dim)),
        layers=llama3._build_llama3_layers(
            n_layers=n_layers, dim=dim, n_heads=n_heads,
            hidden_dim=compute_ffn_hidden_dim(dim, multiple_of=256),
            rope=ComplexRoPE.Config(dim=dim // n_heads, max_seq_len=4096, theta=500000,
                                    scaling="llama"),
            attn_backend="flex"))
    import torch
    with torch.device("meta"):
        model = cfg.build()
    model.to_empty(device="cpu")
    return model


def titan_row(repeat=2, dim=1024, n_layers=12, vocab=32000):
    """torchtitan Llama-3 with the debug model's init rules at ~200 M parameters."""
    try:
        model = _titan_model(dim, n_layers, vocab)
    except ImportError:
        return None
    import fastinit.torch as finit
    n = sum(p.numel() for p in model.parameters())
    ours = best_of(lambda: finit.init_module(model, seed=0), repeat)
    theirs = best_of(model.init_weights, repeat)
    return _row(f"torchtitan Llama-3 {n / 1e6:.0f}M (init_module)", n, ours, theirs)


# ---- build vs the constructor, time and peak memory ---------------------------------------
def _factory(kind):
    if kind == "resnet50":
        import torchvision
        return torchvision.models.resnet50, {}
    import transformers
    transformers.logging.set_verbosity_error()
    cfg = transformers.LlamaConfig(hidden_size=2048, intermediate_size=5632,
                                   num_hidden_layers=22, num_attention_heads=32,
                                   num_key_value_heads=4, vocab_size=32000,
                                   tie_word_embeddings=False)
    return transformers.LlamaForCausalLM, {"config": cfg}


def _peak(kind, how):
    """Rise of the peak resident set (bytes) of a fresh process building ``kind``."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure, args=(kind, how, queue))
    proc.start()
    out = queue.get(timeout=1800)
    proc.join()
    return out


def _measure(kind, how, queue):
    import gc
    import torch
    import fastinit
    import fastinit.torch as finit
    factory, kw = _factory(kind)
    # load what the first use of torch and fastinit loads, then start the peak afresh
    finit.build(torch.nn.Linear, 8, 8, seed=0)
    torch.nn.Conv2d(3, 8, 3)
    fastinit.normal((64, 64), seed=0)
    gc.collect()
    base = _reset_peak()
    if how == "build":
        model = finit.build(factory, seed=0, **kw)
    else:
        model = factory(**kw)
    n = sum(p.numel() * p.element_size() for p in model.parameters())
    queue.put((max(0, _peak_rss() - base), n))


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(field)


def _reset_peak():
    """Reset the peak resident set to the current one (Linux: clear_refs 5); returns it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peak_rss():
    try:
        return _status("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def build_row(kind, repeat=2, memory=True):
    try:
        factory, kw = _factory(kind)
    except ImportError:
        return None
    import fastinit.torch as finit
    probe = factory(**kw)
    n = sum(p.numel() for p in probe.parameters())
    del probe
    ours = best_of(lambda: finit.build(factory, seed=0, **kw), repeat)
    theirs = best_of(lambda: factory(**kw), repeat)
    extra = {}
    if memory:
        ours_peak, size = _peak(kind, "build")
        theirs_peak, _ = _peak(kind, "constructor")
        extra = {"param_bytes": size, "build_peak_bytes": ours_peak,
                 "constructor_peak_bytes": theirs_peak}
    label = "torchvision resnet50" if kind == "resnet50" else "HF Llama-style 1.1B from config"
    return _row(f"{label} (build vs constructor)", n, ours, theirs, **extra)


def rows(repeat=2, big=True, memory=True):
    out = [titan_row(repeat), build_row("resnet50", repeat, memory)]
    if big:
        out.append(build_row("llama", max(1, repeat - 1), memory))
    return [r for r in out if r is not None]


def memory_table(rs):
    lines = []
    for r in rs:
        if "param_bytes" in r:
            size = r["param_bytes"]
            lines.append(f"{r['name']:52s} peak rise: build {r['build_peak_bytes'] / size:5.2f}x, "
                         f"constructor {r['constructor_peak_bytes'] / size:5.2f}x the "
                         f"parameters' {size / 2**20:.0f} MiB")
    return "\n".join(lines)
