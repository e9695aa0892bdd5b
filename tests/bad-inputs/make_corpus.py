#!/usr/bin/env python3
"""Writes the bad-input corpus: one file per case beside this script, plus
`manifest.json` listing for each case the `tinymtl` command to run and what the
outcome must be.

Seeded and deterministic: re-running it rewrites the same bytes (the files are
checked in; `tests/host/tests/bad_inputs.rs` runs every case through the real CLI).

Manifest entries:
  name      case name
  args      tinymtl arguments, run with the corpus folder as working directory;
            `{out}` is a fresh empty temporary folder (outputs go there)
  expect    "error": non-zero exit, exactly one `error: ` line containing every
            `contains` needle, no panic, nothing left in `{out}`;
            "ok": success, every `warnings` needle on a `warning: ` line, and when
            `reference` is given the output npz matches its file (arrays named and
            shaped per sample as listed) within `tolerance`
  why       what the case covers
Files under `fuzz-crashes/` are inputs the fuzzers found (added by hand with
`add_fuzz_case`, see the bottom of this file).

Usage: python3 tests/bad-inputs/make_corpus.py
"""

import json
import os
import sys
import zipfile
import io

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402  (beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20240605)
OPSET = 17
CASES = []


def path(name):
    return os.path.join(HERE, name)


def zwrite(z, name, data):
    """A zip entry with a fixed timestamp, so the corpus is byte-for-byte reproducible."""
    z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def save_bytes(name, data):
    with open(path(name), "wb") as f:
        f.write(data)


def model(nodes, inputs, outputs, inits=(), opset=OPSET, domains=(), name="g"):
    g = helper.make_graph(list(nodes), name, list(inputs), list(outputs), list(inits))
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    m = helper.make_model(g, opset_imports=imports, producer_name="make_corpus.py")
    m.ir_version = 8
    return m


def save_model(name, m):
    save_bytes(name, m.SerializeToString())


