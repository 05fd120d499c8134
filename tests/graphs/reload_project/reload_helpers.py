"""A module the graph module imports: a reload imports it afresh too."""

MARK = "before"
