"""The precisions an artifact can have; backends declare the subset they build (BackendInfo.precisions)."""

PRECISIONS = ("fp32", "fp16", "int8")
