"""Apple Core ML: an ML program (.mlpackage) through coremltools; see backend.py."""
