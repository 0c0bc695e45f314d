"""Feature flags (开关) and gray releases (灰度发布): flags with ordered targeting rules, evaluated
in process from a cached ruleset (``evaluate.py``), served through OpenFeature (``provider.py``),
kept fresh in every process by pub/sub and polling (``runtime.py``), and rolled out step by step
under guardrails (``tasks.py``, ``guardrails.py``)."""
