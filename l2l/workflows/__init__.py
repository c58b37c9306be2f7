"""The workflow layer: the method over a run table. Laws out of a table, translation, prediction, evaluation
(Table 1), ranking datasets, downstream accuracy. Pure: no printing, no exits.

Imports ``l2l.io``, ``l2l.core`` and ``l2l.base``.
"""
