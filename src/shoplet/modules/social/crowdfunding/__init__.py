"""Crowdfunding pre-sales (众筹), part of social: see ``service.py``."""
