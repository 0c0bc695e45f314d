"""Analytics: RFM in both conventions, CLV and P(alive) per customer, imported history."""
