"""quotasim: an agent-based model of North Korean workers abroad under state quotas."""

__version__ = "0.2.0"
