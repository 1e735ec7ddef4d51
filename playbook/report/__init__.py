"""Layer 5, report: labels per language, formatting, plots, and the views the notebooks call.

Imports only from the layers below (data, kpis, analyses, review).
"""
