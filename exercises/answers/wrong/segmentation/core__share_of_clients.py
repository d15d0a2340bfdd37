# 错：占比算成了核心客户的人数占比，不是他们的权益占比 / Wrong: the share of clients, not of their equity
#| expect: 占比不对
in_period = equity[equity["month"] >= pd.Timestamp("{{ core.since }}")]
mean_equity = in_period.groupby("client_id")["equity_yuan"].mean().sort_values(ascending=False)
core_count = math.ceil({{ core.top_share }} * len(mean_equity))
equity_core = list(mean_equity.index[:core_count])
equity_core_share = len(equity_core) / len(mean_equity)
