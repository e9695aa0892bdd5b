#!/usr/bin/env python3
"""Writes the ONNX backend node tests of the ops tinymtl claims as `tinymtl run` cases.

    python3 tests/conformance/make_cases.py --out DIR [--ops Add,Conv,...]

The `onnx` package builds its backend node tests in-process
(`onnx.backend.test.case.node.collect_testcases`): each a model plus input and
expected output arrays. A case belongs to the op its test is about (the op of the
one-node model; `*_expanded*` variants belong to the op they expand). For every case
of a claimed op (`--ops`, default: `SUPPORTED_OPS` read from the loader's source) this
writes `DIR/<case>/model.onnx`, `inputs.npz` and `expected.npz` in the `tinymtl run`
layout (each array [1, *shape], keyed by ONNX name), and one line per case to
`DIR/cases.json` with its status: `run`, or `skip` with the reason (a case is never
dropped silently).

What is changed to fit tinymtl's contract (a compiler for trained models: weights are
constants, inputs are float32 activations):
- graph inputs other than the first (for Where: the first float one) become
  initializers holding the test's values (weights, biases, shapes, axes, pads, Where's
  condition), except the float operands of ops that take computed operands (binary
  elementwise ops, comparisons, Where, MatMul, Concat), which stay inputs;
- float initializers are stored in f16 on the device, so when rounding them to f16
  changes any value, the expected outputs are recomputed with onnx's reference
  evaluator on the model with f16-rounded initializers (the test's own outputs are used
  otherwise).
"""

import argparse
import json
import os
import re
import shutil
import sys
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPUTED_OPERANDS = {
    "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Concat",
    "Where", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
}
# Extra outputs only training uses (statistics, masks): dropped from the graph outputs so
# the main output is tested; the loader refuses them when something reads them.
OPTIONAL_OUTPUTS = {"Dropout", "BatchNormalization"}


def claimed_ops():
    src = open(os.path.join(ROOT, "codegen/src/load/ops/mod.rs")).read()
    body = src[src.index("pub const SUPPORTED_OPS"):]
    body = body[: body.index("];")]
    return re.findall(r'"(\w+)"', body)


def safe(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def primary_ops(cases):
    """Op each test is about: that of its one-node model; expanded variants follow
    their base test."""
    by_name = {c.name: c for c in cases}
    ops = {}
    for c in cases:
        base = c.name.split("_expanded")[0]
        src = by_name.get(base, c)
        nodes = src.model.graph.node
        ops[c.name] = nodes[0].op_type if len(nodes) >= 1 else None
    return ops


def dtype_name(arr):
    return str(np.asarray(arr).dtype)


def as_array(x):
    """Test data as an ndarray (None for sequences, maps, optionals)."""
    if isinstance(x, onnx.TensorProto):
        return numpy_helper.to_array(x)
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x)
    return None


def round_f16(a):
    return a.astype(np.float16).astype(np.float32)


