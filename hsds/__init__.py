"""Open Referral HSDS: the mapping between the catalog and HSDS 3.x documents, the HSDS API
under `/hsds/` and the exporters (`linkage export hsds`).
"""
