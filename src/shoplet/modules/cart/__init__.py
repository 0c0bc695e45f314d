"""Cart: a server-side cart per shopper (member or guest token) and a member's favourites."""
