"""The catalog: HSDS 3.x models, change log, capacity, search, catalog views and the HSDS API.

Kept free of imports so pure modules (resources.hours) load without the database.
"""
