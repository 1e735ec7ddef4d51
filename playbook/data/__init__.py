"""Layer 1, data: the data contract, loading and validation, the usage log, errors, paths.

Imports nothing else from the playbook.
"""
