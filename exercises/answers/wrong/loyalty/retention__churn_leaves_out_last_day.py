# 错：{{ retention.year }}-12-31 当天销户的没算流失 / Wrong: an account closed on {{ retention.year }}-12-31 not counted as churned
#| boundary: retention.year
#| expect: 流失率不对
YEAR_START, YEAR_END = pd.Timestamp("{{ retention.year }}-01-01"), pd.Timestamp("{{ retention.year }}-12-31")
accounts = clients[clients["opened_on"] <= YEAR_END]
still_open = accounts["closed_on"].isna() | (accounts["closed_on"] > YEAR_END)
retention_by_cohort = still_open.groupby(accounts["opened_on"].dt.year).mean()

open_at_start = (accounts["opened_on"] < YEAR_START) & (
    accounts["closed_on"].isna() | (accounts["closed_on"] >= YEAR_START)
)
closed_in_year = accounts["closed_on"].between(YEAR_START, YEAR_END, inclusive="left")
churn_rate = closed_in_year[open_at_start].mean()
