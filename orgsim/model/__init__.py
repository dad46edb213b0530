"""The model: one module per department, in the order a lead meets them.

marketing -> sdr -> sales (with presales) -> delivery -> success, with workforce (people and
their time), product (maturity) and finance (the ledger) beside them, wired by company.
"""
