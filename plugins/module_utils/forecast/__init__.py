"""Forecasting over regular time series (pure): models, backtest, calibrated quantiles, and their metrics exposition."""
