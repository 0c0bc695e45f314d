"""Orders: placed orders with their price and address snapshots, the order state machine,
after-sales (refunds and returns), and the jobs that time out and complete orders."""
