#!/usr/bin/env bash
# Seeds the fuzz corpora from the checked-in fixtures (small models and sample files).
set -euo pipefail
cd "$(dirname "$0")"
fx=../tests/fixtures
mkdir -p corpus/load_onnx corpus/read_npz
for m in shared_basis_factors bilinear_matmul shared_linear_cls_reg spectro_conv_stride2 \
         dwsep_cnn_hardswish explicit_norm_standalone_bn two_input_concat conv_maxpool_flatten; do
  cp "$fx/$m.onnx" "corpus/load_onnx/$m.onnx"
done
for m in dense_two_softmax two_input_concat conv_maxpool_flatten shared_basis_factors; do
  cp "$fx/$m.inputs.npz" "corpus/read_npz/$m.inputs.npz"
done
# emit_names: strings separated by 0xff (inputs, outputs, nodes, values, weight, graph,
# doc, file), a plain set and a hostile one.
mkdir -p corpus/emit_names
printf 'x\xffz\xffy\xffp\xffq\xffr\xffa\xffb\xffc\xffd\xffe\xfff\xffs\xfft\xffu\xffW\xffg\xffdoc\xffm.onnx' > corpus/emit_names/plain
printf 'x\n\xffx\r\xffy\xe2\x80\xae\xff*/ p /*\xff``q``\xffr#type\xfffc\nstd::process::exit(42);\n//\xff\x1b[31m\xff\xffb\xff\xffd\xffa-b\xffa_b\xffa.b\xffW\n}\xffg\xe2\x81\xa6\xffdoc */\xffevil\n.onnx' > corpus/emit_names/hostile
