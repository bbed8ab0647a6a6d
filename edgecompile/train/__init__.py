"""Training pipeline (extra [train]): zoo, data, loop, checkpoint bundle, LoRA, pruning, shard packing."""
