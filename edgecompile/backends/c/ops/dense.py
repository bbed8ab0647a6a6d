"""Gemm / MatMul against a constant matrix (one weight row per output): TFLite's FullyConnected."""

# TFLite's reference FullyConnected (as the LiteRT interpreter runs it) requantizes with ONE rounding,
# (x * m + 2^(30 - shift)) >> (31 - shift), unlike its convolutions (two roundings, ec_mbqm). Measured:
# with ec_mbqm here ResNet-8 differs from BUILTIN_REF in 15 of 2,000 output bytes; with this, in none.
S8 = """static int32_t ec_mbqm_fc(int32_t x, int32_t mult, int32_t shift) {
  const int total = 31 - (int)shift;
  return (int32_t)(((int64_t)x * mult + (INT64_C(1) << (total - 1))) >> total);
}

static void ec_dense_s8(const int8_t* x, int8_t* y, int batch, int k, int n, const int8_t* w, const int32_t* bias,
                        const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                        int32_t amax) {
  int b, o, c;
  for (b = 0; b < batch; ++b) {
    const int8_t* xb = x + (int32_t)b * k;
    for (o = 0; o < n; ++o) {
      const int8_t* wr = w + (int32_t)o * k;
      int32_t acc = 0;
      for (c = 0; c < k; ++c) acc += (xb[c] + in_off) * wr[c];
      y[(int32_t)b * n + o] = ec_sat8(ec_mbqm_fc(acc + bias[o], mult[o], shift[o]) + out_zp, amin, amax);
    }
  }
}
"""

F32 = """static void ec_dense_f32(const float* x, float* y, int batch, int k, int n, const float* w, const float* bias) {
  int b, o, c;
  for (b = 0; b < batch; ++b) {
    const float* xb = x + (int32_t)b * k;
    for (o = 0; o < n; ++o) {
      const float* wr = w + (int32_t)o * k;
      float acc = 0.0f;
      for (c = 0; c < k; ++c) acc += xb[c] * wr[c];
      y[(int32_t)b * n + o] = acc + bias[o];
    }
  }
}
"""


def emit(e, op, i) -> str:
    a = op.attrs
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    e.macs += a["batch"] * a["k"] * a["n"]
    w, b = e.const(f"w{i}", a["w"]), e.const(f"b{i}", a["b"])
    if a["dtype"] == "float32":
        e.kernel("dense_f32", F32)
        return f"ec_dense_f32({x}, {y}, {a['batch']}, {a['k']}, {a['n']}, {w}, {b});"
    e.kernel("fixedpoint", e.fixedpoint())
    e.kernel("dense_s8", S8)
    return (f"ec_dense_s8({x}, {y}, {a['batch']}, {a['k']}, {a['n']}, {w}, {b}, {e.const(f'm{i}', a['mult'])}, "
            f"{e.const(f's{i}', a['shift'])}, {a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]});")
