"""E-invoices: invoice titles, requests, issue through the provider, PDF, red-letter."""
