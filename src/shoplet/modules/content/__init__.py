"""Content commerce: product Q&A (问大家), posts (种草) and topic channels (话题)."""
