#!/usr/bin/env python3
"""Train tinymtl's example multi-task sensor model on real IMU recordings.

    pip install -r examples/har/requirements.txt
    python3 examples/har/train.py [--w-activity 1.0] [--w-intensity 1.0] [--seeds 0 1 2]

Data: BasicMotions (the UEA multivariate archive), as shipped inside the `aeon`
wheel (`aeon.datasets.load_basic_motions`, no download): a smart watch's 3-axis
accelerometer and 3-axis gyroscope sampled at 10 Hz, 10 s per recording
(6 channels x 100 steps), 4 activities (standing, walking, running, badminton),
80 recordings split by the archive into 40 train / 40 test.

Tasks on the same window:
  activity   real label: 4-class classification (softmax probabilities).
  intensity  DERIVED, not a recorded label: log(1 + mean_t |a_t|), the mean
             magnitude of the accelerometer vector over the window (the data's
             accelerometer has gravity removed), a movement-intensity score.
             BasicMotions carries one real task only, and so does each motion
             data set in the aeon wheel (Daphnet S06R02E0: freezing of gait, 9
             leg/trunk accelerometer channels; PickupGestureWiimoteZ: one axis).

Model: a shared Conv1d trunk (input BatchNorm, 3 x Conv1d+BatchNorm+ReLU, global
average pool) and one small MLP head per task. Loss L = w_a * CE(activity) +
w_i * MSE(intensity). Single-task baselines: the same trunk with one head each,
trained on one loss. Windows are 5 s (50 steps): training takes random 50-step
crops of the 40 train recordings; the held-out set is the 40 test recordings cut
into 2 windows each (80). Every configuration is trained with each seed in
--seeds (metrics on the held-out windows); the models of the first seed are
exported with torch.onnx.export (dynamo) and checked against onnxruntime.

Writes into examples/har/ (or --out):
  har_mtl.onnx              shared model: input `imu` [1, 6, 50];
                            outputs `activity` [1, 4], `intensity` [1, 1]
  har_activity.onnx         single-task activity model (same trunk + head)
  har_intensity.onnx        single-task intensity model
  heldout.inputs.npz        `imu` float32 [80, 1, 6, 50] (tinymtl run's format)
  heldout.labels.npz        `activity` int64 [80], `intensity` float32 [80],
                            `activity_classes` unicode [4]
  <model>.heldout_ref.npz   onnxruntime's outputs of each model on the held-out
                            windows (keys = output names, [80, 1, k])
  results.json              data, settings, per-seed and mean metrics

Seeded and deterministic (torch.manual_seed, use_deterministic_algorithms, one
thread): running it twice writes identical files.
"""

import argparse
import io
import json
import os
import sys
import time
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CHANNELS, STEPS = 6, 100
TASKS = ("activity", "intensity")


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

def intensity_of(x):
    """Derived regression target for windows x [N, 6, T]: log(1 + mean |acc|)."""
    mag = np.linalg.norm(x[:, 0:3, :], axis=1)  # [N, T]
    return np.log1p(mag.mean(axis=1)).astype(np.float32)


def load_data(window):
    from aeon.datasets import load_basic_motions

    xtr, ytr = load_basic_motions(split="train")
    xte, yte = load_basic_motions(split="test")
    classes = sorted(set(ytr.tolist()))
    to_idx = {c: i for i, c in enumerate(classes)}
    xtr = np.asarray(xtr, np.float32)
    xte = np.asarray(xte, np.float32)
    assert xtr.shape[1:] == (CHANNELS, STEPS) and xte.shape[1:] == (CHANNELS, STEPS)
    ate = np.array([to_idx[c] for c in yte], np.int64)
    # Held-out windows: each test recording cut into non-overlapping windows of
    # `window` steps (recording-major order).
    per = STEPS // window
    wte = np.stack([x[:, k * window:(k + 1) * window] for x in xte for k in range(per)])
    return dict(
        classes=classes, window=window,
        xtr=xtr, atr=np.array([to_idx[c] for c in ytr], np.int64),
        xte=wte, ate=np.repeat(ate, per), rec=np.repeat(np.arange(len(xte)), per),
    )


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------

