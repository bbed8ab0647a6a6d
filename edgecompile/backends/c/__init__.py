"""The C backend: firmware-ready C99 for microcontrollers (fp32 and TFLite-exact int8)."""
