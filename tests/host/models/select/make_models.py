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


# Hand-made graphs (no exporter writes these shapes in a small model): MatMul batch
# broadcasting in numpy rules, a batched constant right operand, a constant left one;
# LayerNormalization with its Mean / InvStdDev outputs; Where on a broadcast mask.
# `(name, a shape, b shape or None, b constant?)`.
MATMULS = [
    ("matmul_bcast4d", [2, 1, 3, 4], [1, 5, 4, 2], False),
    ("matmul_partial", [2, 3, 1, 4], [3, 4, 2], False),
    ("matmul_same4d", [2, 3, 3, 4], [2, 3, 4, 5], False),
    ("matmul_vec_left", [4], [2, 4, 3], False),
    ("matmul_const_batched", [1, 5, 4], [2, 4, 3], True),
    ("matmul_const_bcast4d", [2, 1, 3, 4], [3, 4, 2], True),
]


def save_graph(name, nodes, inputs, outputs, inits, feeds, opset=18):
    from onnx import helper

    g = helper.make_graph(nodes, name, inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    path = os.path.join(HERE, name + ".onnx")
    onnx.save(m, path)
    sess = ort.InferenceSession(path)
    names = [o.name for o in sess.get_outputs()]
    outs = sess.run(None, feeds)
    np.savez(os.path.join(HERE, name + ".inputs.npz"), **{k: v[None] for k, v in feeds.items()})
    np.savez(os.path.join(HERE, name + ".ref.npz"), **{k: v[None] for k, v in zip(names, outs)})
    print(f"{name}: {' '.join(n.op_type for n in nodes)}")
    return {
        "name": name,
        "ops": [n.op_type for n in nodes],
        "outputs": [{"name": k, "shape": list(v.shape)} for k, v in zip(names, outs)],
    }


def handmade():
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(11)
    f16 = lambda shape: rng.normal(size=shape).astype(np.float16).astype(np.float32)
    vi = lambda n, s: helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
    out = []
    for name, sa, sb, const in MATMULS:
        feeds = {"a": rng.normal(size=sa).astype(np.float32)}
        inputs, inits = [vi("a", sa)], []
        if const:
            inits.append(numpy_helper.from_array(f16(sb), "b"))
        else:
            inputs.append(vi("b", sb))
            feeds["b"] = rng.normal(size=sb).astype(np.float32)
        nodes = [
            helper.make_node("Relu", ["a"], ["ar"]),
            helper.make_node("MatMul", ["ar", "b"], ["y"]),
        ]
        out.append(save_graph(name, nodes, inputs, [vi("y", None)], inits, feeds))
    # A constant left operand.
    feeds = {"x": rng.normal(size=[2, 4, 3]).astype(np.float32)}
    nodes = [helper.make_node("MatMul", ["w", "x"], ["y"])]
    inits = [numpy_helper.from_array(f16([5, 4]), "w")]
    out.append(save_graph("matmul_const_left", nodes, [vi("x", [2, 4, 3])], [vi("y", None)], inits, feeds))
    # LayerNormalization with every output, over the last two axes.
    feeds = {"x": (rng.normal(size=[2, 3, 4, 5]) * 3 + 1).astype(np.float32)}
    inits = [numpy_helper.from_array(f16([4, 5]), "s"), numpy_helper.from_array(f16([4, 5]), "bias")]
    nodes = [helper.make_node("LayerNormalization", ["x", "s", "bias"], ["y", "mean", "inv"], axis=-2, epsilon=1e-3)]
    outs = [vi("y", None), vi("mean", None), vi("inv", None)]
    out.append(save_graph("layernorm_stats", nodes, [vi("x", [2, 3, 4, 5])], outs, inits, feeds, 17))
    return out


def main():
    models = [export(k, cls, d) for k, cls in MODELS.items() for d in (True, False)]
    models += handmade()
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"models": models}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
