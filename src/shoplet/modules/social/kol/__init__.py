"""KOL discovery (达人发现): the share and referral graph of the shop (who brought whom through
share links, promoter bindings, group seats and bargain cuts) analysed with igraph, so the
console can find the shoppers whose friends follow them, and invite them to become promoters or
seed users of a campaign."""
