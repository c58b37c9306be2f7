"""The base layer: the vocabulary every layer shares (schema, errors, the run table, number formats).

Imports nothing of l2l above it.
"""
