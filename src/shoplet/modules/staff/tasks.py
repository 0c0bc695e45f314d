"""Staff background jobs: none yet (sign-in locks expire by time, not by a job)."""
