"""Events of the experiments module: none yet (the calculator reads; it changes nothing)."""
