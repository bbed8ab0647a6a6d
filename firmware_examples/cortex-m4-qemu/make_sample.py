"""Write sample.h: one input for the model in ARTIFACT (a seeded random sample, or SAMPLE=file.npy)."""
import json
import sys

import numpy as np

artifact, out = sys.argv[1], sys.argv[2]
npy = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
manifest = json.load(open(f"{artifact}/manifest.json"))
spec, ospec = manifest["inputs"][0], manifest["outputs"][0]
ctype = {"int8": "int8_t", "float32": "float"}
x = np.load(npy) if npy else None
if x is None:
    rng = np.random.default_rng(0)
    x = (rng.integers(-128, 128, spec["shape"]) if spec["dtype"] == "int8" else rng.standard_normal(spec["shape"]))
x = np.asarray(x).astype(spec["dtype"]).ravel()
vals = ", ".join((f"{v:.9g}f" if spec["dtype"] == "float32" else str(int(v))) for v in x)
with open(out, "w") as f:
    f.write(f"typedef {ctype[ospec['dtype']]} sample_out_t;\n")
    f.write(f"static const {ctype[spec['dtype']]} sample_input[{x.size}] = {{{vals}}};\n")
