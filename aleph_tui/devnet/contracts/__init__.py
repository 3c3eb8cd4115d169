"""Solidity sources and their compiled artifacts."""
