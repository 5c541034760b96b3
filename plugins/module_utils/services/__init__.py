"""The service catalogue (pure): validation, the naming rule of scaling targets, capacity ownership."""
