"""Hostile and unlucky models for the bad-input corpus (issue 8), called by
`make_corpus.py` (`hostile.cases(make_corpus)`): names that try to inject code or
break the generated module or the terminal, more heads than the head set holds,
folded constants beyond f32, and single tensors of 1 M and 4 M weights.

Every accepted case has a reference computed by onnxruntime on the model as written
(`<case>.inputs.npz` -> `<case>.ref.npz`), so "accepted" means "equal to onnxruntime
within the numerics contract", not just "did not crash".
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# A statement that would end the process with exit code 42 if it reached code.
INJECT = "fc\nstd::process::exit(42);\n//"
BIDI = "\u202e\u2066\u2069\u202a"


def _ort_reference(mc, name, m, feeds, tolerance=1e-3):
    """Saves `<name>.inputs.npz` (feeds as [N, *shape]) and onnxruntime's outputs as
    `<name>.ref.npz`; returns the manifest's `reference` entry."""
    import onnxruntime as ort

    # Graph optimizations off: onnxruntime's own Conv+BatchNorm+Mul fusion overflows on
    # `fused_overflow_bn` (NaN), the very bug the case is about; the reference is the
    # model's semantics, node by node.
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    n = next(iter(feeds.values())).shape[0]
    outs = [o.name for o in sess.get_outputs()]
    got = {o: [] for o in outs}
    for k in range(n):
        res = sess.run(None, {i: v[k] for i, v in feeds.items()})
        for o, r in zip(outs, res):
            got[o].append(r)
    ref = {o: np.stack(v).astype(np.float32) for o, v in got.items()}
    np.savez(mc.path(name + ".inputs.npz"), **feeds)
    np.savez(mc.path(name + ".ref.npz"), **ref)
    return {
        "file": name + ".ref.npz",
        "tolerance": tolerance,
        "outputs": [{"name": o, "shape": list(ref[o].shape[1:])} for o in outs],
    }


def _run_case(mc, name, m, feeds, why, tolerance=1e-3):
    """Saves `m`, its inputs and onnxruntime reference; the case runs it through the
    generated code and compares."""
    mc.save_model(name + ".onnx", m)
    ref = _ort_reference(mc, name, m, feeds, tolerance)
    mc.case(name, ["run", name + ".onnx", "--inputs", name + ".inputs.npz",
                   "--output", "{out}/o.npz"], expect="ok", reference=ref, why=why)


def _f16_weights(rng, *shape, scale=0.5):
    """Weights exactly representable in f16 (so the f16 code and onnxruntime on the
    f32 model agree to float rounding), as an f16 initializer behind a Cast."""
    return (rng.standard_normal(shape) * scale).astype(np.float16)


