"""Layer 6, run: the notebooks' set-up cell, parameters, headless runs and the command line.

The top layer: may import from every layer below.
"""
