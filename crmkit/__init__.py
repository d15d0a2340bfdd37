"""CRM Casebook: case datasets, charts and widgets for Customer Relationship Management courses.

``crmkit.datasets.load`` loads a case's data; ``crmkit.plotting.use_cjk_font`` makes charts
show Chinese; ``crmkit.widgets.explore`` wires a slider or drop-down to a table or chart.
"""

__version__ = "0.1.0"
