"""Read-only facts about a normalized graph: parameters, MACs, activation-memory lower bound."""
