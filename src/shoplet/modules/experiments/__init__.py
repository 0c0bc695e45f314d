"""Experiments: the statistics of A/B/n tests (this slice: the engine, the analyze and
sample-size console routes). On the base line with inventory: it imports no business module
but ``staff`` (console permissions); results of Shoplet's own experiments will be computed
where the metrics live (analytics), which calls :mod:`shoplet.modules.experiments.public`."""
