"""Layer 4, goals and review: the KPI tree, SMART checks, scorecard, Act rules, drivers.

Imports only from the layers below (data, kpis, analyses).
"""
