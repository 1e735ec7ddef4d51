"""Layer 3, analyses: cohorts, RFM, health score, churn risk, the data check inventory.

Imports only from the layers below (data, kpis).
"""
