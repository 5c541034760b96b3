"""Capacity from forecasts (pure): sizing per dimension, cost and budgets, and the plan that applies a decision to a scaling target."""
