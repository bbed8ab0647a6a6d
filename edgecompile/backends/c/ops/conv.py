"""Conv (groups incl. depthwise, strides, pads, dilations) over NHWC data, OHWI weights (kernels/conv_*.c).

int8 builds for a CPU with the DSP extension take conv_simd's kernels where the geometry allows.
"""
from edgecompile.backends.c.kernel_table import SIMD, Variant, residual
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
    if a.get("rows"):  # inplace_rows: one output row at a time over a window of input rows
        win, yrow = f"(int8_t*)(arena + {e.plan.scratch[i]})", f"{y} + oy * {g['ow'] * g['oc']}"
        fast = (e.options.get("simd") and conv_simd.dw3(g, a, e.options.get("mcpu") in conv_simd.HELIUM)
                and conv_simd.dw3_buffers_ok(e, op))
        if fast:  # its SIMD kernel runs the whole layer in place by itself (its buffer in the window's scratch)
            consts = conv_simd.plain_consts(e, i, a)
            plain = e.use("conv_s8", "", f"!({SIMD})")
            call = (f"{plain}({win}, {yrow}, &sub{i}, {', '.join(consts)}, {a['in_off']}, {a['out_zp']}, "
                    f"{a['act'][0]}, {a['act'][1]});")
            loop = _rows(e, op, i, x, geo, call, f"!({SIMD})")
            whole = conv_simd.dw3_call(e, op, i, x, y, geo, consts, f"arena + {e.plan.scratch[i]}")
            return e.batched(f"\n#if {SIMD}\n  {whole}\n#else\n{loop}\n#endif", n)
        return e.batched(_rows(e, op, i, x, geo, _int8(e, op, i, win, yrow, f"sub{i}", res)), n)
    return e.batched(_int8(e, op, i, x, y, geo, res), n)


def _rows(e, op, i, x: str, geo: str, call: str, guard: str | None = None) -> str:
    """The loop over output rows: each row's window of input rows, then `call` (the row's conv)."""
    window, win = e.use("rows_window", "", guard), f"(int8_t*)(arena + {e.plan.scratch[i]})"
    return (f"{{\n  int oy;\n  ec_conv_geo sub{i};\n  for (oy = 0; oy < {op.attrs['geo']['oh']}; ++oy) {{\n"
            f"  {window}({x}, {win}, &{geo}, oy, &sub{i});\n  {call}\n  }}\n  }}")


def _int8(e, op, i, x: str, y: str, geo: str, res) -> str:
    a = op.attrs
    if e.options.get("simd"):
        code = conv_simd.emit(e, op, i, x, y, geo, res)
        if code:
            return code
    suffix, own = res(Variant({}))
    fn = e.use("conv_s8", suffix, own=own)
    return (f"{fn}({x}, {y}, &{geo}, {e.const(f'w{i}', a['w'])}, {e.const(f'b{i}', a['b'])}, "
            f"{e.const(f'm{i}', a['mult'])}, {e.const(f's{i}', a['shift'])}, {a['in_off']}, {a['out_zp']}, "
            f"{a['act'][0]}, {a['act'][1]});")


def _residual(e, op, i):
    """base variant -> (suffix, own variant) for e.use: a pasting with the residual Add fused in
    (fuse_residual), or the plain one."""
    r = op.attrs.get("res")
    if r is None:
        return lambda base, follow=None: ("", None)
    if e.buf(op.outputs[0]) != e.buf(op.inputs[1]):  # the fused store reads the other operand at the destination
        raise AssertionError(f"op {i}: a fused residual Add must write over its other operand")
    # the Add of one pixel: add_s8_flat_rnd's exact fast form (fuse_residual fuses only Adds it covers), with
    # the layer's constants as immediates in a function of its own, called once per pixel
    add, name = e.use("add_s8_flat_rnd"), f"{e.prefix}_res{i}"
    a, b = ("v", "y") if r["operand"] == 0 else ("y", "v")
    q, offs, act = r["q"], r["offs"], r["act"]
    sig = f"static void {name}(const int8_t* v, int8_t* y, int32_t n)"
    e.protos.append(f"{sig};\n")
    e.decls.append(f"{sig} {{\n  {add}({a}, {b}, y, n, {offs[0]}, {offs[1]}, 20, {q['m1']}, {-q['s1']}, {q['m2']}, "
                   f"{-q['s2']}, {q['mo']}, {-q['so']}, {r['out_zp']}, {act[0]}, {act[1]});\n}}\n")
    oc = op.attrs["geo"]["oc"]
    return lambda base, follow=None: (f"_r{i}", residual(base, name, oc, follow))
