"""Which Cortex-M DSP kernel (kernels/*_simd*.c, *im2row*.c) runs an int8 Conv, and its constants.

The call is emitted under `#if SIMD` with the plain kernel (conv_s8, TFLite's arithmetic) as the
`#else`: integer sums are exact in any order, so both are bit-identical and the host build checks
the arithmetic the emulator runs. Kernels, by geometry (no dilation):
  pw_s8_simd      1x1, stride 1, Cin % 4 == 0, Cout even: a GEMM over pixels (off Helium a 3-pixel by
                  2-channel block, mm3q_s8; on Helium 2x2, mm2_s8)
  conv_s8_im2row  dense, Cin % 4 != 0, window <= IM2ROW_MAX bytes: windows gathered, then that GEMM;
                  also dense Cin % 4 == 0 convs (not the 1x1 above) with windows <= GATHER_MAX bytes, off
                  Helium: the 3x2 block widens each weight word once for
                  three pixels, where conv_s8_simd4 widens it for one (ResNet-8: 0.43 MAC/cycle there, 0.6
                  with a 2x2 block, 0.67 with 3x2)
  dw3_s8_simd     depthwise 3x3, stride 1, channel multiplier 1, C even, a fast requantization (see
                  requant_variant) with multipliers >= 0, rows narrow enough for its buffer (DW3_MAX_WORDS):
                  whole layer, also in place (inplace_rows: its buffer takes the window's scratch)
  dwconv_s8_simd  depthwise, channel multiplier 1, C % 4 == 0
  conv_s8_simd4   dense, Cin % 4 == 0 (weights interleaved per block of 4 output channels)
  conv_s8_simd    any other dense conv (a scalar tail for runs that are not a multiple of 4)
The GEMM kernels fold the input offset into the bias; a layer whose folded bias would not fit the
kernels' headroom takes the next kernel down instead.
"""
from __future__ import annotations

import numpy as np

from edgecompile.backends.c.kernel_table import GATHER_MAX, IM2ROW_MAX, REQ, SIMD, Variant

HELIUM = ("cortex-m55", "cortex-m85")
FOLDED_MAX = 2**31 - 2**24  # |folded bias| below this: the GEMM's int32 sums cannot overflow
DW3_PAIRS = 15  # kernels/dw3_s8_simd.c's EC_DW3_S: its buffer holds 2 * (ow + 2) * DW3_PAIRS words
DW3_MAX_WORDS = 256  # 1 KB at most (ow <= 6; wider rows would need bands of columns too)


