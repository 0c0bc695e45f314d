"""Three-level sales dashboards (总览 → 品类 → 商品) with live tiles."""
