"""Max/Average/GlobalAverage/GlobalMax pooling and spatial ReduceMean over NHWC data (kernels/*pool_*.c).

int8 average pooling with equal input/output quantization is TFLite's: a sum over the valid
window, divided with rounding half away from zero. Different quantization requantizes the sum;
a divisor that varies (padding) or counts padding takes a multiplier per divisor.
"""

import numpy as np

from edgecompile.backends.c.kernel_table import SIMD

GEO = ("ih", "iw", "c", "oh", "ow", "kh", "kw", "sh", "sw", "pt", "pl")


def emit(e, op, i) -> str:
    g, a = op.attrs["geo"], op.attrs
    geo = e.struct("ec_pool_geo", f"pg{i}", [g[k] for k in GEO])
    x, y, n = e.per_image(op)
    kind = "max" if g["max"] else "avg"
    if a["dtype"] == "float32":
        fn = e.use(f"{kind}pool_f32")
        return e.batched(f"{fn}({x}, {y}, &{geo}{'' if g['max'] else ', ' + str(g['count_pad'])});", n)
    if a.get("req_table"):
        fn = e.use("avgpool_s8_req")
        mult, shift = (np.array(v, np.int32) for v in zip(*a["req_table"]))
        return e.batched(f"{fn}({x}, {y}, &{geo}, {a['in_zp']}, {a['out_zp']}, {e.const(f'pm{i}', mult)}, "
                         f"{e.const(f'ps{i}', shift)}, {g['count_pad']}, {a['act'][0]}, {a['act'][1]});", n)
    m, s = a["req"] or (0, 0)
    args = f"({x}, {y}, &{geo}, {a['in_zp']}, {a['out_zp']}, {m}, {s}, {a['act'][0]}, {a['act'][1]});"
    if kind == "avg" and e.options.get("simd") and g["c"] % 4 == 0 and g["kw"] <= 256:  # DSP: four channels a tap
        fast, plain = e.use("avgpool_s8_simd"), e.use("avgpool_s8", "", f"!({SIMD})")
        return e.batched(f"\n#if {SIMD}\n  {fast}{args}\n#else\n  {plain}{args}\n#endif", n)
    return e.batched(f"{e.use(f'{kind}pool_s8')}{args}", n)
