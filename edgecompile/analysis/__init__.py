"""Read-only facts about a normalized graph: parameters, MACs, whole-tensor activation-memory peak."""
