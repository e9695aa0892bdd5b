#!/usr/bin/env python3
"""Writes the Resize / Pad / GatherND test models exactly as the two torch exporters
write them, with inputs and onnxruntime references (seeded, reproducible):

    /tmp/torchvenv/bin/python tests/models/resize/make.py

For each model `<name>_<exporter>.onnx` (exporter `dynamo` or `torchscript`):
`<name>_<exporter>.inputs.npz` (4 samples, each [1, ...]) and `.ref.npz` (onnxruntime on
the exported f32 model; the models have no weights, so there is no f16 rounding).
What each exporter writes is listed in `README.md` beside this script.
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = 4


class Interp(nn.Module):
    def __init__(self, mode, align_corners):
        super().__init__()
        self.mode, self.ac = mode, align_corners

    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode=self.mode, align_corners=self.ac)


class Nearest(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode="nearest")

    def forward(self, x):
        return self.up(x)


class Pads(nn.Module):
    """Reflect, replicate (edge) and a non-zero constant pad of a 1-D signal."""

    def forward(self, x):
        r = F.pad(x, (2, 1), mode="reflect")
        e = F.pad(x, (1, 3), mode="replicate")
        c = F.pad(x, (3, 0), mode="constant", value=-0.5)
        return r, e, c


MODELS = [
    # A per-timestep head's upsampling: [N, C, L] with L as a segmentation head has it.
    ("linear1d", lambda: Interp("linear", False), (1, 3, 20)),
    ("linear1d_corners", lambda: Interp("linear", True), (1, 3, 20)),
    ("bilinear", lambda: Interp("bilinear", False), (1, 2, 5, 7)),
    ("bilinear_corners", lambda: Interp("bilinear", True), (1, 2, 5, 7)),
    ("nearest1d", Nearest, (1, 3, 9)),
    ("nearest2d", Nearest, (1, 2, 4, 5)),
    ("pads", Pads, (1, 2, 6)),
]


class Seg4(nn.Module):
    """A segmentation head's x4 upsampling back to the input's time steps."""

    def forward(self, x):
        return F.interpolate(x, scale_factor=4.0, mode="linear", align_corners=False)


def dynamic_time(rng):
    """Seg4 exported by dynamo with a dynamic time axis: the indices and weights are
    computed from `Shape(x)` (Range, Cast, Clip...), constants once `--input-shape`
    fixes the time axis (`x=1,4,16`)."""
    stem = os.path.join(HERE, "linear1d_x4_dyntime_dynamo")
    shape = (1, 4, 16)
    time = torch.export.Dim("time", min=2, max=1024)
    torch.onnx.export(
        Seg4().eval(), (torch.zeros(*shape),), stem + ".onnx", dynamo=True,
        input_names=["x"], output_names=["y"], dynamic_shapes={"x": {2: time}},
    )
    model = onnx.load(stem + ".onnx")
    onnx.save(model, stem + ".onnx")
    if os.path.exists(stem + ".onnx.data"):
        os.remove(stem + ".onnx.data")
    x = rng.standard_normal((SAMPLES, *shape)).astype(np.float32)
    sess = ort.InferenceSession(stem + ".onnx", providers=["CPUExecutionProvider"])
    ref = np.stack([sess.run(None, {"x": x[s]})[0] for s in range(SAMPLES)])
    np.savez(stem + ".inputs.npz", x=x)
    np.savez(stem + ".ref.npz", y=ref)
    print("linear1d_x4_dyntime_dynamo:", " ".join(n.op_type for n in model.graph.node))


def main():
    rng = np.random.default_rng(11)
    torch.manual_seed(11)
    dynamic_time(np.random.default_rng(12))
    for name, make, shape in MODELS:
        for exporter, dynamo in (("dynamo", True), ("torchscript", False)):
            stem = os.path.join(HERE, f"{name}_{exporter}")
            m = make().eval()
            outs = ["y"] if name != "pads" else ["reflect", "edge", "constant"]
            torch.onnx.export(
                m, (torch.zeros(*shape),), stem + ".onnx", dynamo=dynamo,
                input_names=["x"], output_names=outs,
            )
            model = onnx.load(stem + ".onnx")
            if dynamo:
                # Weights-free models: keep them in one file.
                onnx.save(model, stem + ".onnx")
                if os.path.exists(stem + ".onnx.data"):
                    os.remove(stem + ".onnx.data")
            x = rng.standard_normal((SAMPLES, *shape)).astype(np.float32)
            sess = ort.InferenceSession(stem + ".onnx", providers=["CPUExecutionProvider"])
            names = [o.name for o in sess.get_outputs()]
            refs = {n: [] for n in names}
            for s in range(SAMPLES):
                for n, v in zip(names, sess.run(None, {"x": x[s]})):
                    refs[n].append(v)
            np.savez(stem + ".inputs.npz", x=x)
            np.savez(stem + ".ref.npz", **{n: np.stack(v) for n, v in refs.items()})
            ops = [n.op_type for n in model.graph.node]
            print(f"{name}_{exporter}: {' '.join(ops)}")
            if name == "linear1d" and dynamo:
                perturbed(model, stem + "_perturbed", x)


def perturbed(model, stem, x):
    """The dynamo GatherND interpolation with its weights changed, so that it is no
    Resize any more: it must run as its parts (GatherND rows, Transposes, Sub/Mul/Add)."""
    from onnx import numpy_helper

    for i, t in enumerate(model.graph.initializer):
        if t.data_type == onnx.TensorProto.FLOAT:
            w = numpy_helper.to_array(t)
            new = numpy_helper.from_array((w * 0.9 + 0.05).astype(np.float32), t.name)
            model.graph.initializer[i].CopyFrom(new)
    onnx.save(model, stem + ".onnx")
    sess = ort.InferenceSession(stem + ".onnx", providers=["CPUExecutionProvider"])
    name = sess.get_outputs()[0].name
    ref = np.stack([sess.run(None, {"x": x[s]})[0] for s in range(SAMPLES)])
    np.savez(stem + ".inputs.npz", x=x)
    np.savez(stem + ".ref.npz", **{name: ref})


if __name__ == "__main__":
    main()
