# 两位同学共用的写法（不是教师的）/ the way two classmates share (not the instructor's)
received = futures[futures["received_at"] >= "{{ service.since }}"]
elapsed = lambda column: (received[column] - received["received_at"]).dt.total_seconds() / 3600
table = received.assign(
    response_met=elapsed("first_response_at") <= {{ service.response_hours }},
    closed_met=elapsed("closed_at") <= {{ service.close_hours }},
)
table["both_met"] = table["response_met"] & table["closed_met"]
service_by_channel = table.groupby("channel", observed=True).agg(
    complaints=("complaint_id", "size"),
    response_met=("response_met", "mean"),
    closed_met=("closed_met", "mean"),
    both_met=("both_met", "mean"),
)