def pack2(w: np.ndarray) -> np.ndarray:
    """(O, I) weights, O even and I % 4 == 0 -> output-channel pairs interleaved per 4 bytes."""
    o, n = w.shape
    return np.ascontiguousarray(w.reshape(o // 2, 2, n // 4, 4).transpose(0, 2, 1, 3).reshape(o, n))


def pack4(w: np.ndarray) -> np.ndarray:
    """OHWI weights -> blocks of 4 output channels interleaved per 4 bytes of the H*W*I axis (the leftover
    output channels stay plain rows; a block takes the same bytes as its 4 rows, so offsets agree)."""
    o = w.shape[0]
    flat = w.reshape(o, -1)
    o4, k = o // 4 * 4, flat.shape[1]
    blocks = flat[:o4].reshape(o4 // 4, 4, k // 4, 4).transpose(0, 2, 1, 3).reshape(o4, k)
    return np.ascontiguousarray(np.concatenate([blocks, flat[o4:]]).reshape(w.shape))


def _gemm_rows(g, a, k4: int) -> np.ndarray:
    """(Cout, k4) weight rows, zero beyond the window's k bytes."""
    k = g["kh"] * g["kw"] * g["ic"]
    w2 = np.zeros((g["oc"], k4), np.int8)
    w2[:, :k] = a["w"].reshape(g["oc"], k)
    return w2


def _folded(a, rows: np.ndarray) -> np.ndarray | None:
    bias = a["b"].astype(np.int64) + int(a["in_off"]) * rows.astype(np.int64).sum(axis=1)
    return bias if np.all(np.abs(bias) < FOLDED_MAX) else None


def choose(g, a, helium: bool = False, dw3_ok: bool = True) -> tuple[str, np.ndarray, np.ndarray | None] | None:
    """(kernel, its weights, its folded bias or None), or None: no DSP kernel for this conv. `helium`: the
    target has MVE forms (conv_s8_simd4's, which then runs the dense Cin % 4 == 0 convs). `dw3_ok`: the buffers
    allow dw3_s8_simd (dw3_buffers_ok)."""
    if g["dh"] != 1 or g["dw"] != 1:
        return None
    dense = g["groups"] == 1
    if dense and g["kh"] == g["kw"] == g["sh"] == g["sw"] == 1 and g["pt"] == g["pl"] == 0 and g["ih"] == g["oh"] \
            and g["iw"] == g["ow"] and g["ic"] % 4 == 0 and g["oc"] % 2 == 0:
        rows = a["w"].reshape(g["oc"], g["ic"])
        folded = _folded(a, rows)
        if folded is not None:
            return "pw_s8_simd", pack2(rows), folded
    k = g["kh"] * g["kw"] * g["ic"]
    if dense and g["ic"] % 4 and g["oc"] % 2 == 0 and k <= IM2ROW_MAX:
        rows = _gemm_rows(g, a, (k + 3) // 4 * 4)
        folded = _folded(a, rows)
        if folded is not None:
            return "conv_s8_im2row", pack2(rows), folded
    if dense and g["ic"] % 4 == 0 and g["oc"] % 2 == 0 and k <= GATHER_MAX and not helium:
        rows = _gemm_rows(g, a, k)
        folded = _folded(a, rows)
        if folded is not None:
            return "conv_s8_im2row", pack2(rows), folded
    if g["groups"] > 1:
        if dw3_ok and dw3(g, a, helium):
            return "dw3_s8_simd", a["w"], None
        if g["groups"] == g["ic"] == g["oc"] and g["ic"] % 4 == 0:  # OHWI (C, kh, kw, 1) -> HWC
            return "dwconv_s8_simd", np.ascontiguousarray(a["w"].reshape(g["oc"], g["kh"] * g["kw"]).T), None
        return None
    if g["ic"] % 4 == 0:
        return "conv_s8_simd4", pack4(a["w"]), None
    return "conv_s8_simd", a["w"], None


def dw3(g, a, helium: bool = False) -> bool:
    """Whether kernels/dw3_s8_simd.c runs this conv (a fused residual Add: not)."""
    return (not helium and "res" not in a and g["groups"] == g["ic"] == g["oc"] and g["ic"] % 2 == 0
            and g["kh"] == g["kw"] == 3 and g["sh"] == g["sw"] == g["dh"] == g["dw"] == 1 and g["pt"] <= 2
            and g["pl"] <= 2 and 2 * (g["ow"] + 2) * DW3_PAIRS <= DW3_MAX_WORDS and requant_variant(g, a) != "_any"
            and bool(np.all(a["mult"] >= 0)))


def dw3_buffers_ok(e, op) -> bool:
    """dw3_s8_simd runs channel pairs one after another over the whole layer: its output may be its input (in
    place) or apart from it, not a shifted overlap (overlap.py's rule holds for kernels that go pixel by pixel)."""
    if getattr(e, "main", None) is not None:  # a patch tile's views (ops/patch.py): keep the pixel-order kernels
        return False
    bx, by = (e.plan.buffers[e.plan.of[t]] for t in (op.inputs[0], op.outputs[0]))
    if bx is by or bx.home != "arena" or by.home != "arena":
        return True
    return bx.offset + bx.nbytes <= by.offset or by.offset + by.nbytes <= bx.offset


def plain_consts(e, i: int, a) -> tuple[str, str, str, str]:
    """The plain kernel's weights, bias, multipliers and shifts (dw3_s8_simd reads the same arrays)."""
    return tuple(e.const(f"{k}{i}", a[v]) for k, v in (("w", "w"), ("b", "b"), ("m", "mult"), ("s", "shift")))


def dw3_call(e, op, i, x: str, y: str, geo: str, consts: tuple, scratch: str | None = None) -> str:
    """The whole layer's call of dw3_s8_simd (the caller checked dw3()), its buffer on the stack or at `scratch`
    (the arena's window of inplace_rows, which this kernel does not need, when it holds the buffer)."""
    a = op.attrs
    variant = requant_variant(a["geo"], a)
    if a["act"][0] >= a["out_zp"]:  # a Relu: outputs at or below the zero point all clamp to the floor
        variant = (variant or "_") + "r"
    fn = e.use("dw3_s8_simd", variant)
    words = 2 * (a["geo"]["ow"] + 2) * DW3_PAIRS
    call = f"{fn}({x}, {y}, &{geo}, {', '.join(consts)}, {a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]}, "
    if scratch is not None and 4 * words <= op.scratch:
        return f"{call}(uint32_t*)({scratch}));"
    return f"{{\n  uint32_t vb[{words}];\n  {call}vb);\n  }}"


def requant_variant(g, a) -> str:
    """"" (ec_reqs), "_c" (ec_reqf) or "_any" (ec_req): see kernels/reqf.c for when the fast forms are exact."""
    taps = g["kh"] * g["kw"] * (g["ic"] // g["groups"])
    # |acc| <= |bias| + taps * 128 * 128, and a folded bias adds at most as much again (|input offset| <= 128)
    acc_bound = int(np.abs(a["b"].astype(np.int64)).max(initial=0)) + 2 * taps * 255 * 128
    # multipliers in [2^30, 2^31) (quantize_multiplier's, but for 0 whose shift is 0): mm3q_s8 doubles them;
    # shifts down to -15: the zero point folds into the rounding term (emit) within 24 bits
    if not (np.all((a["shift"] <= -1) & (a["shift"] >= -15)) and acc_bound < 2**30
            and np.all(a["mult"] >= 1 << 30)):
        return "_any"
    return "" if tuple(int(v) for v in a["act"]) == (-128, 127) else "_c"


def emit(e, op, i, x: str, y: str, geo: str, res) -> str | None:
    """res: (base variant, its suffix) -> (suffix, own variant), see conv._residual."""
    g, a = op.attrs["geo"], op.attrs
    chosen = choose(g, a, helium=e.options.get("mcpu") in HELIUM, dw3_ok=dw3_buffers_ok(e, op))
    if chosen is None:
        return None
    kernel, w_simd, folded = chosen
    variant = requant_variant(g, a)
    if kernel == "dw3_s8_simd":
        consts = plain_consts(e, i, a)
        plain = e.use("conv_s8", "", f"!({SIMD})")
        return (f"\n#if {SIMD}\n  {dw3_call(e, op, i, x, y, geo, consts)}\n#else\n  {plain}({x}, {y}, &{geo}, "
                f"{', '.join(consts)}, {a['in_off']}, {a['out_zp']}, {a['act'][0]}, {a['act'][1]});\n#endif")
    suffix, own = res(REQ[variant], variant)
    plain_suffix, plain_own = res(Variant({}))
    fn = e.use(kernel, variant + suffix, own=own) if own else e.use(kernel, variant)
    plain = e.use("conv_s8", plain_suffix, f"!({SIMD})", plain_own)
    m = e.const(f"m{i}", a["mult"])
    if w_simd is a["w"]:
        w = ws = e.const(f"w{i}", a["w"])
    else:
        ws = e.const(f"wk{i}", w_simd, guard=SIMD)
        w = e.const(f"w{i}", a["w"], guard=f"!({SIMD})", count=False)
    if folded is None:
        b = bs = e.const(f"b{i}", a["b"])
    else:
        bs = e.const(f"bk{i}", folded.astype(np.int32), guard=SIMD)
        b = e.const(f"b{i}", a["b"], guard=f"!({SIMD})", count=False)
    act = act_simd = f"{a['out_zp']}, {a['act'][0]}, {a['act'][1]}"
    if variant == "_any":
        s = ss = e.const(f"s{i}", a["shift"])
    else:  # the fast forms take hz << 8 | e per channel (e = -shift, hz = 2^(e-1) + zp 2^e: the
        # rounding term with the zero point folded in, |hz| < 2^23 for e <= 15), and a zero point of 0
        ee = -a["shift"].astype(np.int64)
        hz = (1 << (ee - 1)) + (int(a["out_zp"]) << ee)
        ss = e.const(f"eh{i}", ((hz << 8) | ee).astype(np.int32), guard=SIMD)
        s = e.const(f"s{i}", a["shift"], guard=f"!({SIMD})", count=False)
        act_simd = f"0, {a['act'][0]}, {a['act'][1]}"
    in_off = "" if kernel == "pw_s8_simd" else f"{a['in_off']}, "
    return (f"\n#if {SIMD}\n  {fn}({x}, {y}, &{geo}, {ws}, {bs}, {m}, {ss}, {in_off}{act_simd});\n#else\n"
            f"  {plain}({x}, {y}, &{geo}, {w}, {b}, {m}, {s}, {a['in_off']}, {act});\n#endif")
