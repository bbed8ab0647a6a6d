"""Max/Average/GlobalAverage pooling (and spatial ReduceMean) over NHWC data.

int8 average pooling with equal input/output quantization is TFLite's: a sum over the valid
window, divided with rounding half away from zero. Different quantization requantizes the sum.
"""

GEO = """typedef struct { int16_t ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pl; } ec_pool_geo;
"""

LOOP = """  int oy, ox, ch, ky, kx;
  for (oy = 0; oy < g->oh; ++oy)
    for (ox = 0; ox < g->ow; ++ox)
      for (ch = 0; ch < g->c; ++ch) {
        ACC_T acc = INIT;
        int32_t cnt = 0;
        for (ky = 0; ky < g->kh; ++ky) {
          const int iy = oy * g->sh - g->pt + ky;
          if (iy < 0 || iy >= g->ih) continue;
          for (kx = 0; kx < g->kw; ++kx) {
            const int ix = ox * g->sw - g->pl + kx;
            ACC_T v;
            if (ix < 0 || ix >= g->iw) continue;
            v = x[((int32_t)iy * g->iw + ix) * g->c + ch];
            STEP;
            ++cnt;
          }
        }
        FINISH;
      }
"""

AVG_S8 = ("""static void ec_avgpool_s8(const int8_t* x, int8_t* y, const ec_pool_geo* g, int32_t in_zp, int32_t out_zp,
                          int32_t mult, int32_t shift, int32_t amin, int32_t amax) {
""" + LOOP.replace("ACC_T", "int32_t").replace("INIT", "0").replace("STEP", "acc += v").replace("FINISH", """if (mult == 0) {
          acc = acc > 0 ? (acc + cnt / 2) / cnt : (acc - cnt / 2) / cnt;
        } else {
          acc = ec_mbqm(acc - cnt * in_zp, mult, shift) + out_zp;
        }
        y[((int32_t)oy * g->ow + ox) * g->c + ch] = ec_sat8(acc, amin, amax)""") + "}\n")

MAX_S8 = ("""static void ec_maxpool_s8(const int8_t* x, int8_t* y, const ec_pool_geo* g, int32_t in_zp, int32_t out_zp,
                          int32_t mult, int32_t shift, int32_t amin, int32_t amax) {
""" + LOOP.replace("ACC_T", "int32_t").replace("INIT", "-128").replace("STEP", "acc = v > acc ? v : acc").replace("FINISH", """if (mult != 0) acc = ec_mbqm(acc - in_zp, mult, shift) + out_zp;
        (void)cnt;
        y[((int32_t)oy * g->ow + ox) * g->c + ch] = ec_sat8(acc, amin, amax)""") + "}\n")

AVG_F32 = ("""static void ec_avgpool_f32(const float* x, float* y, const ec_pool_geo* g, int32_t count_pad) {
""" + LOOP.replace("ACC_T", "float").replace("INIT", "0.0f").replace("STEP", "acc += v").replace(
    "FINISH", "y[((int32_t)oy * g->ow + ox) * g->c + ch] = acc / (float)(count_pad ? g->kh * g->kw : cnt)") + "}\n")

MAX_F32 = ("""static void ec_maxpool_f32(const float* x, float* y, const ec_pool_geo* g, int32_t count_pad) {
""" + LOOP.replace("ACC_T", "float").replace("INIT", "-3.402823466e38f").replace("STEP", "acc = v > acc ? v : acc").replace(
    "FINISH", "(void)cnt;\n        (void)count_pad;\n        y[((int32_t)oy * g->ow + ox) * g->c + ch] = acc") + "}\n")


def emit(e, op, i) -> str:
    g, a = op.attrs["geo"], op.attrs
    e.kernel("pool_geo", GEO)
    geo = e.struct("ec_pool_geo", f"pg{i}", [g[k] for k in ("ih", "iw", "c", "oh", "ow", "kh", "kw", "sh", "sw", "pt", "pl")])
    x, y = e.buf(op.inputs[0], const=True), e.buf(op.outputs[0])
    kind = "max" if g["max"] else "avg"
    if a["dtype"] == "float32":
        e.kernel(f"{kind}pool_f32", MAX_F32 if g["max"] else AVG_F32)
        return f"ec_{kind}pool_f32({x}, {y}, &{geo}, {g['count_pad']});"
    e.kernel("fixedpoint", e.fixedpoint())
    e.kernel(f"{kind}pool_s8", MAX_S8 if g["max"] else AVG_S8)
    m, s = a["req"] or (0, 0)
    return f"ec_{kind}pool_s8({x}, {y}, &{geo}, {a['in_zp']}, {a['out_zp']}, {m}, {s}, {a['act'][0]}, {a['act'][1]});"
