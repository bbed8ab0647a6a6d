"""The C kernels (kernels/*.c, *.h) that model.c is made of, and how the generator specialises them.

Each kernel is a real C file that compiles on its own (kernels/ec.h is its prelude then). model.c defines
EC_AMALGAMATED and EC_API (static) and pastes the kernels a model uses, dependencies first, unedited:
  - its `symbols` (the ec_ names it defines) are renamed <prefix>_<name><suffix> by #define;
  - a variant is a set of macros defined around one pasting (e.g. which requantization a SIMD kernel
    calls); the variant's suffix names that pasting, and the kernels it `follows` get the same variant;
  - `guard`: the preprocessor condition it is compiled under (its dependencies inherit it, so that a
    helper only SIMD kernels call is not an unused function in a plain build).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "kernels"
SIMD = "defined(__ARM_FEATURE_SIMD32) && __ARM_FEATURE_SIMD32"
MVE = "defined(__ARM_FEATURE_MVE) && __ARM_FEATURE_MVE"
DSP = f"({SIMD}) && !({MVE})"  # kernels whose Helium callers take another path
IM2ROW_MAX = 64  # bytes of one gathered window of conv_s8_im2row when Cin % 4 != 0 (three live on the stack)
GATHER_MAX = 576  # the same when Cin % 4 == 0 (a 3x3x64 window; on the stack off Helium three widened to int16:
#                   3,456 bytes at most; on Helium two int8: 1,152)


@dataclass(frozen=True)
class Variant:
    macros: dict  # macro (with its parameter list, if any) -> replacement
    needs: tuple = ()  # kernels this variant uses besides the kernel's own needs
    libm: bool = False  # calls <math.h>
    follow: str | None = None  # the variant its `follows` kernels are pasted in (None: this one's own suffix)


@dataclass(frozen=True)
class Kernel:
    file: str  # under kernels/
    symbols: tuple = ()  # ec_ names it defines; the last one is what callers call
    needs: tuple = ()  # kernels pasted before it
    follows: tuple = ()  # needed kernels pasted in the same variant as this one
    guard: str | None = None  # compiled only under this condition
    libm: bool = False  # calls <math.h> (every variant)
    variants: dict = field(default_factory=dict)  # suffix -> Variant
    mve: str | None = None  # its Helium form (same symbols, arguments and results), compiled instead under MVE
    mve_needs: tuple = ("mve_h", "req4", "req4e")  # what the Helium form needs (`needs` are then the DSP form's)

    def text(self) -> str:
        text = (FOLDER / self.file).read_text()
        if self.mve is None:
            return text
        return f"#if {MVE}\n{(FOLDER / self.mve).read_text()}#else\n{text}#endif\n"


# SIMD kernels requantize with one of three functions (kernels/req*.c), chosen per layer: ec_reqs when the
# layer clamps to the whole int8 range and its shifts allow the fast form, ec_reqf for the fast form with a
# clamp, ec_req (TFLite's general MultiplyByQuantizedMultiplier) otherwise.
# Their Helium forms requantize four accumulators at once with the vector form of the same arithmetic (EC_REQV).
REQ = {"": Variant({"EC_REQ": "ec_reqs", "EC_REQV": "ec_req4e", "EC_REQ_SAT": "1"}, ("reqs",)),
       "_c": Variant({"EC_REQ": "ec_reqf", "EC_REQV": "ec_req4e"}, ("reqf",)),
       "_any": Variant({"EC_REQ": "ec_req", "EC_REQV": "ec_req4"}, ("req",))}

# the depthwise 3x3 kernel requantizes inline (kernels/dw3_s8_simd.c): its variants differ in the clamp (SSAT for the
# whole int8 range) and, "r", in dropping the rounding's sign term where the clamp's floor is >= the zero point
_SSAT = {"EC_DW3_CLAMP(r)": "__ssat((r), 8)", "EC_DW3_SSAT": "1"}
_NO_SIGN = {"EC_DW3_SIGN(acc)": "0", "EC_DW3_RELU": "1"}
DW3 = {"": Variant(_SSAT), "_r": Variant({**_SSAT, **_NO_SIGN}), "_c": Variant({}), "_cr": Variant(_NO_SIGN)}

BINARY = {"+": ("add", "((a) + (b))"), "-": ("sub", "((a) - (b))"), "*": ("mul", "((a) * (b))"),
          "/": ("div", "((a) / (b))"), "max": ("max", "((a) > (b) ? (a) : (b))"), "min": ("min", "((a) < (b) ? (a) : (b))")}

_CLAMP01 = "((x) < 0.0f ? 0.0f : ((x) > 1.0f ? 1.0f : (x)))"
UNARY = {
    "Relu": "((v) > 0.0f ? (v) : 0.0f)",
    "Clip": "((v) < (p0) ? (p0) : ((v) > (p1) ? (p1) : (v)))",
    "Sigmoid": "(1.0f / (1.0f + expf(-(v))))",
    "Tanh": "tanhf(v)",
    "LeakyRelu": "((v) >= 0.0f ? (v) : (p0) * (v))",
    "HardSigmoid": "EC_CLAMP01((p0) * (v) + (p1))",
    "HardSwish": "((v) * EC_CLAMP01((v) / 6.0f + 0.5f))",
    "Elu": "((v) >= 0.0f ? (v) : (p0) * (expf(v) - 1.0f))",
    "Neg": "(-(v))",
    "Abs": "fabsf(v)",
    "Exp": "expf(v)",
    "Sqrt": "sqrtf(v)",
}
NEEDS_LIBM = {"Sigmoid", "Tanh", "Elu", "Abs", "Exp", "Sqrt"}


def residual(base: Variant, add_fn: str, oc: int, follow: str | None = None) -> Variant:
    """`base` with a residual Add fused in (kernels/conv_s8.c, conv_s8_simd4.c, conv_s8_im2row.c): `add_fn(v, y,
    n)` adds a pixel's outputs to the other operand in place (ops/conv.py emits it, one per layer). `follow`: the
    base's suffix, so that the GEMM conv_s8_im2row follows is shared with the plain pastings."""
    return Variant({**base.macros, "EC_RESIDUAL(v, y, n)": f"{add_fn}((v), (y), (n))", "EC_RES_OC": str(oc)},
                   base.needs, base.libm, follow)


