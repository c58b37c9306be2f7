"""The io layer: reading run tables (columns, checkpoints, checks), the workspace store, atomic writes.

Imports ``l2l.core`` and ``l2l.base`` only.
"""
