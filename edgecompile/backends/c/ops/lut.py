"""int8 element-wise functions and requantization as a 256-entry table (built at compile time)."""

KERNEL = """static void ec_lut_s8(const int8_t* x, int8_t* y, int32_t n, const int8_t* table) {
  int32_t i;
  for (i = 0; i < n; ++i) y[i] = table[x[i] + 128];
}
"""


def emit(e, op, i) -> str:
    e.kernel("lut_s8", KERNEL)
    n = e.g.tensors[op.inputs[0]].size
    return f"ec_lut_s8({e.buf(op.inputs[0], const=True)}, {e.buf(op.outputs[0])}, {n}, {e.const(f'lut{i}', op.attrs['table'])});"
