"""Session replay and click heatmaps of the H5 store (docs/analytics.md, "Session replay and
heatmaps")."""
