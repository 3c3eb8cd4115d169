"""Core services: models, API client, signing, chain gateway. Never imports Textual."""
