#!/usr/bin/env python3
"""The onnxruntime side of `cargo xtask bench-host` (issue 13).

    python3 tools/bench-host/ort_bench.py MODEL.onnx INPUTS.npz

Loads MODEL with onnxruntime's CPU provider, one intra-op and one inter-op thread,
sequential execution, all graph optimizations (onnxruntime's default). Feeds the first
sample of each input's array in INPUTS (`[samples, ...input shape]`, as in
`tests/fixtures/<model>.inputs.npz`) and asks for every output (all heads). Times it as
`tinymtl bench`'s harness times the generated code: the batch size is doubled until one
batch takes 20 ms (the warm-up), then the best of 7 batches. Prints one line,
`us/inference <float>`; any failure is one `error:` line on stderr and exit code 1.
`--version` prints the onnxruntime version.
"""

import sys
import time


def fail(msg):
    print("error: " + " ".join(str(msg).split()), file=sys.stderr)
    sys.exit(1)


def main(argv):
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError as e:
        fail(f"{e} (pip install -r tests/fixtures/requirements-check.txt)")
    if argv == ["--version"]:
        print(f"onnxruntime {ort.__version__}")
        return
    if len(argv) != 2:
        print("usage: ort_bench.py MODEL.onnx INPUTS.npz | --version", file=sys.stderr)
        sys.exit(2)
    model, inputs = argv
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    try:
        sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    except Exception as e:
        fail(f"{model}: onnxruntime cannot load the model: {e}")
    try:
        npz = np.load(inputs)
    except Exception as e:
        fail(f"{inputs}: cannot read: {e}")
    feed = {}
    for i in sess.get_inputs():
        if i.name not in npz.files:
            fail(f"{inputs}: no array `{i.name}` (the model's input)")
        a = npz[i.name]
        if a.ndim < 2 or a.shape[0] == 0:
            fail(f"{inputs}: array `{i.name}` has shape {a.shape}: want [samples, ...input shape]")
        feed[i.name] = np.ascontiguousarray(a[0], dtype=np.float32)
    outputs = [o.name for o in sess.get_outputs()]

    def batch(n):
        t = time.perf_counter()
        for _ in range(n):
            sess.run(outputs, feed)
        return time.perf_counter() - t

    try:
        n = 1
        while batch(n) < 0.020 and n < 1 << 30:
            n *= 2
        best = min(batch(n) / n for _ in range(7))
    except Exception as e:
        fail(f"{model}: onnxruntime cannot run the model: {e}")
    print(f"us/inference {best * 1e6:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
