"""The output layer: the render engine (tables, JSON, CSV), per-command reports, figures.

Only this layer (and the command line) imports rich; only this layer imports plotnine.
"""
