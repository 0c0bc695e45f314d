"""Recommendations: what to show a shopper on the home, product, cart and pay-result pages."""
