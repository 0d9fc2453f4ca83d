"""Performance benchmark at partnership scale: a large synthetic data generator and a runner (bench/README.md)."""
