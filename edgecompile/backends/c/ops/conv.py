"""Conv (groups incl. depthwise, strides, pads, dilations) over NHWC data, OHWI weights.

int8: int32 accumulation of (x + input_offset) * w, int32 bias, per-channel requantization and a
clamp that carries the fused Relu/Clip: TFLite's ConvPerChannel / DepthwiseConvPerChannel.
"""

GEO = """typedef struct { int16_t ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, groups; } ec_conv_geo;
"""

LOOPS = """  const int icg = g->ic / g->groups, ocg = g->oc / g->groups;
  int oy, ox, oc, ky, kx, c;
  for (oy = 0; oy < g->oh; ++oy) {
    for (ox = 0; ox < g->ow; ++ox) {
      const int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
      for (oc = 0; oc < g->oc; ++oc) {
        const W_T* wp = w + (int32_t)oc * g->kh * g->kw * icg;
        const int cin0 = (oc / ocg) * icg;
        ACC_T acc = 0;
        for (ky = 0; ky < g->kh; ++ky) {
          const int iy = iy0 + ky * g->dh;
          if (iy < 0 || iy >= g->ih) continue;
          for (kx = 0; kx < g->kw; ++kx) {
            const int ix = ix0 + kx * g->dw;
            const X_T* xp;
            const W_T* wk;
            if (ix < 0 || ix >= g->iw) continue;
            xp = x + ((int32_t)iy * g->iw + ix) * g->ic + cin0;
            wk = wp + (ky * g->kw + kx) * icg;
            for (c = 0; c < icg; ++c) acc += MAC;
          }
        }
        y[((int32_t)oy * g->ow + ox) * g->oc + oc] = RESULT;
      }
    }
  }
"""

S8 = ("""static void ec_conv_s8(const int8_t* x, int8_t* y, const ec_conv_geo* g, const int8_t* w, const int32_t* bias,
                       const int32_t* mult, const int32_t* shift, int32_t in_off, int32_t out_zp, int32_t amin,
                       int32_t amax) {
""" + LOOPS.replace("ACC_T", "int32_t").replace("W_T", "int8_t").replace("X_T", "int8_t")
      .replace("MAC", "(xp[c] + in_off) * wk[c]")
      .replace("RESULT", "ec_sat8(ec_mbqm(acc + bias[oc], mult[oc], shift[oc]) + out_zp, amin, amax)") + "}\n")

F32 = ("""static void ec_conv_f32(const float* x, float* y, const ec_conv_geo* g, const float* w, const float* bias) {
""" + LOOPS.replace("ACC_T", "float").replace("W_T", "float").replace("X_T", "float")
       .replace("MAC", "xp[c] * wk[c]").replace("RESULT", "acc + bias[oc]") + "}\n")


def emit(e, op, i) -> str:
    g = op.attrs["geo"]
    e.kernel("conv_geo", GEO)
    geo = e.struct("ec_conv_geo", f"geo{i}", [g[k] for k in ("ih", "iw", "ic", "oh", "ow", "oc", "kh", "kw", "sh", "sw",
                                                             "dh", "dw", "pt", "pl", "groups")])
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    e.macs += g["oh"] * g["ow"] * g["oc"] * g["kh"] * g["kw"] * (g["ic"] // g["groups"])
    if op.attrs["dtype"] == "float32":
        e.kernel("conv_f32", F32)
        return f"ec_conv_f32({x}, {y}, &{geo}, {e.const(f'w{i}', op.attrs['w'])}, {e.const(f'b{i}', op.attrs['b'])});"
    simd = e.simd_conv(op, i)
    if simd:
        return simd
    e.kernel("fixedpoint", e.fixedpoint())
    e.kernel("conv_s8", S8)
    a = op.attrs
    return (f"ec_conv_s8({x}, {y}, &{geo}, {e.const(f'w{i}', a['w'])}, {e.const(f'b{i}', a['b'])}, "
            f"{e.const(f'm{i}', a['mult'])}, {e.const(f's{i}', a['shift'])}, {a['in_off']}, {a['out_zp']}, "
            f"{a['act'][0]}, {a['act'][1]});")
