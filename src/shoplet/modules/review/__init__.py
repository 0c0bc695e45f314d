"""Product reviews (评价): a shopper rates a line of a received order; moderation; ratings."""