def _unary_variant(fn: str) -> Variant:
    macros = {"EC_UNARY_EXPR(v, p0, p1)": UNARY[fn]}
    if "EC_CLAMP01" in UNARY[fn]:
        macros["EC_CLAMP01(x)"] = _CLAMP01
    return Variant(macros, libm=fn in NEEDS_LIBM)


TABLE: dict[str, Kernel] = {
    # TFLite's fixed-point arithmetic, one function a file: a model pastes only those it calls
    "srdhm_ns": Kernel("srdhm_ns.c", ("ec_srdhm_ns",)),
    "rdbpot": Kernel("rdbpot.c", ("ec_rdbpot",)),
    "mbqm": Kernel("mbqm.c", ("ec_mbqm",), ("srdhm_ns", "rdbpot")),
    "sat8": Kernel("sat8.c", ("ec_sat8",)),
    # convolutions and their SIMD forms
    "conv_geo": Kernel("conv_geo.h", ("ec_conv_geo",)),
    # (conv_s8 and conv_s8_simd4 are also pasted once per layer with a residual Add fused in: residual())
    "conv_s8": Kernel("conv_s8.c", ("ec_conv_s8",), ("conv_geo", "mbqm", "sat8"), variants={"": Variant({})}),
    "conv_f32": Kernel("conv_f32.c", ("ec_conv_f32",), ("conv_geo",)),
    "simd_h": Kernel("simd.h", (), guard=SIMD),
    "simd": Kernel("simd.c", ("ec_ld4", "ec_sxtb16_ror8"), ("simd_h",), guard=SIMD),
    "sxtab16": Kernel("sxtab16_ror8.c", ("ec_sxtab16_ror8",), ("simd_h",), guard=SIMD),  # not used by the GEMMs
    "req": Kernel("req.c", ("ec_req",), ("mbqm", "sat8"), guard=SIMD),
    "reqf": Kernel("reqf.c", ("ec_reqf",), ("simd_h",), guard=SIMD),
    "reqs": Kernel("reqs.c", ("ec_reqs",), ("simd_h",), guard=SIMD),
    "mve_h": Kernel("mve.h", (), guard=MVE),
    "req4": Kernel("req4_mve.c", ("ec_req4",), ("mve_h",), guard=MVE),
    "req4e": Kernel("req4e_mve.c", ("ec_req4e",), ("mve_h",), guard=MVE),
    "conv_s8_simd": Kernel("conv_s8_simd.c", ("ec_conv_s8_simd",), ("conv_geo", "simd", "sxtab16"), guard=SIMD,
                           variants=REQ),
    "dwconv_s8_simd": Kernel("dwconv_s8_simd.c", ("ec_dwconv_s8_simd",), ("conv_geo", "simd", "sxtab16"), guard=SIMD,
                             variants=REQ, mve="dwconv_s8_mve.c", mve_needs=("mve_h", "req4", "req4e", "conv_geo")),
    "dw3_s8_simd": Kernel("dw3_s8_simd.c", ("ec_dw3_lane", "ec_dw3_s8"), ("conv_geo", "simd_h", "sxtab16"), guard=DSP,
                          variants=DW3),
    "conv_s8_simd4": Kernel("conv_s8_simd4.c", ("ec_conv_s8_simd4",), ("conv_geo", "simd", "sxtab16"), guard=SIMD,
                            variants=REQ, mve="conv_s8_simd4_mve.c", mve_needs=("mve_h", "req4", "req4e", "conv_geo")),
    # the GEMMs: on Helium a 2x2 block over int8 rows; off Helium a 3x2 block over rows widened once to int16
    # (q15_row, im2row_q15)
    "mm2_s8": Kernel("mm2_s8_mve.c", ("ec_mm2_s8",), ("mve_h", "req4", "req4e"), guard=MVE,
                     variants={s: Variant(v.macros) for s, v in REQ.items()}),
    "q15_row": Kernel("q15_row.c", ("ec_q15_row",), ("simd",), guard=DSP),
    "mm3q_h": Kernel("mm3q.h", ("ec_mm3q_args", "ec_mm3q_setup"), guard=DSP),
    "mm3q_s8": Kernel("mm3q_s8.c", ("ec_mm3q_s8",), ("simd", "mm3q_h"), guard=DSP, variants=REQ),
    "pw_s8_simd": Kernel("pw_s8_simd.c", ("ec_pw_s8_simd",), ("conv_geo", "q15_row"), ("mm2_s8", "mm3q_s8"), guard=SIMD,
                         variants=REQ),
    "im2row_s8": Kernel("im2row_s8.c", ("ec_im2row_s8",), ("conv_geo",), guard=SIMD),
    "im2row_q15": Kernel("im2row_q15.c", ("ec_im2row_q15",), ("conv_geo", "simd"), guard=DSP),
    "im2row3_s8": Kernel("im2row3_s8.c", ("ec_im2row3_s8",), ("im2row_s8",), guard=DSP),
    "im2row3_q15": Kernel("im2row3_q15.c", ("ec_im2row3_q15",), ("im2row_q15",), guard=DSP),
    "conv_s8_im2row": Kernel("conv_s8_im2row.c", ("ec_conv_s8_im2row",),
                             ("conv_geo", "im2row_s8", "q15_row", "im2row3_s8", "im2row3_q15"),
                             ("mm2_s8", "mm3q_s8"),
                             guard=SIMD, variants=REQ),
    # fully connected
    "dense_s8": Kernel("dense_s8.c", ("ec_mbqm_fc", "ec_dense_s8"), ("sat8",)),
    "dense_f32": Kernel("dense_f32.c", ("ec_dense_f32",)),
    # element-wise
    "bcast": Kernel("bcast.h", ("ec_bcast",)),
    "add_q": Kernel("add_q.h", ("ec_add_q",)),
    "add_s8": Kernel("add_s8.c", ("ec_add_s8",), ("bcast", "add_q", "mbqm", "sat8")),
    "add_s8_flat": Kernel("add_s8_flat.c", ("ec_add_s8_flat",), ("add_q", "mbqm", "sat8")),
    "smmulr": Kernel("smmulr.c", ("ec_smmulr",)),
    "add_s8_flat_rnd": Kernel("add_s8_flat_rnd.c", ("ec_rdbpot_h", "ec_add_s8_flat_rnd"), ("smmulr",),
                              mve="add_s8_flat_rnd_mve.c", mve_needs=("mve_h",)),
    "binary_f32": Kernel("binary_f32.c", ("ec_binary_f32",), ("bcast",),
                         variants={f"_{n}": Variant({"EC_BINARY_EXPR(a, b)": x}) for n, x in BINARY.values()}),
    "unary_f32": Kernel("unary_f32.c", ("ec_unary_f32",),
                        variants={f"_{fn.lower()}": _unary_variant(fn) for fn in UNARY}),
    "lut_s8": Kernel("lut_s8.c", ("ec_lut_s8",)),
    # pooling, softmax, data movement
    "pool_geo": Kernel("pool_geo.h", ("ec_pool_geo",)),
    "avgpool_s8": Kernel("avgpool_s8.c", ("ec_avgpool_s8",), ("pool_geo", "mbqm", "sat8")),
    "avgpool_s8_simd": Kernel("avgpool_s8_simd.c", ("ec_avgpool_s8_simd",), ("pool_geo", "mbqm", "sat8", "simd_h",
                                                                             "sxtab16"), guard=SIMD),
    "avgpool_s8_req": Kernel("avgpool_s8_req.c", ("ec_avgpool_s8_req",), ("pool_geo", "mbqm", "sat8")),
    "maxpool_s8": Kernel("maxpool_s8.c", ("ec_maxpool_s8",), ("pool_geo", "mbqm", "sat8")),
    "avgpool_f32": Kernel("avgpool_f32.c", ("ec_avgpool_f32",), ("pool_geo",)),
    "maxpool_f32": Kernel("maxpool_f32.c", ("ec_maxpool_f32",), ("pool_geo",)),
    "softmax_s8": Kernel("softmax_s8.c", ("ec_srdhm", "ec_sat_shl", "ec_exp_on_interval", "ec_exp_on_negative",
                                          "ec_one_over_one_plus_x", "ec_clz32", "ec_softmax_s8"),
                         ("srdhm_ns", "rdbpot", "sat8")),
    "softmax_f32": Kernel("softmax_f32.c", ("ec_softmax_f32",), libm=True),
    "copy": Kernel("copy.c", ("ec_gather", "ec_copy")),
    "rows": Kernel("rows.c", ("ec_rows",)),
    "rows_window": Kernel("rows_window.c", ("ec_rows_window",), ("conv_geo",)),
    "pad_geo": Kernel("pad_geo.h", ("ec_pad_geo",)),
    "pad": Kernel("pad.c", ("ec_pad",), ("pad_geo",),
                  variants={"_s8": Variant({"EC_PAD_T": "int8_t", "EC_PAD_FILL_T": "int32_t"}),
                            "_f32": Variant({"EC_PAD_T": "float", "EC_PAD_FILL_T": "float"})}),
}
