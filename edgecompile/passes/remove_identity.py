"""Drop Identity and inference-time Dropout nodes by rewiring their consumers (one pass, linear time)."""
from __future__ import annotations


def run(model, ctx):
    graph = model.graph
    outputs = {o.name for o in graph.output}
    producer = {o: n for n in graph.node for o in n.output if o}
    alias: dict[str, str] = {}  # removed tensor -> the tensor that replaces it

    def resolve(name: str) -> str:
        root = name
        while root in alias:
            root = alias[root]
        while name != root:  # path compression keeps long Identity chains linear
            alias[name], name = root, alias[name]
        return root

    removed = set()
    for node in graph.node:
        if node.op_type not in ("Identity", "Dropout") or not node.input or not node.output:
            continue
        if node.op_type == "Dropout" and len([o for o in node.output if o]) > 1:
            continue  # its mask output is used: not a plain pass-through
        src, dst = resolve(node.input[0]), node.output[0]
        if dst in outputs:
            if src in outputs or src not in producer:
                continue  # an output fed straight from an input or a weight: keep the node
            # rename the producer's output so the graph output keeps its name
            maker = producer.pop(src)
            maker.output[:] = [dst if o == src else o for o in maker.output]
            producer[dst] = maker
            alias[src] = dst
        else:
            alias[dst] = src
        removed.add(id(node))
    if not removed:
        return model, False, ""
    kept = [n for n in graph.node if id(n) not in removed]
    for n in kept:
        if any(i in alias for i in n.input):
            n.input[:] = [resolve(i) if i else i for i in n.input]
    del graph.node[:]
    graph.node.extend(kept)
    return model, True, f"removed {len(removed)} nodes"
