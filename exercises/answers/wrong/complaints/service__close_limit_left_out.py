# 错：正好 {{ service.close_hours }} 小时结案的没算达标（用了 <） / Wrong: closing after exactly {{ service.close_hours }} hours counted as late (< instead of <=)
#| boundary: service.close_hours
#| expect: 小时的也算达标
RESPONSE_TARGET_HOURS, CLOSE_TARGET_HOURS = {{ service.response_hours }}, {{ service.close_hours }}
period = futures[futures["received_at"] >= pd.Timestamp("{{ service.since }}")]
received = period["received_at"]
response_hours = (period["first_response_at"] - received).dt.total_seconds() / 3600
close_hours = (period["closed_at"] - received).dt.total_seconds() / 3600
met = pd.DataFrame({
    "response_met": response_hours <= RESPONSE_TARGET_HOURS,
    "closed_met": close_hours < CLOSE_TARGET_HOURS,
})
met["both_met"] = met["response_met"] & met["closed_met"]
service_by_channel = met.groupby(period["channel"], observed=True).mean()
service_by_channel.insert(0, "complaints", period.groupby("channel", observed=True).size())
