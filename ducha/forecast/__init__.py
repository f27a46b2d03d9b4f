"""The slippage forecast: next month's likely ostriches and snails, each with its reason,
and its backtest."""
