"""The Gradio UI: one module per tab, each with ``build(services)``."""
