"""Experiments: A/B/n tests of Shoplet's own storefront and the statistics behind them.

Layers of 1000 buckets, experiments owning disjoint bucket ranges, deterministic assignment
(``assignment.py``, pure), exposures, orders attributed to arms, live results through the
calculator's engine (``stats.py``, ``bandits.py``) and bandit allocation. On the base line
with inventory: it imports no business module but ``staff`` (console permissions); higher
modules call :mod:`shoplet.modules.experiments.public`."""
