"""智能问数: questions asked in Chinese answered from the shop's data. A declarative semantic
layer (``semantic.py``: metrics, dimensions, synonyms, permissions), a deterministic parser
(``dates.py`` resolves date expressions, ``parser.py`` maps words with jieba and rules), an
executor (``repository.py`` builds one grouped statement per range, ``service.py`` shapes rows
and a chart), and an optional LLM fallback behind a Protocol (``llm.py``, off by default)."""
