"""Offline codes (线下码): the shop's own mini-program codes and H5 QR codes printed on posters,
shelves, table tents and receipts, one scene per store and/or campaign, with the visits and
orders each brings — see docs/omnichannel.md#线下码."""
