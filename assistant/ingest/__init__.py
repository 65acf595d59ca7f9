"""Ingest: text → documents and clauses → the corpus on disk and its changes.

``bulk.add_many``: many files at once (a folder, a national library), resumable.
"""
