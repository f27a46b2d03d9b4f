"""Backup and restore: the database and the evidence files as one archive with a manifest."""
