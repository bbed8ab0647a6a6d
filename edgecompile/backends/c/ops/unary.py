"""fp32 element-wise activations. Each gets its own small loop; the expression is the op."""

EXPR = {
    "Relu": "v > 0.0f ? v : 0.0f",
    "Clip": "v < P0 ? P0 : (v > P1 ? P1 : v)",
    "Sigmoid": "1.0f / (1.0f + expf(-v))",
    "Tanh": "tanhf(v)",
    "LeakyRelu": "v >= 0.0f ? v : P0 * v",
    "HardSigmoid": "(P0 * v + P1) < 0.0f ? 0.0f : ((P0 * v + P1) > 1.0f ? 1.0f : (P0 * v + P1))",
    "HardSwish": "v * ((v / 6.0f + 0.5f) < 0.0f ? 0.0f : ((v / 6.0f + 0.5f) > 1.0f ? 1.0f : (v / 6.0f + 0.5f)))",
    "Elu": "v >= 0.0f ? v : P0 * (expf(v) - 1.0f)",
    "Neg": "-v",
    "Abs": "fabsf(v)",
    "Exp": "expf(v)",
    "Sqrt": "sqrtf(v)",
}
NEEDS_LIBM = {"Sigmoid", "Tanh", "Elu", "Abs", "Exp", "Sqrt"}


def _params(fn, p) -> tuple[float, float]:
    if fn == "Clip":
        return p.get("min", -3.4e38), p.get("max", 3.4e38)
    if fn == "LeakyRelu":
        return p.get("alpha", 0.01), 0.0
    if fn == "HardSigmoid":
        return p.get("alpha", 0.2), p.get("beta", 0.5)
    if fn == "Elu":
        return p.get("alpha", 1.0), 0.0
    return 0.0, 0.0


def emit(e, op, i) -> str:
    fn = op.attrs["fn"]
    if fn in NEEDS_LIBM:
        e.libm = True
    name = f"ec_{fn.lower()}_f32"
    body = EXPR[fn].replace("P0", "p0").replace("P1", "p1")
    e.kernel(name, f"""static void {name}(const float* x, float* y, int32_t n, float p0, float p1) {{
  int32_t i;
  (void)p0;
  (void)p1;
  for (i = 0; i < n; ++i) {{
    const float v = x[i];
    y[i] = {body};
  }}
}}
""")
    p0, p1 = _params(fn, op.attrs["params"])
    n = e.g.tensors[op.inputs[0]].size
    return f"{name}({e.buf(op.inputs[0], const=True)}, {e.buf(op.outputs[0])}, {n}, {e.flt(p0)}, {e.flt(p1)});"
