"""What Linux can verify of a Core ML package: it loads back, its interface is the manifest's, and what
it holds (op histogram, weight bytes). Predictions need macOS."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from edgecompile.errors import ArtifactError

FLOAT32 = 65568  # ArrayFeatureType.FLOAT32 in Core ML's protobuf


def report(package: Path, inputs, outputs) -> dict:
    import coremltools as ct

    from edgecompile.backends.coreml.mlpackage import quiet

    with quiet():
        spec = ct.models.MLModel(str(package), skip_model_load=True).get_spec()
    found = {}
    for kind, features in (("input", spec.description.input), ("output", spec.description.output)):
        for f in features:
            arr = f.type.multiArrayType
            found[(kind, f.name)] = (tuple(arr.shape), arr.dataType)
    problems = []
    for kind, specs in (("input", inputs), ("output", outputs)):
        for s in specs:
            got = found.get((kind, s.name))
            if got is None:
                problems.append(f"{kind} '{s.name}' is missing")
            elif got != (tuple(s.shape), FLOAT32):
                problems.append(f"{kind} '{s.name}' is {list(got[0])} type {got[1]}, expected {list(s.shape)} float32")
    if problems or len(found) != len(inputs) + len(outputs):
        raise ArtifactError(f"{package.name}: the saved Core ML interface differs from the manifest: "
                            f"{'; '.join(problems) or sorted(found)}.")
    main = spec.mlProgram.functions["main"]
    ops = Counter(op.type for op in main.block_specializations[main.opset].operations)
    weights = sum(p.stat().st_size for p in (package / "Data" / "com.apple.CoreML" / "weights").glob("*"))
    return {"loads": True, "spec_version": spec.specificationVersion, "opset": main.opset,
            "interface_matches_manifest": True, "ops": dict(sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))),
            "weight_bytes": weights}
