"""Carriers: tracking subscriptions, pushes and e-waybills (Kuaidi100 and its simulator)."""