def build(tasks, n_classes):
    import torch
    from torch import nn

    class Trunk(nn.Module):
        def __init__(self):
            super().__init__()

            def block(ci, co, k, s):
                return [nn.Conv1d(ci, co, k, stride=s, padding=k // 2, bias=False),
                        nn.BatchNorm1d(co), nn.ReLU()]

            self.net = nn.Sequential(
                nn.BatchNorm1d(CHANNELS),  # input standardisation, learned from the data
                *block(CHANNELS, 24, 5, 1),
                *block(24, 32, 5, 2),
                *block(32, 48, 3, 2),
            )
            self.features = 48

        def forward(self, x):
            return self.net(x).mean(dim=-1)  # global average pool over time

    def head(d, n):
        return nn.Sequential(nn.Linear(d, 24), nn.ReLU(), nn.Linear(24, n))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = Trunk()
            self.tasks = list(tasks)
            self.heads = nn.ModuleDict({
                t: head(self.trunk.features, n_classes if t == "activity" else 1) for t in tasks
            })
            self.export_mode = False

        def forward(self, x):
            f = self.trunk(x)
            outs = []
            for t in self.tasks:
                y = self.heads[t](f)
                if t == "activity" and self.export_mode:
                    y = torch.softmax(y, dim=-1)
                outs.append(y)
            return tuple(outs) if len(outs) > 1 else outs[0]

    return Net()


def train_one(tasks, data, seed, weights, epochs, log):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n_classes = len(data["classes"])
    model = build(tasks, n_classes)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xtr, atr = data["xtr"], data["atr"]
    n = len(xtr)
    batch = 8
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(n)
        total = 0.0
        for b in range(0, n, batch):
            idx = order[b:b + batch]
            # Augmentation: a random crop of 64..100 steps (the trunk pools over time),
            # small sensor noise. The derived target is computed on the crop itself.
            lo = data["window"] if data["window"] < STEPS else 64
            length = int(rng.integers(lo, STEPS + 1)) if data["window"] == STEPS else data["window"]
            starts = rng.integers(0, STEPS - length + 1, size=len(idx))
            xb = np.stack([xtr[i, :, s:s + length] for i, s in zip(idx, starts)])
            xb = xb + rng.normal(0, 0.05, xb.shape).astype(np.float32) * xb.std(axis=2, keepdims=True)
            xb = xb.astype(np.float32)
            ib = intensity_of(xb)
            out = model(torch.from_numpy(xb))
            out = out if isinstance(out, tuple) else (out,)
            loss = 0.0
            for t, y in zip(tasks, out):
                if t == "activity":
                    loss = loss + weights["activity"] * F.cross_entropy(y, torch.from_numpy(atr[idx]))
                else:
                    loss = loss + weights["intensity"] * F.mse_loss(y[:, 0], torch.from_numpy(ib))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        if log and (epoch + 1) % 50 == 0:
            print(f"    epoch {epoch + 1:4d}  loss {total / n:.4f}", flush=True)
    model.eval()
    return model


def predict(model, x):
    import torch

    with torch.no_grad():
        out = model(torch.from_numpy(x))
    out = out if isinstance(out, tuple) else (out,)
    return {t: o.numpy() for t, o in zip(model.tasks, out)}


def metrics(task, pred, data):
    if task == "activity":
        p = pred.argmax(axis=1)
        return {"accuracy": float((p == data["ate"]).mean()),
                "correct": int((p == data["ate"]).sum()), "n": int(len(p))}
    y = intensity_of(data["xte"])
    e = pred[:, 0] - y
    return {"mae": float(np.abs(e).mean()),
            "rmse": float(np.sqrt((e ** 2).mean())),
            "r2": float(1 - (e ** 2).sum() / ((y - y.mean()) ** 2).sum()),
            "n": int(len(y))}


# ---------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------

ALLOWED_OPS = {"Conv", "BatchNormalization", "Relu", "Gemm", "MatMul", "Add", "ReduceMean",
               "GlobalAveragePool", "Softmax", "Flatten", "Reshape", "Squeeze", "Unsqueeze",
               "Constant", "Identity", "Cast", "Shape", "Gather", "Concat", "Slice"}


def export(model, path, window):
    import onnx
    import torch

    model.export_mode = True
    example = (torch.zeros(1, CHANNELS, window),)
    torch.onnx.export(model, example, path, dynamo=True, opset_version=18,
                      input_names=["imu"], output_names=list(model.tasks),
                      external_data=False, verbose=False)
    model.export_mode = False
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    bad = sorted(set(ops) - ALLOWED_OPS)
    if bad:
        sys.exit(f"{path}: ops tinymtl does not take: {bad}")
    m.graph.name = os.path.splitext(os.path.basename(path))[0]  # dynamo calls it main_graph
    # The exporter stamps nothing time-dependent; re-serialise to be sure of the bytes.
    with open(path, "wb") as f:
        f.write(m.SerializeToString(deterministic=True))
    return ops


def run_ort(path, x):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in s.get_outputs()]
    outs = {n: [] for n in names}
    for i in range(len(x)):
        for n, v in zip(names, s.run(None, {"imu": x[i]})):
            outs[n].append(v)  # [1, k]: batch 1, as `tinymtl run` writes it
    return {n: np.stack(v) for n, v in outs.items()}


