"""Stores: shops with hours and a location, their stock (a hold in inventory), nearest stores
with stock, store pickup (自提) with a one-time code, and same-city delivery fees."""
