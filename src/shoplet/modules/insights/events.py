"""Events of the insights module: none. Its reports read; they change nothing others act on."""
