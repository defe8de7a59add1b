"""Imply Polaris streaming ingestion as Pulumi resources."""

__version__ = "0.1.0"
