"""Drop Identity and inference-time Dropout nodes by rewiring their consumers."""
from __future__ import annotations


def run(model, ctx):
    graph = model.graph
    outputs = {o.name for o in graph.output}
    removed = 0
    for node in list(graph.node):
        if node.op_type not in ("Identity", "Dropout"):
            continue
        if node.op_type == "Dropout" and len([o for o in node.output if o]) > 1:
            continue  # its mask output is used: not a plain pass-through
        src, dst = node.input[0], node.output[0]
        if dst in outputs:
            if src in outputs or not any(src in n.output for n in graph.node):
                continue  # an output fed straight from an input or a weight: keep the node
            # rename the producer's output so the graph output keeps its name
            for other in graph.node:
                other.output[:] = [dst if o == src else o for o in other.output]
                if other is not node:
                    other.input[:] = [dst if i == src else i for i in other.input]
        else:
            for other in graph.node:
                other.input[:] = [src if i == dst else i for i in other.input]
        graph.node.remove(node)
        removed += 1
    return model, removed > 0, f"removed {removed} nodes" if removed else ""