def vi(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def t(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def weights(*shape):
    return RNG.standard_normal(shape).astype(np.float32) * 0.5


def case(name, args, contains=(), expect="error", warnings=(), reference=None, why=""):
    CASES.append(
        {
            "name": name,
            "args": list(args),
            "expect": expect,
            "contains": list(contains),
            "warnings": list(warnings),
            "reference": reference,
            "why": why,
        }
    )


def gen(name, contains, why, extra=()):
    """A `generate` case on `name`, output into {out}."""
    stem = os.path.splitext(os.path.basename(name))[0]
    case(stem, ["generate", name, "-o", "{out}/" + stem + ".rs", *extra], [name, *contains], why=why)


def dense_model(w=None, name="dense.onnx", wname="W"):
    """x[1,4] -> MatMul W[4,3] -> Relu -> y: a valid base for weight cases."""
    w = weights(4, 3) if w is None else w
    return model(
        [
            helper.make_node("MatMul", ["x", wname], ["h"], name="fc"),
            helper.make_node("Relu", ["h"], ["y"], name="act"),
        ],
        [vi("x", [1, 4])],
        [vi("y", [1, 3])],
        [t(wname, w)],
    )


def main():
    for f in os.listdir(HERE):
        if f.endswith((".onnx", ".npz", ".data", ".bin")):
            os.remove(path(f))

    # ---- files that are not models ----------------------------------------------------
    good = dense_model()
    good_bytes = good.SerializeToString()
    save_bytes("empty.onnx", b"")
    gen("empty.onnx", ["empty"], "zero-byte file")
    save_bytes("truncated.onnx", good_bytes[: len(good_bytes) // 2])
    gen("truncated.onnx", ["not a valid ONNX model"], "valid model cut in half")
    save_bytes("truncated_tail.onnx", good_bytes[:-3])
    gen("truncated_tail.onnx", ["not a valid ONNX model"], "last bytes missing")
    save_bytes("text.onnx", b"hello world, this is plain text and no model\n")
    gen("text.onnx", ["ONNX"], "plain text")
    save_bytes("png.onnx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(RNG.integers(0, 256, 200, dtype=np.uint8)))
    gen("png.onnx", ["ONNX"], "PNG header")
    save_bytes("random.onnx", bytes(RNG.integers(0, 256, 4096, dtype=np.uint8)))
    gen("random.onnx", ["ONNX"], "4 KiB of seeded random bytes")
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((1, 1, 4), np.float32))
    save_bytes("zip.onnx", buf.getvalue())
    case("zip", ["inspect", "zip.onnx"], ["zip.onnx", "ONNX"], why="an npz archive given as the model")
    case("missing_model", ["generate", "no_such_model.onnx", "-o", "{out}/m.rs"],
         ["no_such_model.onnx", "cannot read"], why="model file does not exist")
    # A valid model, for the npz / head / output-path cases.
    two = model(
        [
            helper.make_node("Add", ["x", "z"], ["s"], name="add"),
            helper.make_node("MatMul", ["s", "W"], ["h"], name="fc"),
            helper.make_node("Relu", ["h"], ["y"], name="act"),
            helper.make_node("Sigmoid", ["s"], ["p"], name="sig"),
        ],
        [vi("x", [1, 4]), vi("z", [1, 4])],
        [vi("y", [1, 3]), vi("p", [1, 4])],
        [t("W", weights(4, 3))],
    )
    save_model("good.onnx", two)
    case("output_dir_missing", ["generate", "good.onnx", "-o", "{out}/no/such/dir/m.rs"],
         ["m.rs", "cannot write"], why="output folder does not exist")
    case("html_dir_missing", ["inspect", "good.onnx", "--html", "{out}/no/such/dir/r.html"],
         ["r.html", "cannot write"], why="report folder does not exist")

    # ---- opset and domains ------------------------------------------------------------
    m = dense_model()
    m.opset_import[0].version = 7
    save_model("opset7.onnx", m)
    gen("opset7.onnx", ["opset 7"], "opset below 11")
    m = dense_model()
    del m.opset_import[:]
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    save_model("no_default_opset.onnx", m)
    gen("no_default_opset.onnx", ["opset"], "no default-domain opset import")

    # ---- unsupported ops, domains, attributes ------------------------------------------
    save_model("unsupported_op.onnx", model(
        [helper.make_node("TopK", ["x", "k"], ["y", "i"], name="topk_1")],
        [vi("x", [1, 8])], [vi("y", [1, 3])], [t("k", np.array([3], np.int64))]))
    gen("unsupported_op.onnx", ["node 'topk_1' (TopK)", "not supported", "Conv"], "op outside SUPPORTED_OPS")
    save_model("lstm.onnx", model(
        [helper.make_node("LSTM", ["x", "Wl", "Rl"], ["y"], name="rnn", hidden_size=2)],
        [vi("x", [3, 1, 2])], [vi("y", [3, 1, 1, 2])],
        [t("Wl", weights(1, 8, 2)), t("Rl", weights(1, 8, 3))]))
    gen("lstm.onnx", ["node 'rnn' (LSTM)", "R", "[1, 8, 3]", "expected [1, 8, 2]"],
        "recurrent op whose recurrence weights do not match hidden_size")
    save_model("custom_domain.onnx", model(
        [helper.make_node("FusedThing", ["x"], ["y"], name="fused", domain="com.example")],
        [vi("x", [1, 4])], [vi("y", [1, 4])], domains=["com.example"]))
    gen("custom_domain.onnx", ["node 'fused' (FusedThing)", "com.example"], "op of a custom domain")
    save_model("conv_pads_and_auto_pad.onnx", model(
        [helper.make_node("Conv", ["x", "Wc"], ["y"], name="conv_a", pads=[1, 1], auto_pad="SAME_UPPER")],
        [vi("x", [1, 2, 8])], [vi("y", [1, 3, 8])], [t("Wc", weights(3, 2, 3))]))
    gen("conv_pads_and_auto_pad.onnx", ["node 'conv_a' (Conv)", "pads", "auto_pad"], "conflicting attributes")
    save_model("conv3d.onnx", model(
        [helper.make_node("Conv", ["x", "Wc"], ["y"], name="conv3")],
        [vi("x", [1, 1, 4, 4, 4])], [vi("y", [1, 2, 2, 2, 2])], [t("Wc", weights(2, 1, 3, 3, 3))]))
    gen("conv3d.onnx", ["node 'conv3' (Conv)", "3"], "3-D convolution")
    save_model("softmax_bad_axis.onnx", model(
        [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=5)],
        [vi("x", [1, 4])], [vi("y", [1, 4])]))
    gen("softmax_bad_axis.onnx", ["node 'sm' (Softmax)", "axis"], "axis out of range")
    save_model("gemm_string_alpha.onnx", model(
        [helper.make_node("Gemm", ["x", "W"], ["y"], name="gemm_s", alpha="big")],
        [vi("x", [1, 4])], [vi("y", [1, 3])], [t("W", weights(4, 3))]))
    gen("gemm_string_alpha.onnx", ["node 'gemm_s' (Gemm)", "alpha"], "attribute of the wrong type")
    save_model("conv_missing_weight.onnx", model(
        [helper.make_node("Conv", ["x"], ["y"], name="conv_nw")],
        [vi("x", [1, 2, 8])], [vi("y", [1, 3, 8])]))
    gen("conv_missing_weight.onnx", ["node 'conv_nw' (Conv)"], "required input absent")
    save_model("bn_training.onnx", model(
        [helper.make_node("BatchNormalization", ["x", "g", "b", "mu", "var"], ["y", "rm", "rv"],
                          name="bn_t", training_mode=1)],
        [vi("x", [1, 2, 4])], [vi("y", [1, 2, 4])],
        [t("g", np.ones(2, np.float32)), t("b", np.zeros(2, np.float32)),
         t("mu", np.zeros(2, np.float32)), t("var", np.ones(2, np.float32))]))
    gen("bn_training.onnx", ["node 'bn_t' (BatchNormalization)", "training"], "training-mode BatchNorm")

    # ---- wiring ------------------------------------------------------------------------
    save_model("dangling_input.onnx", model(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="add_g")],
        [vi("x", [1, 4])], [vi("y", [1, 4])]))
    gen("dangling_input.onnx", ["node 'add_g' (Add)", "ghost"], "input nobody produces")
    save_model("cycle.onnx", model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="n1"),
         helper.make_node("Relu", ["a"], ["b"], name="n2"),
         helper.make_node("Relu", ["a"], ["y"], name="n3")],
        [vi("x", [1, 4])], [vi("y", [1, 4])]))
    gen("cycle.onnx", ["cycle", "'n1'"], "two nodes feeding each other")
    save_model("no_outputs.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [1, 4])], []))
    gen("no_outputs.onnx", ["no outputs"], "graph without outputs")
    save_model("duplicate_outputs.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [1, 4])],
        [vi("y", [1, 4]), vi("y", [1, 4])]))
    gen("duplicate_outputs.onnx", ["'y'"], "the same output listed twice")
    save_model("produced_twice.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r1"),
         helper.make_node("Sigmoid", ["x"], ["y"], name="r2")],
        [vi("x", [1, 4])], [vi("y", [1, 4])]))
    gen("produced_twice.onnx", ["'y'"], "two nodes writing one tensor")
    save_model("output_not_produced.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [1, 4])],
        [vi("y", [1, 4]), vi("nowhere", [1, 4])]))
    gen("output_not_produced.onnx", ["'nowhere'"], "output nobody produces")

    # ---- shapes --------------------------------------------------------------------------
    save_model("add_shape_mismatch.onnx", model(
        [helper.make_node("Add", ["x", "z"], ["y"], name="add_m")],
        [vi("x", [1, 3]), vi("z", [1, 4])], [vi("y", [1, 4])]))
    gen("add_shape_mismatch.onnx", ["node 'add_m' (Add)", "[1, 3]", "[1, 4]"], "operands not broadcastable")
    save_model("matmul_mismatch.onnx", model(
        [helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")],
        [vi("x", [1, 4])], [vi("y", [1, 3])], [t("W", weights(5, 3))]))
    gen("matmul_mismatch.onnx", ["node 'mm' (MatMul)", "4", "5"], "inner dimensions differ")
    save_model("reshape_count.onnx", model(
        [helper.make_node("Reshape", ["x", "sh"], ["y"], name="rs")],
        [vi("x", [1, 6])], [vi("y", [1, 4])], [t("sh", np.array([1, 4], np.int64))]))
    gen("reshape_count.onnx", ["node 'rs' (Reshape)"], "reshape changes the element count")
    save_model("conv_channels.onnx", model(
        [helper.make_node("Conv", ["x", "Wc"], ["y"], name="conv_c")],
        [vi("x", [1, 2, 8])], [vi("y", [1, 3, 6])], [t("Wc", weights(3, 5, 3))]))
    gen("conv_channels.onnx", ["node 'conv_c' (Conv)", "channel"], "weight channels disagree with the input")
    save_model("declared_output_shape.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [1, 4])], [vi("y", [1, 5])]))
    gen("declared_output_shape.onnx", ["'y'", "[1, 5]"], "declared output shape disagrees")
    big = 1 << 40
    save_model("dims_overflow_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        [vi("x", [big, big, big])], [vi("y", [big, big, big])]))
    gen("dims_overflow_input.onnx", ["'x'"], "input dims whose product overflows")
    init = onnx.TensorProto()
    init.name = "W"
    init.data_type = TensorProto.FLOAT
    init.dims.extend([1 << 62, 1 << 62])
    m = dense_model()
    del m.graph.initializer[:]
    m.graph.initializer.append(init)
    save_model("dims_overflow_weight.onnx", m)
    gen("dims_overflow_weight.onnx", ["tensor 'W'"], "initializer dims whose product overflows")
    init = onnx.TensorProto()
    init.name = "W"
    init.data_type = TensorProto.FLOAT
    init.dims.extend([4, -3])
    m = dense_model()
    del m.graph.initializer[:]
    m.graph.initializer.append(init)
    save_model("negative_dim_weight.onnx", m)
    gen("negative_dim_weight.onnx", ["tensor 'W'"], "negative dimension")
    m = dense_model()
    m.graph.initializer[0].ClearField("raw_data")
    m.graph.initializer[0].float_data.extend([1.0] * 5)
    save_model("weight_count.onnx", m)
    gen("weight_count.onnx", ["tensor 'W'"], "12 elements declared, 5 stored")
    save_model("rank7_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        [vi("x", [1] * 7)], [vi("y", [1] * 7)]))
    gen("rank7_input.onnx", ["'x'", "rank"], "rank above the supported maximum")
    save_model("int_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="r")],
        [vi("x", [1, 4], TensorProto.INT64)], [vi("y", [1, 4], TensorProto.INT64)]))
    gen("int_input.onnx", ["'x'"], "int64 model input")

    # ---- weights -------------------------------------------------------------------------
    save_model("int_weights.onnx", dense_model(np.ones((4, 3), np.int32)))
    gen("int_weights.onnx", ["tensor 'W'"], "int32 weights for MatMul")
    conv_int = model(
        [helper.make_node("Conv", ["x", "Wc"], ["y"], name="conv_i")],
        [vi("x", [1, 2, 8])], [vi("y", [1, 3, 6])], [t("Wc", np.ones((3, 2, 3), np.int64))])
    save_model("conv_int64_weights.onnx", conv_int)
    gen("conv_int64_weights.onnx", ["Wc"], "int64 convolution filter")
    w = weights(4, 3)
    w[1, 2] = np.nan
    save_model("nan_weights.onnx", dense_model(w))
    gen("nan_weights.onnx", ["tensor 'W'", "non-finite"], "NaN weight")
    w = weights(4, 3)
    w[0, 0] = np.inf
    w[3, 1] = -np.inf
    save_model("inf_weights.onnx", dense_model(w))
    gen("inf_weights.onnx", ["tensor 'W'", "2 non-finite"], "infinite weights")
    w = weights(4, 3)
    w[0, 1] = 70000.0
    w[2, 2] = -1e6
    save_model("big_weights.onnx", dense_model(w, wname="fc.weight"))
    gen("big_weights.onnx", ["tensor 'fc.weight'", "2 value(s) beyond", "--saturate"],
        "weights beyond f16's range, refused without --saturate")
    case("big_weights_saturated", ["generate", "big_weights.onnx", "-o", "{out}/m.rs", "--saturate"],
         expect="ok", warnings=["tensor 'fc.weight': 2 value(s) beyond"],
         why="the same weights clamped with --saturate: success, warning names tensor and count")
    w = weights(4, 3)
    w[0, 0] = 1e-9
    w[1, 1] = -1e-10
    w[2, 2] = 2e-30
    save_model("tiny_weights.onnx", dense_model(w, wname="fc.weight"))
    case("tiny_weights", ["generate", "tiny_weights.onnx", "-o", "{out}/m.rs"],
         expect="ok", warnings=["tensor 'fc.weight': 3 non-zero value(s)", "flushed to zero"],
         why="values f16 flushes to zero: success, warning names tensor and count")
    bias = model(
        [helper.make_node("Gemm", ["x", "W", "B"], ["y"], name="gemm_b")],
        [vi("x", [1, 4])], [vi("y", [1, 3])],
        [t("W", weights(4, 3)), t("B", np.array([1.0, np.nan, 0.0], np.float32))])
    save_model("nan_bias.onnx", bias)
    gen("nan_bias.onnx", ["tensor 'B'", "non-finite"], "NaN in a bias")
    bn = model(
        [helper.make_node("BatchNormalization", ["x", "g", "b", "mu", "var"], ["y"], name="bn")],
        [vi("x", [1, 2, 4])], [vi("y", [1, 2, 4])],
        [t("g", np.ones(2, np.float32)), t("b", np.zeros(2, np.float32)),
         t("mu", np.zeros(2, np.float32)), t("var", np.array([1.0, np.inf], np.float32))])
    save_model("inf_bn_var.onnx", bn)
    gen("inf_bn_var.onnx", ["'var'", "non-finite"], "infinite BatchNorm variance")

    # ---- external data -------------------------------------------------------------------
    def external(name, location, offset=None, length=None, data=None):
        m = dense_model()
        init = m.graph.initializer[0]
        init.ClearField("raw_data")
        init.data_location = TensorProto.EXTERNAL
        for k, v in [("location", location), ("offset", offset), ("length", length)]:
            if v is not None:
                e = init.external_data.add()
                e.key = k
                e.value = str(v)
        save_model(name, m)
        if data is not None:
            save_bytes(location, data)

    external("ext_missing.onnx", "ext_missing.bin")
    gen("ext_missing.onnx", ["tensor 'W'", "ext_missing.bin"], "external data file absent")
    external("ext_short.onnx", "ext_short.bin", data=weights(4, 3).tobytes()[:20])
    gen("ext_short.onnx", ["tensor 'W'", "ext_short.bin", "too short"], "external data file too short")
    external("ext_offset.onnx", "ext_offset.bin", offset=40, data=weights(4, 3).tobytes())
    gen("ext_offset.onnx", ["tensor 'W'", "ext_offset.bin", "too short"], "offset past the data")
    external("ext_length.onnx", "ext_length.bin", length=7, data=weights(4, 3).tobytes())
    gen("ext_length.onnx", ["tensor 'W'", "length 7"], "declared length disagrees")
    external("ext_parent.onnx", "../bad-inputs/ext_short.bin")
    gen("ext_parent.onnx", ["tensor 'W'", "leaves the model's folder"], "location with ..")
    external("ext_absolute.onnx", "/etc/hostname")
    gen("ext_absolute.onnx", ["tensor 'W'", "absolute"], "absolute location")
    external("ext_no_location.onnx", None, offset=0)
    gen("ext_no_location.onnx", ["tensor 'W'", "location"], "external data without a location")
    external("ext_bad_offset.onnx", "ext_short.bin", offset="-4")
    gen("ext_bad_offset.onnx", ["tensor 'W'", "offset"], "negative offset")

    # ---- npz samples (against good.onnx: x [1, 4], z [1, 4]) ------------------------------
    ok_x = np.zeros((2, 1, 4), np.float32)

    def npz(name, **arrays):
        np.savez(path(name), **arrays)

    def run(name, npz_name, contains, why, heads=None):
        args = ["run", "good.onnx", "--inputs", npz_name, "--output", "{out}/o.npz"]
        if heads:
            args += ["--heads", heads]
        case(name, args, contains, why=why)

    npz("npz_missing_key.npz", x=ok_x)
    run("npz_missing_key", "npz_missing_key.npz", ["npz_missing_key.npz", "missing array 'z'"], "input z absent")
    npz("npz_misshapen.npz", x=ok_x, z=np.zeros((2, 4), np.float32))
    run("npz_misshapen", "npz_misshapen.npz", ["npz_misshapen.npz", "'z'", "[2, 4]"], "z lacks the sample axis")
    npz("npz_float64.npz", x=ok_x, z=np.zeros((2, 1, 4), np.float64))
    run("npz_float64", "npz_float64.npz", ["npz_float64.npz", "'z'", "float32"], "float64 array")
    npz("npz_int32.npz", x=ok_x.astype(np.int32), z=ok_x)
    run("npz_int32", "npz_int32.npz", ["npz_int32.npz", "'x'", "float32"], "int32 array")
    np.savez(path("npz_object.npz"), x=ok_x, z=np.array([None, "a"], dtype=object))
    run("npz_object", "npz_object.npz", ["npz_object.npz", "'z'"], "pickled object array")
    save_bytes("npz_text.npz", b"x,z\n1,2\n")
    run("npz_text", "npz_text.npz", ["npz_text.npz", "npz"], "not a zip file")
    whole = io.BytesIO()
    np.savez(whole, x=ok_x, z=ok_x)
    save_bytes("npz_truncated.npz", whole.getvalue()[:300])
    run("npz_truncated", "npz_truncated.npz", ["npz_truncated.npz"], "zip cut short")
    npz("npz_extra_key.npz", x=ok_x, z=ok_x, w=ok_x)
    run("npz_extra_key", "npz_extra_key.npz", ["npz_extra_key.npz", "'w'"], "array the model lacks")
    npz("npz_no_samples.npz", x=np.zeros((0, 1, 4), np.float32), z=np.zeros((0, 1, 4), np.float32))
    run("npz_no_samples", "npz_no_samples.npz", ["npz_no_samples.npz", "no samples"], "N = 0")
    npz("npz_count_mismatch.npz", x=ok_x, z=np.zeros((3, 1, 4), np.float32))
    run("npz_count_mismatch", "npz_count_mismatch.npz", ["npz_count_mismatch.npz", "3 samples"],
        "different N per array")
    def npy(header, data=b""):
        h = header.encode() + b" "
        h += b" " * ((-(len(h) + 11)) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data

    with zipfile.ZipFile(path("npz_huge_shape.npz"), "w") as z:
        zwrite(z, "x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999, 1, 4), }"))
        zwrite(z, "z.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 4), }", bytes(32)))
    run("npz_huge_shape", "npz_huge_shape.npz", ["npz_huge_shape.npz", "'x'"],
        "npy header claiming ~16 TB of data that is not there")
    with zipfile.ZipFile(path("npz_overflow_shape.npz"), "w") as z:
        zwrite(z, "x.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904, 4), }"))
        zwrite(z, "z.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 4), }", bytes(32)))
    run("npz_overflow_shape", "npz_overflow_shape.npz", ["npz_overflow_shape.npz", "'x'"],
        "npy shape whose element count overflows")
    with zipfile.ZipFile(path("npz_bad_header.npz"), "w") as z:
        zwrite(z, "x.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4', ")
        zwrite(z, "z.npy", b"\x93NUMPY\x01\x00garbage")
    run("npz_bad_header", "npz_bad_header.npz", ["npz_bad_header.npz", "'x'"], "npy header cut short")
    with zipfile.ZipFile(path("npz_fortran.npz"), "w") as z:
        zwrite(z, "x.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 1, 4), }", bytes(32)))
        zwrite(z, "z.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 1, 4), }", bytes(32)))
    case("npz_fortran", ["run", "good.onnx", "--inputs", "npz_fortran.npz", "--output", "{out}/o.npz"],
         expect="ok", why="Fortran-order and big-endian float32 arrays are valid npy: read, not refused")
    npz("npz_good.npz", x=ok_x, z=ok_x + 1)
    run("unknown_head", "npz_good.npz", ["good.onnx", "unknown head 'nope'", "y, p"], "head not in the model",
        heads="y,nope")
    case("missing_npz", ["run", "good.onnx", "--inputs", "no_such.npz", "--output", "{out}/o.npz"],
         ["no_such.npz"], why="samples file does not exist")

    # ---- names that collide as Rust identifiers: made unique, must compile and run ------
    ins = ["in-put", "in_put", "In.Put", "inPut", "v1", "v_1"]
    outs = ["none", "all", "trunk", "run_part", "out", "out_alone", "OUT:0", "out_0", "Out0",
            "branch_a_b", "type", "Model", "3d", "a1", "a_1"]
    nodes, outputs = [], []
    for i, o in enumerate(outs):
        a, b = ins[i % len(ins)], ins[(i + 1) % len(ins)]
        nodes.append(helper.make_node("Add", [a, b], [f"s{i}"], name=f"add/{i}"))
        nodes.append(helper.make_node("Mul", [f"s{i}", f"c{i}"], [o], name=f"mul::{i}"))
        outputs.append(vi(o, [1, 4]))
    # A branch shared by heads `a` and `b` only: named `branch_a_b` like a head above.
    nodes.append(helper.make_node("Relu", ["v1"], ["shared"], name="shared"))
    nodes.append(helper.make_node("Sigmoid", ["shared"], ["a"], name="head/a"))
    nodes.append(helper.make_node("Tanh", ["shared"], ["b"], name="head/b"))
    outputs += [vi("a", [1, 4]), vi("b", [1, 4])]
    inits = [t(f"c{i}", np.full((4,), float(i + 1), np.float32)) for i in range(len(outs))]
    collide = model(nodes, [vi(n, [1, 4]) for n in ins], outputs, inits)
    save_model("colliding_names.onnx", collide)
    feeds = {n: RNG.standard_normal((3, 1, 4)).astype(np.float32).round(2) for n in ins}
    np.savez(path("colliding_names.inputs.npz"), **feeds)
    ref = {}
    for i, o in enumerate(outs):
        a, b = ins[i % len(ins)], ins[(i + 1) % len(ins)]
        ref[o] = (feeds[a] + feeds[b]) * np.float32(i + 1)
    shared = np.maximum(feeds["v1"], 0)
    ref["a"] = 1 / (1 + np.exp(-shared))
    ref["b"] = np.tanh(shared)
    outs += ["a", "b"]
    np.savez(path("colliding_names.ref.npz"), **ref)
    case("colliding_names", ["run", "colliding_names.onnx", "--inputs", "colliding_names.inputs.npz",
                             "--output", "{out}/o.npz"],
         expect="ok",
         reference={"file": "colliding_names.ref.npz", "tolerance": 1e-2,
                    "outputs": [{"name": o, "shape": [1, 4]} for o in outs]},
         why="input/output names that map to the same Rust identifiers (and to the "
             "generated API's own names) are made unique; the code compiles and runs")

    cli_cases()
    validation_cases()
    hostile.cases(sys.modules[__name__])
    add_fuzz_cases()
    with open(path("manifest.json"), "w") as f:
        json.dump({"cases": CASES}, f, indent=1)
        f.write("\n")
    print(f"{len(CASES)} cases")


