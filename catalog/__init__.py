"""The catalog: HSDS 3.x models, the change log, the facts about a service (open now, who may
come, free places) and the catalog's pages.

`facts` is the one place each fact is decided; search documents, search filters, matching
and the pages all read it.
"""
