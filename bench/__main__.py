"""``python -m bench``: see bench/runner.py."""

from bench.runner import main

if __name__ == "__main__":
    main()
