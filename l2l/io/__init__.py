"""The io layer: reading run tables (readers, columns, checkpoints, checks, limits), the workspace store and its caches,
atomic writes and the writers' lock.

Imports ``l2l.core`` and ``l2l.base`` only.
"""