def cli_cases():
    """Command-line arguments against the valid `good.onnx` (heads y, p) and
    `npz_good.npz`: head names are trimmed and deduplicated, empty ones refused."""
    def heads_case(name, heads, why, contains=(), expect="error", reference=None):
        args = ["run", "good.onnx", "--inputs", "npz_good.npz", "--output", "{out}/o.npz",
                "--heads", heads]
        case(name, args, contains, expect=expect, reference=reference, why=why)

    # The expected outputs: exactly the named heads, once each.
    g = onnx.load(path("good.onnx")).graph
    w = numpy_helper.to_array(next(i for i in g.initializer if i.name == "W"))
    with np.load(path("npz_good.npz")) as f:
        s = f["x"] + f["z"]
    outs = {"y": np.maximum(s @ w, 0).astype(np.float32),
            "p": (1 / (1 + np.exp(-s))).astype(np.float32)}

    def ref(file, names):
        np.savez(path(file), **{n: outs[n] for n in names})
        return {"file": file, "tolerance": 1e-2,
                "outputs": [{"name": n, "shape": list(outs[n].shape[1:])} for n in names]}

    heads_case("heads_duplicate", "y,y", "a head named twice is written once", expect="ok",
               reference=ref("heads_duplicate.ref.npz", ["y"]))
    heads_case("heads_spaces", "y, p", "spaces around head names are trimmed", expect="ok",
               reference=ref("heads_spaces.ref.npz", ["y", "p"]))
    heads_case("heads_empty_entry", "y,,p", "empty head name between commas",
               contains=["good.onnx", "empty"])
    heads_case("heads_empty", "", "empty --heads value", contains=["good.onnx", "empty"])
    heads_case("heads_trailing_comma", "y,", "trailing comma", contains=["good.onnx", "empty"])
    case("npz_dev_zero", ["run", "good.onnx", "--inputs", "/dev/zero", "--output", "{out}/o.npz"],
         ["/dev/zero", "not a regular file"],
         why="a device given as the samples: refused before reading, never streamed")