def save_npz(path, arrays):
    """np.savez-compatible (stored, no pickle) with fixed timestamps: reproducible bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def param_count(model):
    return int(sum(p.numel() for p in model.parameters()))


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--w-activity", type=float, default=1.0, help="loss weight of the activity task")
    ap.add_argument("--w-intensity", type=float, default=1.0, help="loss weight of the intensity task")
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                    help="train every configuration once per seed; the first seed's models are exported")
    ap.add_argument("--window", type=int, default=50,
                    help="steps per window (10 Hz); held-out recordings are cut into 100 // window windows")
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    import torch
    import onnx
    import onnxruntime
    import aeon

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    t0 = time.time()
    data = load_data(args.window)
    weights = {"activity": args.w_activity, "intensity": args.w_intensity}
    configs = {"shared": TASKS, "activity_only": ("activity",), "intensity_only": ("intensity",)}
    files = {"shared": "har_mtl.onnx", "activity_only": "har_activity.onnx",
             "intensity_only": "har_intensity.onnx"}
    os.makedirs(args.out, exist_ok=True)

    per_seed = {c: [] for c in configs}
    exported = {}
    for si, seed in enumerate(args.seeds):
        for cname, tasks in configs.items():
            print(f"[seed {seed}] training {cname} ({', '.join(tasks)})", flush=True)
            model = train_one(tasks, data, seed, weights, args.epochs, log=si == 0)
            pred = predict(model, data["xte"])
            m = {t: metrics(t, pred[t], data) for t in tasks}
            print("    held-out: " + "; ".join(
                f"{t} " + ", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in mt.items())
                for t, mt in m.items()), flush=True)
            per_seed[cname].append({"seed": seed, **m})
            if si == 0:
                path = os.path.join(args.out, files[cname])
                ops = export(model, path, data["window"])
                ort_out = run_ort(path, data["xte"][:, None])
                for t in tasks:
                    ref = pred[t] if t != "activity" else torch.softmax(torch.from_numpy(pred[t]), -1).numpy()
                    diff = float(np.abs(ort_out[t].reshape(ref.shape) - ref).max())
                    assert diff < 1e-4, f"{files[cname]}/{t}: onnxruntime differs from torch by {diff}"
                ort_m = {t: metrics(t, ort_out[t].reshape(len(data["xte"]), -1), data) for t in tasks}
                # onnxruntime's outputs on the held-out windows, in `tinymtl run`'s layout.
                save_npz(path[:-len(".onnx")] + ".heldout_ref.npz",
                         {t: ort_out[t].astype(np.float32) for t in tasks})
                exported[cname] = {"file": files[cname], "ops": ops, "params": param_count(model),
                                   "onnxruntime_heldout": ort_m}
                print(f"    exported {files[cname]} ({param_count(model)} params; ops {', '.join(ops)})")

    def mean(cname, task, key):
        vals = [r[task][key] for r in per_seed[cname]]
        return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "values": vals}

    summary = {}
    for task, keys in (("activity", ["accuracy"]), ("intensity", ["mae", "rmse", "r2"])):
        single = "activity_only" if task == "activity" else "intensity_only"
        summary[task] = {"shared": {k: mean("shared", task, k) for k in keys},
                         "single": {k: mean(single, task, k) for k in keys}}

    # Reference points for the derived regression task: the train windows' mean, and
    # the mean of the true activity class (an oracle that knows the label).
    ytr = intensity_of(np.stack([x[:, k * data["window"]:(k + 1) * data["window"]]
                                 for x in data["xtr"] for k in range(STEPS // data["window"])]))
    atr_w = np.repeat(data["atr"], STEPS // data["window"])
    class_mean = np.array([ytr[atr_w == c].mean() for c in range(len(data["classes"]))], np.float32)
    baselines = {
        "train_mean": metrics("intensity", np.full((len(data["xte"]), 1), ytr.mean(), np.float32), data),
        "true_class_mean": metrics("intensity", class_mean[data["ate"]][:, None], data),
    }

    save_npz(os.path.join(args.out, "heldout.inputs.npz"), {"imu": data["xte"][:, None]})
    save_npz(os.path.join(args.out, "heldout.labels.npz"), {
        "activity": data["ate"],
        "intensity": intensity_of(data["xte"]),
        "activity_classes": np.array(data["classes"]),
    })
    results = {
        "data": {"dataset": "BasicMotions (UEA archive) via aeon.datasets.load_basic_motions, offline",
                 "channels": "acc x,y,z; gyro x,y,z (smart watch, 10 Hz, 10 s windows)",
                 "train": int(len(data["xtr"])), "heldout": int(len(data["xte"])),
                 "classes": data["classes"],
                 "tasks": {"activity": "real label, 4-class classification",
                           "intensity": "DERIVED from the signal: log(1 + mean_t |acc_t|), regression"}},
        "settings": {"loss_weights": weights, "epochs": args.epochs, "seeds": args.seeds,
                     "optimizer": "AdamW lr 3e-3 wd 1e-3, cosine, batch 8",
                     "augmentation": "random crop 64..100 steps, 5% gaussian noise"},
        "versions": {"torch": torch.__version__.split("+")[0], "onnx": onnx.__version__,
                     "onnxruntime": onnxruntime.__version__, "aeon": aeon.__version__,
                     "numpy": np.__version__},
        "models": exported,
        "heldout_per_seed": per_seed,
        "summary": summary,
        "intensity_baselines": baselines,
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write("\n")
    print("\nheld-out (mean ± std over seeds " + ", ".join(map(str, args.seeds)) + "):")
    for task, s in summary.items():
        for kind in ("shared", "single"):
            print(f"  {task:<10} {kind:<7} " + "  ".join(
                f"{k} {v['mean']:.4f} ± {v['std']:.4f}" for k, v in s[kind].items()))
    for k, v in baselines.items():
        print(f"  intensity  baseline {k}: mae {v['mae']:.4f}  r2 {v['r2']:.4f}")
    print(f"done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
