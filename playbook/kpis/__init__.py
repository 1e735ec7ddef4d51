"""Layer 2, KPIs: the ratio shape, MRR snapshots and bridge, one module per KPI family, the catalog.

Imports only from :mod:`playbook.data`.
"""
