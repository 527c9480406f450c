"""Small torch models the diagnosis tests share: a transformer-style LM with attention,
residuals and tied embeddings, a ResNet without batch norm, and a tiny Hugging Face GPT-2 from its config."""
import torch

nn = torch.nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.fc = nn.Linear(d, d)
        self.act = nn.GELU()

    def forward(self, h):
        a = self.norm(h)
        h = h + self.attn(a, a, a, need_weights=False)[0]
        return h + self.act(self.fc(h))


class TinyLM(nn.Module):
    def __init__(self, vocab=50, d=16, n=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d) for _ in range(n))
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.emb.weight          # tied

    def forward(self, ids):
        h = self.emb(ids)
        for b in self.blocks:
            h = b(h)
        return self.head(h)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.relu(x + self.conv2(self.relu(self.conv1(x))))


def resnet_no_bn(blocks=6, c=8):
    return nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.ReLU(inplace=True),
                         *[ResBlock(c) for _ in range(blocks)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10))


def tiny_gpt2():
    """(model, config): GPT-2 with 2 layers of width 32, built from its config (no
    download); skips where transformers is not installed."""
    import pytest
    transformers = pytest.importorskip("transformers")
    cfg = transformers.GPT2Config(vocab_size=64, n_positions=16, n_embd=32, n_layer=2,
                                  n_head=2, use_cache=False)
    torch.manual_seed(0)
    return transformers.GPT2LMHeadModel(cfg), cfg