def validation_cases():
    """Nodes ONNX itself rejects (input/output counts, repeated attributes or external
    data keys), graphs that explode when their local functions are inlined, and model
    paths that are not regular files."""
    save_model("add_three_inputs.onnx", model(
        [helper.make_node("Add", ["x", "a", "b"], ["y"], name="add3")],
        [vi("x", [1, 4])], [vi("y", [1, 4])],
        [t("a", weights(1, 4)), t("b", weights(1, 4))]))
    gen("add_three_inputs.onnx", ["node 'add3' (Add)", "3 input(s)", "exactly 2"],
        "a third input of Add would be dropped silently")
    save_model("relu_two_outputs.onnx", model(
        [helper.make_node("Relu", ["x"], ["y", "z"], name="relu2")],
        [vi("x", [1, 4])], [vi("y", [1, 4])]))
    gen("relu_two_outputs.onnx", ["node 'relu2' (Relu)", "2 output(s)", "exactly 1"],
        "a single-output op with an extra output")
    gemm = helper.make_node("Gemm", ["x", "W"], ["y"], name="gemm_dup")
    gemm.attribute.extend([helper.make_attribute("alpha", 1.0), helper.make_attribute("alpha", 2.0)])
    save_model("duplicate_attribute.onnx", model(
        [gemm], [vi("x", [1, 4])], [vi("y", [1, 3])], [t("W", weights(4, 3))]))
    gen("duplicate_attribute.onnx", ["node 'gemm_dup' (Gemm)", "'alpha'", "more than once"],
        "the same attribute twice (which one applies is undefined)")
    m = dense_model()
    init = m.graph.initializer[0]
    init.ClearField("raw_data")
    init.data_location = TensorProto.EXTERNAL
    for loc in ["ext_duplicate_location.bin", "ext_short.bin"]:
        e = init.external_data.add()
        e.key = "location"
        e.value = loc
    save_model("ext_duplicate_location.onnx", m)
    save_bytes("ext_duplicate_location.bin", weights(4, 3).tobytes())
    gen("ext_duplicate_location.onnx", ["tensor 'W'", "'location'", "more than once"],
        "two external data locations for one tensor")
    # f0 calls f1 twice, ..., f29 holds one Relu: 2^30 nodes once inlined.
    depth = 30
    fns = []
    for i in range(depth):
        if i + 1 < depth:
            body = [helper.make_node(f"f{i + 1}", ["X"], ["T"], name="a", domain="nest"),
                    helper.make_node(f"f{i + 1}", ["T"], ["Y"], name="b", domain="nest")]
        else:
            body = [helper.make_node("Relu", ["X"], ["Y"], name="r")]
        fns.append(helper.make_function("nest", f"f{i}", ["X"], ["Y"], body,
                                        [helper.make_opsetid("", OPSET)]))
    m = model([helper.make_node("f0", ["x"], ["y"], name="top", domain="nest")],
              [vi("x", [1, 4])], [vi("y", [1, 4])], domains=["nest"])
    m.functions.extend(fns)
    save_model("nested_functions.onnx", m)
    gen("nested_functions.onnx", ["100000 nodes", "MAX_NODES"],
        "30 nested local functions each calling the next twice: refused while inlining")
    case("dev_zero", ["generate", "/dev/zero", "-o", "{out}/m.rs"],
         ["/dev/zero", "character device", "not a regular file"],
         why="an endless device as the model: refused before reading")
    case("directory", ["generate", ".", "-o", "{out}/m.rs"], ["directory", "not a regular file"],
         why="a folder as the model")


def add_fuzz_cases():
    """Inputs the fuzzers found (`fuzz-crashes/`, checked in as found): each must be
    refused cleanly by the command of its target."""
    d = path("fuzz-crashes")
    if not os.path.isdir(d):
        return
    for f in sorted(os.listdir(d)):
        rel = "fuzz-crashes/" + f
        if f.endswith(".onnx"):
            # The fuzz target compiles with and without --saturate.
            case("fuzz_" + f[:-5], ["generate", rel, "-o", "{out}/m.rs"], [rel],
                 why="found by the load_onnx fuzz target")
            case("fuzz_" + f[:-5] + "_saturate", ["generate", rel, "-o", "{out}/m.rs", "--saturate"],
                 [rel], why="found by the load_onnx fuzz target (crashed with --saturate)")
        elif f.endswith(".npz"):
            case("fuzz_" + f[:-4], ["run", "good.onnx", "--inputs", rel, "--output", "{out}/o.npz"],
                 [rel], why="found by the read_npz fuzz target")


if __name__ == "__main__":
    main()
