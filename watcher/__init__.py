"""cwwatch: watches a CrowdWorks account so that no client quietly walks away from a contract."""

__version__ = "0.1.0"
