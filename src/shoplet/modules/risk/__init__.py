"""Risk: scores that tell a shopper from a bot farm, shared by the plays that give something
away (flash-sale buy tokens, bargain cuts). Pure scoring; the callers bring the signals."""