def convert(c, op, claimed, fold_only):
    """-> (status, reason, model, feeds, expected, tolerance)."""
    if not c.data_sets:
        return "skip", "no test data", None, None, None, None
    inputs, outputs = c.data_sets[0]
    inputs = [as_array(i) for i in inputs]
    outputs = [as_array(o) for o in outputs]
    m = onnx.ModelProto()
    m.CopyFrom(c.model)
    g = m.graph
    if "_expanded" in c.name:
        other = sorted({n.op_type for n in g.node} - set(claimed) - set(fold_only))
        if other:
            return "skip", "expanded form uses unclaimed ops: " + ", ".join(other), None, None, None, None
    if op in OPTIONAL_OUTPUTS and len(g.node) == 1 and len(g.output) > 1:
        main = g.node[0].output[0]
        keep = [(vi, o) for vi, o in zip(g.output, outputs) if vi.name == main]
        del g.output[:]
        g.output.extend(vi for vi, _ in keep)
        outputs = [o for _, o in keep]
    if len(g.input) != len(inputs):
        return "skip", "test data does not match the graph inputs", None, None, None, None
    if any(o is None for o in outputs):
        return "skip", "sequence or optional data: sequence or optional output", None, None, None, None
    if any(i is None for i in inputs):
        return "skip", "sequence or optional data: sequence or optional input", None, None, None, None
    for vi, o in zip(g.output, outputs):
        if o.dtype != np.float32:
            return "skip", f"non-float32 output: {o.dtype}", None, None, None, None
        if o.size == 0:
            return "skip", "empty tensor: output", None, None, None, None
    feeds = {}
    keep, inits = [], []
    # The first input is computed; for Where (whose first input, the condition, is
    # bool) the first float32 one.
    first = 0
    if op == "Where":
        first = next((k for k, a in enumerate(inputs) if a.dtype == np.float32), 0)
    for k, (vi, arr) in enumerate(zip(g.input, inputs)):
        runtime = k == first or (op in COMPUTED_OPERANDS and arr.dtype == np.float32)
        if runtime:
            if arr.dtype != np.float32:
                return "skip", f"non-float32 input: {arr.dtype}", None, None, None, None
            if arr.size == 0:
                return "skip", "empty tensor: input", None, None, None, None
            keep.append(vi)
            feeds[vi.name] = arr
        else:
            inits.append(numpy_helper.from_array(arr, vi.name))
    del g.input[:]
    g.input.extend(keep)
    g.initializer.extend(inits)
    if not keep:
        return "skip", "no computed input: every input is a constant", None, None, None, None
    if "_expanded" in c.name:
        # Ops tinymtl only evaluates at load time, here computing on the input.
        computed = {vi.name for vi in keep}
        at_run_time = set()
        for n in g.node:
            if n.op_type == "Shape":
                continue
            if any(i in computed for i in n.input):
                computed.update(n.output)
                if n.op_type not in claimed:
                    at_run_time.add(n.op_type)
        if at_run_time:
            return ("skip", "expanded form computes load-time-only ops at run time: "
                    + ", ".join(sorted(at_run_time)), None, None, None, None)

    # f16 rounding of the float constants the device stores.
    rounded = onnx.ModelProto()
    rounded.CopyFrom(m)
    changed = False
    for t in rounded.graph.initializer:
        if t.data_type == onnx.TensorProto.FLOAT:
            a = numpy_helper.to_array(t)
            r = round_f16(a)
            if not np.array_equal(a, r, equal_nan=True):
                changed = True
                t.CopyFrom(numpy_helper.from_array(r, t.name))
    for n in rounded.graph.node:
        if n.op_type == "Constant":
            for at in n.attribute:
                if at.name == "value" and at.t.data_type == onnx.TensorProto.FLOAT:
                    a = numpy_helper.to_array(at.t)
                    r = round_f16(a)
                    if not np.array_equal(a, r, equal_nan=True):
                        changed = True
                        at.t.CopyFrom(numpy_helper.from_array(r, at.t.name))
    expected = {vi.name: o for vi, o in zip(g.output, outputs)}
    tol = {"rtol": max(float(c.rtol), 1e-3), "atol": max(float(c.atol), 1e-5)}
    if changed:
        try:
            from onnx.reference import ReferenceEvaluator

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = ReferenceEvaluator(rounded).run(None, feeds)
            expected = {vi.name: np.asarray(o, np.float32) for vi, o in zip(g.output, got)}
            tol["reference"] = "f16-rounded constants, onnx reference evaluator"
        except Exception as e:  # noqa: BLE001
            return "skip", f"reference evaluator failed on the f16-rounded model: {type(e).__name__}", None, None, None, None
    return "run", "", m, feeds, expected, tol


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--ops", default=None, help="comma-separated claimed ops")
    ap.add_argument("--fold-ops", default="", help="comma-separated ops evaluated at load time")
    a = ap.parse_args()
    ops = a.ops.split(",") if a.ops else claimed_ops()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import onnx.backend.test.case.node as node_cases

        cases = [c for c in node_cases.collect_testcases(None) if c.model is not None]
    prim = primary_ops(cases)
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    os.makedirs(a.out)
    table = []
    for c in sorted(cases, key=lambda c: c.name):
        op = prim[c.name]
        if op not in ops:
            continue
        status, reason, m, feeds, expected, tol = convert(c, op, ops, a.fold_ops.split(","))
        entry = {"name": c.name, "op": op, "status": status, "reason": reason}
        if status == "run":
            d = os.path.join(a.out, safe(c.name))
            os.makedirs(d)
            onnx.save(m, os.path.join(d, "model.onnx"))
            np.savez(os.path.join(d, "inputs.npz"), **{k: v[None] for k, v in feeds.items()})
            np.savez(os.path.join(d, "expected.npz"), **{k: v[None] for k, v in expected.items()})
            entry.update(
                dir=safe(c.name),
                tolerance=tol,
                inputs=[{"name": k, "shape": list(v.shape)} for k, v in feeds.items()],
                outputs=[{"name": k, "shape": list(v.shape)} for k, v in expected.items()],
            )
        table.append(entry)
    with open(os.path.join(a.out, "cases.json"), "w") as f:
        json.dump({"onnx": onnx.__version__, "ops": ops, "cases": table}, f, indent=1)
    n_run = sum(e["status"] == "run" for e in table)
    print(f"{len(table)} cases of {len(set(e['op'] for e in table))} claimed ops; {n_run} to run", file=sys.stderr)


if __name__ == "__main__":
    main()
