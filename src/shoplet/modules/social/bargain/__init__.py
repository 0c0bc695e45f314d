"""砍价 (bargain): a shopper's price cut down towards a floor by friends — see docs/bargain.md."""