def cases(mc):
    rng = np.random.default_rng(20261201)
    vi = mc.vi

    # ---- code injection through names ---------------------------------------------------
    m = mc.model(
        [helper.make_node("MatMul", ["x", "W\n}\nfn evil() {}\n//"], ["h"], name=INJECT,
                          doc_string="*/ fn doc() {} /*\n" + INJECT),
         helper.make_node("Relu", ["h"], ["y"], name="act */ std::process::exit(43); /*")],
        [vi("x", [1, 4])], [vi("y", [1, 3])],
        [mc.t("W\n}\nfn evil() {}\n//", _f16_weights(rng, 4, 3).astype(np.float32))],
        name="g\nfn graph_evil() {}")
    m.doc_string = "model doc */ /* \n std::process::exit(44);"
    m.graph.doc_string = "\r\n".join(["graph doc", INJECT])
    m.producer_name = "evil\nproducer"
    _run_case(mc, "inject_node_name", m,
              {"x": rng.standard_normal((3, 1, 4)).astype(np.float32)},
              "node, tensor, graph names and doc strings holding Rust statements after a "
              "newline (or `*/`) stay inside comments: the code runs and equals onnxruntime")

    # ---- names that would break the generated module or the terminal --------------------
    long = "n" * 5000
    ins = ["x\r" + BIDI, "x\n", "x-1", "x_1"]
    outs = ["y\n" + BIDI, "p */ /* q", "``code``", "<script>alert(1)</script>", "[Model]",
            "r#type", "fn", "\U0001F680 rocket", long + "a", long + "b", "a-b", "a_b", "a.b",
            "\x1b[31mred\x1b[0m", "tab\there", "\u2028line", "\\u{a}"]
    nodes = [helper.make_node("Add", [ins[0], ins[1]], ["s0"], name="add\r\n" + BIDI),
             helper.make_node("Add", [ins[2], ins[3]], ["s1"], name="\x1b[2J\x1b[Hclear")]
    inits = []
    for i, o in enumerate(outs):
        c = f"c\n{i}{BIDI}"
        inits.append(mc.t(c, np.full((4,), float(i + 1) / 4, np.float32)))
        nodes.append(helper.make_node("Mul", [f"s{i % 2}", c], [o], name=f"mul {i}\n//{BIDI}"))
    m = mc.model(nodes, [vi(n, [1, 4]) for n in ins], [vi(o, [1, 4]) for o in outs], inits,
                 name="graph " + BIDI + "\n")
    feeds = {n: rng.standard_normal((2, 1, 4)).astype(np.float32) for n in ins}
    _run_case(mc, "hostile_names", m, feeds,
              "CR, LF, bidi controls, ANSI escapes, comment delimiters, backticks, HTML, "
              "keywords, raw-identifier syntax, emoji, 5 kB names, names equal after "
              "sanitising: the module compiles and equals onnxruntime")

    # ---- a forged terminal line in an error ---------------------------------------------
    mc.save_model("terminal_forgery.onnx", mc.model(
        [helper.make_node("TopK", ["x", "k"], ["y", "i"],
                          name="n\nwarning: all good\x1b[32m OK\x1b[0m\r")],
        [vi("x", [1, 8])], [vi("y", [1, 3])], [mc.t("k", np.array([3], np.int64))]))
    mc.gen("terminal_forgery.onnx", ["\\u{a}warning: all good\\u{1b}[32m", "TopK"],
           "a node name with a newline and ANSI escapes is printed escaped, on one line")

    # ---- more heads than the head set holds ---------------------------------------------
    heads = [f"h{i}" for i in range(65)]
    mc.save_model("heads_65.onnx", mc.model(
        [helper.make_node("Relu", ["x"], [h], name=f"relu{i}") for i, h in enumerate(heads)],
        [vi("x", [1, 4])], [vi(h, [1, 4]) for h in heads]))
    mc.gen("heads_65.onnx", ["65 outputs", "at most 64 heads"],
           "65 heads: refused (the `Heads` set is 64 bits), never wrapped")
    heads = heads[:64]
    m = mc.model(
        [helper.make_node("Relu", ["x"], [h], name=f"relu{i}") for i, h in enumerate(heads)],
        [vi("x", [1, 4])], [vi(h, [1, 4]) for h in heads])
    _run_case(mc, "heads_64", m, {"x": rng.standard_normal((2, 1, 4)).astype(np.float32)},
              "64 heads, the most the head set holds: every head computed")

    # ---- folded constants beyond f32 ----------------------------------------------------
    # Gemm alpha 3e38 then Mul by 10: each factor finite, their product is not. Inputs
    # small enough that the true outputs are finite.
    w = _f16_weights(rng, 4, 3).astype(np.float32)
    m = mc.model(
        [helper.make_node("Gemm", ["x", "W"], ["g"], name="gemm", alpha=3e38),
         helper.make_node("Mul", ["g", "ten"], ["y"], name="mul_ten")],
        [vi("x", [1, 4])], [vi("y", [1, 3])],
        [mc.t("W", w), mc.t("ten", np.array(10.0, np.float32))])
    _run_case(mc, "fused_overflow_gemm", m,
              {"x": (rng.standard_normal((3, 1, 4)) * 1e-30).astype(np.float32)},
              "Gemm alpha 3e38 then Mul by 10: the fused scale would be inf in f32, so the "
              "pair is not fused; equals onnxruntime")
    # Conv + BatchNorm (gamma 60000 over sqrt(eps = 1e-36): scale 6e22) then four Muls
    # by 60000, each folded into the scale until the product would leave f32 (7.8e41):
    # the last one stays a step of its own.
    wc = _f16_weights(rng, 2, 1, 3).astype(np.float32)
    muls = [helper.make_node("Mul", [f"m{k}", "big"], [f"m{k + 1}" if k < 3 else "y"],
                             name=f"mul_{k}") for k in range(4)]
    m = mc.model(
        [helper.make_node("Conv", ["x", "Wc"], ["c"], name="conv"),
         helper.make_node("BatchNormalization", ["c", "g", "b", "mu", "var"], ["m0"], name="bn",
                          epsilon=1e-36)] + muls,
        [vi("x", [1, 1, 8])], [vi("y", [1, 2, 6])],
        [mc.t("Wc", wc), mc.t("g", np.array([60000.0, -60000.0], np.float32)),
         mc.t("b", np.zeros(2, np.float32)), mc.t("mu", np.zeros(2, np.float32)),
         mc.t("var", np.zeros(2, np.float32)), mc.t("big", np.array(60000.0, np.float32))])
    _run_case(mc, "fused_overflow_bn", m,
              {"x": (rng.standard_normal((2, 1, 1, 8)) * 1e-35).astype(np.float32)},
              "BatchNorm (scale 6e22) folded into a Conv, then Muls by 60000 folded until the "
              "scale would overflow f32: that Mul is left unfused; equals onnxruntime")

    # ---- single tensors too large for array literals ------------------------------------
    def big_dense(name, w16, why):
        n_in, n_out = w16.shape
        m = mc.model(
            [helper.make_node("Cast", ["W16"], ["W"], to=TensorProto.FLOAT, name="cast"),
             helper.make_node("MatMul", ["x", "W"], ["y"], name="fc")],
            [vi("x", [1, n_in])], [vi("y", [1, n_out])], [numpy_helper.from_array(w16, "W16")])
        _run_case(mc, name, m, {"x": rng.standard_normal((2, 1, n_in)).astype(np.float32)}, why,
                  tolerance=1e-3)

    big_dense("big_dense_1030", _f16_weights(rng, 1030, 1030, scale=0.05),
              "one 1030x1030 weight tensor (over 2^20 values: the old const loop hit "
              "rustc's long_running_const_eval): compiles and equals onnxruntime")
    # 4 M weights: a deterministic pattern (its period, 509, divides no row length, so a
    # wrong offset shows) keeps the checked-in file compressible.
    i = np.arange(2048)[:, None]
    j = np.arange(2048)[None, :]
    w = ((((i * 1031 + j * 7) % 509) - 254) / 4096).astype(np.float16)
    big_dense("big_dense_4m", w,
              "one 2048x2048 weight tensor (4 M parameters; drove rustc to 8 GB as an array "
              "literal): compiles in bounded time and memory and equals onnxruntime")
