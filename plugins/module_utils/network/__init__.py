"""Provider-neutral address plans (pure): subnet layouts per zone and CIDR overlap detection."""
