"""The local Aleph network: CCN API, Credit API, EVM chain and credit service."""
