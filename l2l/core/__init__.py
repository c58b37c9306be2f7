"""The core layer: the numerics. Laws, the search engine, fits, calibration, ranking and accuracy maths.

Arrays in, frozen results out; never reads a file, never prints. Imports only ``l2l.base``.
"""
