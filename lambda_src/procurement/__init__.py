"""The procurement example's Lambda code.

Handlers ``procurement.lab_preapproved.handler`` and ``procurement.lab_cancelled.handler``.
"""
