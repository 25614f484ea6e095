"""The build engine: plans, steps and runners; no Qt imports."""
