"""Training: the pipeline, fitting and evaluation, and the registry of model versions."""
