"""Events of the cart module.

The cart publishes none: a cart line is a wish, not a commitment, and nothing downstream acts
on it. Checkout reads the selected lines through ``cart.public`` and removes the ordered ones in
the order's own transaction.
"""
