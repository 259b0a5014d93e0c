"""Loader: read any supported export, map it onto the message contract, validate, upsert, roll up."""
