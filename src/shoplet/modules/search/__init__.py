"""Search: Chinese lexical product search with pinyin, initials and typo tolerance.

See docs/search.md.
"""
