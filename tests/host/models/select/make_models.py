#!/usr/bin/env python3
"""Exports the small select-ops test models with BOTH torch exporters, seeded.

    /tmp/torchvenv/bin/python tests/host/models/select/make_models.py

For each model kind and exporter (`dynamo`, `ts`) this writes `<kind>_<exp>.onnx`,
`<kind>_<exp>.inputs.npz` (the input, keyed by ONNX name) and `<kind>_<exp>.ref.npz`
(onnxruntime's outputs on the exported file, keyed by ONNX output name), each array
with a leading sample axis of 1 (the `tinymtl run` layout). Weights are
rounded to f16 before export so the reference is the one the device should match.
"""

import json
import os
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
warnings.filterwarnings("ignore")


class Softplus(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)

    def forward(self, x):
        return F.softplus(self.fc(x), beta=2.0, threshold=1.5)


class SoftplusDefault(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)

    def forward(self, x):
        return F.softplus(self.fc(x) * 8.0)


class Mish(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)
        self.act = nn.Mish()

    def forward(self, x):
        return self.act(self.fc(x))


class SiLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.fc(x))


class PReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(6, 4, 3)
        self.act = nn.PReLU(4, init=0.2)

    def forward(self, x):
        return self.act(self.conv(x.transpose(1, 2)))


class WhereLeaky(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)

    def forward(self, x):
        h = self.fc(x)
        return torch.where(h > 0, h, 0.1 * h)


class ClampTensors(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)
        self.lo = nn.Linear(6, 8)

    def forward(self, x):
        h = self.fc(x)
        lo = self.lo(x)
        return torch.clamp(h, min=lo, max=lo + 0.5)


class MaxValues(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(6, 4, 3)

    def forward(self, x):
        h = torch.relu(self.conv(x.transpose(1, 2)))
        return h.max(-1).values, torch.amax(h, dim=1)


class LastStep(nn.Module):
    """The last and the first time steps of a computed sequence (Gather / Slice)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)

    def forward(self, x):
        h = torch.tanh(self.fc(x))
        idx = torch.tensor([0, 2, 4, 3, 1, 1])
        return h[:, -1], h[:, -2:].sum(1), h.index_select(1, idx), h[..., 3]


class Compare(nn.Module):
    """Masks combined with logic ops and used as floats and in Where."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 8)

    def forward(self, x):
        h = self.fc(x)
        m = (h >= -0.2) & ~(h == 0.0) | (h < -1.0)
        return torch.where(m, h, torch.zeros_like(h)) + (h <= 0.3).float()


class Attention(nn.Module):
    """Two computed operands with a batch (heads), and a batched constant operand."""

    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(6, 24)
        self.w = nn.Parameter(torch.randn(2, 4, 3) * 0.5)
        self.ln = nn.LayerNorm(6)

    def forward(self, x):
        q, k, v = self.qkv(self.ln(x)).reshape(1, 5, 3, 2, 4).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) * 0.5, dim=-1)
        return att @ v, torch.matmul(v, self.w), torch.amax(att, dim=-1)


MODELS = {
    "softplus_beta": Softplus,
    "softplus_default": SoftplusDefault,
    "mish": Mish,
    "silu": SiLU,
    "prelu": PReLU,
    "where_leaky": WhereLeaky,
    "clamp_tensors": ClampTensors,
    "max_values": MaxValues,
    "last_step": LastStep,
    "compare": Compare,
    "attention": Attention,
}
SHAPE = (1, 5, 6)


def export(kind, cls, dynamo):
    """Exports one model; returns its manifest entry."""
    torch.manual_seed(sum(map(ord, kind)))
    m = cls().eval()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.half().float())
    x = torch.randn(*SHAPE)
    name = f"{kind}_{'dynamo' if dynamo else 'ts'}"
    path = os.path.join(HERE, name + ".onnx")
    kw = dict(input_names=["x"], opset_version=18)
    if dynamo:
        prog = torch.onnx.export(m, (x,), dynamo=True, **kw)
        prog.save(path)
    else:
        torch.onnx.export(m, (x,), path, dynamo=False, **kw)
    model = onnx.load(path)
    onnx.save(model, path)  # external data, if any, inlined
    sess = ort.InferenceSession(path)
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(None, {"x": x.numpy()})
    np.savez(os.path.join(HERE, name + ".inputs.npz"), x=x.numpy()[None])
    np.savez(os.path.join(HERE, name + ".ref.npz"), **{k: v[None] for k, v in zip(names, outs)})
    ops = [n.op_type for n in model.graph.node]
    print(f"{name}: {' '.join(ops)}")
    return {
        "name": name,
        "ops": ops,
        "outputs": [{"name": k, "shape": list(v.shape)} for k, v in zip(names, outs)],
    }


def main():
    models = [export(k, cls, d) for k, cls in MODELS.items() for d in (True, False)]
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"models": models}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
