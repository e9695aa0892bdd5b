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
