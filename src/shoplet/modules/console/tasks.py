"""Console background jobs. None yet (order exports will run here as ``console.export_orders``)."""
