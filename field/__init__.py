"""The field view: what is open and near now, for an officer on a phone with a weak signal.

`needs` is the vocabulary of quick buttons, `queries` reads the catalog through the search
engine, `lists` makes and reads the signed link of a list handed to a person, `share` writes
its text message, and `views` is the blueprint (with the service worker that keeps it offline).
"""
