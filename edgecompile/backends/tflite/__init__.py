"""TFLite / LiteRT backend (extra [tflite]). TensorFlow is imported only inside its functions."""
