"""The district report: figures for a period and an area, the rollups behind them, and their formats."""
