"""`python -m edgecompile.frontends.tflite_child IN.tflite OUT.onnx NCHW`: the TFLite import, in its own
process (see frontends.tflite.load). Prints `[inputs, outputs]` (4-D boundary names) as the last line;
exit EXIT_REFUSED with a one-line reason for a file it cannot read, EXIT_MISSING without the extra."""
from __future__ import annotations

import json
import sys

EXIT_REFUSED, EXIT_MISSING = 3, 4
OPSET = 17


def boundary_4d(data: bytes) -> tuple[list[str], list[str]]:
    """Names of the 4-D inputs and outputs of the main subgraph (TFLite tensors are NHWC)."""
    try:
        from ai_edge_litert import schema_py_generated as schema
    except ImportError:
        from tensorflow.lite.python import schema_py_generated as schema
    m = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    sg = m.subgraphs[0]

    def four_d(ids):
        return [sg.tensors[i].name.decode() for i in (ids if ids is not None else [])
                if sg.tensors[i].shape is not None and len(sg.tensors[i].shape) == 4]

    return four_d(sg.inputs), four_d(sg.outputs)


def main(src: str, out: str, nchw: bool) -> int:
    from edgecompile.core.quiet import quiet

    with open(src, "rb") as f:
        data = f.read()
    try:  # first, cheaply: a damaged file fails here without starting TensorFlow
        ins, outs = boundary_4d(data)
    except ImportError as e:
        print(str(e))
        return EXIT_MISSING
    except Exception as e:  # the generated flatbuffer reader raises whatever a bad offset leads to
        print(f"'{src}' is not a readable TFLite model: its flatbuffer is damaged ({type(e).__name__}: "
              f"{str(e).splitlines()[0][:200] if str(e) else 'bad offsets'}).")
        return EXIT_REFUSED
    try:
        with quiet():  # importing TensorFlow prints CUDA and oneDNN notices
            from tf2onnx import convert
    except ImportError as e:
        print(str(e))
        return EXIT_MISSING
    try:
        with quiet():  # tf2onnx logs every rewrite, and runs TF's deprecated interpreter
            convert.from_tflite(src, opset=OPSET, output_path=out, inputs_as_nchw=(ins or None) if nchw else None,
                                outputs_as_nchw=(outs or None) if nchw else None)
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        print(f"tf2onnx could not convert '{src}': {first}")
        return EXIT_REFUSED
    print(json.dumps([ins, outs]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3] == "1"))
