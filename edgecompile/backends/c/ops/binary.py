"""Element-wise Add/Sub/Mul/Div/Max/Min with broadcasting (strides of 0), any storage order
(kernels/binary_f32.c, add_s8*.c: TFLite's int8 Add)."""

from edgecompile.backends.c.kernel_table import BINARY


def _contiguous(dims, st) -> bool:
    acc = 1
    for d, k in zip(reversed(list(dims)), reversed(list(st))):
        if d != 1 and k != acc:
            return False
        acc *= d
    return True


def fast_add(q, offs) -> bool:
    """kernels/add_s8_flat_rnd.c's conditions: every shift <= 0, TFLite's 20-bit headroom, offsets in range"""
    return q["left_shift"] == 20 and all(-31 < q[k] <= 0 for k in ("s1", "s2", "so")) and all(abs(int(o)) <= 128 for o in offs)


def emit(e, op, i) -> str:
    a = op.attrs
    flat = a["dtype"] != "float32" and all(_contiguous(a["dims"], st) for st in a["strides"][:2])
    args, names = [], iter(op.inputs)
    for j, c in enumerate(a["consts"]):
        args.append(e.const(f"k{i}_{j}", c) if c is not None else e.buf(next(names), const=True))
    y = e.buf(op.outputs[0])
    if flat:
        n = 1
        for d in a["dims"]:
            n *= int(d)
    else:
        s = e.struct("ec_bcast", f"bc{i}", [list(a["dims"]), list(a["strides"][0]), list(a["strides"][1])])
    if a["dtype"] == "float32":
        fn = e.use("binary_f32", f"_{BINARY[a['fn']][0]}")
        return f"{fn}({args[0]}, {args[1]}, {y}, &{s});"
    q, offs = a["q"], a["offs"]
    if flat and fast_add(q, offs):
        return (f"{e.use('add_s8_flat_rnd')}({args[0]}, {args[1]}, {y}, {n}, {offs[0]}, {offs[1]}, 20, "
                f"{q['m1']}, {-q['s1']}, {q['m2']}, {-q['s2']}, {q['mo']}, {-q['so']}, {a['out_zp']}, "
                f"{a['act'][0]}, {a['act'][1]});")
    aq = e.struct("ec_add_q", f"aq{i}", [offs[0], offs[1], q["left_shift"], q["m1"], q["s1"], q["m2"], q["s2"], q["mo"],
                                         q["so"], a["out_zp"], a["act"][0], a["act"][1]])
    if flat:
        return f"{e.use('add_s8_flat')}({args[0]}, {args[1]}, {y}, {n}, &{aq});"
    return f"{e.use('add_s8')}({args[0]}, {args[1]}, {y}, &{s}, &{aq});"
