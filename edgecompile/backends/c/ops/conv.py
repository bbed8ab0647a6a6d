"""Conv (groups incl. depthwise, strides, pads, dilations) over NHWC data, OHWI weights (kernels/conv_*.c).

int8 builds for a CPU with the DSP extension take conv_simd's kernels where the geometry allows.
"""
from edgecompile.backends.c.kernel_table import Variant, residual
from edgecompile.backends.c.ops import conv_simd

GEO = ("ih", "iw", "ic", "oh", "ow", "oc", "kh", "kw", "sh", "sw", "dh", "dw", "pt", "pl", "groups")


def emit(e, op, i) -> str:
    g, a = op.attrs["geo"], op.attrs
    geo = e.struct("ec_conv_geo", f"geo{i}", [g[k] for k in GEO])
    x, y, n = e.per_image(op)
    e.macs += n * g["oh"] * g["ow"] * g["oc"] * g["kh"] * g["kw"] * (g["ic"] // g["groups"])
    if a["dtype"] == "float32":
        fn = e.use("conv_f32")
        return e.batched(f"{fn}({x}, {y}, &{geo}, {e.const(f'w{i}', a['w'])}, {e.const(f'b{i}', a['b'])});", n)
    res = _residual(e, op, i)
    if e.options.get("simd"):
        code = conv_simd.emit(e, op, i, x, y, geo, res)
        if code:
            return e.batched(code, n)
    suffix, own = res(Variant({}))
    fn = e.use("conv_s8", suffix, own=own)
    return e.batched(f"{fn}({x}, {y}, &{geo}, {e.const(f'w{i}', a['w'])}, {e.const(f'b{i}', a['b'])}, "
                     f"{e.const(f'm{i}', a['mult'])}, {e.const(f's{i}', a['shift'])}, {a['in_off']}, {a['out_zp']}, "
                     f"{a['act'][0]}, {a['act'][1]});", n)


def _residual(e, op, i):
    """base variant -> (suffix, own variant) for e.use: a pasting with the residual Add fused in
    (fuse_residual), or the plain one."""
    r = op.attrs.get("res")
    if r is None:
        return lambda base: ("", None)
    if e.buf(op.outputs[0]) != e.buf(op.inputs[1]):  # the fused store reads the other operand at the destination
        raise AssertionError(f"op {i}: a fused residual Add must write over its other operand")
    return lambda base: (f"_r{i}", residual(base, r["operand"], r["q"], r["offs"], r["out_zp"], r["act"]))
