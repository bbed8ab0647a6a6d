"""Max/Average/GlobalAverage/GlobalMax pooling and spatial ReduceMean over NHWC data (kernels/*pool_*.c).

int8 average pooling with equal input/output quantization is TFLite's: a sum over the valid
window, divided with rounding half away from zero. Different quantization requantizes the sum.
"""

GEO = ("ih", "iw", "c", "oh", "ow", "kh", "kw", "sh", "sw", "pt", "pl")


def emit(e, op, i) -> str:
    g, a = op.attrs["geo"], op.attrs
    geo = e.struct("ec_pool_geo", f"pg{i}", [g[k] for k in GEO])
    x, y, n = e.per_image(op)
    kind = "max" if g["max"] else "avg"
    if a["dtype"] == "float32":
        fn = e.use(f"{kind}pool_f32")
        return e.batched(f"{fn}({x}, {y}, &{geo}{'' if g['max'] else ', ' + str(g['count_pad'])});", n)
    m, s = a["req"] or (0, 0)
    fn = e.use(f"{kind}pool_s8")
    return e.batched(f"{fn}({x}, {y}, &{geo}, {a['in_zp']}, {a['out_zp']}, {m}, {s}, {a['act'][0]}, {a['act'][1]});", n)
